package dev.memfilestore;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import java.util.function.UnaryOperator;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session store that keeps sessions in memory, bounded and expiring, and persists them to one
 * file: the JVM version of express-memfilestore.
 *
 * <pre>{@code
 * try (MemFileStore store = MemFileStore.builder()
 *     .saveFile(Path.of("data/sessions.json"))   // read now, written by save(), close() and at exit
 *     .savePeriod(Duration.ofMinutes(5))
 *     .checkPeriod(Duration.ofMinutes(1))
 *     .max(10_000)
 *     .build()) {
 *   SessionData session = new SessionData();
 *   session.setAttribute("user", "ada");
 *   store.set("3f2a…", session);
 *   store.get("3f2a…").map(s -> s.getAttribute("user"));  // Optional[ada]
 * }
 * }</pre>
 *
 * <h2>Semantics</h2>
 *
 * <ul>
 *   <li>{@link #get} returns a copy and {@link #set} stores a copy: changing a session changes
 *       nothing stored until it is {@code set} again. Each {@code set} serializes the session, so
 *       one that cannot be serialized is refused with {@link SessionSerializationException} and the
 *       store stays exactly as it was.
 *   <li>A session lives for its ttl from the moment it is {@code set} or {@code touch}ed (see
 *       {@link Builder#ttl(Duration)}). Expiry is enforced on every read and by {@link #prune()};
 *       an expired session is never returned (unless {@link Builder#stale(boolean)}).
 *   <li>The total {@code length} of all sessions stays within {@code max} from the moment {@code
 *       set} returns. When the bound is reached, the store evicts with Caffeine's W-TinyLFU policy:
 *       sessions used often are kept in preference to ones used once, so a flood of one-shot
 *       sessions (a crawler, a bot) does not push out the sessions of active users.
 *   <li>Every session that leaves is reported to the {@link DisposeListener}.
 * </ul>
 *
 * <h2>Persistence</h2>
 *
 * With a {@code saveFile}, {@link Builder#build()} loads it (sessions keep their remaining time to
 * live; expired ones are skipped), and {@link #save()}, the save interval, {@link #close()} and JVM
 * shutdown (SIGTERM included) write a snapshot to it. A snapshot streams to a temporary file,
 * forced to disk and atomically renamed over the old one, so the file always holds a complete
 * snapshot; it is written while other threads go on reading and writing sessions. Every record
 * carries a checksum: a damaged file never stops start-up, its intact records are loaded and the
 * file is kept aside. By default ({@link Durability#JOURNAL}) every change is also appended to a
 * journal beside the file before the call returns, so a killed process loses nothing that returned;
 * snapshots fold the journal in. The files are readable by their owner only. The format is
 * documented in {@code docs/FORMAT.md}.
 *
 * <h2>Threads</h2>
 *
 * All methods are thread-safe. The periodic check, the saves and the journal's upkeep run on two
 * daemon threads owned by the store, started by {@link #startInterval()}, {@link
 * #startSaveInterval()} (which {@code build()} calls when the periods are set) and {@code build()}
 * (for the journal), and stopped by {@link #close()}.
 */
public final class MemFileStore implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MemFileStore.class);
  private static final Duration DEFAULT_TTL = Duration.ofDays(1);

  /** Ids longer than this are refused by {@code set} and never found: they are not ids. */
  static final int MAX_ID_LENGTH = 4096;

  private final Clock clock;
  private final SessionEncoding encoding;
  private final long max;
  private final DisposeListener dispose;
  private final boolean stale;
  private final boolean noDisposeOnSet;
  private final Duration checkPeriod;
  private final Duration savePeriod;

  private final Cache<String, StoredSession> cache;
  private final ConcurrentMap<String, StoredSession> sessions;

  /** Counts changes; a save is skipped when it has not moved since the last one. */
  private final AtomicLong changes = new AtomicLong();

  private final AtomicLong evictions = new AtomicLong();
  private final AtomicLong expirations = new AtomicLong();

  /** Where sessions persist; every change goes through it (see {@link Storage}). */
  private final Storage storage;

  private final Timers timers = new Timers();

  private MemFileStore(Builder b) {
    this.clock = b.clock;
    this.encoding = new SessionEncoding(b.serializer, b.ttl, b.length, clock);
    this.max = b.max;
    this.dispose = b.dispose;
    this.stale = b.stale;
    this.noDisposeOnSet = b.noDisposeOnSet;
    this.checkPeriod = b.checkPeriod;
    this.savePeriod = b.savePeriod;

    Caffeine<String, StoredSession> caffeine =
        Caffeine.newBuilder()
            .executor(Runnable::run) // maintenance and listeners on the caller: no hidden threads
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            .removalListener(
                (String id, StoredSession s, RemovalCause cause) -> onRemoval(id, s, cause));
    if (max != Long.MAX_VALUE) {
      caffeine.maximumWeight(max).weigher((String id, StoredSession s) -> s.weight);
    }
    if (!stale) {
      // With stale(true) expired sessions must stay until read or pruned, so Caffeine must not
      // drop them; without it, Caffeine's timer wheel removes them as time passes.
      caffeine.expireAfter(new SessionExpiry());
    }
    this.cache = caffeine.build();
    this.sessions = cache.asMap();

    this.storage =
        b.saveFile == null
            ? new MemoryStorage()
            : new SaveFileStorage(
                b.saveFile,
                b.durability,
                FileFormat.of(b.serializer, b.encryptionKey),
                b.channelOpener,
                clock,
                encoding,
                cache,
                changes,
                timers,
                () -> close(true));
    if (checkPeriod != null) {
      startInterval();
    }
    if (savePeriod != null) {
      startSaveInterval();
    }
  }

  /**
   * Reads an AES key from a file that holds it as raw bytes (16, 24 or 32 of them, e.g. made with
   * {@code head -c 32 /dev/urandom > key}) or as base64 text. For configurations that name a key
   * file instead of holding a key (Tomcat's {@code context.xml}, Jetty XML, the command line).
   * Warns when the file is readable by other users.
   *
   * @param keyFile the key file
   * @return the key, for {@link Builder#encryptionKey(SecretKey)}
   * @throws IllegalArgumentException if the file cannot be read or holds no AES key; the message
   *     says how to make one
   */
  public static SecretKey readEncryptionKey(Path keyFile) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(keyFile);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the encryption key file " + keyFile + ": " + e.getMessage(), e);
    }
    if (bytes.length != 16 && bytes.length != 24 && bytes.length != 32) {
      try {
        bytes = Base64.getDecoder().decode(new String(bytes, StandardCharsets.US_ASCII).trim());
      } catch (IllegalArgumentException e) {
        bytes = new byte[0];
      }
    }
    if (bytes.length != 16 && bytes.length != 24 && bytes.length != 32) {
      throw new IllegalArgumentException(
          keyFile
              + " holds no AES key: it must hold 16, 24 or 32 bytes, raw or in base64. Make one"
              + " with `head -c 32 /dev/urandom > "
              + keyFile
              + " && chmod 600 "
              + keyFile
              + "`");
    }
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(keyFile);
      if (permissions.contains(PosixFilePermission.GROUP_READ)
          || permissions.contains(PosixFilePermission.OTHERS_READ)) {
        log.warn("The encryption key file {} is readable by other users: chmod 600 it", keyFile);
      }
    } catch (IOException | UnsupportedOperationException e) {
      // not a POSIX file system: nothing to check
    }
    return new SecretKeySpec(bytes, "AES");
  }

  /**
   * Starts configuring a store. Every option is optional: {@code builder().build()} is an unbounded
   * in-memory store whose sessions live one day unless they say otherwise.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------- sessions

  /**
   * Returns a copy of a live session. An unknown, expired, empty or malformed id finds nothing.
   * With {@code stale(true)}, an expired session is returned once and removed.
   *
   * @param id the session id
   * @return a copy of the session, which the caller may change freely
   * @throws SessionSerializationException if the stored bytes cannot be read back (only a custom
   *     serializer that does not round-trip can cause this)
   */
  public Optional<SessionData> get(String id) {
    if (!SessionEncoding.isPlausibleId(id)) {
      return Optional.empty();
    }
    StoredSession s = sessions.get(id);
    if (s == null) {
      return Optional.empty();
    }
    if (s.isExpired(clock.millis())) {
      // No journal record: replay skips a record whose expiry has passed.
      boolean removed = sessions.remove(id, s);
      if (removed) {
        changes.incrementAndGet();
        expirations.incrementAndGet();
        notifyDispose(id, s, DisposeCause.EXPIRED);
      }
      return removed && stale ? Optional.of(encoding.decode(s)) : Optional.empty();
    }
    return Optional.of(encoding.decode(s));
  }

  /**
   * Stores a copy of a session under an id, replacing any session stored there, and starts its time
   * to live. When this returns, the session is in memory, the {@code max} bound holds, and (with a
   * journal) the change is in the journal; see {@link Durability}.
   *
   * @param id the session id: not null, not blank, at most 4096 characters
   * @param session the session, not null
   * @throws IllegalArgumentException if the id is null, blank or too long, or the length function
   *     returns a negative number
   * @throws SessionSerializationException if the session cannot be serialized; the store is then
   *     unchanged
   * @throws UncheckedIOException in {@link Durability#JOURNAL_SYNC} mode, if the journal cannot be
   *     written
   * @throws IllegalStateException if the store is closed
   */
  public void set(String id, SessionData session) {
    SessionEncoding.requireValidId(id);
    Objects.requireNonNull(session, "session");
    ensureOpen();
    StoredSession old = apply(id, previous -> true, encoding.encode(id, session)).previous;
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

  /**
   * Stores a copy of a session under an id unless a live session is stored there already: what a
   * framework calls when it creates a session under an id it chose. An expired session under the id
   * is replaced (and reported as {@link DisposeCause#EXPIRED}). Otherwise as {@link #set}.
   *
   * @param id the session id: not null, not blank, at most 4096 characters
   * @param session the session, not null
   * @return true if the session was stored, false if a live session was there (it is unchanged)
   * @throws IllegalArgumentException as {@link #set} does
   * @throws SessionSerializationException if the session cannot be serialized; the store is then
   *     unchanged
   * @throws UncheckedIOException in {@link Durability#JOURNAL_SYNC} mode, if the journal cannot be
   *     written
   * @throws IllegalStateException if the store is closed
   */
  public boolean setIfAbsent(String id, SessionData session) {
    SessionEncoding.requireValidId(id);
    Objects.requireNonNull(session, "session");
    ensureOpen();
    StoredSession next = encoding.encode(id, session);
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

  /**
   * Changes a live session in one atomic step: {@code change} receives a copy of the session as
   * stored now and returns the session to store in its place, whose time to live starts again as
   * with {@link #set}. No other change to that id can come between the read and the write: when
   * another thread changes the session meanwhile, {@code change} is called again with the new value
   * (as {@link java.util.concurrent.atomic.AtomicReference#updateAndGet} does), so it must have no
   * side effects. An unknown or expired id is left alone and {@code change} is not called, so a
   * session destroyed meanwhile (a logout in another request) stays destroyed. The replaced session
   * is reported as {@link DisposeCause#REPLACED} unless {@code noDisposeOnSet}.
   *
   * @param id the session id
   * @param change computes the new session from a copy of the stored one, which it may change and
   *     return; must not return null
   * @return the session now stored (what {@code change} returned), or empty if there was no live
   *     session under the id
   * @throws NullPointerException if {@code change} is null or returns null; the store is then
   *     unchanged
   * @throws SessionSerializationException if the new session cannot be serialized; the store is
   *     then unchanged
   * @throws UncheckedIOException in {@link Durability#JOURNAL_SYNC} mode, if the journal cannot be
   *     written
   * @throws IllegalStateException if the store is closed
   */
  public Optional<SessionData> update(String id, UnaryOperator<SessionData> change) {
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
              return encoding.encode(id, next);
            });
    if (old == null) {
      return Optional.empty();
    }
    if (!noDisposeOnSet) {
      notifyDispose(id, old, DisposeCause.REPLACED);
    }
    return Optional.of(result[0]);
  }

  /**
   * Restarts a live session's time to live and records its use, keeping its stored attributes: what
   * a framework calls on a request that changed no attribute. The last-accessed time and
   * max-inactive interval are taken from {@code session} (or, if it is null, the time is now and
   * the interval stays). An unknown or expired id is ignored.
   *
   * @param id the session id
   * @param session the session as the framework sees it, or null
   * @throws UncheckedIOException in {@link Durability#JOURNAL_SYNC} mode, if the journal cannot be
   *     written
   * @throws IllegalStateException if the store is closed
   */
  public void touch(String id, SessionData session) {
    if (!SessionEncoding.isPlausibleId(id)) {
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
          return encoding.encode(id, touched);
        });
  }

  /**
   * When a live session expires, read without decoding it: for adapters that scan for expired
   * sessions.
   *
   * @param id the session id
   * @return the instant at which the session expires ({@link Instant#MAX} if it never expires by
   *     time), or empty if there is no live session under the id
   */
  public Optional<Instant> expiresAt(String id) {
    if (!SessionEncoding.isPlausibleId(id)) {
      return Optional.empty();
    }
    StoredSession s = sessions.get(id);
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
      StoredSession current = sessions.get(id);
      if (current == null || current.isExpired(clock.millis())) {
        return null;
      }
      if (apply(id, previous -> previous == current, next.apply(current)).applied) {
        enforceBound();
        return current;
      }
    }
  }

  /**
   * Removes a session, reporting it as {@link DisposeCause#DESTROYED}. An unknown id is ignored.
   * With a journal, the removal is journaled, so a destroyed session (a logout) stays destroyed
   * after a crash.
   *
   * @param id the session id
   * @throws UncheckedIOException in {@link Durability#JOURNAL_SYNC} mode, if the journal cannot be
   *     written
   * @throws IllegalStateException if the store is closed
   */
  public void destroy(String id) {
    if (!SessionEncoding.isPlausibleId(id)) {
      return;
    }
    ensureOpen();
    StoredSession old = remove(id);
    if (old != null) {
      notifyDispose(id, old, DisposeCause.DESTROYED);
    }
  }

  /**
   * Removes several sessions, as {@link #destroy(String)} does for each.
   *
   * @param ids the session ids
   */
  public void destroy(Collection<String> ids) {
    for (String id : ids) {
      destroy(id);
    }
  }

  /** Removes a session in one journaled step; returns what was there. */
  private StoredSession remove(String id) {
    return apply(id, Objects::nonNull, null).previous;
  }

  /**
   * Lists the ids of live sessions. Like iterating a {@code ConcurrentHashMap}, this is weakly
   * consistent, not a snapshot: a session set or destroyed while it runs may or may not be listed.
   *
   * @return a new list, in no particular order
   */
  public List<String> ids() {
    long now = clock.millis();
    List<String> ids = new ArrayList<>();
    sessions.forEach(
        (id, s) -> {
          if (!s.isExpired(now)) {
            ids.add(id);
          }
        });
    return ids;
  }

  /**
   * Copies every live session. Weakly consistent, like {@link #ids()}: a session set or destroyed
   * while it runs may or may not be included.
   *
   * @return a new map from id to a copy of the session
   */
  public Map<String, SessionData> all() {
    long now = clock.millis();
    Map<String, SessionData> all = new HashMap<>();
    sessions.forEach(
        (id, s) -> {
          if (!s.isExpired(now)) {
            all.put(id, encoding.decode(s));
          }
        });
    return all;
  }

  /**
   * Counts live sessions (not their {@code length}).
   *
   * @return the number of sessions that {@link #get(String)} would find
   */
  public long length() {
    long now = clock.millis();
    long count = 0;
    for (StoredSession s : sessions.values()) {
      if (!s.isExpired(now)) {
        count++;
      }
    }
    return count;
  }

  /**
   * Removes every session, reporting each as {@link DisposeCause#CLEARED}.
   *
   * @throws IllegalStateException if the store is closed
   */
  public void clear() {
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
    for (String id : new ArrayList<>(sessions.keySet())) {
      StoredSession old = remove(id);
      if (old != null) {
        notifyDispose(id, old, DisposeCause.CLEARED);
      }
    }
    changes.incrementAndGet();
  }

  /** Removes the sessions that have expired, reporting each as {@link DisposeCause#EXPIRED}. */
  public void prune() {
    cache.cleanUp(); // runs Caffeine's expiry (and pending evictions)
    if (stale) {
      long now = clock.millis();
      sessions.forEach(
          (id, s) -> {
            if (s.isExpired(now) && sessions.remove(id, s)) {
              changes.incrementAndGet();
              expirations.incrementAndGet();
              notifyDispose(id, s, DisposeCause.EXPIRED);
            }
          });
    }
  }

  /**
   * Reports the store's size, counters and persistence health.
   *
   * @return a snapshot of the statistics
   */
  public StoreStats stats() {
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
      sessions.compute(
          id,
          (k, previous) -> {
            if (!when.test(previous)) {
              return previous;
            }
            change.applied = true;
            change.previous = previous;
            storage.record(change, k, line);
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

  // ---------------------------------------------------------------- intervals

  /**
   * Starts pruning expired sessions every {@code checkPeriod}; does nothing if already started.
   *
   * @throws IllegalStateException if no {@code checkPeriod} was configured
   */
  public void startInterval() {
    if (checkPeriod == null) {
      throw new IllegalStateException(
          "no checkPeriod is configured: set one with MemFileStore.builder().checkPeriod(...)");
    }
    ensureOpen();
    if (!timers.start(Timers.Task.PRUNE, this::pruneQuietly, checkPeriod)) {
      throw storage.closedError();
    }
  }

  /** Stops the periodic prune; does nothing if it is not running. */
  public void stopInterval() {
    timers.cancel(Timers.Task.PRUNE);
  }

  /**
   * Starts saving every {@code savePeriod}; does nothing if already started.
   *
   * @throws IllegalStateException if no {@code savePeriod} was configured
   */
  public void startSaveInterval() {
    if (savePeriod == null) {
      throw new IllegalStateException(
          "no savePeriod is configured: set one with MemFileStore.builder().savePeriod(...)");
    }
    ensureOpen();
    if (!timers.start(Timers.Task.SAVE, this::saveQuietly, savePeriod)) {
      throw storage.closedError();
    }
  }

  /** Stops the periodic save; does nothing if it is not running. */
  public void stopSaveInterval() {
    timers.cancel(Timers.Task.SAVE);
  }

  private void pruneQuietly() {
    try {
      prune();
    } catch (RuntimeException e) {
      log.error("Periodic prune failed; it will run again in {}", checkPeriod, e);
    }
  }

  private void saveQuietly() {
    try {
      save();
    } catch (RuntimeException e) {
      log.error(
          "Periodic save to {} failed; sessions stay in memory and the save runs again in {}",
          storage.saveFile(),
          savePeriod,
          e);
    }
  }

  // ---------------------------------------------------------------- persistence

  /**
   * Writes a snapshot of every live session to the save file, unless nothing changed since the last
   * one. With a journal this is also compaction: a new journal generation starts first, and the old
   * ones are deleted once the snapshot is on disk. Other threads go on using the store while it
   * runs.
   *
   * @throws IllegalStateException if no save file is configured
   * @throws UncheckedIOException if the snapshot cannot be written; the save file is then as it was
   *     before the call, and no change is lost
   */
  public void save() {
    storage.save();
  }

  /**
   * Stops the intervals, writes a last snapshot (if a save file is configured) and releases the
   * save file. Sessions can still be read afterwards; changes are refused. Calling it again does
   * nothing.
   *
   * @throws UncheckedIOException if the last snapshot cannot be written (the journal, if any, still
   *     holds every change)
   */
  @Override
  public void close() {
    close(false);
  }

  private void close(boolean atShutdown) {
    if (!storage.markClosed()) {
      return;
    }
    timers.stop();
    storage.close(atShutdown);
  }

  /**
   * For tests: stops like {@code kill -9} would, saving and sealing nothing, then releases the
   * files so that another store can recover them in this JVM. What was written stays in the
   * operating system's cache, as after a real kill.
   */
  void simulateCrash() {
    storage.markClosed();
    timers.shutDown();
    storage.crash();
  }

  // ---------------------------------------------------------------- internals

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
    try {
      dispose.onDispose(id, encoding.decode(s), cause);
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

  /**
   * Configures a {@link MemFileStore}. Each option mirrors one of express-memfilestore; setters
   * check their argument at once and name the bad value. Later calls override earlier ones.
   */
  public static final class Builder {
    private Duration checkPeriod;
    private Duration savePeriod;
    private Path saveFile;
    private long max = Long.MAX_VALUE;
    private ToIntFunction<SessionData> length = s -> 1;
    private TtlFunction ttl = defaultTtl(DEFAULT_TTL);
    private DisposeListener dispose;
    private boolean stale;
    private boolean noDisposeOnSet;
    private SessionSerializer serializer;
    private Clock clock = Clock.systemUTC();
    private Durability durability;
    private Journal.ChannelOpener channelOpener = SaveFiles::openOwnerOnly;
    private SecretKey encryptionKey;

    private Builder() {}

    private static TtlFunction defaultTtl(Duration fallback) {
      return (session, id) ->
          session.getMaxInactiveInterval() != null ? session.getMaxInactiveInterval() : fallback;
    }

    /**
     * How often expired sessions are pruned; the check is off when unset. Started by {@code
     * build()}; see {@link MemFileStore#startInterval()}.
     *
     * @param period a positive duration
     * @return this builder
     */
    public Builder checkPeriod(Duration period) {
      this.checkPeriod = positive("checkPeriod", period);
      return this;
    }

    /**
     * How often a snapshot is written to the save file; periodic saves are off when unset (the file
     * is still written by {@code save()}, {@code close()} and at JVM exit).
     *
     * @param period a positive duration; needs a {@link #saveFile(Path)}
     * @return this builder
     */
    public Builder savePeriod(Duration period) {
      this.savePeriod = positive("savePeriod", period);
      return this;
    }

    /**
     * The file sessions are persisted to. It is read by {@code build()}, which creates missing
     * parent directories (owner-only) and refuses a file that another store holds. Companion files
     * live beside it: {@code <name>.lock}, {@code <name>.tmp} while saving, and {@code
     * <name>.damaged-<time>} if a damaged file had to be kept aside.
     *
     * @param file the save file, e.g. {@code Path.of("data/sessions.json")}
     * @return this builder
     */
    public Builder saveFile(Path file) {
      this.saveFile = Objects.requireNonNull(file, "saveFile");
      return this;
    }

    /**
     * The bound on the total {@link #length(ToIntFunction) length} of all sessions; unbounded when
     * unset.
     *
     * @param max at least 1
     * @return this builder
     */
    public Builder max(long max) {
      if (max < 1) {
        throw new IllegalArgumentException("max must be at least 1 but was " + max);
      }
      this.max = max;
      return this;
    }

    /**
     * The length of one session, counted against {@code max}; by default 1, so {@code max} counts
     * sessions. Called once per {@code set}, {@code touch} and load.
     *
     * @param length returns 0 or more
     * @return this builder
     */
    public Builder length(ToIntFunction<SessionData> length) {
      this.length = Objects.requireNonNull(length, "length");
      return this;
    }

    /**
     * How long a session lives after {@code set} or {@code touch}, when the session does not say
     * itself: a session's own {@link SessionData#getMaxInactiveInterval()} wins when it is set.
     * Default: one day.
     *
     * @param ttl a non-zero duration; negative means sessions never expire by time
     * @return this builder
     */
    public Builder ttl(Duration ttl) {
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.isZero()) {
        throw new IllegalArgumentException(
            "ttl must not be zero: every session would expire at once");
      }
      this.ttl = defaultTtl(ttl);
      return this;
    }

    /**
     * Computes each session's time to live; it decides alone (a session's own max-inactive interval
     * is whatever the function makes of it).
     *
     * @param ttl the function
     * @return this builder
     */
    public Builder ttl(TtlFunction ttl) {
      this.ttl = Objects.requireNonNull(ttl, "ttl");
      return this;
    }

    /**
     * Called for every session that leaves the store.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder dispose(DisposeListener listener) {
      this.dispose = Objects.requireNonNull(listener, "dispose");
      return this;
    }

    /**
     * Whether {@code get} returns an expired session once (then removes it) instead of nothing.
     * With {@code true}, expired sessions stay in memory until read, pruned or evicted, as in the
     * seed. Default false.
     *
     * @param stale the setting
     * @return this builder
     */
    public Builder stale(boolean stale) {
      this.stale = stale;
      return this;
    }

    /**
     * Whether overwriting a session with {@code set} is not reported to the dispose listener.
     * Default false.
     *
     * @param noDisposeOnSet the setting
     * @return this builder
     */
    public Builder noDisposeOnSet(boolean noDisposeOnSet) {
      this.noDisposeOnSet = noDisposeOnSet;
      return this;
    }

    /**
     * How sessions become bytes; default {@link SessionSerializer#json(String...)} with JDK types
     * only.
     *
     * @param serializer the serializer
     * @return this builder
     */
    public Builder serializer(SessionSerializer serializer) {
      this.serializer = Objects.requireNonNull(serializer, "serializer");
      return this;
    }

    /**
     * How much a crash may lose; see {@link Durability}. Default: {@link Durability#JOURNAL}
     * whenever a save file is set.
     *
     * @param durability the mode; the journal modes need a {@link #saveFile(Path)}
     * @return this builder
     */
    public Builder durability(Durability durability) {
      this.durability = Objects.requireNonNull(durability, "durability");
      return this;
    }

    /**
     * Encrypts what the save file and journal hold with AES-GCM: every record, ids included, is
     * sealed on its own; the header carries a check value, so a wrong key is refused at {@code
     * build()} instead of yielding garbage. The key is never written anywhere; keep it out of the
     * save file's directory. A plain file is read and then rewritten encrypted at the next
     * snapshot. Unset by default.
     *
     * @param key an AES key of 128, 192 or 256 bits, e.g. {@code new SecretKeySpec(bytes, "AES")}
     * @return this builder
     */
    public Builder encryptionKey(SecretKey key) {
      Objects.requireNonNull(key, "encryptionKey");
      RecordCipher.validate(key);
      this.encryptionKey = key;
      return this;
    }

    /**
     * Encrypts with the AES key in a file (raw bytes or base64): see {@link
     * #readEncryptionKey(Path)} and {@link #encryptionKey(SecretKey)}.
     *
     * @param keyFile the key file
     * @return this builder
     * @throws IllegalArgumentException if the file holds no AES key
     */
    public Builder encryptionKeyFile(Path keyFile) {
      return encryptionKey(readEncryptionKey(Objects.requireNonNull(keyFile, "encryptionKeyFile")));
    }

    /** For tests: how journal files are opened (to inject failures). */
    Builder channelOpener(Journal.ChannelOpener opener) {
      this.channelOpener = Objects.requireNonNull(opener, "channelOpener");
      return this;
    }

    /**
     * The clock for expiry and timestamps; {@link Clock#systemUTC()} by default. Tests pass a clock
     * they can move.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the store, loads its save file and starts the configured intervals.
     *
     * @return a new store; close it when done
     * @throws IllegalArgumentException if the save file or its directory cannot be used
     * @throws IllegalStateException if the save file is held by another store, or is of a newer
     *     format or another serializer
     */
    public MemFileStore build() {
      if (savePeriod != null && saveFile == null) {
        throw new IllegalStateException(
            "savePeriod is set but saveFile is not: set saveFile(...) or drop savePeriod");
      }
      if (durability != null && durability != Durability.SNAPSHOT && saveFile == null) {
        throw new IllegalStateException(
            "durability " + durability + " needs a journal beside a saveFile: set saveFile(...)");
      }
      if (durability == null) {
        durability = Durability.JOURNAL;
      }
      if (serializer == null) {
        serializer = SessionSerializer.json();
      }
      return new MemFileStore(this);
    }

    private static Duration positive(String name, Duration period) {
      Objects.requireNonNull(period, name);
      if (period.isZero() || period.isNegative()) {
        throw new IllegalArgumentException(name + " must be positive but was " + period);
      }
      return period;
    }
  }
}
