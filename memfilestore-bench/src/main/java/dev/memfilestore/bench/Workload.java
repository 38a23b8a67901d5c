package dev.memfilestore.bench;

import dev.memfilestore.SessionData;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The shared workload: 10k session ids, a precomputed Zipf-skewed sequence of indices into them (so
 * drawing an id costs an array read inside the benchmark), and the attributes of one session in
 * each of the two shapes.
 *
 * <ul>
 *   <li>{@value #IMMUTABLE}: every attribute value is a String, a Long or an Instant, so the store
 *       can hand out copies without deserializing (its fast path);
 *   <li>{@value #MUTABLE_LIST}: the same attributes, except the roles are a {@code List<String>}
 *       instead of one comma-joined String, which makes the session "mutable": the store
 *       deserializes it on every read.
 * </ul>
 */
final class Workload {
  /** Sessions preloaded into every store and repository. */
  static final int SESSIONS = 10_000;

  /** The shape whose attribute values are all immutable. */
  static final String IMMUTABLE = "immutable";

  /** The shape with a mutable {@code List<String>} attribute. */
  static final String MUTABLE_LIST = "mutableList";

  /** Zipf exponent of the id draw (as YCSB's default): the hottest session gets about 10%. */
  static final double ZIPF_EXPONENT = 0.99;

  /** Length of the precomputed draw sequence; a power of two. */
  static final int DRAWS = 1 << 20;

  static final Duration MAX_INACTIVE = Duration.ofMinutes(30);

  private static final long SEED = 20_251_129L;
  private static final Instant LOGIN_BASE = Instant.parse("2025-11-01T08:00:00Z");
  private static final List<String> ROLES = List.of("ROLE_USER", "ROLE_ORDERS", "ROLE_BILLING");

  /** Session ids, 32 hex characters each as servlet containers make them. */
  static final String[] IDS = ids();

  /** Indices into {@link #IDS}, Zipf-distributed over a random permutation of the sessions. */
  static final int[] DRAW = draws();

  private Workload() {}

  private static String[] ids() {
    Random random = new Random(SEED);
    String[] ids = new String[SESSIONS];
    for (int i = 0; i < SESSIONS; i++) {
      ids[i] = String.format(Locale.ROOT, "%016X%016X", random.nextLong(), random.nextLong());
    }
    return ids;
  }

  private static int[] draws() {
    Random random = new Random(SEED + 1);
    double[] cumulative = new double[SESSIONS];
    double sum = 0;
    for (int rank = 0; rank < SESSIONS; rank++) {
      sum += 1.0 / Math.pow(rank + 1, ZIPF_EXPONENT);
      cumulative[rank] = sum;
    }
    // Which session has which popularity rank: a seeded shuffle, so hot ids are spread out.
    int[] sessionOfRank = new int[SESSIONS];
    for (int i = 0; i < SESSIONS; i++) {
      sessionOfRank[i] = i;
    }
    for (int i = SESSIONS - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = sessionOfRank[i];
      sessionOfRank[i] = sessionOfRank[j];
      sessionOfRank[j] = t;
    }
    int[] draws = new int[DRAWS];
    for (int d = 0; d < DRAWS; d++) {
      double u = random.nextDouble() * sum;
      int lo = 0;
      int hi = SESSIONS - 1;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (cumulative[mid] < u) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      draws[d] = sessionOfRank[lo];
    }
    return draws;
  }

  /**
   * The attributes of session {@code i}: about 500 bytes once serialized to JSON by the store.
   *
   * @param shape {@link #IMMUTABLE} or {@link #MUTABLE_LIST}
   */
  static Map<String, Object> attributes(String shape, int i) {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("user", "user" + i + "@example.com");
    a.put("displayName", "Ada Lovelace the " + i + "th");
    a.put("counter", (long) i);
    a.put("loginAt", LOGIN_BASE.plusSeconds(i));
    a.put("csrfToken", IDS[i].toLowerCase(Locale.ROOT) + "-" + Integer.toHexString(i * 7919));
    a.put("lastPage", "/account/orders?page=3&sort=date-desc&filter=shipped");
    a.put("cartToken", IDS[(i + 1) % SESSIONS] + IDS[(i + 2) % SESSIONS]);
    switch (shape) {
      case IMMUTABLE -> a.put("roles", String.join(",", ROLES));
      case MUTABLE_LIST -> a.put("roles", new ArrayList<>(ROLES));
      default -> throw new IllegalArgumentException("unknown shape " + shape);
    }
    return a;
  }

  /** Session {@code i} as the store's {@link SessionData}, created and last accessed now. */
  static SessionData session(String shape, int i) {
    SessionData s = new SessionData();
    s.setMaxInactiveInterval(MAX_INACTIVE);
    attributes(shape, i).forEach(s::setAttribute);
    return s;
  }
}
