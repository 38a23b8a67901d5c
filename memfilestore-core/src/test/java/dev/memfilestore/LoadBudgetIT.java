package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, item 11, in a real JVM whose heap is too small for the save file: start-up stops with
 * the load budget's message instead of an {@link OutOfMemoryError}, and the file stays in place.
 */
class LoadBudgetIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  @Test
  void aSaveFileLargerThanTheHeapStopsStartUpWithAMessageNotAnOutOfMemoryError(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("s.json");
    // 400 sessions of 300 KB: 120 MB in the file, about 240 MB of heap once loaded, in a JVM of
    // 128 MB (without the budget: OutOfMemoryError part way through the load)
    LoadBudgetTest.writeSnapshot(file, 400, 300_000);
    Map<String, String> before = LoadBudgetTest.contents(dir);
    try (ChildJvm child =
        ChildJvm.start(
            "small-heap",
            List.of("-Xmx128m"),
            StoreWorkerMain.class,
            "try-build",
            file.toString())) {
      String verdict = child.await(l -> !l.isEmpty(), TIMEOUT, "the child's verdict");
      assertThat(verdict)
          .startsWith("REFUSED cannot load saveFile " + file)
          .contains("load budget")
          .contains("-Xmx");
      assertThat(child.awaitExit(TIMEOUT)).isZero();
    }
    assertThat(LoadBudgetTest.contents(dir))
        .as("the files after the refused start")
        .isEqualTo(before);
  }
}
