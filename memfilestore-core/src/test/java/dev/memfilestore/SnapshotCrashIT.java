package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL during saves never costs the save file: a child JVM holding many sessions saves in a loop
 * and is killed at random moments, round after round on the same file. After each kill the file
 * must load intact (nothing kept aside as damaged) and hold exactly one complete snapshot.
 *
 * <p>What is guaranteed, exactly: the child prints {@code SAVING g n} before and {@code SAVED g n}
 * after each {@code save()}, where {@code g} is a generation number stored in the snapshot itself
 * and {@code n} the number of sessions. The rename is atomic, so after the kill the file holds
 * either the last snapshot whose save returned (or, if none did in this round, what the round
 * started from) or the snapshot being written when the kill came (its rename may have happened
 * before {@code save()} could return). Nothing else, and never a mix.
 */
class SnapshotCrashIT {
  private static final int SESSIONS = 200_000;
  private static final int ROUNDS = 5;
  private static final Duration STEP_TIMEOUT = Duration.ofMinutes(3);

  /** A snapshot as (generation, session count). */
  record Snapshot(long generation, long count) {}

  @Test
  void killsDuringSavesNeverLeaveATornSaveFile(@TempDir Path dir) throws Exception {
    long seed = Long.getLong("crash.seed", System.nanoTime());
    System.out.println("SnapshotCrashIT seed=" + seed + " (rerun with -Dcrash.seed=" + seed + ")");
    Random random = new Random(seed);
    Path file = dir.resolve("sessions.json");
    Snapshot onFile = new Snapshot(0, 0);
    long saveMillis = 1_000; // estimate until the child reports one
    for (int round = 1; round <= ROUNDS; round++) {
      long started = System.nanoTime();
      int savesFirst = random.nextInt(3);
      List<String> out;
      long delay;
      try (ChildJvm child =
          ChildJvm.start(
              "crash-" + round,
              List.of("-Xmx1g"),
              StoreWorkerMain.class,
              "crash",
              file.toString(),
              Integer.toString(SESSIONS),
              Long.toString(random.nextLong()))) {
        assertThat(snapshotOf(child.awaitPrefix("LOADED ", STEP_TIMEOUT)))
            .as("round %d: the child loads what the test loaded", round)
            .isEqualTo(onFile);
        child.awaitPrefix("READY ", STEP_TIMEOUT);
        for (int i = 0; i < savesFirst; i++) {
          String saved = child.awaitPrefix("SAVED ", STEP_TIMEOUT);
          saveMillis = Long.parseLong(saved.split(" ", -1)[3]);
        }
        child.awaitPrefix("SAVING ", STEP_TIMEOUT);
        delay = random.nextInt((int) Math.max(1, saveMillis * 6 / 5));
        Thread.sleep(delay); // bounded: a random moment of the save that just began
        child.kill();
        assertThat(child.awaitExit(STEP_TIMEOUT)).as("exit code after SIGKILL").isEqualTo(137);
        out = child.stdout();
      }

      Set<Snapshot> allowed = allowedAfterKill(out);
      assertThat(damagedFiles(dir))
          .as("round %d: nothing was kept aside as damaged", round)
          .isEmpty();
      Snapshot loaded;
      try (MemFileStore store = MemFileStore.builder().saveFile(file).build()) {
        long generation =
            store
                .get(StoreWorkerMain.GENERATION_ID)
                .map(s -> (Long) s.getAttribute("g"))
                .orElse(0L);
        loaded = new Snapshot(generation, store.length());
      }
      assertThat(damagedFiles(dir)).as("round %d: loading found no damage", round).isEmpty();
      assertThat(loaded)
          .as("round %d: the file holds one complete snapshot of %s", round, allowed)
          .isIn(allowed);
      System.out.printf(
          "SnapshotCrashIT round %d: SIGKILL %d ms into save #%d (a save takes ~%d ms);"
              + " file holds generation %d with %d sessions (allowed %s); %d ms%n",
          round,
          delay,
          savesFirst + 1,
          saveMillis,
          loaded.generation(),
          loaded.count(),
          allowed,
          (System.nanoTime() - started) / 1_000_000);
      onFile = loaded;
    }
  }

  /**
   * The snapshots the file may hold after the kill: the last completed one (or the one loaded at
   * start if no save completed) and the one in progress, if any.
   */
  private static Set<Snapshot> allowedAfterKill(List<String> out) {
    Snapshot completed = null;
    Snapshot inProgress = null;
    for (String line : out) {
      if (line.startsWith("LOADED ") || line.startsWith("SAVED ")) {
        completed = snapshotOf(line);
        inProgress = null;
      } else if (line.startsWith("SAVING ")) {
        inProgress = snapshotOf(line);
      }
    }
    Set<Snapshot> allowed = new LinkedHashSet<>();
    allowed.add(completed);
    if (inProgress != null) {
      allowed.add(inProgress);
    }
    return allowed;
  }

  private static Snapshot snapshotOf(String line) {
    String[] parts = line.split(" ", -1);
    return new Snapshot(Long.parseLong(parts[1]), Long.parseLong(parts[2]));
  }

  private static List<Path> damagedFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> damaged = new ArrayList<>();
      files.filter(p -> p.getFileName().toString().contains(".damaged-")).forEach(damaged::add);
      return damaged;
    }
  }
}
