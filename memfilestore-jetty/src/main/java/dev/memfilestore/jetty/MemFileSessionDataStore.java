package dev.memfilestore.jetty;

import dev.memfilestore.MemFileStore;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jetty.session.AbstractSessionDataStore;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.UnreadableSessionDataException;
import org.eclipse.jetty.session.UnwriteableSessionDataException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions of one context, kept in the core store shared by the factory's contexts. Jetty calls
 * every method but {@link #doCleanOrphans} inside the context (its class loader is the thread's
 * context class loader), which is what reading attributes needs.
 *
 * <h2>No late store brings a deleted session back</h2>
 *
 * Requests that work on their own copies of a session ({@code NullSessionCache}, or several
 * contexts or servers sharing the factory) may end in any order: one may invalidate the session
 * (Jetty deletes it) while another, still running, stores its copy afterwards. As with Jetty's
 * {@code JDBCSessionDataStore}, a store of a session saved before ({@code lastSaveTime > 0}) only
 * replaces the record that is there, in one atomic step of the core ({@code update}): once the
 * record is deleted, such a store writes nothing, and no interleaving of the two can recreate it.
 * Only a first store ({@code lastSaveTime <= 0}: a new session, or one whose id Jetty just renewed)
 * creates a record, and only where none is ({@code setIfAbsent}); a record left by a session Jetty
 * no longer counts (expired, kept for its listeners) gives way, a live one is refused as a database
 * refuses a duplicate key.
 *
 * <h2>Expiry without decoding</h2>
 *
 * The core keeps each record until Jetty's expiry plus {@link SessionRecords#retentionMillis} (or
 * forever when Jetty's expiry is 0), so {@link MemFileStore#expiresAt} minus that retention is
 * Jetty's expiry. {@link #doExists}, {@link #doCheckExpired}, {@link #doGetExpired} and {@link
 * #doCleanOrphans} thus answer for live sessions from the core's deadline alone; only a record
 * whose deadline says it may have expired (those are few: Jetty deletes them as it finds them) is
 * read to learn its exact expiry. A record whose deadline has passed is gone from the core, which
 * is why sessions that expired more than ten grace periods ago are not reported to Jetty. If the
 * grace period is lowered, sessions stored before the change are reported expired up to ten times
 * the difference late (never early) until they are stored again.
 */
final class MemFileSessionDataStore extends AbstractSessionDataStore {
  private static final Logger log = LoggerFactory.getLogger(MemFileSessionDataStore.class);

  /** What the store knows of a session at some time, by Jetty's rules. */
  private enum Verdict {
    /** No record (never stored, deleted, or expired longer ago than the retention). */
    ABSENT,
    /** Not expired. */
    LIVE,
    /** Expired, or unreadable with its deadline passed. */
    EXPIRED
  }

  private final SharedStore shared;
  private final SessionRecords records;
  private volatile MemFileStore store;
  private volatile String keyPrefix;

  MemFileSessionDataStore(SharedStore shared, SessionRecords records) {
    this.shared = shared;
    this.records = records;
  }

  @Override
  protected void doStart() throws Exception {
    if (_context == null) {
      throw new IllegalStateException("No SessionContext");
    }
    keyPrefix = SessionRecords.keyPrefix(_context.getCanonicalContextPath(), _context.getVhost());
    store = shared.acquire();
    super.doStart();
  }

  @Override
  protected void doStop() throws Exception {
    super.doStop();
    store = null;
    shared.release();
  }

  /** Attributes are serialized, so Jetty tells listeners when sessions passivate and activate. */
  @Override
  public boolean isPassivating() {
    return true;
  }

  private long retentionMillis() {
    return SessionRecords.retentionMillis(_gracePeriodSec);
  }

  @Override
  public boolean doExists(String id) {
    return SessionRecords.isPlausibleId(id)
        && verdict(keyPrefix + id, System.currentTimeMillis()) == Verdict.LIVE;
  }

  @Override
  public void doStore(String id, SessionData data, long lastSaveTime) throws Exception {
    if (!SessionRecords.isPlausibleId(id)) {
      throw new UnwriteableSessionDataException(
          id, _context, new IllegalArgumentException("not a plausible session id"));
    }
    String key = keyPrefix + id;
    long now = System.currentTimeMillis();
    try {
      dev.memfilestore.SessionData record = records.encode(data, now, retentionMillis());
      if (lastSaveTime > 0) {
        if (store.update(key, stored -> record).isEmpty()) {
          log.debug(
              "Session {} of {} was deleted meanwhile (invalidated or expired): not stored again",
              SessionRecords.abbreviate(id),
              _context.getCanonicalContextPath());
        }
      } else {
        create(key, record, now);
      }
    } catch (RuntimeException e) {
      throw new UnwriteableSessionDataException(id, _context, e);
    }
  }

  /** A first store: creates the record, replacing only one Jetty no longer counts as a session. */
  private void create(String key, dev.memfilestore.SessionData record, long now) {
    if (store.setIfAbsent(key, record)) {
      return;
    }
    boolean replaced =
        store
            .update(
                key,
                stored -> {
                  Long expiry = SessionRecords.expiry(stored);
                  if (expiry != null && (expiry <= 0 || expiry > now)) {
                    throw new IllegalStateException("a live session is stored under this id");
                  }
                  return record;
                })
            .isPresent();
    if (!replaced && !store.setIfAbsent(key, record)) {
      throw new IllegalStateException("another session was stored under this id meanwhile");
    }
  }

  @Override
  public SessionData doLoad(String id) throws Exception {
    if (!SessionRecords.isPlausibleId(id)) {
      return null;
    }
    try {
      Optional<dev.memfilestore.SessionData> stored = store.get(keyPrefix + id);
      return stored.isEmpty() ? null : records.decode(id, stored.get());
    } catch (RuntimeException e) {
      throw new UnreadableSessionDataException(id, _context, e);
    }
  }

  @Override
  public boolean delete(String id) throws Exception {
    if (!SessionRecords.isPlausibleId(id)) {
      return false;
    }
    String key = keyPrefix + id;
    boolean existed = store.expiresAt(key).isPresent();
    store.destroy(key);
    return existed;
  }

  @Override
  public Set<String> doCheckExpired(Set<String> candidates, long time) {
    Set<String> expired = new HashSet<>();
    for (String id : candidates) {
      if (!SessionRecords.isPlausibleId(id) || verdict(keyPrefix + id, time) != Verdict.LIVE) {
        expired.add(id); // gone or expired: Jetty may finish it off
      }
    }
    return expired;
  }

  /** The ids of this context's sessions that are live now (for a migration). */
  Set<String> liveIds() {
    Set<String> live = new HashSet<>();
    long now = System.currentTimeMillis();
    for (String key : store.ids()) {
      if (key.startsWith(keyPrefix) && verdict(key, now) == Verdict.LIVE) {
        live.add(key.substring(keyPrefix.length()));
      }
    }
    return live;
  }

  @Override
  public Set<String> doGetExpired(long before) {
    Set<String> expired = new HashSet<>();
    for (String key : store.ids()) {
      if (key.startsWith(keyPrefix) && verdict(key, before) == Verdict.EXPIRED) {
        expired.add(key.substring(keyPrefix.length()));
      }
    }
    return expired;
  }

  /** Removes sessions of any context that expired at or before {@code time}. */
  @Override
  public void doCleanOrphans(long time) {
    int removed = 0;
    for (String key : store.ids()) {
      if (verdict(key, time) == Verdict.EXPIRED) {
        store.destroy(key);
        removed++;
      }
    }
    if (removed > 0) {
      log.debug("Removed {} sessions that expired before {}", removed, time);
    }
  }

  /**
   * Whether the session under a key had expired at {@code time}, by Jetty's expiry. The core's
   * deadline answers for every record whose Jetty expiry is later than both {@code time} and now;
   * otherwise the record is read, because it may have been stored after it expired (then its
   * deadline counts from the store, not from its expiry).
   */
  private Verdict verdict(String key, long time) {
    Optional<Instant> deadline = store.expiresAt(key);
    if (deadline.isEmpty()) {
      return Verdict.ABSENT;
    }
    if (deadline.get().equals(Instant.MAX)) {
      return Verdict.LIVE; // Jetty's expiry 0: never
    }
    long latestExpiry = deadline.get().toEpochMilli() - retentionMillis();
    if (latestExpiry > Math.max(time, System.currentTimeMillis())) {
      return Verdict.LIVE;
    }
    Long expiry;
    try {
      expiry = store.get(key).map(SessionRecords::expiry).orElse(null);
    } catch (RuntimeException e) {
      expiry = null; // unreadable: no session anyone can use
    }
    if (expiry == null) {
      return store.expiresAt(key).isPresent() ? Verdict.EXPIRED : Verdict.ABSENT;
    }
    return expiry > 0 && expiry <= time ? Verdict.EXPIRED : Verdict.LIVE;
  }
}
