package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.StoreWorkerMain.Op;
import dev.memfilestore.StoreWorkerMain.ShutdownOps;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM saves: a child JVM with no periodic save sets and destroys sessions as fast as it can;
 * after N acknowledged operations it gets SIGTERM, and the file its shutdown hook wrote must hold
 * every acknowledged operation. Several rounds run on the same file, each starting from what the
 * previous one left.
 *
 * <p>The check is exact: the child's operations are a deterministic sequence that the test replays,
 * so the file must equal the state after the acknowledged operations, except that the one operation
 * the child may have been in when the JVM halted (the one after the last acknowledgement, unless
 * the child reported it refused) may be there or not.
 */
class ShutdownSaveIT {
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(90);

  @Test
  void sigtermSavesEveryAcknowledgedSetAndDestroy(@TempDir Path dir) throws Exception {
    long seed = System.nanoTime();
    System.out.println("ShutdownSaveIT seed=" + seed);
    Random random = new Random(seed);
    List<Integer> ackTargets =
        new ArrayList<>(List.of(1, 300, 5_000, 40_000, 1 + random.nextInt(20_000)));
    Collections.shuffle(ackTargets, random);

    Path file = dir.resolve("data").resolve("sessions.json");
    Map<String, Long> before = new HashMap<>(); // what the file held before the round
    for (int round = 1; round <= ackTargets.size(); round++) {
      int target = ackTargets.get(round - 1);
      long started = System.nanoTime();
      List<String> out;
      try (ChildJvm child =
          ChildJvm.start(
              "shutdown-" + round,
              List.of("-Xmx256m"),
              StoreWorkerMain.class,
              "shutdown",
              file.toString(),
              Long.toString(seed),
              Integer.toString(round))) {
        assertThat(child.awaitPrefix("LOADED ", STEP_TIMEOUT))
            .as("round %d: the child loads what the last round saved", round)
            .isEqualTo("LOADED " + before.size());
        long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        for (int acks = 0; acks < target; ) {
          String line = child.nextLine(deadline, target + " acknowledgements");
          if (line.startsWith("ACK ")) {
            acks++;
          } else {
            throw child.failure("unexpected line before SIGTERM: " + line);
          }
        }
        child.terminate();
        int exit = child.awaitExit(STEP_TIMEOUT);
        assertThat(exit).as("exit code after SIGTERM (128 + 15)").isEqualTo(143);
        assertThat(child.stderrTail())
            .as("the shutdown hook reports its save")
            .contains("Saved sessions to " + file.toAbsolutePath().normalize() + " at shutdown");
        out = child.stdout();
      }

      Expected expected = replay(before, out.subList(1, out.size()), seed, round);
      Map<String, Long> saved = load(file);
      expected.check(saved, round);
      System.out.printf(
          "ShutdownSaveIT round %d: SIGTERM after %d acks (%d acknowledged in all, %s),"
              + " %d sessions saved, %d ms%n",
          round,
          target,
          expected.acknowledged,
          expected.refused ? "next set refused" : "one operation maybe in flight",
          saved.size(),
          (System.nanoTime() - started) / 1_000_000);
      before = saved;
    }
  }

  /** The sessions a file holds, as id to the value attribute, read by a store in this JVM. */
  static Map<String, Long> load(Path file) {
    Map<String, Long> values = new HashMap<>();
    try (MemFileStore store = MemFileStore.builder().saveFile(file).build()) {
      store.all().forEach((id, s) -> values.put(id, (Long) s.getAttribute("v")));
    }
    return values;
  }

  /** Replays the round's operations against the child's stdout (after its LOADED line). */
  private static Expected replay(
      Map<String, Long> before, List<String> lines, long seed, int round) {
    ShutdownOps ops = new ShutdownOps(seed, round);
    Map<String, Long> state = new HashMap<>(before);
    int acknowledged = 0;
    boolean refused = false;
    Op pending = ops.next();
    for (String line : lines) {
      if (line.startsWith("CLOSED ")) {
        assertThat(line).as("the refused operation").isEqualTo("CLOSED " + pending.index());
        assertThat(pending.destroy()).as("only set is refused after close").isFalse();
        refused = true;
        continue;
      }
      assertThat(refused).as("nothing is acknowledged after a refusal: " + line).isFalse();
      String expectedLine =
          pending.destroy()
              ? "ACK destroy " + pending.id() + " " + pending.index()
              : "ACK set " + pending.id() + " " + pending.value();
      assertThat(line).as("acknowledgement %d", acknowledged).isEqualTo(expectedLine);
      if (pending.destroy()) {
        state.remove(pending.id());
      } else {
        state.put(pending.id(), pending.value());
      }
      acknowledged++;
      pending = ops.next();
    }
    return new Expected(state, refused ? null : pending, acknowledged, refused);
  }

  /** The state after the acknowledged operations, and the one that may have been in flight. */
  private static final class Expected {
    final Map<String, Long> acked;
    final Op inFlight; // null if the child reported the next operation refused
    final int acknowledged;
    final boolean refused;

    Expected(Map<String, Long> acked, Op inFlight, int acknowledged, boolean refused) {
      this.acked = acked;
      this.inFlight = inFlight;
      this.acknowledged = acknowledged;
      this.refused = refused;
    }

    void check(Map<String, Long> saved, int round) {
      TreeSet<String> ids = new TreeSet<>(acked.keySet());
      ids.addAll(saved.keySet());
      List<String> problems = new ArrayList<>();
      for (String id : ids) {
        Long want = acked.get(id);
        Long got = saved.get(id);
        if (Objects.equals(want, got)) {
          continue;
        }
        if (inFlight != null && inFlight.id().equals(id)) {
          Long inFlightResult = inFlight.destroy() ? null : inFlight.value();
          if (Objects.equals(got, inFlightResult)) {
            continue; // the operation the child was in when it halted: allowed either way
          }
        }
        if (got == null) {
          problems.add(id + ": acknowledged value " + want + " was not saved");
        } else if (want == null) {
          problems.add(id + ": acknowledged destroy was not saved (file has value " + got + ")");
        } else {
          problems.add(id + ": file has " + got + " but the last acknowledged value is " + want);
        }
      }
      assertThat(problems)
          .as("round %d: %d acknowledged operations, in flight: %s", round, acknowledged, inFlight)
          .isEmpty();
    }
  }
}
