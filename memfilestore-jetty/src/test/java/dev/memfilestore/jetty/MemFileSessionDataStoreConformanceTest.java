package dev.memfilestore.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memfilestore.MemFileStore;
import dev.memfilestore.SessionSerializer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jetty.session.AbstractSessionDataStore;
import org.eclipse.jetty.session.AbstractSessionDataStoreTest;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.SessionDataStore;
import org.eclipse.jetty.session.SessionDataStoreFactory;
import org.eclipse.jetty.session.UnwriteableSessionDataException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jetty's own conformance suite for session data stores, run against our store backed by a real
 * save file. Jetty stops and starts the server between writing and reading, so most tests also
 * prove that sessions come back from the file. Three tests of our own follow Jetty's 24: no late
 * store recreates a deleted record, what a first store does over an existing one, and how Jetty's
 * expiry maps to the core's deadline.
 *
 * <p>The hooks below look behind Jetty's back into the core store: they write and read the core
 * sessions directly, and read attributes with a serializer of their own, so a bug in the adapter's
 * reading code cannot hide a bug in its writing code.
 */
class MemFileSessionDataStoreConformanceTest extends AbstractSessionDataStoreTest {
  /** Jetty's suite stores instances of these classes, which only its context class loader has. */
  static final String SUITE_TYPES = "Foo, Proxyable, ProxyableInvocationHandler";

  /** What the adapter keeps sessions for after they expire, with the suite's grace period. */
  static final long RETENTION_MS = SessionRecords.retentionMillis(GRACE_PERIOD_SEC);

  @TempDir Path dir;

  MemFileSessionDataStoreConformanceTest() throws Exception {
    super();
  }

  @Override
  public SessionDataStoreFactory createSessionDataStoreFactory() {
    MemFileSessionDataStoreFactory factory = new MemFileSessionDataStoreFactory();
    factory.setSaveFile(dir.resolve("sessions.json").toString());
    factory.setAllowedTypes(SUITE_TYPES);
    return factory;
  }

  private MemFileStore coreStore() {
    MemFileStore store = ((MemFileSessionDataStoreFactory) _factory).currentStore();
    assertThat(store).as("the core store is open while the server runs").isNotNull();
    return store;
  }

  private static String key(SessionData data) {
    return SessionRecords.keyPrefix(data.getContextPath(), data.getVhost()) + data.getId();
  }

  private static SessionRecords records() {
    return new SessionRecords(SessionSerializer.named("java", SUITE_TYPES));
  }

  @Override
  public void persistSession(SessionData data) throws Exception {
    coreStore().set(key(data), records().encode(data, System.currentTimeMillis(), RETENTION_MS));
  }

  @Override
  public void persistUnreadableSession(SessionData data) throws Exception {
    dev.memfilestore.SessionData stored =
        records().encode(data, System.currentTimeMillis(), RETENTION_MS);
    stored.setAttribute(SessionRecords.ATTRIBUTES, new byte[] {0, 0, 0, 2, 1, 2, 3});
    coreStore().set(key(data), stored);
  }

  @Override
  public boolean checkSessionExists(SessionData data) throws Exception {
    return coreStore().get(key(data)).isPresent();
  }

  @Override
  public boolean checkSessionPersisted(SessionData data) throws Exception {
    Optional<dev.memfilestore.SessionData> found = coreStore().get(key(data));
    assertThat(found).as("session %s in the core store", data.getId()).isPresent();
    dev.memfilestore.SessionData stored = found.get();
    assertThat(stored.getCreationTime().toEpochMilli()).isEqualTo(data.getCreated());
    assertThat(stored.getLastAccessedTime().toEpochMilli()).isEqualTo(data.getAccessed());
    assertThat(stored.getAttribute(SessionRecords.LAST_ACCESSED)).isEqualTo(data.getLastAccessed());
    assertThat(stored.getAttribute(SessionRecords.CONTEXT_PATH)).isEqualTo(data.getContextPath());
    assertThat(stored.getAttribute(SessionRecords.VHOST)).isEqualTo(data.getVhost());
    assertThat(stored.getAttribute(SessionRecords.LAST_NODE)).isEqualTo(data.getLastNode());
    assertThat(stored.getAttribute(SessionRecords.COOKIE_SET)).isEqualTo(data.getCookieSet());
    assertThat(stored.getAttribute(SessionRecords.EXPIRY)).isEqualTo(data.getExpiry());
    assertThat(stored.getAttribute(SessionRecords.MAX_INACTIVE_MS))
        .isEqualTo(data.getMaxInactiveMs());

    ClassLoader old = Thread.currentThread().getContextClassLoader();
    Thread.currentThread().setContextClassLoader(_contextClassLoader);
    try {
      dev.memfilestore.SessionData attributes =
          SessionSerializer.named("java", SUITE_TYPES)
              .deserialize((byte[]) stored.getAttribute(SessionRecords.ATTRIBUTES));
      Map<String, Object> values = new HashMap<>();
      attributes.getAttributeNames().forEach(n -> values.put(n, attributes.getAttribute(n)));
      assertThat(values.keySet()).isEqualTo(data.getKeys());
      for (String name : data.getKeys()) {
        // Jetty's suite compares with the stored value's equals (its proxy answers only then)
        assertThat(values.get(name).equals(data.getAttribute(name)))
            .as("attribute %s", name)
            .isTrue();
      }
    } finally {
      Thread.currentThread().setContextClassLoader(old);
    }
    return true;
  }

  // ------------------------------------------------ beyond Jetty's suite: issue 18 and the expiry

  @Test
  void aStoreOfASessionSavedBeforeNeverRecreatesItsDeletedRecord() throws Exception {
    setUp();
    _server.start();
    SessionDataStore store = _sessionManager.getSessionCache().getSessionDataStore();
    long now = System.currentTimeMillis();
    SessionData data = store.newSessionData("late1", 100, now, now - 1, 600_000);
    data.setExpiry(now + 600_000);
    data.setAttribute("user", "ada");
    store.store("late1", data); // first store: creates
    assertThat(data.getLastSaved()).isPositive();
    assertThat(checkSessionExists(data)).isTrue();

    assertThat(store.delete("late1")).isTrue(); // another request signs out
    data.setAttribute("user", "ada, again"); // the late request's copy changed meanwhile
    store.store("late1", data);

    assertThat(checkSessionExists(data)).isFalse();
    assertThat(store.load("late1")).isNull();
    _server.stop();
    _server.start();
    assertThat(checkSessionExists(data)).isFalse();
  }

  @Test
  void aFirstStoreReplacesAnExpiredRecordButNotALiveOne() throws Exception {
    setUp();
    _server.start();
    SessionDataStore store = _sessionManager.getSessionCache().getSessionDataStore();
    long now = System.currentTimeMillis();
    SessionData expired = store.newSessionData("reused", 100, 101, 100, 600_000);
    expired.setExpiry(RECENT_TIMESTAMP); // kept for Jetty's scavenger, but no session any more
    persistSession(expired);
    SessionData fresh = store.newSessionData("reused", now, now, now, 600_000);
    fresh.setExpiry(now + 600_000);
    store.store("reused", fresh);
    assertThat(checkSessionPersisted(fresh)).isTrue();

    SessionData other = store.newSessionData("reused", now, now, now, 600_000);
    other.setAttribute("user", "mallory");
    assertThatThrownBy(() -> store.store("reused", other))
        .isInstanceOf(UnwriteableSessionDataException.class);
    assertThat(checkSessionPersisted(fresh)).isTrue();
  }

  @Test
  void theCoreDeadlineIsJettysExpiryPlusTheRetention() throws Exception {
    setUp();
    _server.start();
    SessionDataStore store = _sessionManager.getSessionCache().getSessionDataStore();
    long now = System.currentTimeMillis();
    SessionData expiring = store.newSessionData("timed", now, now, now, 600_000);
    expiring.setExpiry(now + 600_000);
    store.store("timed", expiring);
    SessionData immortal = store.newSessionData("immortal", now, now, now, -1);
    store.store("immortal", immortal);

    long deadline = coreStore().expiresAt(key(expiring)).orElseThrow().toEpochMilli();
    // The core counts from its own clock, read a moment after the adapter's: never earlier.
    assertThat(deadline - RETENTION_MS)
        .isBetween(expiring.getExpiry(), expiring.getExpiry() + 5_000);
    assertThat(coreStore().expiresAt(key(immortal))).contains(Instant.MAX);
    assertThat(store.exists("timed")).isTrue();
    assertThat(store.exists("immortal")).isTrue();
    assertThat(store.getExpired(Set.of("timed", "immortal", "unknown"))).containsExactly("unknown");

    // A longer grace period than the one the record was stored with: its deadline now looks
    // expired, so the record itself is read, and the live session is never reported expired.
    ((AbstractSessionDataStore) store).setGracePeriodSec(4 * GRACE_PERIOD_SEC);
    assertThat(store.exists("timed")).isTrue();
    assertThat(store.getExpired(Set.of("timed"))).isEmpty();
  }
}
