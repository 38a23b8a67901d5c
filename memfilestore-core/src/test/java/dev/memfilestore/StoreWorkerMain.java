package dev.memfilestore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The program the process tests run in a child JVM (see {@link ChildJvm}). It builds a {@link
 * MemFileStore} on a given save file and works on it, printing one stdout line per event; a line
 * that acknowledges an operation is printed only after the store call returned. Modes:
 *
 * <ul>
 *   <li>{@code shutdown <file> <seed> <round>}: no periodic save; sets and destroys sessions
 *       forever (the sequence of {@link ShutdownOps}), printing {@code ACK set <id> <value>} or
 *       {@code ACK destroy <id> <index>} after each, until {@code set} is refused because a
 *       shutdown closed the store ({@code CLOSED <index>}).
 *   <li>{@code hold <file>}: stores a few sessions, prints {@code READY}, and waits to be
 *       signalled.
 *   <li>{@code try-build <file>}: prints {@code BUILT <count>} or {@code REFUSED <message>}.
 *   <li>{@code crash <file> <sessions> <seed>}: fills the store up to {@code sessions} sessions,
 *       then forever changes some sessions and saves, printing {@code SAVING <generation> <count>}
 *       before and {@code SAVED <generation> <count> <millis>} after each {@code save()}.
 *   <li>{@code large-write <file> <count>} and {@code large-read <file> <count>}: one big save, one
 *       big load, with timings.
 * </ul>
 *
 * <p>A child never outlives its test: it halts when its stdin closes (the parent is gone) or after
 * {@link #MAX_LIFETIME_MINUTES}.
 */
final class StoreWorkerMain {
  static final int MAX_LIFETIME_MINUTES = 10;

  /** The id of the session that holds the generation number in crash mode. */
  static final String GENERATION_ID = "generation";

  private StoreWorkerMain() {}

  /**
   * A store that persists by snapshots only: these modes test what snapshots promise (the SIGTERM
   * save, the atomic rename), which the journal would otherwise mask. The journal has its own crash
   * test, {@link JournalCrashIT}.
   */
  private static MemFileStore snapshotOnly(Path file) {
    return MemFileStore.builder().saveFile(file).durability(Durability.SNAPSHOT).build();
  }

  public static void main(String[] args) throws Exception {
    startWatchdogs();
    Path file = Path.of(args[1]);
    switch (args[0]) {
      case "shutdown" -> shutdown(file, Long.parseLong(args[2]), Integer.parseInt(args[3]));
      case "hold" -> hold(file);
      case "try-build" -> tryBuild(file);
      case "crash" -> crash(file, Integer.parseInt(args[2]), Long.parseLong(args[3]));
      case "large-write" -> largeWrite(file, Integer.parseInt(args[2]));
      case "large-read" -> largeRead(file, Integer.parseInt(args[2]));
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  // ---------------------------------------------------------------- shutdown

  /** One operation of the shutdown workload. */
  record Op(long index, boolean destroy, String id, long value) {}

  /**
   * The deterministic operation sequence of one round: the child performs it and the test replays
   * it, so the test knows every value the child may have written, acknowledged or not.
   */
  static final class ShutdownOps {
    static final int ID_POOL = 2_000;
    private final Random random;
    private final long base;
    private long index;

    ShutdownOps(long seed, int round) {
      this.random = new Random(seed * 1_000 + round);
      this.base = round * 1_000_000_000L;
    }

    Op next() {
      boolean destroy = random.nextInt(100) < 15;
      String id = "sess-" + random.nextInt(ID_POOL);
      long i = index++;
      return new Op(i, destroy, id, base + i);
    }
  }

  private static void shutdown(Path file, long seed, int round) {
    MemFileStore store = snapshotOnly(file);
    say("LOADED " + store.length());
    ShutdownOps ops = new ShutdownOps(seed, round);
    while (true) {
      Op op = ops.next();
      if (op.destroy()) {
        store.destroy(op.id());
        say("ACK destroy " + op.id() + " " + op.index());
      } else {
        SessionData session = new SessionData();
        session.setAttribute("v", op.value());
        session.setAttribute("user", "user-" + op.id());
        try {
          store.set(op.id(), session);
        } catch (IllegalStateException closed) {
          say("CLOSED " + op.index());
          return; // the shutdown hook is saving; the JVM exits when it is done
        }
        say("ACK set " + op.id() + " " + op.value());
      }
    }
  }

  // ---------------------------------------------------------------- lock

  private static void hold(Path file) throws InterruptedException {
    MemFileStore store = MemFileStore.builder().saveFile(file).build();
    for (int i = 0; i < 5; i++) {
      SessionData session = new SessionData();
      session.setAttribute("n", (long) i);
      store.set("held-" + i, session);
    }
    say("READY " + store.length());
    new CountDownLatch(1).await(MAX_LIFETIME_MINUTES, TimeUnit.MINUTES); // until signalled
  }

  private static void tryBuild(Path file) {
    MemFileStore store;
    try {
      store = MemFileStore.builder().saveFile(file).build();
    } catch (IllegalStateException e) {
      say("REFUSED " + e.getMessage());
      return;
    }
    say("BUILT " + store.length());
    store.close();
  }

  // ---------------------------------------------------------------- crash

  private static void crash(Path file, int sessions, long seed) {
    MemFileStore store = snapshotOnly(file);
    long generation =
        store.get(GENERATION_ID).map(s -> (Long) s.getAttribute("g")).orElse(0L).longValue();
    List<String> ids = new ArrayList<>(store.ids());
    ids.remove(GENERATION_ID);
    say("LOADED " + generation + " " + store.length());
    Random random = new Random(seed);
    long fresh = 0;
    while (ids.size() < sessions) {
      String id = "c-" + seed + "-" + fresh++;
      store.set(id, bigSession(random, fresh));
      ids.add(id);
    }
    say("READY " + store.length());
    while (true) {
      for (int i = 0; i < 50; i++) { // drop 50 sessions...
        int victim = random.nextInt(ids.size());
        store.destroy(ids.get(victim));
        ids.set(victim, ids.get(ids.size() - 1));
        ids.remove(ids.size() - 1);
      }
      for (int i = 0; i < 51; i++) { // ...and add 51: every save holds one more session
        String id = "c-" + seed + "-" + fresh++;
        store.set(id, bigSession(random, fresh));
        ids.add(id);
      }
      generation++;
      SessionData marker = new SessionData();
      marker.setAttribute("g", generation);
      store.set(GENERATION_ID, marker);
      long count = store.length();
      say("SAVING " + generation + " " + count);
      long started = System.nanoTime();
      store.save();
      say(
          "SAVED "
              + generation
              + " "
              + count
              + " "
              + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }
  }

  // ---------------------------------------------------------------- large

  private static void largeWrite(Path file, int count) throws IOException {
    MemFileStore store = snapshotOnly(file);
    Random random = new Random(count);
    long started = System.nanoTime();
    for (int i = 0; i < count; i++) {
      store.set(largeId(i), bigSession(random, i));
    }
    say("FILLED " + store.length() + " " + millisSince(started));
    started = System.nanoTime();
    store.save();
    say("SAVED " + store.length() + " " + millisSince(started) + " " + Files.size(file));
    store.close();
    say("CLOSED");
  }

  private static void largeRead(Path file, int count) {
    long started = System.nanoTime();
    MemFileStore store = snapshotOnly(file);
    say("LOADED " + store.length() + " " + millisSince(started));
    int checked = 0;
    for (int i = 0; i < count; i += 997) {
      SessionData s = store.get(largeId(i)).orElseThrow(() -> new AssertionError("missing"));
      if (!(s.getAttribute("userId") instanceof Long)
          || ((Long) s.getAttribute("userId")).longValue() != i
          || !(s.getAttribute("loginAt") instanceof Instant)
          || !s.getAttribute("loginAt").equals(Instant.ofEpochSecond(1_700_000_000L + i))
          || !("user-" + i + "@example.com").equals(s.getAttribute("user"))) {
        say("MISMATCH " + i);
        return;
      }
      checked++;
    }
    Runtime rt = Runtime.getRuntime();
    say("CHECKED " + checked + " heapUsedMiB=" + (rt.totalMemory() - rt.freeMemory()) / (1 << 20));
    store.close();
  }

  static String largeId(int i) {
    return "large-session-" + i;
  }

  /** A session of about 500 serialized bytes with a few typed attributes. */
  static SessionData bigSession(Random random, long n) {
    SessionData s = new SessionData(Instant.ofEpochSecond(1_700_000_000L + n));
    s.setAttribute("user", "user-" + n + "@example.com");
    s.setAttribute("userId", n);
    s.setAttribute("loginAt", Instant.ofEpochSecond(1_700_000_000L + n));
    s.setAttribute(
        "csrf", Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong()));
    StringBuilder payload = new StringBuilder(PAYLOAD_CHARS);
    for (int i = 0; i < PAYLOAD_CHARS; i++) {
      payload.append((char) ('a' + random.nextInt(26)));
    }
    s.setAttribute("payload", payload.toString());
    return s;
  }

  /** Sized so that {@link #bigSession} serializes to about 500 bytes. */
  static final int PAYLOAD_CHARS = 250;

  // ---------------------------------------------------------------- plumbing

  private static long millisSince(long startedNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
  }

  /** Prints one line and flushes it to the pipe before returning. */
  private static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  private static void startWatchdogs() {
    Thread orphan =
        new Thread(
            () -> {
              try {
                InputStream in = System.in;
                while (in.read() >= 0) {
                  // the parent never writes; EOF means it is gone
                }
              } catch (IOException e) {
                // treat as gone
              }
              Runtime.getRuntime().halt(70);
            },
            "orphan-watchdog");
    orphan.setDaemon(true);
    orphan.start();
    Thread lifetime =
        new Thread(
            () -> {
              try {
                Thread.sleep(TimeUnit.MINUTES.toMillis(MAX_LIFETIME_MINUTES));
                Runtime.getRuntime().halt(71);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "lifetime-watchdog");
    lifetime.setDaemon(true);
    lifetime.start();
  }
}
