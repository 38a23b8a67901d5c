package dev.memfilestore.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.memfilestore.MemFileStore;
import dev.memfilestore.SessionData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Flood resistance: a store bounded to 10k sessions, 1k active users who come back round after
 * round, and a bot that creates one-shot sessions between the rounds until it has made 1M. Counts
 * the active users who kept their session through the whole flood, for MemFileStore (W-TinyLFU
 * eviction) and for a plain LRU bound of the same size (what the seed's lru-cache does), at several
 * bot rates (bot sessions per active-user request).
 *
 * <p>Usage: {@code FloodResistance <out.json> <botSessions> <rate>...}; {@code -Dflood.bound} and
 * {@code -Dflood.users} change the bound (10,000) and the number of active users (1,000).
 */
public final class FloodResistance {
  /** The store's bound; {@code -Dflood.bound} to try another (e.g. Spring's default, 100,000). */
  static final int BOUND = Integer.getInteger("flood.bound", 10_000);

  /** The active users; {@code -Dflood.users} to scale them with the bound. */
  static final int USERS = Integer.getInteger("flood.users", 1_000);

  /** Rounds in which the users come back before the bot starts: they are active users. */
  static final int WARM_ROUNDS = 10;

  private FloodResistance() {}

  /** A bounded store seen as what the flood needs. */
  interface Bounded {
    boolean visit(String id, SessionData session);

    void create(String id, SessionData session);
  }

  /**
   * Runs the flood for each rate and both stores and writes the results as JSON.
   *
   * @param args the output file, the number of bot sessions, then the rates
   * @throws Exception if the file cannot be written
   */
  public static void main(String[] args) throws Exception {
    int bot = Integer.parseInt(args[1]);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int a = 2; a < args.length; a++) {
      int rate = Integer.parseInt(args[a]);
      try (MemFileStore store = MemFileStore.builder().max(BOUND).build()) {
        rows.add(
            run(
                "memfilestore",
                rate,
                bot,
                new Bounded() {
                  @Override
                  public boolean visit(String id, SessionData session) {
                    if (store.get(id).isEmpty()) {
                      store.set(id, session);
                      return false;
                    }
                    store.touch(id, session);
                    return true;
                  }

                  @Override
                  public void create(String id, SessionData session) {
                    store.set(id, session);
                  }
                }));
      }
      // Caffeine itself, bounded the same way with the store's defaults: whether a loss comes
      // from its W-TinyLFU policy or from the store around it
      Map<String, SessionData> caffeine =
          Caffeine.newBuilder()
              .executor(Runnable::run)
              .maximumWeight(BOUND)
              .<String, SessionData>weigher((id, session) -> 1)
              .<String, SessionData>build()
              .asMap();
      rows.add(run("caffeine", rate, bot, mapStore(caffeine)));
      Map<String, SessionData> lru =
          new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, SessionData> eldest) {
              return size() > BOUND;
            }
          };
      rows.add(run("lru", rate, bot, mapStore(lru)));
    }
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(Path.of(args[0]).toFile(), rows);
  }

  /** A plain map as a bounded store: a visit reads, and re-creates what it did not find. */
  private static Bounded mapStore(Map<String, SessionData> map) {
    return new Bounded() {
      @Override
      public boolean visit(String id, SessionData session) {
        if (map.get(id) == null) {
          map.put(id, session);
          return false;
        }
        return true;
      }

      @Override
      public void create(String id, SessionData session) {
        map.put(id, session);
      }
    };
  }

  static Map<String, Object> run(String name, int rate, int botSessions, Bounded store) {
    SessionData user = Workload.session(Workload.IMMUTABLE, 1);
    SessionData oneShot = new SessionData();
    oneShot.setAttribute("csrfToken", "0123456789abcdef0123456789abcdef");
    String[] users = new String[USERS];
    for (int u = 0; u < USERS; u++) {
      users[u] = String.format(Locale.ROOT, "user-%08d", u);
      store.create(users[u], user);
    }
    for (int r = 0; r < WARM_ROUNDS; r++) {
      for (String u : users) {
        store.visit(u, user);
      }
    }
    boolean[] lost = new boolean[USERS];
    long visits = 0;
    long hits = 0;
    int made = 0;
    int firstLoss = Integer.MAX_VALUE;
    int lastLoss = -1;
    List<Integer> lostUsers = new ArrayList<>();
    long t0 = System.nanoTime();
    while (made < botSessions) {
      // between two visits of the same user, the bot makes USERS * rate sessions
      for (int u = 0; u < USERS && made < botSessions; u++) {
        for (int b = 0; b < rate && made < botSessions; b++) {
          store.create(String.format(Locale.ROOT, "bot-%08d", made++), oneShot);
        }
        visits++;
        if (store.visit(users[u], user)) {
          hits++;
        } else {
          lost[u] = true;
          firstLoss = Math.min(firstLoss, made);
          lastLoss = Math.max(lastLoss, made);
          lostUsers.add(u);
        }
      }
    }
    int kept = 0;
    for (boolean l : lost) {
      kept += l ? 0 : 1;
    }
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("store", name);
    row.put("botPerUserRequest", rate);
    row.put("botSessions", made);
    row.put("userVisits", visits);
    row.put("usersKept", kept);
    row.put("keptShare", kept / (double) USERS);
    row.put("userHitRatio", hits / (double) visits);
    // when the losses happened (bot sessions made so far) and to whom: tells why they happened
    row.put("firstLossAfterBotSessions", lastLoss < 0 ? null : firstLoss);
    row.put("lastLossAfterBotSessions", lastLoss < 0 ? null : lastLoss);
    row.put("lostUsersSample", lostUsers.subList(0, Math.min(10, lostUsers.size())).toString());
    row.put("seconds", (System.nanoTime() - t0) / 1e9);
    System.out.println(row);
    return row;
  }
}
