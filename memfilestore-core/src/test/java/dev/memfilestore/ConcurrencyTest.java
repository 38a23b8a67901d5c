package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many threads on one store while another thread saves it over and over: no exception, the bound
 * holds, no update is lost, and what is saved at the end is exactly what is in memory. Every phase
 * runs a fixed number of operations (not a time), each thread with its own seeded random.
 */
class ConcurrencyTest {
  private static final int THREADS = 6;
  private static final int OPS_PER_THREAD = 20_000;
  private static final int MAX = 500;
  private static final long TIMEOUT_SECONDS = 120;

  private final long seed = Long.getLong("concurrency.seed", System.nanoTime());
  private ExecutorService pool;

  @BeforeEach
  void startPool() {
    System.out.println("ConcurrencyTest seed=" + seed);
    pool = Executors.newFixedThreadPool(THREADS + 2);
  }

  @AfterEach
  void stopPool() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void mixedOperationsOnABoundedStoreWhileSaving(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sessions.json");
    Map<String, SessionData> finalState;
    try (MemFileStore store = MemFileStore.builder().saveFile(file).max(MAX).build()) {
      List<Callable<Void>> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        Random random = new Random(seed + t);
        int thread = t;
        workers.add(
            () -> {
              for (int i = 0; i < OPS_PER_THREAD; i++) {
                String id = "shared-" + random.nextInt(MAX * 3);
                switch (random.nextInt(4)) {
                  case 0 -> store.set(id, session(thread, i));
                  case 1 -> store.get(id).ifPresent(s -> assertWellFormed(id, s));
                  case 2 -> store.touch(id, random.nextBoolean() ? null : session(thread, i));
                  default -> store.destroy(id);
                }
              }
              return null;
            });
      }
      long saves = runWhileSaving(store, workers);
      assertThat(store.length()).isLessThanOrEqualTo(MAX);

      // One writer now: after each set returns, the bound must hold, readers or not.
      AtomicBoolean writing = new AtomicBoolean(true);
      List<Callable<Void>> singleWriter = new ArrayList<>();
      singleWriter.add(
          () -> {
            try {
              Random random = new Random(seed - 1);
              for (int i = 0; i < OPS_PER_THREAD; i++) {
                store.set("single-" + random.nextInt(MAX * 4), session(-1, i));
                long length = store.length();
                assertThat(length).as("length after set #%d", i).isLessThanOrEqualTo(MAX);
              }
            } finally {
              writing.set(false);
            }
            return null;
          });
      for (int t = 0; t < 2; t++) {
        Random random = new Random(seed + 100 + t);
        singleWriter.add(
            () -> {
              while (writing.get()) {
                String id = "single-" + random.nextInt(MAX * 4);
                store.get(id).ifPresent(s -> assertWellFormed(id, s));
              }
              return null;
            });
      }
      saves += runWhileSaving(store, singleWriter);
      System.out.println("ConcurrencyTest bounded phases: " + saves + " saves ran concurrently");
      finalState = store.all();
      assertThat(finalState).hasSizeLessThanOrEqualTo(MAX);
    }
    try (MemFileStore reloaded = MemFileStore.builder().saveFile(file).max(MAX).build()) {
      assertThat(reloaded.all()).as("reloaded equals the final state").isEqualTo(finalState);
    }
  }

  @Test
  void disjointWritersLoseNoUpdateWhileSaving(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sessions.json");
    List<Map<String, Long>> models = new ArrayList<>();
    Map<String, SessionData> finalState;
    try (MemFileStore store = MemFileStore.builder().saveFile(file).build()) {
      List<Callable<Void>> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        Random random = new Random(seed + t);
        Map<String, Long> model = new HashMap<>(); // this thread's ids: id -> last value set
        models.add(model);
        int thread = t;
        workers.add(
            () -> {
              for (int i = 0; i < OPS_PER_THREAD; i++) {
                String id = "t" + thread + "-" + random.nextInt(300);
                switch (random.nextInt(5)) {
                  case 0, 1 -> {
                    store.set(id, session(thread, i));
                    model.put(id, (long) i);
                  }
                  case 2 -> store.touch(id, null);
                  case 3 -> {
                    store.destroy(id);
                    model.remove(id);
                  }
                  default -> {
                    Optional<SessionData> got = store.get(id);
                    assertThat(got.map(s -> (Long) s.getAttribute("v")))
                        .as("thread %d reads its own write of %s (op %d)", thread, id, i)
                        .isEqualTo(Optional.ofNullable(model.get(id)));
                  }
                }
              }
              for (Map.Entry<String, Long> e : model.entrySet()) {
                assertThat(store.get(e.getKey()).map(s -> (Long) s.getAttribute("v")))
                    .as("thread %d's last set of %s", thread, e.getKey())
                    .contains(e.getValue());
              }
              return null;
            });
      }
      long saves = runWhileSaving(store, workers);
      System.out.println("ConcurrencyTest disjoint phase: " + saves + " saves ran concurrently");

      Map<String, Long> expected = new HashMap<>();
      models.forEach(expected::putAll);
      finalState = store.all();
      Map<String, Long> actual = new HashMap<>();
      finalState.forEach((id, s) -> actual.put(id, (Long) s.getAttribute("v")));
      assertThat(actual).as("no lost update, no resurrected session").isEqualTo(expected);
    }
    try (MemFileStore reloaded = MemFileStore.builder().saveFile(file).build()) {
      assertThat(reloaded.all()).as("reloaded equals the final state").isEqualTo(finalState);
    }
  }

  /** Runs the tasks while this thread's helper saves in a loop; returns how many saves ran. */
  private long runWhileSaving(MemFileStore store, List<Callable<Void>> tasks) throws Exception {
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong saves = new AtomicLong();
    Future<?> saver =
        pool.submit(
            () -> {
              for (int i = 0; i < 1_000_000 && !done.get(); i++) {
                store.save();
                saves.incrementAndGet();
              }
              return null;
            });
    List<Future<Void>> futures = new ArrayList<>();
    for (Callable<Void> task : tasks) {
      futures.add(pool.submit(task));
    }
    try {
      for (Future<Void> f : futures) {
        f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS); // rethrows a worker's failure
      }
    } finally {
      done.set(true);
    }
    saver.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertThat(saves.get()).as("saves ran alongside").isPositive();
    return saves.get();
  }

  private static SessionData session(int thread, long value) {
    SessionData s = new SessionData();
    s.setAttribute("v", value);
    s.setAttribute("thread", thread);
    s.setAttribute("note", "thread " + thread + " value " + value);
    return s;
  }

  private static void assertWellFormed(String id, SessionData s) {
    Object thread = s.getAttribute("thread");
    Object value = s.getAttribute("v");
    assertThat(value).as(id).isInstanceOf(Long.class);
    assertThat(thread).as(id).isInstanceOf(Integer.class);
    assertThat(s.getAttribute("note")).as(id).isEqualTo("thread " + thread + " value " + value);
  }
}
