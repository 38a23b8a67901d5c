package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One million sessions of about 500 bytes (String, Long and Instant attributes) are saved by one
 * child JVM and loaded by a fresh one, each with a bounded heap: a snapshot of that size must fit,
 * and must not take forever. Timings and the file size are printed.
 */
class LargeSnapshotIT {
  static final int SESSIONS = Integer.getInteger("large.sessions", 1_000_000);
  static final String HEAP = System.getProperty("large.heap", "-Xmx2g");
  private static final Duration TIMEOUT = Duration.ofMinutes(5);

  @Test
  void savesAndLoadsAMillionSessions(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sessions.json");
    String count = Integer.toString(SESSIONS);
    long fillMillis;
    long saveMillis;
    long size;
    try (ChildJvm writer =
        ChildJvm.start(
            "large-write",
            List.of(HEAP),
            StoreWorkerMain.class,
            "large-write",
            file.toString(),
            count)) {
      String filled = writer.awaitPrefix("FILLED ", TIMEOUT);
      assertThat(filled.split(" ", -1)[1]).isEqualTo(count);
      fillMillis = Long.parseLong(filled.split(" ", -1)[2]);
      String saved = writer.awaitPrefix("SAVED ", TIMEOUT);
      String[] parts = saved.split(" ", -1);
      assertThat(parts[1]).isEqualTo(count);
      saveMillis = Long.parseLong(parts[2]);
      size = Long.parseLong(parts[3]);
      assertThat(writer.awaitPrefix("CLOSED", TIMEOUT)).isEqualTo("CLOSED");
      assertThat(writer.awaitExit(TIMEOUT)).isZero();
    }
    assertThat(Files.size(file)).isEqualTo(size);

    long loadMillis;
    String checked;
    try (ChildJvm reader =
        ChildJvm.start(
            "large-read",
            List.of(HEAP),
            StoreWorkerMain.class,
            "large-read",
            file.toString(),
            count)) {
      String loaded = reader.awaitPrefix("LOADED ", TIMEOUT);
      assertThat(loaded.split(" ", -1)[1]).as("every session loads").isEqualTo(count);
      loadMillis = Long.parseLong(loaded.split(" ", -1)[2]);
      checked = reader.await(l -> !l.isEmpty(), TIMEOUT, "the sample check");
      assertThat(checked).as("sampled sessions keep their values and types").startsWith("CHECKED ");
      assertThat(reader.awaitExit(TIMEOUT)).isZero();
    }
    System.out.printf(
        "LargeSnapshotIT: %d sessions, heap %s: fill %d ms, save %d ms, load %d ms,"
            + " file %d bytes (%d bytes/session), %s%n",
        SESSIONS, HEAP, fillMillis, saveMillis, loadMillis, size, size / SESSIONS, checked);
  }
}
