package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Snapshots taken while writers set, touch, destroy and create sessions, then a restart from the
 * files as a {@code kill -9} would leave them (copied while the store is still open, so no final
 * snapshot at close covers up what the concurrent ones wrote): every acknowledged change is there,
 * no destroyed session comes back, and every session reads back exactly as it was in memory. Each
 * writer owns its ids, so its model of them is exact; each makes a fixed number of changes at
 * least, and goes on until two snapshots completed while all of them ran; nothing is timed.
 */
class SnapshotUnderChangeTest {
  private static final int WRITERS = 3;
  private static final int OPS_PER_WRITER = 6_000;
  private static final int IDS_PER_WRITER = 400;
  private static final int SNAPSHOTS_DURING_WRITES = 2;
  private static final long TIMEOUT_SECONDS = 120;

  private final long seed = Long.getLong("snapshot.seed", System.nanoTime());

  @ParameterizedTest(name = "{0} serializer, {1} files")
  @CsvSource({"json, plain", "java, plain", "json, sealed", "java, sealed"})
  void everyAcknowledgedChangeSurvivesACrashAfterSnapshotsTakenDuringTheChanges(
      String serializer, String files, @TempDir Path dir) throws Exception {
    System.out.println("SnapshotUnderChangeTest seed=" + seed);
    Path file = dir.resolve("live").resolve("sessions.json");
    Path crashed = dir.resolve("crashed").resolve("sessions.json");
    List<Map<String, Long>> models = new ArrayList<>();
    Map<String, SessionData> inMemory;
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 1);
    try (MemFileStore store = builder(serializer, files).saveFile(file).build()) {
      AtomicBoolean writing = new AtomicBoolean(true);
      AtomicLong snapshotsDuringWrites = new AtomicLong();
      Future<?> saver =
          pool.submit(
              () -> {
                Instant last = store.stats().lastSnapshot();
                while (writing.get()) {
                  store.save(); // skipped when nothing changed since the last one
                  Instant now = store.stats().lastSnapshot();
                  if (writing.get() && !Objects.equals(now, last)) {
                    snapshotsDuringWrites.incrementAndGet(); // written while writers still ran
                  }
                  last = now;
                }
                return null;
              });
      List<Future<?>> writers = new ArrayList<>();
      for (int t = 0; t < WRITERS; t++) {
        Map<String, Long> model = new HashMap<>(); // this writer's ids: id -> last value set
        models.add(model);
        Random random = new Random(seed + t);
        int writer = t;
        writers.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < IDS_PER_WRITER; i++) {
                    store.set(id(writer, i), session(writer, -1));
                    model.put(id(writer, i), -1L);
                  }
                  // at least OPS_PER_WRITER changes, and on until two snapshots have completed
                  // while every writer still ran: on a fast machine the fixed count alone can end
                  // before the first snapshot does
                  for (int op = 0;
                      op < OPS_PER_WRITER || snapshotsDuringWrites.get() < SNAPSHOTS_DURING_WRITES;
                      op++) {
                    String id = id(writer, random.nextInt(IDS_PER_WRITER));
                    switch (random.nextInt(6)) {
                      case 0, 1 -> {
                        store.set(id, session(writer, op));
                        model.put(id, (long) op);
                      }
                      case 2 -> store.touch(id, null); // new times over the stored bytes
                      case 3 -> {
                        store.destroy(id);
                        model.remove(id);
                      }
                      case 4 -> {
                        String created = id(writer, IDS_PER_WRITER + op); // a brand-new id
                        store.set(created, session(writer, op));
                        model.put(created, (long) op);
                      }
                      default -> {
                        Long expected = model.get(id);
                        assertThat(store.get(id).map(s -> (Long) s.getAttribute("v")).orElse(null))
                            .as("writer %d reads its own last write of %s", writer, id)
                            .isEqualTo(expected);
                      }
                    }
                  }
                  return null;
                }));
      }
      try {
        for (Future<?> w : writers) {
          w.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
      } finally {
        writing.set(false);
        saver.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        pool.shutdownNow();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      }
      System.out.println(
          "SnapshotUnderChangeTest "
              + snapshotsDuringWrites.get()
              + " snapshots written while writers ran");
      assertThat(snapshotsDuringWrites.get())
          .as("snapshots written while writers ran")
          .isGreaterThanOrEqualTo(SNAPSHOTS_DURING_WRITES);
      inMemory = store.all();
      copyAsACrashLeavesThem(file.getParent(), crashed.getParent());
    }

    Map<String, Long> expected = new HashMap<>();
    models.forEach(expected::putAll);
    try (MemFileStore restarted = builder(serializer, files).saveFile(crashed).build()) {
      Map<String, SessionData> all = restarted.all();
      Map<String, String> wrong = new TreeMap<>(); // id -> what differs, at most a few
      expected.forEach(
          (id, v) -> {
            SessionData s = all.get(id);
            if (s == null) {
              wrong.put(id, "lost (last set value " + v + ")");
            } else if (!v.equals(s.getAttribute("v"))) {
              wrong.put(id, "value " + s.getAttribute("v") + ", last set " + v);
            }
          });
      all.keySet().stream()
          .filter(id -> !expected.containsKey(id))
          .forEach(id -> wrong.put(id, "destroyed, yet back"));
      assertThat(wrong.size())
          .as(
              "ids that differ from every acknowledged set and destroy; the first: %s",
              wrong.entrySet().stream().limit(5).toList())
          .isZero();
      List<String> differing =
          inMemory.keySet().stream().filter(id -> !inMemory.get(id).equals(all.get(id))).toList();
      assertThat(differing.size())
          .as(
              "sessions whose times or attributes differ from memory (touches included): %s",
              differing.stream().limit(5).toList())
          .isZero();
    }
  }

  /** The save file and journals as they are on disk now; not the lock, nor a snapshot's .tmp. */
  private static void copyAsACrashLeavesThem(Path live, Path crashed) throws IOException {
    Files.createDirectories(crashed);
    try (Stream<Path> files = Files.list(live)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (name.equals("sessions.json") || name.startsWith("sessions.json.journal.")) {
          Files.copy(f, crashed.resolve(name));
        }
      }
    }
  }

  private static MemFileStore.Builder builder(String serializer, String files) {
    MemFileStore.Builder b =
        MemFileStore.builder()
            .durability(Durability.JOURNAL)
            .ttl(Duration.ofHours(1))
            .savePeriod(Duration.ofHours(1)); // only this test's saves
    if (serializer.equals("java")) {
      b.serializer(SessionSerializer.java());
    }
    if (files.equals("sealed")) {
      byte[] key = new byte[32];
      new Random(42).nextBytes(key);
      b.encryptionKey(new SecretKeySpec(key, "AES"));
    }
    return b;
  }

  /** Mostly plain ids (a snapshot's fast path), some that JSON must escape (its other path). */
  private static String id(int writer, int n) {
    return (n % 7 == 0 ? "w\"ü\\" : "w") + writer + "-" + n;
  }

  private static SessionData session(int writer, long value) {
    SessionData s = new SessionData();
    s.setAttribute("v", value);
    s.setAttribute("writer", writer);
    s.setAttribute("note", "x".repeat(200 + (int) Math.floorMod(value, 300)));
    return s;
  }
}
