package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every option and method of the store, with a clock the tests move. */
class MemFileStoreTest {
  private final TestClock clock = new TestClock();
  private final List<String> disposed = Collections.synchronizedList(new ArrayList<>());
  private final List<MemFileStore> stores = new ArrayList<>();

  @AfterEach
  void closeStores() {
    stores.forEach(MemFileStore::close);
  }

  private MemFileStore store(Consumer<MemFileStore.Builder> options) {
    MemFileStore.Builder b =
        MemFileStore.builder()
            .clock(clock)
            .dispose((id, s, cause) -> disposed.add(cause + " " + id));
    options.accept(b);
    MemFileStore store = b.build();
    stores.add(store);
    return store;
  }

  private MemFileStore store() {
    return store(b -> {});
  }

  private static SessionData session(Object value) {
    SessionData s = new SessionData(Instant.parse("2026-01-01T00:00:00Z"));
    s.setAttribute("value", value);
    return s;
  }

  private static Object value(MemFileStore store, String id) {
    return store.get(id).map(s -> s.getAttribute("value")).orElse(null);
  }

  @Nested
  class BasicOperations {
    @Test
    void setThenGetReturnsAnEqualCopy() {
      MemFileStore store = store();
      SessionData s = session("a");
      s.setMaxInactiveInterval(Duration.ofMinutes(30));
      store.set("id-1", s);

      SessionData got = store.get("id-1").orElseThrow();
      assertThat(got).isEqualTo(s).isNotSameAs(s);
      got.setAttribute("value", "changed");
      assertThat(value(store, "id-1")).isEqualTo("a");
    }

    @Test
    void changingTheSessionAfterSetChangesNothingStored() {
      MemFileStore store = store();
      SessionData s = session("a");
      store.set("id-1", s);
      s.setAttribute("value", "b");
      assertThat(value(store, "id-1")).isEqualTo("a");
    }

    @Test
    void unknownEmptyNullAndOverlongIdsFindNothing() {
      MemFileStore store = store();
      store.set("known", session(1));
      String overlong = "x".repeat(MemFileStore.MAX_ID_LENGTH + 1);
      for (String id : new String[] {"unknown", "", null, overlong, "../known", "known\0"}) {
        assertThat(store.get(id)).as("get(%s)", id).isEmpty();
        store.destroy(id);
        store.touch(id, session(2));
      }
      assertThat(value(store, "known")).isEqualTo(1);
      assertThat(disposed).isEmpty();
    }

    @Test
    void setRefusesNullBlankAndOverlongIdsAndNullSessions() {
      MemFileStore store = store();
      assertThatThrownBy(() -> store.set(null, session(1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("null or blank");
      assertThatThrownBy(() -> store.set("  ", session(1)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> store.set("x".repeat(5000), session(1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("5000");
      assertThatThrownBy(() -> store.set("id", null)).isInstanceOf(NullPointerException.class);
      assertThat(store.length()).isZero();
    }

    @Test
    void idsAllAndLengthSeeLiveSessionsOnly() {
      MemFileStore store = store();
      SessionData shortLived = session("short");
      shortLived.setMaxInactiveInterval(Duration.ofMinutes(1));
      store.set("short", shortLived);
      store.set("long", session("long"));

      assertThat(store.ids()).containsExactlyInAnyOrder("short", "long");
      assertThat(store.length()).isEqualTo(2);
      clock.advance(Duration.ofMinutes(1));
      assertThat(store.ids()).containsExactly("long");
      assertThat(store.all()).containsOnlyKeys("long");
      assertThat(store.all().get("long").getAttribute("value")).isEqualTo("long");
      assertThat(store.length()).isEqualTo(1);
    }

    @Test
    void destroyRemovesOneOrManyAndReportsThem() {
      MemFileStore store = store();
      store.set("a", session(1));
      store.set("b", session(2));
      store.set("c", session(3));

      store.destroy("a");
      store.destroy(List.of("b", "c", "missing"));

      assertThat(store.length()).isZero();
      assertThat(disposed).containsExactly("DESTROYED a", "DESTROYED b", "DESTROYED c");
    }

    @Test
    void clearRemovesEverythingAndReportsEach() {
      MemFileStore store = store();
      store.set("a", session(1));
      store.set("b", session(2));
      store.clear();
      assertThat(store.length()).isZero();
      assertThat(disposed).containsExactlyInAnyOrder("CLEARED a", "CLEARED b");
    }

    @Test
    void clearWithoutListenerEmptiesTheStore() {
      MemFileStore store = MemFileStore.builder().clock(clock).build();
      store.set("a", session(1));
      store.clear();
      assertThat(store.ids()).isEmpty();
    }
  }

  @Nested
  class Expiry {
    @Test
    void defaultTtlIsOneDay() {
      MemFileStore store = store();
      store.set("a", session(1));
      clock.advance(Duration.ofDays(1).minusMillis(1));
      assertThat(store.get("a")).isPresent();
      clock.advance(Duration.ofMillis(1));
      assertThat(store.get("a")).isEmpty();
      assertThat(disposed).containsExactly("EXPIRED a");
    }

    @Test
    void theSessionsOwnIntervalWinsOverTheStoreTtl() {
      MemFileStore store = store(b -> b.ttl(Duration.ofHours(1)));
      SessionData own = session(1);
      own.setMaxInactiveInterval(Duration.ofMinutes(5));
      store.set("own", own);
      store.set("default", session(2));

      clock.advance(Duration.ofMinutes(5));
      assertThat(store.get("own")).isEmpty();
      assertThat(store.get("default")).isPresent();
      clock.advance(Duration.ofMinutes(55));
      assertThat(store.get("default")).isEmpty();
    }

    @Test
    void aTtlFunctionDecidesAlone() {
      MemFileStore store =
          store(b -> b.ttl((s, id) -> id.startsWith("admin") ? Duration.ofMinutes(1) : null));
      SessionData s = session(1);
      s.setMaxInactiveInterval(Duration.ofDays(7));
      store.set("admin-1", s);
      clock.advance(Duration.ofMinutes(1));
      assertThat(store.get("admin-1")).isEmpty();

      assertThatThrownBy(() -> store.set("user-1", session(1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("returned null");
      assertThat(store.ids()).isEmpty();
    }

    @Test
    void aNegativeIntervalNeverExpires() {
      MemFileStore store = store(b -> b.ttl(Duration.ofMinutes(1)));
      SessionData s = session(1);
      s.setMaxInactiveInterval(Duration.ofSeconds(-1));
      store.set("forever", s);
      clock.advance(Duration.ofDays(10_000));
      store.prune();
      assertThat(store.get("forever")).isPresent();
    }

    @Test
    void aZeroIntervalExpiresAtOnce() {
      MemFileStore store = store();
      SessionData s = session(1);
      s.setMaxInactiveInterval(Duration.ZERO);
      store.set("gone", s);
      assertThat(store.get("gone")).isEmpty();
    }

    @Test
    void pruneRemovesAndReportsExpiredSessionsNobodyReads() {
      MemFileStore store = store(b -> b.ttl(Duration.ofMinutes(10)));
      store.set("a", session(1));
      store.set("b", session(2));
      clock.advance(Duration.ofMinutes(5));
      store.set("c", session(3));
      clock.advance(Duration.ofMinutes(6));

      store.prune();

      assertThat(disposed).containsExactlyInAnyOrder("EXPIRED a", "EXPIRED b");
      assertThat(store.ids()).containsExactly("c");
    }

    @Test
    void staleReturnsAnExpiredSessionOnceThenDropsIt() {
      MemFileStore store = store(b -> b.stale(true).ttl(Duration.ofMinutes(1)));
      store.set("a", session("old"));
      clock.advance(Duration.ofMinutes(2));

      assertThat(store.ids()).isEmpty();
      assertThat(store.length()).isZero();
      assertThat(value(store, "a")).isEqualTo("old");
      assertThat(store.get("a")).isEmpty();
      assertThat(disposed).containsExactly("EXPIRED a");
    }

    @Test
    void staleSessionsArePrunedToo() {
      MemFileStore store = store(b -> b.stale(true).ttl(Duration.ofMinutes(1)));
      store.set("a", session(1));
      store.set("b", session(2));
      clock.advance(Duration.ofMinutes(2));
      store.prune();
      assertThat(disposed).containsExactlyInAnyOrder("EXPIRED a", "EXPIRED b");
      assertThat(store.get("a")).isEmpty();
    }

    @Test
    void withoutStaleAnExpiredSessionIsNeverReturned() {
      MemFileStore store = store(b -> b.ttl(Duration.ofMinutes(1)));
      store.set("a", session(1));
      clock.advance(Duration.ofMinutes(1));
      assertThat(store.get("a")).isEmpty();
      assertThat(store.get("a")).isEmpty();
    }

    @Test
    void theCheckIntervalPrunesWithoutAnyRead() {
      MemFileStore store =
          store(b -> b.ttl(Duration.ofMinutes(1)).checkPeriod(Duration.ofMillis(20)));
      store.set("a", session(1));
      clock.advance(Duration.ofMinutes(2));
      await().atMost(Duration.ofSeconds(10)).until(() -> disposed.contains("EXPIRED a"));
    }

    @Test
    void theCheckIntervalCanBeStoppedAndStartedAgain() {
      MemFileStore store =
          store(b -> b.ttl(Duration.ofMinutes(1)).checkPeriod(Duration.ofMillis(20)));
      store.stopInterval();
      store.stopInterval();
      store.set("a", session(1));
      clock.advance(Duration.ofMinutes(2));
      store.startInterval();
      store.startInterval();
      await().atMost(Duration.ofSeconds(10)).until(() -> disposed.contains("EXPIRED a"));
    }

    @Test
    void startIntervalWithoutAPeriodSaysWhatToSet() {
      MemFileStore store = store();
      assertThatThrownBy(store::startInterval)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("checkPeriod");
      assertThatThrownBy(store::startSaveInterval)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("savePeriod");
    }
  }

  @Nested
  class Touch {
    @Test
    void touchRestartsTheTtlAndKeepsStoredAttributes() {
      MemFileStore store = store(b -> b.ttl(Duration.ofMinutes(10)));
      store.set("a", session("stored"));
      clock.advance(Duration.ofMinutes(8));

      SessionData request = session("not stored by touch");
      request.setLastAccessedTime(clock.instant());
      store.touch("a", request);
      clock.advance(Duration.ofMinutes(8));

      SessionData got = store.get("a").orElseThrow();
      assertThat(got.getAttribute("value")).isEqualTo("stored");
      assertThat(got.getLastAccessedTime()).isEqualTo(request.getLastAccessedTime());
      clock.advance(Duration.ofMinutes(2));
      assertThat(store.get("a")).isEmpty();
      assertThat(disposed).containsExactly("EXPIRED a");
    }

    @Test
    void touchTakesANewIntervalFromTheSession() {
      MemFileStore store = store(b -> b.ttl(Duration.ofMinutes(10)));
      store.set("a", session(1));
      SessionData request = session(1);
      request.setMaxInactiveInterval(Duration.ofHours(2));
      store.touch("a", request);
      clock.advance(Duration.ofMinutes(90));
      assertThat(store.get("a").orElseThrow().getMaxInactiveInterval())
          .isEqualTo(Duration.ofHours(2));
    }

    @Test
    void touchWithoutASessionMarksItUsedNow() {
      MemFileStore store = store(b -> b.ttl(Duration.ofMinutes(10)));
      store.set("a", session(1));
      clock.advance(Duration.ofMinutes(9));
      store.touch("a", null);
      assertThat(store.get("a").orElseThrow().getLastAccessedTime()).isEqualTo(clock.instant());
      clock.advance(Duration.ofMinutes(9));
      assertThat(store.get("a")).isPresent();
    }

    @Test
    void touchIgnoresUnknownAndExpiredSessions() {
      MemFileStore store = store(b -> b.ttl(Duration.ofMinutes(10)));
      store.touch("unknown", session(1));
      store.set("a", session(1));
      clock.advance(Duration.ofMinutes(10));
      store.touch("a", session(1));
      assertThat(store.get("a")).isEmpty();
      assertThat(store.ids()).isEmpty();
    }

    @Test
    void touchIsNotReportedAsAReplacement() {
      MemFileStore store = store();
      store.set("a", session(1));
      store.touch("a", session(1));
      assertThat(disposed).isEmpty();
    }
  }

  @Nested
  class Dispose {
    @Test
    void overwritingIsReportedAsReplaced() {
      MemFileStore store = store();
      store.set("a", session(1));
      store.set("a", session(2));
      assertThat(disposed).containsExactly("REPLACED a");
      assertThat(value(store, "a")).isEqualTo(2);
    }

    @Test
    void noDisposeOnSetSilencesReplacementsOnly() {
      MemFileStore store = store(b -> b.noDisposeOnSet(true));
      store.set("a", session(1));
      store.set("a", session(2));
      store.destroy("a");
      assertThat(disposed).containsExactly("DESTROYED a");
    }

    @Test
    void theListenerSeesTheSessionAsStored() {
      List<Object> seen = new ArrayList<>();
      MemFileStore store =
          MemFileStore.builder()
              .clock(clock)
              .dispose((id, s, cause) -> seen.add(s.getAttribute("value")))
              .build();
      store.set("a", session("first"));
      store.set("a", session("second"));
      store.destroy("a");
      assertThat(seen).containsExactly("first", "second");
    }

    @Test
    void aFailingListenerDoesNotUndoTheOperation() {
      MemFileStore store =
          MemFileStore.builder()
              .clock(clock)
              .dispose(
                  (id, s, cause) -> {
                    throw new IllegalStateException("listener bug");
                  })
              .build();
      store.set("a", session(1));
      store.set("a", session(2));
      store.destroy("a");
      assertThat(store.get("a")).isEmpty();
    }

    @Test
    void theListenerMayPutASessionBack() {
      MemFileStore[] holder = new MemFileStore[1];
      holder[0] =
          MemFileStore.builder()
              .clock(clock)
              .dispose(
                  (id, s, cause) -> {
                    if (cause == DisposeCause.DESTROYED && !id.endsWith("-copy")) {
                      holder[0].set(id + "-copy", s);
                    }
                  })
              .build();
      holder[0].set("a", session(1));
      holder[0].destroy("a");
      assertThat(value(holder[0], "a-copy")).isEqualTo(1);
    }
  }

  @Nested
  class Bound {
    @Test
    void maxBoundsTheNumberOfSessionsAsSoonAsSetReturns() {
      MemFileStore store = store(b -> b.max(10));
      for (int i = 0; i < 100; i++) {
        store.set("s" + i, session(i));
        assertThat(store.length()).isLessThanOrEqualTo(10);
      }
      assertThat(store.length()).isEqualTo(10);
      assertThat(disposed).hasSize(90).allMatch(d -> d.startsWith("EVICTED "));
    }

    @Test
    void theLengthFunctionWeighsSessions() {
      MemFileStore store =
          store(b -> b.max(100).length(s -> ((String) s.getAttribute("value")).length()));
      for (int i = 0; i < 50; i++) {
        store.set("s" + i, session("x".repeat(10)));
        long total =
            store.all().values().stream()
                .mapToLong(s -> ((String) s.getAttribute("value")).length())
                .sum();
        assertThat(total).isLessThanOrEqualTo(100);
      }
      assertThat(store.length()).isEqualTo(10);
    }

    @Test
    void aSessionLongerThanMaxIsNotKept() {
      MemFileStore store = store(b -> b.max(5).length(s -> 6));
      store.set("big", session(1));
      assertThat(store.get("big")).isEmpty();
      assertThat(disposed).containsExactly("EVICTED big");
    }

    @Test
    void aNegativeLengthIsRefusedAndChangesNothing() {
      MemFileStore store = store(b -> b.max(5).length(s -> (Integer) s.getAttribute("value")));
      store.set("a", session(1));
      assertThatThrownBy(() -> store.set("a", session(-1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("-1");
      assertThat(value(store, "a")).isEqualTo(1);
    }

    @Test
    void activeUsersSurviveAFloodOfOneShotSessions() {
      MemFileStore store = MemFileStore.builder().clock(clock).max(1_000).build();
      List<String> active = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        active.add("user-" + i);
        store.set("user-" + i, session(i));
      }
      for (int bot = 0; bot < 100_000; bot++) {
        store.set("bot-" + bot, session(bot));
        if (bot % 100 == 0) {
          for (String id : active) {
            store.get(id); // active users come back constantly
          }
        }
      }
      long survivors = active.stream().filter(id -> store.get(id).isPresent()).count();
      assertThat(survivors).as("active users still logged in").isGreaterThanOrEqualTo(95);
    }

    @Test
    void usersWhoCameBackBeforeAFloodAreAllKeptThroughIt() {
      // Their visits happen while the store is far from full: they must count all the same, or
      // the last users to arrive look as new as the bot's sessions and lose to them.
      MemFileStore store = store(b -> b.max(1_000));
      List<String> users = new ArrayList<>();
      for (int u = 0; u < 100; u++) {
        users.add("user-" + u);
        store.set("user-" + u, session(u));
      }
      for (int round = 0; round < 10; round++) {
        users.forEach(id -> store.touch(id, store.get(id).orElseThrow()));
      }
      Set<String> lost = new java.util.TreeSet<>();
      int bot = 0;
      while (bot < 100_000) {
        for (String id : users) {
          for (int b = 0; b < 10; b++) {
            store.set("bot-" + bot++, session(0)); // between two visits of a user: 1,000 bots
          }
          store.get(id).ifPresentOrElse(s -> store.touch(id, s), () -> lost.add(id));
          if (lost.contains(id)) {
            store.set(id, session(0));
          }
        }
        assertThat(store.length()).isLessThanOrEqualTo(1_000);
      }
      assertThat(lost).as("users who lost their session").isEmpty();
      assertThat(disposed)
          .hasSize(bot + users.size() - 1_000)
          .allMatch(d -> d.startsWith("EVICTED bot-"));
    }
  }

  @Nested
  class Configuration {
    @Test
    void badOptionsAreRefusedWithTheValueInTheMessage() {
      MemFileStore.Builder b = MemFileStore.builder();
      assertThatThrownBy(() -> b.checkPeriod(Duration.ofSeconds(-1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("checkPeriod")
          .hasMessageContaining("PT-1S");
      assertThatThrownBy(() -> b.savePeriod(Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("savePeriod");
      assertThatThrownBy(() -> b.max(0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("max must be at least 1 but was 0");
      assertThatThrownBy(() -> b.ttl(Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("ttl");
      assertThatThrownBy(() -> b.saveFile(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aSavePeriodNeedsASaveFile() {
      assertThatThrownBy(() -> MemFileStore.builder().savePeriod(Duration.ofMinutes(1)).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("saveFile");
    }

    @Test
    void aClosedStoreRefusesWritesButStillReads() {
      MemFileStore store = store();
      store.set("a", session(1));
      assertThat(store.isClosed()).isFalse();
      store.close();
      assertThat(store.isClosed()).isTrue();
      store.close();
      assertThatThrownBy(() -> store.set("b", session(2)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closed");
      assertThat(value(store, "a")).isEqualTo(1);
    }
  }

  @Nested
  class SaveInterval {
    @TempDir Path dir;

    @Test
    void theSaveIntervalWritesTheFileAndCanBeStopped() throws Exception {
      Path file = dir.resolve("sessions.json");
      MemFileStore store = store(b -> b.saveFile(file).savePeriod(Duration.ofMillis(20)));
      store.set("a", session(1));
      await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(file));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> Files.readString(file).contains("\"id\":\"a\""));

      store.stopSaveInterval();
      store.set("b", session(2));
      Thread.sleep(200); // nothing to poll for: proving that no save happens takes waiting
      assertThat(Files.readString(file)).doesNotContain("\"id\":\"b\"");
      store.save();
      assertThat(Files.readString(file)).contains("\"id\":\"b\"");
      assertThat(Set.of(Files.readString(file).split("\n"))).hasSize(4);
    }
  }

  @Test
  void timerThreadsUseTheBuildersContextLoaderAndEndWithClose() throws Exception {
    ClassLoader webapp = new ClassLoader(getClass().getClassLoader()) {};
    MemFileStore[] built = new MemFileStore[1];
    Thread builder =
        new Thread(
            () ->
                built[0] =
                    MemFileStore.builder().checkPeriod(Duration.ofMillis(5)).clock(clock).build());
    builder.setContextClassLoader(webapp);
    builder.start();
    builder.join();
    MemFileStore store = built[0];
    Thread.sleep(50);
    List<Thread> timers =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().equals("memfilestore-timer"))
            .filter(t -> t.getContextClassLoader() == webapp)
            .toList();
    assertThat(timers).isNotEmpty();

    store.close();

    assertThat(timers).noneMatch(Thread::isAlive);
  }
}
