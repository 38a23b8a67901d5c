package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two processes never share a save file: the second one is refused at once, with the path. */
class SaveFileLockIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Test
  void aStoreInAnotherProcessHoldsTheFileUntilItExits(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sessions.json");
    String path = file.toAbsolutePath().normalize().toString();
    try (ChildJvm child =
        ChildJvm.start("lock-holder", List.of("-Xmx128m"), StoreWorkerMain.class, "hold", path)) {
      assertThat(child.awaitPrefix("READY", TIMEOUT)).isEqualTo("READY 5");
      byte[] lockBefore = Files.readAllBytes(dir.resolve("sessions.json.lock"));

      long started = System.nanoTime();
      assertThatThrownBy(() -> MemFileStore.builder().saveFile(file).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(path)
          .hasMessageContaining("another process");
      long refusedMillis = (System.nanoTime() - started) / 1_000_000;
      assertThat(refusedMillis).as("refused fast, not after a wait").isLessThan(5_000);
      assertThat(Files.exists(file)).as("the refused store wrote nothing").isFalse();
      assertThat(Arrays.equals(Files.readAllBytes(dir.resolve("sessions.json.lock")), lockBefore))
          .isTrue();
      assertThat(child.isAlive()).isTrue();

      child.terminate();
      assertThat(child.awaitExit(TIMEOUT)).isEqualTo(143);
      System.out.printf("SaveFileLockIT: refused in %d ms while held%n", refusedMillis);
    }

    try (MemFileStore store = MemFileStore.builder().saveFile(file).build()) {
      assertThat(store.ids())
          .as("the holder saved at SIGTERM and let go")
          .containsExactlyInAnyOrder("held-0", "held-1", "held-2", "held-3", "held-4");
    }
  }

  @Test
  void aStoreInThisProcessHoldsTheFileAgainstAChild(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sessions.json");
    String path = file.toAbsolutePath().normalize().toString();
    try (MemFileStore store = MemFileStore.builder().saveFile(file).build()) {
      store.set("mine", new SessionData());
      try (ChildJvm child =
          ChildJvm.start(
              "lock-tryer", List.of("-Xmx128m"), StoreWorkerMain.class, "try-build", path)) {
        String line = child.await(l -> !l.isEmpty(), TIMEOUT, "the child's verdict");
        assertThat(line).startsWith("REFUSED ").contains(path).contains("another process");
        assertThat(child.awaitExit(TIMEOUT)).isZero();
      }
    }
    try (ChildJvm child =
        ChildJvm.start(
            "lock-tryer", List.of("-Xmx128m"), StoreWorkerMain.class, "try-build", path)) {
      assertThat(child.await(l -> !l.isEmpty(), TIMEOUT, "the child's verdict"))
          .as("once closed here, the child builds and loads what was saved")
          .isEqualTo("BUILT 1");
      assertThat(child.awaitExit(TIMEOUT)).isZero();
    }
  }

  @Test
  void twoLinksToOneFileInTwoProcessesShareOneLock(@TempDir Path dir) throws Exception {
    Path target = Files.createDirectory(dir.resolve("volume")).resolve("sessions.json");
    Path first = Files.createSymbolicLink(dir.resolve("first.json"), target);
    Path second = Files.createSymbolicLink(dir.resolve("second.json"), target);
    try (ChildJvm child =
        ChildJvm.start(
            "link-holder", List.of("-Xmx128m"), StoreWorkerMain.class, "hold", first.toString())) {
      assertThat(child.awaitPrefix("READY", TIMEOUT)).isEqualTo("READY 5");
      assertThatThrownBy(() -> MemFileStore.builder().saveFile(second).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(target.toString())
          .hasMessageContaining("another process");
      child.terminate();
      assertThat(child.awaitExit(TIMEOUT)).isEqualTo(143);
    }
    assertThat(Files.isSymbolicLink(first)).as("the holder's saves kept its link").isTrue();
    try (MemFileStore store = MemFileStore.builder().saveFile(second).build()) {
      assertThat(store.length()).as("saved by the holder through the other link").isEqualTo(5);
    }
  }
}
