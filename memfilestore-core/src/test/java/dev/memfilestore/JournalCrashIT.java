package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal's promise, proved with real crashes: a child JVM writes sessions from two threads
 * while snapshots (and so journal rotations) run back to back, and is killed with SIGKILL at a
 * random moment; round after round on the same files, every acknowledged write is there with its
 * latest value, and every acknowledged destroy (a logout) stays destroyed.
 *
 * <p>Each writer thread numbers its operations across rounds and prints an acknowledgement after
 * each call returns, so at a kill each thread has at most one operation that may or may not have
 * happened: the one after its last acknowledgement. The check allows exactly that, and no more.
 */
class JournalCrashIT {
  private static final int ROUNDS = 12;

  @TempDir Path dir;

  /** The last acknowledged operation on an id: its number, and whether it was a removal. */
  private record Acked(long op, boolean removed, int round) {}

  private final long[] inFlight = new long[2];

  private int lastByteOfNewestJournal() throws IOException {
    Path newest;
    try (Stream<Path> files = Files.list(dir)) {
      newest =
          files
              .filter(p -> p.getFileName().toString().matches("sessions\\.json\\.journal\\.\\d+"))
              .max(
                  Comparator.comparingLong(
                      p -> Long.parseLong(p.getFileName().toString().replaceAll(".*\\.", ""))))
              .orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(newest);
    return bytes.length == 0 ? -1 : bytes[bytes.length - 1];
  }

  @Test
  void sigkillLosesNoAcknowledgedChange() throws IOException {
    long seed = Long.getLong("crash.seed", new Random().nextLong());
    Random random = new Random(seed);
    Path file = dir.resolve("sessions.json");
    Map<String, Acked> acked = new HashMap<>();
    long[] nextOp = {1, 1}; // each thread's first operation number in the next round
    System.out.println("JournalCrashIT seed " + seed);

    for (int round = 0; round < ROUNDS; round++) {
      Durability durability = round % 4 == 3 ? Durability.JOURNAL_SYNC : Durability.JOURNAL;
      String context = "seed " + seed + ", round " + round + " (" + durability + ")";
      try (ChildJvm child =
          ChildJvm.start(
              "journal-worker",
              List.of("-Xmx512m"),
              JournalWorkerMain.class,
              file.toString(),
              durability.name(),
              Long.toString(seed + round),
              Long.toString(nextOp[0]),
              Long.toString(nextOp[1]))) {
        child.awaitPrefix("READY", Duration.ofSeconds(60));
        int acksBeforeKill = 200 + random.nextInt(round % 2 == 0 ? 3_000 : 30_000);
        for (int i = 0; i < acksBeforeKill; i++) {
          child.awaitPrefix("ACK", Duration.ofSeconds(60));
        }
        child.kill();
        child.awaitExit(Duration.ofSeconds(30));
        long[] lastAcked = {nextOp[0] - 1, nextOp[1] - 1};
        for (String line : child.stdout()) {
          if (line.startsWith("ACK ")) {
            String[] f = line.split(" ");
            int thread = Integer.parseInt(f[1]);
            long op = Long.parseLong(f[2]);
            acked.put(f[4], new Acked(op, f[3].equals("del"), round));
            lastAcked[thread] = Math.max(lastAcked[thread], op);
          }
        }
        // The one operation per thread that may have happened without an acknowledgement:
        inFlight[0] = lastAcked[0] + 1;
        inFlight[1] = lastAcked[1] + 1;
        nextOp[0] = inFlight[0] + 1;
        nextOp[1] = inFlight[1] + 1;
      }

      // The journal was mapped: the kill left it ending in the zeros of its last chunk, which
      // recovery must read as its clean end, losing nothing that was acknowledged.
      assertThat(lastByteOfNewestJournal())
          .as(
              "%s: the newest journal ends in NUL bytes (-1: empty, killed as it was created)",
              context)
          .isBetween(-1, 0);

      if (System.getProperty("crash.keep") != null) {
        Path keep = Path.of(System.getProperty("crash.keep"), "round-" + round);
        Files.createDirectories(keep);
        try (Stream<Path> files = Files.list(dir)) {
          for (Path f : files.toList()) {
            Files.copy(f, keep.resolve(f.getFileName()));
          }
        }
      }
      MemFileStore recovered = MemFileStore.builder().saveFile(file).build();
      try {
        Map<String, Long> stored = new HashMap<>();
        Map<String, Object> users = new HashMap<>();
        recovered
            .all()
            .forEach(
                (id, s) -> {
                  stored.put(id, (Long) s.getAttribute("op"));
                  users.put(id, s.getAttribute("user"));
                });
        // Patches changed only "op": the attributes they left alone came through the replay.
        users.forEach(
            (id, user) ->
                assertThat(user).as("%s: %s's user", context, id).isEqualTo("user-" + id));
        int[] unexplained = new int[2]; // differences only the in-flight operation can explain
        Map<String, Acked> all = new HashMap<>(acked);
        stored.keySet().forEach(id -> all.putIfAbsent(id, new Acked(0, true, -1)));
        for (Map.Entry<String, Acked> e : all.entrySet()) {
          String id = e.getKey();
          int thread = id.charAt(1) - '0';
          Acked last = e.getValue();
          Long op = stored.get(id);
          boolean asAcked = last.removed() ? op == null : Long.valueOf(last.op()).equals(op);
          if (asAcked) {
            continue;
          }
          // Else the in-flight operation changed it: set it (to its number) or destroyed it.
          assertThat(op == null || op == inFlight[thread])
              .as(
                  "%s: %s was last %s by op %d (round %d) but holds %s; in flight: op %d",
                  context,
                  id,
                  last.removed() ? "destroyed" : "set",
                  last.op(),
                  last.round(),
                  op,
                  inFlight[thread])
              .isTrue();
          unexplained[thread]++;
        }
        assertThat(Math.max(unexplained[0], unexplained[1]))
            .as("%s: at most one change per thread may lack an acknowledgement", context)
            .isLessThanOrEqualTo(1);
        // The next round starts from what this one recovered, the in-flight change included.
        acked.clear();
        int recoveredIn = round;
        stored.forEach((id, op) -> acked.put(id, new Acked(op, false, recoveredIn)));
      } finally {
        recovered.simulateCrash(); // leave the files as recovery left them, for the next round
      }
      try (Stream<Path> files = Files.list(dir)) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .as("%s: nothing was damaged", context)
            .noneMatch(name -> name.contains(".damaged"));
      }
    }
  }
}
