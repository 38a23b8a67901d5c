package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.opentest4j.AssertionFailedError;

/**
 * Seeded random sequences of operations, clock moves, snapshots, restarts and (with a journal)
 * crashes, applied to the store and to a plain map that models what it must do; the two are
 * compared after every step. A failure names the seed and the step so the run can be replayed: add
 * the seed to {@link #seeds()}.
 */
class MemFileStoreModelTest {
  private static final Duration STORE_TTL = Duration.ofMinutes(10);
  private static final int IDS = 24;
  private static final int STEPS = 600;

  @TempDir Path dir;

  /** A session as the model knows it: its value and when it expires (Long.MAX_VALUE: never). */
  private record Expected(long value, long expiresAt, long lastAccessed) {}

  static Stream<Arguments> seeds() {
    long random = new Random().nextLong();
    return LongStream.concat(LongStream.of(1, 2, 3, 42, 1234567), LongStream.of(random))
        .boxed()
        .flatMap(
            seed ->
                Stream.of(
                    Arguments.of(seed, false, Durability.JOURNAL),
                    Arguments.of(seed, true, Durability.JOURNAL),
                    Arguments.of(seed, false, Durability.SNAPSHOT),
                    Arguments.of(seed, false, Durability.JOURNAL_SYNC)));
  }

  @ParameterizedTest(name = "seed {0}, stale {1}, {2}")
  @MethodSource("seeds")
  void storeBehavesLikeTheModel(long seed, boolean stale, Durability durability) {
    Random random = new Random(seed);
    TestClock clock = new TestClock();
    Path file = dir.resolve("model-" + seed + "-" + stale + "-" + durability + ".json");
    Map<String, Expected> model = new HashMap<>();
    List<String> log = new ArrayList<>();
    MemFileStore store = build(clock, file, stale, durability);
    try {
      for (int step = 0; step < STEPS; step++) {
        String id = "id-" + random.nextInt(IDS);
        long now = clock.millis();
        int op = random.nextInt(100);
        if (op < 35) {
          long value = random.nextLong();
          SessionData s = session(value, clock);
          Duration life = randomInterval(random, s);
          log.add("set " + id + " life " + life);
          store.set(id, s);
          model.put(id, new Expected(value, expiry(now, life), now));
        } else if (op < 60) {
          log.add("get " + id);
          Expected e = model.get(id);
          Object got = store.get(id).map(s -> s.getAttribute("value")).orElse(null);
          if (e == null) {
            check(got, null, seed, stale, log);
          } else if (e.expiresAt() > now) {
            check(got, e.value(), seed, stale, log);
          } else {
            check(got, stale ? e.value() : null, seed, stale, log);
            model.remove(id); // read once (stale) or never again
          }
        } else if (op < 70) {
          log.add("touch " + id);
          SessionData request = session(0, clock);
          Duration life = randomInterval(random, request);
          store.touch(id, request);
          Expected e = model.get(id);
          if (e != null && e.expiresAt() > now) {
            model.put(id, new Expected(e.value(), expiry(now, life), now));
          }
        } else if (op < 78) {
          log.add("destroy " + id);
          store.destroy(id);
          model.remove(id);
        } else if (op < 80) {
          log.add("clear");
          store.clear();
          model.clear();
        } else if (op < 83) {
          log.add("save");
          store.save();
        } else if (op < 85) {
          log.add("prune");
          store.prune();
          model.values().removeIf(e -> e.expiresAt() <= now);
        } else if (op < 95) {
          Duration move = Duration.ofSeconds(random.nextInt(8 * 60));
          log.add("advance " + move);
          clock.advance(move);
        } else if (op < 97 || durability == Durability.SNAPSHOT) {
          log.add("restart");
          store.close();
          store = build(clock, file, stale, durability);
          model.values().removeIf(e -> e.expiresAt() <= now); // skipped at load
        } else {
          log.add("crash");
          store.simulateCrash(); // a journal loses nothing that returned
          store = build(clock, file, stale, durability);
          model.values().removeIf(e -> e.expiresAt() <= now);
        }
        compare(store, model, clock.millis(), seed, stale, log);
      }
    } finally {
      store.close();
    }
  }

  private static MemFileStore build(
      TestClock clock, Path file, boolean stale, Durability durability) {
    return MemFileStore.builder()
        .clock(clock)
        .ttl(STORE_TTL)
        .stale(stale)
        .saveFile(file)
        .durability(durability)
        .build();
  }

  private static SessionData session(long value, TestClock clock) {
    SessionData s = new SessionData(clock.instant());
    s.setAttribute("value", value);
    return s;
  }

  /** Gives the session a random interval (or none) and returns the life it will get. */
  private static Duration randomInterval(Random random, SessionData s) {
    switch (random.nextInt(4)) {
      case 0 -> {
        return STORE_TTL;
      }
      case 1 -> {
        s.setMaxInactiveInterval(Duration.ofSeconds(-1));
        return s.getMaxInactiveInterval();
      }
      default -> {
        s.setMaxInactiveInterval(Duration.ofSeconds(1 + random.nextInt(20 * 60)));
        return s.getMaxInactiveInterval();
      }
    }
  }

  private static long expiry(long now, Duration life) {
    return life.isNegative() ? Long.MAX_VALUE : now + life.toMillis();
  }

  private static void compare(
      MemFileStore store,
      Map<String, Expected> model,
      long now,
      long seed,
      boolean stale,
      List<String> log) {
    List<String> live = new ArrayList<>();
    model.forEach(
        (id, e) -> {
          if (e.expiresAt() > now) {
            live.add(id);
          }
        });
    try {
      assertThat(store.ids()).containsExactlyInAnyOrderElementsOf(live);
      assertThat(store.length()).isEqualTo(live.size());
      Map<String, SessionData> all = store.all();
      for (String id : live) {
        assertThat(all.get(id).getAttribute("value")).isEqualTo(model.get(id).value());
        assertThat(all.get(id).getLastAccessedTime().toEpochMilli())
            .isEqualTo(model.get(id).lastAccessed());
      }
    } catch (AssertionError e) {
      throw failure(seed, stale, log, e);
    }
  }

  private static void check(
      Object actual, Object expected, long seed, boolean stale, List<String> log) {
    try {
      assertThat(actual).isEqualTo(expected);
    } catch (AssertionError e) {
      throw failure(seed, stale, log, e);
    }
  }

  private static AssertionFailedError failure(
      long seed, boolean stale, List<String> log, AssertionError cause) {
    List<String> tail = log.subList(Math.max(0, log.size() - 15), log.size());
    return new AssertionFailedError(
        "model mismatch with seed "
            + seed
            + " (stale="
            + stale
            + ") at step "
            + log.size()
            + "; last steps: "
            + tail
            + "\n"
            + cause.getMessage(),
        cause);
  }
}
