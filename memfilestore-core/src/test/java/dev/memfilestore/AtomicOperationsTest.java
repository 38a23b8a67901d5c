package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memfilestore.fixtures.Plan;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code update}, {@code setIfAbsent} and {@code expiresAt}: the operations adapters build on. */
class AtomicOperationsTest {
  private final TestClock clock = new TestClock();
  private final List<String> disposed = Collections.synchronizedList(new ArrayList<>());
  private final List<MemFileStore> stores = new ArrayList<>();
  @TempDir Path dir;

  @AfterEach
  void closeStores() {
    stores.forEach(MemFileStore::close);
  }

  private MemFileStore store(Consumer<MemFileStore.Builder> options) {
    MemFileStore.Builder b =
        MemFileStore.builder()
            .clock(clock)
            .ttl(Duration.ofMinutes(30))
            .dispose((id, s, cause) -> disposed.add(cause + " " + id));
    options.accept(b);
    MemFileStore store = b.build();
    stores.add(store);
    return store;
  }

  private static SessionData session(String key, Object value) {
    SessionData s = new SessionData();
    s.setAttribute(key, value);
    return s;
  }

  @Test
  void updateAppliesTheChangeToWhatIsStoredNow() {
    MemFileStore store = store(b -> {});
    store.set("id-1", session("a", 1));

    SessionData returned =
        store
            .update(
                "id-1",
                s -> {
                  s.setAttribute("b", 2);
                  return s;
                })
            .orElseThrow();

    assertThat(returned.getAttribute("a")).isEqualTo(1);
    SessionData stored = store.get("id-1").orElseThrow();
    assertThat(stored.getAttribute("a")).isEqualTo(1);
    assertThat(stored.getAttribute("b")).isEqualTo(2);
    assertThat(disposed).containsExactly("REPLACED id-1");
  }

  @Test
  void updateOfAnAbsentDestroyedOrExpiredSessionStoresNothingAndNeverCallsTheChange() {
    MemFileStore store = store(b -> {});
    AtomicInteger calls = new AtomicInteger();
    store.set("destroyed", session("a", 1));
    store.destroy("destroyed");
    store.set("expired", session("a", 1));
    clock.advance(Duration.ofMinutes(31));

    for (String id : List.of("absent", "destroyed", "expired", "", "x".repeat(5000))) {
      assertThat(
              store.update(
                  id,
                  s -> {
                    calls.incrementAndGet();
                    return s;
                  }))
          .isEmpty();
      assertThat(store.get(id)).isEmpty();
    }
    assertThat(calls).hasValue(0);
  }

  @Test
  void updateRestartsTheTimeToLive() {
    MemFileStore store = store(b -> {});
    store.set("id-1", session("a", 1));
    clock.advance(Duration.ofMinutes(20));
    store.update("id-1", s -> s);
    clock.advance(Duration.ofMinutes(20));
    assertThat(store.get("id-1")).isPresent();
    assertThat(store.expiresAt("id-1")).contains(clock.instant().plus(Duration.ofMinutes(10)));
  }

  @Test
  void aChangeMadeByAnotherThreadBetweenReadAndWriteIsNotLost() {
    MemFileStore store = store(b -> {});
    store.set("id-1", session("a", 1));
    AtomicInteger calls = new AtomicInteger();

    store.update(
        "id-1",
        s -> {
          if (calls.incrementAndGet() == 1) {
            // Another request stores its own change while this one computes: this result must
            // not overwrite it, so the change is computed again on what is stored now.
            store.set("id-1", session("other", "x"));
          }
          s.setAttribute("mine", "y");
          return s;
        });

    assertThat(calls).hasValue(2);
    SessionData stored = store.get("id-1").orElseThrow();
    assertThat(stored.getAttribute("other")).isEqualTo("x");
    assertThat(stored.getAttribute("mine")).isEqualTo("y");
    assertThat(stored.getAttribute("a")).isNull();
  }

  @Test
  void aSessionDestroyedWhileTheChangeIsComputedStaysDestroyed() {
    MemFileStore store = store(b -> {});
    store.set("id-1", session("a", 1));

    assertThat(
            store.update(
                "id-1",
                s -> {
                  store.destroy("id-1"); // a logout in another request
                  s.setAttribute("late", true);
                  return s;
                }))
        .isEmpty();
    assertThat(store.get("id-1")).isEmpty();
  }

  @Test
  void concurrentUpdatesLoseNoIncrement() throws Exception {
    MemFileStore store = store(b -> b.saveFile(dir.resolve("s.json")));
    store.set("counter", session("n", 0));
    int threads = 4;
    int perThread = 500;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      done.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                  store.update(
                      "counter",
                      s -> {
                        s.setAttribute("n", (Integer) s.getAttribute("n") + 1);
                        return s;
                      });
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : done) {
      f.get(30, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(store.get("counter").orElseThrow().getAttribute("n")).isEqualTo(threads * perThread);

    store.simulateCrash(); // the journal has every update, in order
    MemFileStore recovered = store(b -> b.saveFile(dir.resolve("s.json")));
    assertThat(recovered.get("counter").orElseThrow().getAttribute("n"))
        .isEqualTo(threads * perThread);
  }

  @Test
  void aFailedChangeLeavesTheStoreAsItWas() {
    MemFileStore store = store(b -> {});
    store.set("id-1", session("a", 1));

    assertThatThrownBy(() -> store.update("id-1", s -> null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("return the session to store");
    assertThatThrownBy(
            () ->
                store.update(
                    "id-1",
                    s -> {
                      s.setAttribute("bad", new Object());
                      return s;
                    }))
        .isInstanceOf(SessionSerializationException.class);
    assertThatThrownBy(
            () ->
                store.update(
                    "id-1",
                    s -> {
                      throw new IllegalStateException("boom");
                    }))
        .hasMessage("boom");

    assertThat(store.get("id-1").orElseThrow().getAttributeNames()).containsExactly("a");
    assertThat(disposed).isEmpty();
  }

  @Test
  void setIfAbsentStoresOnlyWhereNoLiveSessionIs() {
    MemFileStore store = store(b -> {});
    assertThat(store.setIfAbsent("id-1", session("a", 1))).isTrue();
    assertThat(store.setIfAbsent("id-1", session("a", 2))).isFalse();
    assertThat(store.get("id-1").orElseThrow().getAttribute("a")).isEqualTo(1);

    clock.advance(Duration.ofMinutes(31));
    assertThat(store.setIfAbsent("id-1", session("a", 3))).isTrue();
    assertThat(store.get("id-1").orElseThrow().getAttribute("a")).isEqualTo(3);
    assertThat(disposed).containsExactly("EXPIRED id-1");

    assertThatThrownBy(() -> store.setIfAbsent(" ", session("a", 1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void setIfAbsentIsJournaled() {
    Path file = dir.resolve("s.json");
    MemFileStore store = store(b -> b.saveFile(file));
    store.setIfAbsent("id-1", session("a", 1));
    store.simulateCrash();
    assertThat(store(b -> b.saveFile(file)).get("id-1")).isPresent();
  }

  @Test
  void expiresAtReadsTheDeadlineOfLiveSessionsOnly() {
    MemFileStore store = store(b -> b.ttl((s, id) -> s.getMaxInactiveInterval()));
    SessionData forever = new SessionData();
    forever.setMaxInactiveInterval(Duration.ofSeconds(-1));
    store.set("forever", forever);
    SessionData tenMinutes = new SessionData();
    tenMinutes.setMaxInactiveInterval(Duration.ofMinutes(10));
    Instant now = clock.instant();
    store.set("ten", tenMinutes);

    assertThat(store.expiresAt("forever")).contains(Instant.MAX);
    assertThat(store.expiresAt("ten")).contains(now.plus(Duration.ofMinutes(10)));
    assertThat(store.expiresAt("absent")).isEmpty();
    assertThat(store.expiresAt(null)).isEmpty();
    clock.advance(Duration.ofMinutes(10));
    assertThat(store.expiresAt("ten")).isEmpty();
  }

  @Test
  void durabilityAndSerializerNamesParseAsConfigurationFilesGiveThem() {
    assertThat(Durability.parse(" journal-sync ")).isEqualTo(Durability.JOURNAL_SYNC);
    assertThat(Durability.parse("Snapshot")).isEqualTo(Durability.SNAPSHOT);
    assertThatThrownBy(() -> Durability.parse("bogus"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("durability must be one of snapshot, journal or journal_sync but was 'bogus'");
    assertThatThrownBy(() -> Durability.parse(null)).isInstanceOf(IllegalArgumentException.class);

    assertThat(SessionSerializer.named("JSON").name()).isEqualTo("json");
    assertThat(SessionSerializer.named(" java ").name()).isEqualTo("java");
    assertThatThrownBy(() -> SessionSerializer.named("xml"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("serializer must be 'java' or 'json' but was 'xml'");
  }

  @Test
  void allowedTypesMayBeGivenAsOneCommaSeparatedString() {
    SessionSerializer serializer =
        SessionSerializer.named("json", "com.example.Cart, dev.memfilestore.fixtures.**");
    SessionData s = new SessionData();
    s.setAttribute("plan", Plan.PRO);
    assertThat(serializer.deserialize(serializer.serialize(s)).getAttribute("plan"))
        .isEqualTo(Plan.PRO);
    assertThatThrownBy(() -> SessionSerializer.named("json", "com.example.Cart,,*"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'*'");
  }

  @Test
  void idsAreShortenedOneWayForEveryModulesLogs() {
    assertThat(MemFileStore.abbreviateId("3f2a9c77e1d04b6a")).isEqualTo("3f2a…");
    assertThat(MemFileStore.abbreviateId("3f2a")).isEqualTo("…");
    assertThat(MemFileStore.abbreviateId(null)).isEqualTo("…");
  }

  @Test
  void durationsBeyondAnyClockMeanNeverExpiring() {
    Duration forever = java.time.temporal.ChronoUnit.FOREVER.getDuration();
    MemFileStore fixed = store(b -> b.ttl(forever));
    fixed.set("id-1", session("a", 1));
    MemFileStore own = store(b -> {});
    SessionData s = session("a", 2);
    s.setMaxInactiveInterval(forever);
    own.set("id-2", s);

    clock.advance(Duration.ofDays(36500));
    assertThat(fixed.expiresAt("id-1")).contains(Instant.MAX);
    assertThat(own.expiresAt("id-2")).contains(Instant.MAX);
    assertThat(own.update("id-2", x -> x)).isPresent();
  }
}
