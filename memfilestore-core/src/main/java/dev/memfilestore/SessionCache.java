package dev.memfilestore;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
 *
 * <p><b>Eviction</b> (with a bound). A session that a {@code set} created and that has not been
 * read since ({@code get}, {@code touch} or {@code update}) is <em>never read</em>; one that has
 * been read <em>came back</em>. Once the store is full, a new session first evicts the oldest
 * never-read sessions, as long as those (the new one included) weigh more than a tenth of {@code
 * max}; only what is left is Caffeine's choice (W-TinyLFU). So a flood of one-shot sessions (a bot,
 * a crawler) pushes out its own oldest sessions and never a session that came back, however long
 * ago that user last came, and whether or not Caffeine's frequency sketch counted the user's
 * visits: it counts only from half full and starts over when a large store's map grows past the
 * size it was sized for, which lost the last users to arrive before a flood. Evicted never-read
 * sessions are reported and counted exactly as Caffeine's evictions are (not journaled: a journal
 * replay re-applies the bound). The tenth keeps the store LRU-like for ordinary traffic: new users
 * who have not yet made their second request are left to Caffeine's policy, as before, until they
 * pile up past a tenth of the store.
 */
final class SessionCache {
  private static final Logger log = LoggerFactory.getLogger(MemFileStore.class);

  /**
   * The most sessions whose use is counted from the start (a sketch of 8 bytes per session); a
   * larger store's count grows once it is half full, as Caffeine does on its own.
   */
  private static final long FREQUENCY_SKETCH_START = 1 << 16;

  /** Never-read sessions keep at most max / this against sessions that came back once full. */
  private static final long NEVER_READ_SHARE = 10;

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

  /** Caffeine's bound, or null when the store is unbounded (then nothing is never read). */
  private final Policy.Eviction<String, StoredSession> bound;

  /**
   * The never-read sessions (see the class comment), oldest first, each with the exact value stored
   * for its id; guarded by itself, as is {@link #neverReadWeight}. A session loaded from the save
   * file is not in it: it counts as one that came back. The file does not record reads, and those
   * sessions were kept until the store stopped, often over others; counting them as never read
   * would make the first flood after a restart evict, first of all, every user who has not yet come
   * back since the restart, which is the failure this queue exists to prevent. The price: a bot's
   * sessions saved in the file compete, until they expire, under Caffeine's policy as before. No
   * call into Caffeine is made while holding this lock: Caffeine calls {@link #onRemoval} under its
   * own locks, and that takes this one.
   */
  private final LinkedHashMap<String, StoredSession> neverRead = new LinkedHashMap<>();

  private long neverReadWeight;

  /** The weight of never-read sessions beyond which, once full, the oldest of them go first. */
  private final long neverReadQuota;

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
    this.bound = max == Long.MAX_VALUE ? null : cache.policy().eviction().orElseThrow();
    this.neverReadQuota = Math.max(1, max / NEVER_READ_SHARE);
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
    if (s.neverRead) {
      cameBack(id, s);
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
    StoredSession next = encoding.encode(id, session, peek);
    if (bound != null && (peek == null || peek.isExpired(clock.millis()))) {
      makeRoomFor(next.weight);
    }
    StoredSession old = apply(id, previous -> true, next).previous;
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
    if (bound != null) {
      StoredSession peek = cache.policy().getIfPresentQuietly(id);
      if (peek == null || peek.isExpired(clock.millis())) {
        makeRoomFor(next.weight);
      }
    }
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
      if (current.neverRead) {
        cameBack(id, current); // a touch or an update is a request that came back with the id
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
            if (bound != null) {
              track(k, previous, next);
            }
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
    if (s != null && s.neverRead) {
      forget(id, s); // whatever removed it: Caffeine's eviction or expiry, remove, clear
    }
    if (cause == RemovalCause.SIZE || cause == RemovalCause.EXPIRED) {
      changes.incrementAndGet();
      (cause == RemovalCause.SIZE ? evictions : expirations).incrementAndGet();
      notifyDispose(
          id, s, cause == RemovalCause.SIZE ? DisposeCause.EVICTED : DisposeCause.EXPIRED);
    }
  }

  /**
   * Before a new session of {@code weight} is added: while the store would pass {@code max} with it
   * and the never-read sessions, it included, weigh more than their quota, evicts the oldest of
   * them, reported and counted as Caffeine's evictions are. Concurrent sets may still meet at the
   * bound; then Caffeine evicts, and {@code max} holds either way.
   */
  private void makeRoomFor(int weight) {
    if (!overQuota(weight)) {
      return;
    }
    long excess = bound.weightedSize().orElse(0) + weight - max;
    while (excess > 0) {
      String id;
      StoredSession oldest;
      synchronized (neverRead) {
        if (!overQuota(weight)) {
          return;
        }
        Map.Entry<String, StoredSession> first = neverRead.entrySet().iterator().next();
        id = first.getKey();
        oldest = first.getValue();
      }
      if (map.remove(id, oldest)) { // only that value: not a session set or read meanwhile
        excess -= oldest.weight;
        changes.incrementAndGet();
        evictions.incrementAndGet();
        notifyDispose(id, oldest, DisposeCause.EVICTED);
      }
      forget(id, oldest); // done by onRemoval if removed here; otherwise a stale entry
    }
  }

  /** Whether the never-read sessions and a new one of {@code weight} weigh more than the quota. */
  private boolean overQuota(int weight) {
    synchronized (neverRead) {
      return !neverRead.isEmpty() && neverReadWeight + weight > neverReadQuota;
    }
  }

  /**
   * Inside the map's atomic step for {@code id}, which replaces {@code previous} (null: none) by
   * {@code next} (null: a removal): {@code next} came back if {@code previous} did and is live;
   * otherwise it is a new session and never read. A never-read session set again keeps its place.
   */
  private void track(String id, StoredSession previous, StoredSession next) {
    long now = clock.millis();
    if (previous == null ? next == null : !previous.neverRead && !previous.isExpired(now)) {
      return; // a session that came back stays so (the common case: no lock)
    }
    synchronized (neverRead) {
      boolean cameBack = previous != null && !previous.neverRead && !previous.isExpired(now);
      if (next != null
          && previous != null
          && previous.neverRead
          && !previous.isExpired(now)
          && neverRead.get(id) == previous) {
        next.neverRead = true;
        neverRead.put(id, next); // an existing key keeps its place
        neverReadWeight += next.weight - previous.weight;
        return;
      }
      // the previous value, or one whose removal Caffeine has not reported yet
      StoredSession gone = neverRead.remove(id);
      if (gone != null) {
        neverReadWeight -= gone.weight;
      }
      if (next != null && !cameBack) {
        next.neverRead = true;
        neverRead.put(id, next);
        neverReadWeight += next.weight;
      }
    }
  }

  /** {@code s}, read under {@code id}, came back: it leaves the never-read queue. */
  private void cameBack(String id, StoredSession s) {
    synchronized (neverRead) {
      s.neverRead = false;
      if (neverRead.remove(id, s)) {
        neverReadWeight -= s.weight;
      }
    }
  }

  /** {@code s} left the store: it leaves the never-read queue if it is there. */
  private void forget(String id, StoredSession s) {
    synchronized (neverRead) {
      if (neverRead.remove(id, s)) {
        neverReadWeight -= s.weight;
      }
    }
  }

  /** The never-read sessions' ids, oldest first, and their weight; for tests. */
  Map.Entry<List<String>, Long> neverRead() {
    synchronized (neverRead) {
      return Map.entry(new ArrayList<>(neverRead.keySet()), neverReadWeight);
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
