package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Eviction under a flood of sessions that are created and never read again: sessions that came back
 * (were read after their creation) are never the ones evicted while the never-read sessions exceed
 * their tenth of {@code max}; the bound holds at every step; evictions are reported and counted;
 * small stores and restarts behave.
 */
class FloodEvictionTest {
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

  private static SessionData session(int weight) {
    SessionData s = new SessionData(Instant.parse("2026-01-01T00:00:00Z"));
    s.setAttribute("weight", weight);
    return s;
  }

  private static int weight(SessionData s) {
    return (Integer) s.getAttribute("weight");
  }

  /** A user's visit: a read, then a touch or a save, as the adapters do. */
  private static boolean visit(MemFileStore store, String id, Random random) {
    SessionData s = store.get(id).orElse(null);
    if (s == null) {
      return false;
    }
    if (random.nextBoolean()) {
      store.touch(id, s);
    } else {
      s.setAttribute("visits", random.nextInt());
      store.set(id, s);
    }
    return true;
  }

  private static void assertWithinBound(MemFileStore store) {
    StoreStats stats = store.stats();
    assertThat(stats.totalLength()).as("total length").isLessThanOrEqualTo(stats.max());
    assertThat(store.length()).as("sessions").isLessThanOrEqualTo(stats.max());
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void sessionsThatCameBackSurviveARandomFloodOfNeverReadOnes(long seed) {
    Random random = new Random(seed);
    int max = List.of(40, 200, 1_000).get(random.nextInt(3));
    MemFileStore store = store(b -> b.max(max).length(FloodEvictionTest::weight));
    // users may hold up to half of max: with the never-read tenth and one new session, the rest
    // of the store is enough that none of them need be evicted
    Set<String> users = new LinkedHashSet<>();
    int userWeight = 0;
    int made = 0;
    int bots = 0;
    Set<String> botIds = new HashSet<>();
    for (int step = 0; step < 20_000; step++) {
      int op = random.nextInt(100);
      if (op < 80) {
        String id = "bot-" + bots++;
        store.set(id, session(1 + random.nextInt(3)));
        botIds.add(id);
      } else if (op < 85 && userWeight + 3 <= max / 2) {
        // a new user: the first request creates the session, the second one comes back with it
        String id = "user-" + made++;
        int w = 1 + random.nextInt(3);
        store.set(id, session(w));
        assertThat(visit(store, id, random)).as("a new user's second request").isTrue();
        users.add(id);
        userWeight += w;
      } else if (op < 87 && !users.isEmpty()) {
        String id = users.iterator().next(); // a user logs out
        userWeight -= weight(store.get(id).orElseThrow());
        store.destroy(id);
        users.remove(id);
      } else if (!users.isEmpty()) {
        String id = new ArrayList<>(users).get(random.nextInt(users.size()));
        assertThat(visit(store, id, random)).as("user %s came back", id).isTrue();
      }
      assertWithinBound(store);
    }
    for (String id : users) {
      assertThat(store.get(id)).as("user %s", id).isPresent();
    }
    // only bots were evicted, each once, as counted; none of them is still there
    List<String> evicted =
        disposed.stream().filter(d -> d.startsWith("EVICTED ")).map(d -> d.substring(8)).toList();
    assertThat(evicted).isNotEmpty().allMatch(botIds::contains).doesNotHaveDuplicates();
    assertThat(store.stats().evictions()).isEqualTo(evicted.size());
    evicted.forEach(id -> assertThat(store.get(id)).as(id).isEmpty());
    // what is left: every user and the bots that were not evicted, nothing else
    assertThat(store.length()).isEqualTo(users.size() + bots - evicted.size());
  }

  /**
   * Spring's default bound, 100,000: Caffeine's frequency sketch is sized for 65,536 sessions from
   * the start and starts over when the map grows past that, so the visits of the users who came
   * last before the flood were forgotten and those users lost their sessions to bot sessions used
   * once (1,000 of 10,000 users here, before the never-read sessions had a share of their own).
   */
  @Test
  void usersWhoCameBackSurviveAFloodInALargeStore() {
    MemFileStore store = store(b -> b.max(100_000));
    List<String> users = new ArrayList<>();
    for (int u = 0; u < 10_000; u++) {
      users.add("user-" + u);
      store.set("user-" + u, session(1));
    }
    for (int round = 0; round < 3; round++) {
      users.forEach(id -> store.touch(id, store.get(id).orElseThrow()));
    }
    Set<String> lost = new HashSet<>();
    int bot = 0;
    for (String id : users) {
      for (int b = 0; b < 20; b++) {
        store.set("bot-" + bot++, session(1)); // 200,000 bots between two visits of a user
      }
      if (store.get(id).isEmpty()) {
        lost.add(id);
      }
    }
    assertThat(lost).as("users who lost their session").isEmpty();
    assertThat(store.stats().totalLength()).isEqualTo(100_000);
  }

  @Test
  void aFloodEvictsTheOldestNeverReadSessionsFirst() {
    MemFileStore store = store(b -> b.max(100));
    for (int u = 0; u < 50; u++) {
      store.set("user-" + u, session(1));
      store.get("user-" + u);
    }
    for (int b = 0; b < 1_000; b++) {
      store.set("bot-" + b, session(1));
      assertWithinBound(store);
    }
    // the 50 bots kept are the last 50 made; the first 950 went in the order they came
    List<String> expected = new ArrayList<>();
    for (int b = 0; b < 950; b++) {
      expected.add("EVICTED bot-" + b);
    }
    assertThat(disposed).containsExactlyElementsOf(expected);
    assertThat(store.ids()).hasSize(100).contains("user-0", "user-49", "bot-950", "bot-999");
  }

  @Test
  void aNeverReadSessionThatIsReadJoinsTheOnesThatCameBack() {
    MemFileStore store = store(b -> b.max(100));
    store.set("late-user", session(1));
    store.set("bot-0", session(1));
    store.get("late-user"); // its second request
    for (int b = 1; b < 1_000; b++) {
      store.set("bot-" + b, session(1));
    }
    assertThat(store.get("late-user")).isPresent();
    assertThat(disposed).doesNotContain("EVICTED late-user").contains("EVICTED bot-0");
  }

  @Test
  void aTouchOrAnUpdateAlsoCountsAsComingBack() {
    MemFileStore store = store(b -> b.max(100));
    store.set("touched", session(1));
    store.set("updated", session(1));
    store.touch("touched", null);
    store.update("updated", s -> s);
    for (int b = 0; b < 1_000; b++) {
      store.set("bot-" + b, session(1));
    }
    assertThat(store.get("touched")).isPresent();
    assertThat(store.get("updated")).isPresent();
  }

  @Test
  void aSessionSavedAgainWithoutBeingReadIsStillNeverRead() {
    MemFileStore store = store(b -> b.max(10));
    store.set("one-shot", session(1));
    store.set("one-shot", session(1)); // the same request saving twice
    for (int b = 0; b < 10; b++) {
      store.set("bot-" + b, session(1));
    }
    assertThat(disposed).startsWith("REPLACED one-shot", "EVICTED one-shot");
  }

  @Test
  void aDestroyedOrExpiredNeverReadSessionLeavesTheQueue() {
    MemFileStore store = store(b -> b.max(10).ttl(Duration.ofMinutes(1)));
    store.set("destroyed", session(1));
    store.set("expires", session(1));
    store.destroy("destroyed");
    clock.advance(Duration.ofMinutes(2));
    store.prune();
    // the same ids again are new sessions: evicted in the order they are made now
    store.set("expires", session(1));
    store.set("destroyed", session(1));
    for (int b = 0; b < 12; b++) {
      store.set("bot-" + b, session(1));
    }
    assertThat(disposed)
        .containsExactly(
            "DESTROYED destroyed",
            "EXPIRED expires",
            "EVICTED expires",
            "EVICTED destroyed",
            "EVICTED bot-0",
            "EVICTED bot-1");
    assertWithinBound(store);
  }

  /**
   * A full store of sessions that came back, then new sessions: while the never-read ones weigh no
   * more than their tenth of max (at least one session), Caffeine's policy chooses, and it evicts
   * the user who arrived last for the first new session (it is in Caffeine's admission window and
   * ties with the others). From then on the never-read sessions are over their share, so each new
   * session evicts the one before it: a flood costs such a store at most a tenth of its users.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 10})
  void aSmallStoreFullOfUsersWhoCameBack(int max) {
    MemFileStore store = store(b -> b.max(max));
    for (int u = 0; u < max; u++) {
      store.set("user-" + u, session(1));
      store.get("user-" + u);
    }
    List<String> expected = new ArrayList<>(List.of("EVICTED user-" + (max - 1)));
    for (int n = 0; n < 20; n++) {
      store.set("new-" + n, session(1));
      assertWithinBound(store);
      if (n > 0) {
        expected.add("EVICTED new-" + (n - 1));
      }
    }
    assertThat(disposed).containsExactlyElementsOf(expected);
    assertThat(store.get("new-19")).as("the newest session").isPresent();
    for (int u = 0; u < max - 1; u++) {
      assertThat(store.get("user-" + u)).as("user-%s", u).isPresent();
    }
  }

  @Test
  void aSmallStoreOfNeverReadSessionsEvictsTheOldest() {
    MemFileStore store = store(b -> b.max(2));
    store.set("a", session(1));
    store.set("b", session(1));
    store.set("c", session(1));
    store.set("d", session(1));
    assertThat(disposed).containsExactly("EVICTED a", "EVICTED b");
    assertThat(store.ids()).containsExactlyInAnyOrder("c", "d");
  }

  @Test
  void aFloodWithASaveFileIsReportedAndLeavesTheUsersForTheNextStart(@TempDir Path dir) {
    Path file = dir.resolve("sessions.json");
    MemFileStore store = store(b -> b.saveFile(file).durability(Durability.JOURNAL).max(200));
    for (int u = 0; u < 100; u++) {
      store.set("user-" + u, session(1));
      store.get("user-" + u);
    }
    for (int b = 0; b < 5_000; b++) {
      store.set("bot-" + b, session(1));
      assertWithinBound(store);
    }
    assertThat(disposed).hasSize(4_900).allMatch(d -> d.startsWith("EVICTED bot-"));
    assertThat(store.stats().evictions()).isEqualTo(4_900);
    store.close();

    disposed.clear();
    MemFileStore reopened = store(b -> b.saveFile(file).max(200));
    assertThat(reopened.length()).isEqualTo(200);
    for (int u = 0; u < 100; u++) {
      assertThat(reopened.get("user-" + u)).as("user-%s", u).isPresent();
    }
    assertThat(reopened.get("bot-4899")).isEmpty();
    assertThat(reopened.get("bot-4999")).isPresent();
  }

  /**
   * Sessions loaded at start count as ones that came back (the file does not record reads), so a
   * flood right after a restart of a full store costs at most a tenth of them, as for a running
   * store full of users who came back (see above): the ones Caffeine ranks lowest, while the
   * flood's never-read sessions are under their share. Then the flood only evicts its own.
   */
  @Test
  void aFloodAfterRestartingAFullStoreCostsAtMostATenthOfItsSessions(@TempDir Path dir) {
    Path file = dir.resolve("sessions.json");
    MemFileStore store = store(b -> b.saveFile(file).max(100));
    for (int u = 0; u < 100; u++) {
      store.set("user-" + u, session(1)); // never read before the restart
    }
    store.close();
    MemFileStore reopened = store(b -> b.saveFile(file).max(100));
    assertThat(reopened.length()).isEqualTo(100);
    for (int b = 0; b < 5_000; b++) {
      reopened.set("bot-" + b, session(1));
      assertWithinBound(reopened);
    }
    assertThat(disposed).hasSize(5_000).allMatch(d -> d.startsWith("EVICTED "));
    long usersLost = disposed.stream().filter(d -> d.startsWith("EVICTED user-")).count();
    assertThat(usersLost).isBetween(1L, 10L);
    assertThat(disposed.subList(1_000, 5_000)).allMatch(d -> d.startsWith("EVICTED bot-"));
    long usersKept =
        java.util.stream.IntStream.range(0, 100)
            .filter(u -> reopened.get("user-" + u).isPresent())
            .count();
    assertThat(usersKept).isEqualTo(100 - usersLost);
  }

  @Test
  void concurrentFloodAndUsersKeepTheBound() throws Exception {
    int max = 500;
    MemFileStore store = store(b -> b.max(max));
    Set<String> lostUsers = ConcurrentHashMap.newKeySet();
    for (int u = 0; u < 100; u++) {
      store.set("user-" + u, session(1));
      store.get("user-" + u);
    }
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < 4; t++) {
      int thread = t;
      threads.add(
          new Thread(
              () -> {
                try {
                  Random random = new Random(thread);
                  for (int i = 0; i < 20_000; i++) {
                    if (thread < 2) {
                      store.set("bot-" + thread + "-" + i, session(1));
                      if (i % 97 == 0) {
                        store.destroy("bot-" + thread + "-" + (i - random.nextInt(50)));
                      }
                    } else {
                      String id = "user-" + random.nextInt(100);
                      if (!visit(store, id, random)) {
                        lostUsers.add(id);
                      }
                    }
                    long total = store.stats().totalLength();
                    // between a set and its eviction another thread may look: at most one
                    // session per writing thread over the bound
                    assertThat(total).isLessThanOrEqualTo(max + 4);
                  }
                } catch (Throwable e) {
                  failures.add(e);
                }
              }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failures).isEmpty();
    assertWithinBound(store);
    assertThat(lostUsers).isEmpty();
    assertThat(disposed).noneMatch(d -> d.startsWith("EVICTED user-"));
    // the queue of never-read sessions holds exactly the stored sessions not read since made
    var neverRead = store.sessionsForTests().neverRead();
    Set<String> stored = new HashSet<>(store.ids());
    assertThat(stored).containsAll(neverRead.getKey());
    assertThat(neverRead.getKey()).allMatch(id -> id.startsWith("bot-"));
    long botsStored = stored.stream().filter(id -> id.startsWith("bot-")).count();
    assertThat(neverRead.getKey()).hasSize((int) botsStored);
    assertThat(neverRead.getValue()).isEqualTo(botsStored);
  }
}
