package dev.memfilestore;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The child process of {@link JournalCrashIT}: recovers a store, then two writer threads change
 * sessions as fast as they can while a third takes snapshots back to back, until it is killed. Each
 * writer owns its ids ({@code t0-…}, {@code t1-…}) and numbers its operations 1, 2, 3…; it prints
 * {@code ACK <thread> <op> set|del <id>} only after the store call returned.
 *
 * <p>Arguments: save file, durability, seed, and the first operation number of each thread.
 */
final class JournalWorkerMain {
  private static final int IDS_PER_THREAD = 3_000;
  private static final String PADDING = "x".repeat(420); // a session of about 500 bytes

  private JournalWorkerMain() {}

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    Durability durability = Durability.valueOf(args[1]);
    long seed = Long.parseLong(args[2]);
    long[] start = {Long.parseLong(args[3]), Long.parseLong(args[4])};
    PrintStream out = System.out;
    MemFileStore store = MemFileStore.builder().saveFile(file).durability(durability).build();
    synchronized (out) {
      out.println("READY " + store.length());
      out.flush();
    }
    AtomicBoolean failed = new AtomicBoolean();
    for (int t = 0; t < 2; t++) {
      int thread = t;
      Random random = new Random(seed * 31 + t);
      Thread writer =
          new Thread(
              () -> {
                try {
                  for (long op = start[thread]; ; op++) {
                    String id = "t" + thread + "-" + random.nextInt(IDS_PER_THREAD);
                    String what;
                    if (random.nextInt(5) == 0) {
                      store.destroy(id);
                      what = "del";
                    } else {
                      // Half the saves change a stored session (journaled as a patch of it).
                      SessionData s = random.nextBoolean() ? store.get(id).orElse(null) : null;
                      if (s == null) {
                        s = new SessionData(Instant.now());
                        s.setAttribute("user", "user-" + id);
                        s.setAttribute("padding", PADDING);
                      }
                      s.setAttribute("op", op);
                      store.set(id, s);
                      what = "set";
                    }
                    synchronized (out) {
                      out.println("ACK " + thread + " " + op + " " + what + " " + id);
                      out.flush();
                    }
                  }
                } catch (RuntimeException e) {
                  failed.set(true);
                  e.printStackTrace();
                }
              },
              "writer-" + t);
      writer.start();
    }
    Thread compactor =
        new Thread(
            () -> {
              while (!failed.get()) {
                store.save(); // snapshot and journal rotation, back to back
              }
            },
            "compactor");
    compactor.start();
    Thread.sleep(120_000); // the test kills us long before; never outlive it
    System.exit(3);
  }
}
