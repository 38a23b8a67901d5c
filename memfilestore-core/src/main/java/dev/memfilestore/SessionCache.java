package dev.memfilestore;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions in memory behind {@link MemFileStore}'s public methods: Caffeine's map (bounded by
 * weight, expiring by each session's deadline), every change as one atomic step of that map which
 * the {@link Storage} records (see its protocol), expiry on read, and the dispose listener. Each
 * method does what the {@link MemFileStore} method of the same name documents.
 */
final class SessionCache {
  private static final Logger log = LoggerFactory.getLogger(MemFileStore.class);

  /**
   * The most sessions whose use is counted from the start (a sketch of 8 bytes per session); a
   * larger store's count grows once it is half full, as Caffeine does on its own.
   */
  private static final long FREQUENCY_SKETCH_START = 1 << 16;

  private final Clock clock;
  private final SessionEncoding encoding;
  private final long max;
  private final DisposeListener dispose;
  private final boolean stale;
  private final boolean noDisposeOnSet;

  final Cache<String, StoredSession> cache;
  private final ConcurrentMap<String, StoredSession> map;

  /** Counts changes; a save is skipped when it has not moved since the last one. */
  final AtomicLong changes = new AtomicLong();

  private final AtomicLong evictions = new AtomicLong();
  private final AtomicLong expirations = new AtomicLong();

  /** Where the changes persist; set once, before the store is handed out. */
  private Storage storage;

  SessionCache(
      Clock clock,
      SessionEncoding encoding,
      long max,
      DisposeListener dispose,
      boolean stale,
      boolean noDisposeOnSet,
      long expectedSessions) {
    this.clock = clock;
    this.encoding = encoding;
    this.max = max;
    this.dispose = dispose;
    this.stale = stale;
    this.noDisposeOnSet = noDisposeOnSet;
    Caffeine<String, StoredSession> caffeine =
        Caffeine.newBuilder()
            .executor(Runnable::run) // maintenance and listeners on the caller: no hidden threads
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            .removalListener(
                (String id, StoredSession s, RemovalCause cause) -> onRemoval(id, s, cause));
    if (max != Long.MAX_VALUE) {
      caffeine.maximumWeight(max).weigher((String id, StoredSession s) -> s.weight);
      // Caffeine starts counting how often each id is used only once the store is half full, so
      // users who came back many times before a flood would look as new as the bot's one-shot
      // sessions and lose to them. An initial capacity makes it count from the first request.
      // Sized for the sessions the save file holds, if more, so that the load does not grow it.
      caffeine.initialCapacity(
          (int) Math.max(Math.min(max, FREQUENCY_SKETCH_START), expectedSessions));
    } else if (expectedSessions > 0) {
      caffeine.initialCapacity((int) expectedSessions); // the load does not grow the map
    }
    if (!stale) {
      // With stale(true) expired sessions must stay until read or pruned, so Caffeine must not
      // drop them; without it, Caffeine's timer wheel removes them as time passes.
      caffeine.expireAfter(new SessionExpiry());
    }
    this.cache = caffeine.build();
    this.map = cache.asMap();
  }

  void use(Storage storage) {
    this.storage = storage;
  }

  Optional<SessionData> get(String id) {
    if (!SessionEncoding.isPlausibleId(id)) {
      return Optional.empty();
    }
    StoredSession s = map.get(id);
    if (s == null) {
      return Optional.empty();
    }
    if (s.isExpired(clock.millis())) {
      // No journal record: replay skips a record whose expiry has passed.
      boolean removed = map.remove(id, s);
      if (removed) {
        changes.incrementAndGet();
        expirations.incrementAndGet();
        notifyDispose(id, s, DisposeCause.EXPIRED);
      }
      return removed && stale ? Optional.ofNullable(decodeOrDrop(id, s)) : Optional.empty();
    }
    return Optional.ofNullable(decodeOrDrop(id, s));
  }

  /**
   * A fresh copy of a stored session; or, for a session loaded from the save file whose bytes the
   * serializer refuses on this first read, null: the session is dropped as the load used to drop
   * it, so the store behaves as if it had never been loaded (an intact record whose payload the
   * serializer cannot read, or that exceeds its decoding budget). The next snapshot leaves it out.
   *
   * @throws SessionSerializationException if a session stored by the application cannot be read
   *     back (a custom serializer that does not round-trip), as before
   */
  private SessionData decodeOrDrop(String id, StoredSession s) {
    boolean firstRead = !s.isDecoded();
    try {
      return encoding.decode(s);
    } catch (RuntimeException e) { // a custom serializer may throw anything, as at load
      if (!firstRead) {
        throw e;
      }
      if (map.remove(id, s)) {
        changes.incrementAndGet();
        log.warn(
            "Dropped session {} loaded from the save file: the serializer cannot read it ({}); the"
                + " next snapshot leaves it out",
            SessionEncoding.abbreviate(id),
            JsonSessionSerializer.rootMessage(e));
      }
      return null;
    }
  }

  void set(String id, SessionData session) {
    SessionEncoding.requireValidId(id);
    Objects.requireNonNull(session, "session");
    ensureOpen();
    // A quiet peek (no effect on eviction order): only to reuse the bytes of unchanged values.
    StoredSession peek = cache.policy().getIfPresentQuietly(id);
    StoredSession old = apply(id, previous -> true, encoding.encode(id, session, peek)).previous;
    enforceBound();
    if (old != null) {
      if (old.isExpired(clock.millis())) {
        expirations.incrementAndGet();
        notifyDispose(id, old, DisposeCause.EXPIRED);
      } else if (!noDisposeOnSet) {
        notifyDispose(id, old, DisposeCause.REPLACED);
      }
    }
  }

  boolean setIfAbsent(String id, SessionData session) {
    SessionEncoding.requireValidId(id);
    Objects.requireNonNull(session, "session");
    ensureOpen();
    StoredSession next = encoding.encode(id, session, null);
    Storage.Change change =
        apply(id, previous -> previous == null || previous.isExpired(clock.millis()), next);
    if (!change.applied) {
      return false;
    }
    enforceBound();
    if (change.previous != null) {
      expirations.incrementAndGet();
      notifyDispose(id, change.previous, DisposeCause.EXPIRED);
    }
    return true;
  }

  Optional<SessionData> update(String id, UnaryOperator<SessionData> change) {
    Objects.requireNonNull(change, "change");
    if (!SessionEncoding.isPlausibleId(id)) {
      return Optional.empty();
    }
    SessionData[] result = new SessionData[1];
    StoredSession old =
        replaceLive(
            id,
            current -> {
              SessionData next =
                  Objects.requireNonNull(
                      change.apply(encoding.decode(current)),
                      "the change function returned null; return the session to store");
              result[0] = next;
              return encoding.encodeChangeOf(id, next, current);
            });
    if (old == null) {
      return Optional.empty();
    }
    if (!noDisposeOnSet) {
      notifyDispose(id, old, DisposeCause.REPLACED);
    }
    return Optional.of(result[0]);
  }

  void touch(String id, SessionData session) {
    if (!SessionEncoding.isPlausibleId(id)) {
      return;
    }
    if (encoding.retimes) {
      replaceLive(
          id,
          current ->
              encoding.touched(
                  id,
                  current,
                  session != null ? session.getLastAccessedTime() : clock.instant(),
                  session != null
                      ? session.getMaxInactiveInterval()
                      : current.maxInactiveInterval()));
      return;
    }
    replaceLive(
        id,
        current -> {
          SessionData touched = encoding.decode(current);
          if (session != null) {
            touched.setLastAccessedTime(session.getLastAccessedTime());
            touched.setMaxInactiveInterval(session.getMaxInactiveInterval());
          } else {
            touched.setLastAccessedTime(clock.instant());
          }
          return encoding.encode(id, touched, current);
        });
  }

  Optional<Instant> expiresAt(String id) {
    if (!SessionEncoding.isPlausibleId(id)) {
      return Optional.empty();
    }
    StoredSession s = map.get(id);
    if (s == null || s.isExpired(clock.millis())) {
      return Optional.empty();
    }
    return Optional.of(
        s.expiresAtMillis == StoredSession.NEVER
            ? Instant.MAX
            : Instant.ofEpochMilli(s.expiresAtMillis));
  }

  /**
   * Replaces a live session with {@code next(current)} unless another thread changed it meanwhile,
   * in which case it tries again on what is there now. Returns the session replaced, or null if
   * there was no live session (then nothing changed).
   */
  private StoredSession replaceLive(String id, Function<StoredSession, StoredSession> next) {
    ensureOpen();
    while (true) {
      StoredSession current = map.get(id);
      if (current == null
          || current.isExpired(clock.millis())
          || (!current.isDecoded() && decodeOrDrop(id, current) == null)) {
        return null;
      }
      if (apply(id, previous -> previous == current, next.apply(current)).applied) {
        enforceBound();
        return current;
      }
    }
  }

  void destroy(String id) {
    if (!SessionEncoding.isPlausibleId(id)) {
      return;
    }
    ensureOpen();
    StoredSession old = remove(id);
    if (old != null) {
      notifyDispose(id, old, DisposeCause.DESTROYED);
    }
  }

  void destroy(Collection<String> ids) {
    for (String id : ids) {
      destroy(id);
    }
  }

  /** Removes a session in one journaled step; returns what was there. */
  private StoredSession remove(String id) {
    return apply(id, Objects::nonNull, null).previous;
  }

  List<String> ids() {
    long now = clock.millis();
    List<String> ids = new ArrayList<>();
    map.forEach(
        (id, s) -> {
          if (!s.isExpired(now)) {
            ids.add(id);
          }
        });
    return ids;
  }

  Map<String, SessionData> all() {
    long now = clock.millis();
    Map<String, SessionData> all = new HashMap<>();
    map.forEach(
        (id, s) -> {
          SessionData copy = s.isExpired(now) ? null : decodeOrDrop(id, s);
          if (copy != null) {
            all.put(id, copy);
          }
        });
    return all;
  }

  long length() {
    long now = clock.millis();
    long count = 0;
    for (StoredSession s : map.values()) {
      if (!s.isExpired(now)) {
        count++;
      }
    }
    return count;
  }

  void clear() {
    ensureOpen();
    if (dispose == null && !storage.recordsChanges()) {
      storage.beginChange();
      try {
        cache.invalidateAll();
        changes.incrementAndGet();
      } finally {
        storage.endChange(new Storage.Change());
      }
      return;
    }
    for (String id : new ArrayList<>(map.keySet())) {
      StoredSession old = remove(id);
      if (old != null) {
        notifyDispose(id, old, DisposeCause.CLEARED);
      }
    }
    changes.incrementAndGet();
  }

  void prune() {
    cache.cleanUp(); // runs Caffeine's expiry (and pending evictions)
    if (stale) {
      long now = clock.millis();
      map.forEach(
          (id, s) -> {
            if (s.isExpired(now) && map.remove(id, s)) {
              changes.incrementAndGet();
              expirations.incrementAndGet();
              notifyDispose(id, s, DisposeCause.EXPIRED);
            }
          });
    }
  }

  StoreStats stats() {
    long total =
        cache
            .policy()
            .eviction()
            .map(e -> e.weightedSize().orElse(cache.estimatedSize()))
            .orElse(cache.estimatedSize());
    return new StoreStats(
        cache.estimatedSize(),
        total,
        max,
        evictions.get(),
        expirations.get(),
        storage.durability(),
        storage.lastSnapshot(),
        storage.lastSnapshotBytes(),
        storage.lastSnapshotSessions(),
        storage.journalBytes(),
        storage.problem());
  }

  /**
   * Replaces a session's value ({@code next} null: removes it) in one atomic step that also records
   * it in storage, if {@code when} accepts the current value (null if absent). The steps and why
   * they are safe: {@link Storage}.
   */
  private Storage.Change apply(String id, Predicate<StoredSession> when, StoredSession next) {
    Storage.Change change = new Storage.Change();
    ByteBuffer line = storage.prepare(id, next);
    storage.beginChange();
    try {
      map.compute(
          id,
          (k, previous) -> {
            if (!when.test(previous)) {
              return previous;
            }
            change.applied = true;
            change.previous = previous;
            storage.record(change, k, next, line);
            return next;
          });
      if (change.applied) {
        changes.incrementAndGet();
      }
    } finally {
      storage.endChange(change);
    }
    return change;
  }

  private void enforceBound() {
    if (max != Long.MAX_VALUE) {
      cache.cleanUp(); // evict now, so the bound holds when set returns
    }
  }

  /** Reports what Caffeine removes on its own; explicit removals are reported where they happen. */
  private void onRemoval(String id, StoredSession s, RemovalCause cause) {
    if (cause == RemovalCause.SIZE || cause == RemovalCause.EXPIRED) {
      changes.incrementAndGet();
      (cause == RemovalCause.SIZE ? evictions : expirations).incrementAndGet();
      notifyDispose(
          id, s, cause == RemovalCause.SIZE ? DisposeCause.EVICTED : DisposeCause.EXPIRED);
    }
  }

  private void notifyDispose(String id, StoredSession s, DisposeCause cause) {
    if (dispose == null || id == null || s == null) {
      return;
    }
    SessionData copy;
    try {
      copy = encoding.decode(s);
    } catch (RuntimeException e) {
      // only a session loaded lazily and never read can get here with bytes the serializer refuses
      log.warn(
          "Session {} ({}) is not reported to the dispose listener: the serializer cannot read"
              + " it ({})",
          SessionEncoding.abbreviate(id),
          cause,
          JsonSessionSerializer.rootMessage(e));
      return;
    }
    try {
      dispose.onDispose(id, copy, cause);
    } catch (RuntimeException e) {
      log.warn(
          "The dispose listener failed for session {} ({})",
          SessionEncoding.abbreviate(id),
          cause,
          e);
    }
  }

  private void ensureOpen() {
    if (storage.isClosed()) {
      throw storage.closedError();
    }
  }

  /** Tells Caffeine when each session expires: at its own deadline, not refreshed by reads. */
  private static final class SessionExpiry implements Expiry<String, StoredSession> {
    @Override
    public long expireAfterCreate(String id, StoredSession s, long currentTime) {
      return s.expiresAtMillis == StoredSession.NEVER
          ? Long.MAX_VALUE
          : Math.max(0, TimeUnit.MILLISECONDS.toNanos(s.expiresAtMillis) - currentTime);
    }

    @Override
    public long expireAfterUpdate(
        String id, StoredSession s, long currentTime, long currentDuration) {
      return expireAfterCreate(id, s, currentTime);
    }

    @Override
    public long expireAfterRead(
        String id, StoredSession s, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }
}
