package dev.memfilestore.jetty;

import dev.memfilestore.MemFileStore;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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
 */
final class MemFileSessionDataStore extends AbstractSessionDataStore {
  private static final Logger log = LoggerFactory.getLogger(MemFileSessionDataStore.class);

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

  private Optional<dev.memfilestore.SessionData> read(String id) {
    if (!SessionRecords.isPlausibleId(id)) {
      return Optional.empty();
    }
    return store.get(keyPrefix + id);
  }

  @Override
  public boolean doExists(String id) {
    try {
      Long expiry = read(id).map(SessionRecords::expiry).orElse(null);
      return expiry != null && (expiry <= 0 || expiry > System.currentTimeMillis());
    } catch (RuntimeException e) {
      return false; // unreadable: not a session anyone can use
    }
  }

  @Override
  public void doStore(String id, SessionData data, long lastSaveTime) throws Exception {
    if (!SessionRecords.isPlausibleId(id)) {
      throw new UnwriteableSessionDataException(
          id, _context, new IllegalArgumentException("not a plausible session id"));
    }
    try {
      store.set(
          keyPrefix + id,
          records.encode(
              data, System.currentTimeMillis(), TimeUnit.SECONDS.toMillis(_gracePeriodSec)));
    } catch (RuntimeException e) {
      throw new UnwriteableSessionDataException(id, _context, e);
    }
  }

  @Override
  public SessionData doLoad(String id) throws Exception {
    Optional<dev.memfilestore.SessionData> stored;
    try {
      stored = read(id);
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
    boolean existed;
    try {
      existed = store.get(key).isPresent();
    } catch (RuntimeException e) {
      existed = true; // unreadable, but there
    }
    store.destroy(key);
    return existed;
  }

  @Override
  public Set<String> doCheckExpired(Set<String> candidates, long time) {
    Set<String> expired = new HashSet<>();
    for (String id : candidates) {
      Long expiry;
      try {
        expiry = read(id).map(SessionRecords::expiry).orElse(null);
      } catch (RuntimeException e) {
        expiry = null; // unreadable: let Jetty find that out and remove it
      }
      if (expiry == null || (expiry > 0 && expiry <= time)) {
        expired.add(id);
      }
    }
    return expired;
  }

  @Override
  public Set<String> doGetExpired(long before) {
    Set<String> expired = new HashSet<>();
    for (String key : store.ids()) {
      if (key.startsWith(keyPrefix)) {
        Long expiry = expiryOf(key);
        if (expiry != null && expiry > 0 && expiry <= before) {
          expired.add(key.substring(keyPrefix.length()));
        }
      }
    }
    return expired;
  }

  /** Removes sessions of any context that expired at or before {@code time}. */
  @Override
  public void doCleanOrphans(long time) {
    int removed = 0;
    for (String key : store.ids()) {
      Long expiry = expiryOf(key);
      if (expiry != null && expiry > 0 && expiry <= time) {
        store.destroy(key);
        removed++;
      }
    }
    if (removed > 0) {
      log.debug("Removed {} sessions that expired before {}", removed, time);
    }
  }

  private Long expiryOf(String key) {
    try {
      return store.get(key).map(SessionRecords::expiry).orElse(null);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
