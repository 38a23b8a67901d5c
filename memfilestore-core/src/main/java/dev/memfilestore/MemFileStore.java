package dev.memfilestore;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
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

  /** How often the journal is forced in {@link Durability#JOURNAL} mode. */
  private static final Duration JOURNAL_FORCE_PERIOD = Duration.ofSeconds(1);

  /** A journal larger than this (and than the last snapshot) triggers a snapshot. */
  private static final long COMPACTION_THRESHOLD = 64L * 1024 * 1024;

  private final Clock clock;
  private final TtlFunction ttl;
  private final ToIntFunction<SessionData> length;
  private final long max;
  private final DisposeListener dispose;
  private final boolean stale;
  private final boolean noDisposeOnSet;
  private final SessionSerializer serializer;
  private final Duration checkPeriod;
  private final Duration savePeriod;
  private final Path saveFile;
  private final Durability durability;
  private final boolean journaling;
  private final Journal.ChannelOpener channelOpener;
  private final FileFormat fileFormat;

  /** Each thread encodes its own journal records, outside the journal's lock. */
  private final ThreadLocal<RecordEncoder> journalEncoders;

  private final Cache<String, StoredSession> cache;
  private final ConcurrentMap<String, StoredSession> sessions;

  /** Counts changes; a save is skipped when it has not moved since the last one. */
  private final AtomicLong changes = new AtomicLong();

  private final AtomicLong evictions = new AtomicLong();
  private final AtomicLong expirations = new AtomicLong();

  private final ReentrantLock saveLock = new ReentrantLock();
  private long savedChanges = -1; // guarded by saveLock
  private boolean released; // guarded by saveLock: the save file belongs to us no more

  /** The current journal generation, or the next one when there is no journal. */
  private long generation; // guarded by saveLock

  private volatile Journal journal; // the current generation; null unless journaling
  private volatile String problem; // what is wrong with persistence, or null
  private volatile Instant lastSnapshot;
  private volatile long lastSnapshotBytes;
  private volatile long lastSnapshotSessions;
  private final SaveFileLock fileLock;
  private final Thread shutdownHook;

  private final Object timerLock = new Object();
  private ScheduledExecutorService timer; // guarded by timerLock
  // The context class loader of the thread that built the store, given to the timer's threads.
  private final ClassLoader contextLoader = Thread.currentThread().getContextClassLoader();
  // The timer's threads, joined at close: an executor reports termination before they have exited.
  private final List<Thread> timerThreads = new CopyOnWriteArrayList<>();
  private ScheduledFuture<?> pruneTask; // guarded by timerLock
  private ScheduledFuture<?> saveTask; // guarded by timerLock
  private ScheduledFuture<?> journalTask; // guarded by timerLock
  private volatile boolean closed;
  private final AtomicInteger changesInFlight = new AtomicInteger();

  private MemFileStore(Builder b) {
    this.clock = b.clock;
    this.ttl = b.ttl;
    this.length = b.length;
    this.max = b.max;
    this.dispose = b.dispose;
    this.stale = b.stale;
    this.noDisposeOnSet = b.noDisposeOnSet;
    this.serializer = b.serializer;
    this.checkPeriod = b.checkPeriod;
    this.savePeriod = b.savePeriod;
    this.saveFile = b.saveFile == null ? null : b.saveFile.toAbsolutePath().normalize();
    this.durability = b.durability;
    this.journaling = saveFile != null && durability != Durability.SNAPSHOT;
    this.channelOpener = b.channelOpener;
    this.fileFormat =
        new FileFormat(
            serializer.name(), serializer instanceof JsonSessionSerializer, b.encryptionKey);
    this.journalEncoders = ThreadLocal.withInitial(fileFormat::encoder);

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

    if (saveFile != null) {
      prepareDirectory(saveFile);
      try {
        this.fileLock = SaveFileLock.acquire(saveFile);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot lock " + saveFile + ".lock beside the saveFile: " + e.getMessage(), e);
      }
      try {
        load();
      } catch (RuntimeException e) {
        closeQuietly(fileLock);
        throw e;
      }
      this.shutdownHook = new Thread(this::closeAtShutdown, "memfilestore-shutdown");
      Runtime.getRuntime().addShutdownHook(shutdownHook);
      if (journaling) {
        synchronized (timerLock) {
          journalTask = schedule(this::maintainJournal, JOURNAL_FORCE_PERIOD);
        }
      }
    } else {
      this.fileLock = null;
      this.shutdownHook = null;
    }
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
    if (!isPlausibleId(id)) {
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
      return removed && stale ? Optional.of(s.toSessionData(serializer)) : Optional.empty();
    }
    return Optional.of(s.toSessionData(serializer));
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
    requireValidId(id);
    Objects.requireNonNull(session, "session");
    ensureOpen();
    StoredSession old = apply(id, previous -> true, encode(id, session)).previous;
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
    requireValidId(id);
    Objects.requireNonNull(session, "session");
    ensureOpen();
    StoredSession next = encode(id, session);
    Change change =
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
    if (!isPlausibleId(id)) {
      return Optional.empty();
    }
    SessionData[] result = new SessionData[1];
    StoredSession old =
        replaceLive(
            id,
            current -> {
              SessionData next =
                  Objects.requireNonNull(
                      change.apply(current.toSessionData(serializer)),
                      "the change function returned null; return the session to store");
              result[0] = next;
              return encode(id, next);
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
    if (!isPlausibleId(id)) {
      return;
    }
    replaceLive(
        id,
        current -> {
          SessionData touched = current.toSessionData(serializer);
          if (session != null) {
            touched.setLastAccessedTime(session.getLastAccessedTime());
            touched.setMaxInactiveInterval(session.getMaxInactiveInterval());
          } else {
            touched.setLastAccessedTime(clock.instant());
          }
          return encode(id, touched);
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
    if (!isPlausibleId(id)) {
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
    if (!isPlausibleId(id)) {
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
            all.put(id, s.toSessionData(serializer));
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
    if (dispose == null && !journaling) {
      beginChange();
      try {
        cache.invalidateAll();
        changes.incrementAndGet();
      } finally {
        endChange(new Change());
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
    Journal j = journal;
    return new StoreStats(
        cache.estimatedSize(),
        total,
        max,
        evictions.get(),
        expirations.get(),
        saveFile == null ? Durability.SNAPSHOT : durability,
        lastSnapshot,
        lastSnapshotBytes,
        lastSnapshotSessions,
        j == null ? 0 : j.size(),
        problem);
  }

  // ---------------------------------------------------------------- journal

  /** One update's outcome and journal bookkeeping, filled in inside the map's atomic update. */
  private static final class Change {
    boolean applied;
    StoredSession previous;
    Journal journal;
    long end = -1;
  }

  /**
   * Replaces a session's value ({@code next} null: removes it) in one atomic step that also
   * journals it, if {@code when} accepts the current value (null if absent).
   */
  private Change apply(String id, Predicate<StoredSession> when, StoredSession next) {
    Change change = new Change();
    // Encoded here, on the caller's thread and outside every lock; written inside the update.
    ByteBuffer line = journaling ? journalRecord(id, next) : null;
    beginChange();
    try {
      sessions.compute(
          id,
          (k, previous) -> {
            if (!when.test(previous)) {
              return previous;
            }
            change.applied = true;
            change.previous = previous;
            journal(change, k, line);
            return next;
          });
      if (change.applied) {
        changes.incrementAndGet();
      }
    } finally {
      endChange(change);
    }
    return change;
  }

  /** The journal line recording a session's new value (null: removed). */
  private ByteBuffer journalRecord(String id, StoredSession next) {
    RecordEncoder encoder = journalEncoders.get();
    return (next == null
            ? encoder.delete(id)
            : encoder.session("set", id, next.expiresAtMillis, next.bytes))
        .line();
  }

  /**
   * Inside a map update: appends the session's journal line, so that for each session the journal's
   * order is the map's order.
   */
  private void journal(Change change, String id, ByteBuffer line) {
    if (!journaling) {
      return;
    }
    while (true) {
      Journal j = journal;
      long end;
      try {
        end = j.append(line);
      } catch (IOException e) {
        journalFailed(j, e);
        if (durability == Durability.JOURNAL_SYNC) {
          throw new UncheckedIOException(
              "session " + abbreviate(id) + " was not changed: " + problem, e);
        }
        return; // JOURNAL degrades: the change applies in memory and reaches the next snapshot
      }
      if (end >= 0) {
        change.journal = j;
        change.end = end;
        return;
      }
      if (j == journal) {
        throw new IllegalStateException("this MemFileStore of " + saveFile + " is closed");
      }
      // That generation was sealed by a snapshot meanwhile: append to the new one.
    }
  }

  /**
   * Starts a change. A change registers, then checks that the store is open; {@code close()} marks
   * the store closed, then waits until no change is registered. So every change is either refused
   * or complete (in memory and journal) before the last snapshot starts: none can return normally
   * and still miss it.
   */
  private void beginChange() {
    changesInFlight.incrementAndGet();
    if (closed) {
      changesInFlight.decrementAndGet();
      ensureOpen();
    }
  }

  /**
   * Ends a change: releases the journal and, in JOURNAL_SYNC mode, forces it before the change
   * counts as done.
   */
  private void endChange(Change change) {
    try {
      if (change.journal != null) {
        change.journal.done();
        if (durability == Durability.JOURNAL_SYNC) {
          try {
            change.journal.sync(change.end);
          } catch (IOException e) {
            journalFailed(change.journal, e);
            throw new UncheckedIOException(
                "the change is in memory but could not be forced to disk: " + problem, e);
          }
        }
      }
    } finally {
      changesInFlight.decrementAndGet();
    }
  }

  private void awaitChangesInFlight() {
    while (changesInFlight.get() > 0) {
      LockSupport.parkNanos(10_000); // changes finish within microseconds (a force at most)
    }
  }

  private void journalFailed(Journal j, IOException e) {
    boolean first = problem == null;
    problem = "cannot write the journal " + j.path + ": " + e.getMessage();
    if (first) {
      log.error(
          "{}. Changes stay in memory{}; a snapshot and a new journal are tried every {} until one"
              + " succeeds",
          problem,
          durability == Durability.JOURNAL_SYNC ? " but calls fail" : " but are not journaled",
          JOURNAL_FORCE_PERIOD,
          e);
    }
  }

  /** Every second: force the journal (JOURNAL mode), and compact when it failed or grew large. */
  private void maintainJournal() {
    Journal j = journal;
    if (j == null) {
      return;
    }
    if (durability == Durability.JOURNAL && !j.failed()) {
      try {
        j.syncAll();
      } catch (IOException e) {
        journalFailed(j, e);
      }
    }
    if (problem != null || j.size() > Math.max(COMPACTION_THRESHOLD, lastSnapshotBytes)) {
      try {
        save();
      } catch (RuntimeException e) {
        log.debug("Snapshot retry failed: {}", e.getMessage());
      }
    }
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
    synchronized (timerLock) {
      ensureOpen();
      if (pruneTask == null) {
        pruneTask = schedule(this::pruneQuietly, checkPeriod);
      }
    }
  }

  /** Stops the periodic prune; does nothing if it is not running. */
  public void stopInterval() {
    synchronized (timerLock) {
      if (pruneTask != null) {
        pruneTask.cancel(false);
        pruneTask = null;
      }
    }
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
    synchronized (timerLock) {
      ensureOpen();
      if (saveTask == null) {
        saveTask = schedule(this::saveQuietly, savePeriod);
      }
    }
  }

  /** Stops the periodic save; does nothing if it is not running. */
  public void stopSaveInterval() {
    synchronized (timerLock) {
      if (saveTask != null) {
        saveTask.cancel(false);
        saveTask = null;
      }
    }
  }

  private ScheduledFuture<?> schedule(Runnable task, Duration period) {
    if (timer == null) {
      timer =
          // Two threads: the journal's force every second must not wait behind a long snapshot.
          Executors.newScheduledThreadPool(
              2,
              r -> {
                Thread t = new Thread(r, "memfilestore-timer");
                t.setDaemon(true);
                // the loader of the thread that built the store (a web application's, in a
                // container), whichever thread starts the timer: attribute classes load through it
                t.setContextClassLoader(contextLoader);
                timerThreads.add(t);
                return t;
              });
    }
    long nanos = period.toNanos();
    return timer.scheduleWithFixedDelay(task, nanos, nanos, TimeUnit.NANOSECONDS);
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
          saveFile,
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
    if (saveFile == null) {
      throw new IllegalStateException(
          "no saveFile is configured: set one with MemFileStore.builder().saveFile(...)");
    }
    saveLock.lock();
    try {
      if (released) {
        throw new IllegalStateException(
            "this MemFileStore of " + saveFile + " is closed; it no longer writes the file");
      }
      long changesAtStart = changes.get();
      if (changesAtStart == savedChanges && problem == null) {
        log.debug("Nothing changed since the last snapshot of {}; not saving", saveFile);
        return;
      }
      long started = System.nanoTime();
      Instant now = clock.instant();
      try {
        long next = generation + 1;
        if (journaling) {
          rotateJournal(next, now);
        }
        generation = next;
        long size;
        long count;
        try (SnapshotWriter writer = new SnapshotWriter(saveFile, next, fileFormat, now)) {
          long nowMillis = now.toEpochMilli();
          for (Map.Entry<String, StoredSession> e : sessions.entrySet()) {
            StoredSession s = e.getValue();
            if (!s.isExpired(nowMillis)) {
              writer.write(e.getKey(), s.expiresAtMillis, s.bytes);
            }
          }
          size = writer.commit();
          count = writer.records();
        }
        deleteJournalsBefore(next);
        savedChanges = changesAtStart;
        lastSnapshot = now;
        lastSnapshotBytes = size;
        lastSnapshotSessions = count;
        if (problem != null && (journal == null || !journal.failed())) {
          log.info("Persistence to {} works again", saveFile);
          problem = null;
        }
        log.debug(
            "Saved {} sessions to {} ({} bytes) in {} ms",
            count,
            saveFile,
            size,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      } catch (IOException e) {
        problem = "cannot write a snapshot to " + saveFile + ": " + e.getMessage();
        throw new UncheckedIOException(problem, e);
      }
    } finally {
      saveLock.unlock();
    }
  }

  /**
   * Starts journal generation {@code next} and seals the current one: from here on changes go to
   * the new generation, and every change of the old one is in the map, where the snapshot that
   * follows will find it.
   */
  private void rotateJournal(long next, Instant now) throws IOException {
    Journal fresh = Journal.create(saveFile, next, fileFormat, now, channelOpener);
    Journal old = journal;
    journal = fresh;
    if (old != null) {
      try {
        old.seal();
      } catch (IOException e) {
        // Its changes are in the map, so the snapshot being written holds them anyway.
        log.warn("Could not force the journal {} while sealing it", old.path, e);
      } finally {
        old.close();
      }
    }
  }

  /** Deletes journal generations that a durable snapshot now holds. */
  private void deleteJournalsBefore(long generation) throws IOException {
    for (long g : Journal.generations(saveFile)) {
      if (g < generation) {
        Files.deleteIfExists(Journal.path(saveFile, g));
      }
    }
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
    ScheduledExecutorService stoppedTimer = null;
    synchronized (timerLock) {
      if (closed) {
        return;
      }
      closed = true;
      stopInterval();
      stopSaveInterval();
      if (journalTask != null) {
        journalTask.cancel(false);
        journalTask = null;
      }
      if (timer != null) {
        timer.shutdown(); // no interrupt: it would close a journal channel in the middle of a force
        stoppedTimer = timer;
        timer = null;
      }
    }
    if (stoppedTimer != null && !Thread.currentThread().getName().equals("memfilestore-timer")) {
      awaitTimer(stoppedTimer);
    }
    awaitChangesInFlight(); // from here on, every change is refused or already in memory
    if (saveFile == null) {
      return;
    }
    try {
      save();
    } finally {
      try {
        closeJournal();
      } finally {
        saveLock.lock();
        try {
          released = true;
        } finally {
          saveLock.unlock();
        }
        closeQuietly(fileLock);
        if (!atShutdown) {
          try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
          } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook will find the store closed.
          }
        }
      }
    }
  }

  /**
   * Waits (a bounded time) for the timer's threads to end, so that none outlives the store: a
   * container that unloads the application would see a leaked thread holding its class loader.
   */
  private void awaitTimer(ScheduledExecutorService stopped) {
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      boolean ended = stopped.awaitTermination(30, TimeUnit.SECONDS);
      for (Thread t : timerThreads) {
        long left = deadline - System.nanoTime();
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        ended &= !t.isAlive();
      }
      if (!ended) {
        log.warn("The store's timer did not stop within 30 s; a snapshot may still be running");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * For tests: stops like {@code kill -9} would, saving and sealing nothing, then releases the
   * files so that another store can recover them in this JVM. What was written stays in the
   * operating system's cache, as after a real kill.
   */
  void simulateCrash() {
    synchronized (timerLock) {
      closed = true;
      if (timer != null) {
        timer.shutdown(); // no interrupt: it would close a journal channel in the middle of a force
        timer = null;
      }
    }
    if (saveFile == null) {
      return;
    }
    saveLock.lock(); // wait for a snapshot in progress, as a kill would cut it short
    try {
      released = true;
      if (journal != null) {
        journal.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      saveLock.unlock();
      closeQuietly(fileLock);
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    }
  }

  /** Seals the last journal; deletes it if the final snapshot left it empty. */
  private void closeJournal() {
    Journal j = journal;
    if (j == null) {
      return;
    }
    try {
      j.seal();
      j.close();
      saveLock.lock();
      try {
        if (j.size() == j.headerSize() && j.generation == generation && problem == null) {
          Files.deleteIfExists(j.path);
        }
      } finally {
        saveLock.unlock();
      }
    } catch (IOException e) {
      log.warn("Could not close the journal {}", j.path, e);
    }
  }

  private void closeAtShutdown() {
    try {
      close(true);
      log.info("Saved sessions to {} at shutdown", saveFile);
    } catch (RuntimeException e) {
      log.error("Could not save sessions to {} at shutdown", saveFile, e);
    }
  }

  private static void prepareDirectory(Path saveFile) {
    if (Files.isDirectory(saveFile)) {
      throw new IllegalArgumentException(
          "saveFile "
              + saveFile
              + " is a directory: name a file, e.g. "
              + saveFile.resolve("sessions.json"));
    }
    Path directory = saveFile.getParent();
    if (Files.exists(directory) && !Files.isDirectory(directory)) {
      throw new IllegalArgumentException(
          "the directory of saveFile " + saveFile + " is not a directory: " + directory);
    }
    try {
      SaveFiles.createDirectories(directory);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot create the directory " + directory + " for saveFile " + saveFile + ": " + e, e);
    }
    if (Files.exists(saveFile) && !Files.isReadable(saveFile)) {
      throw new IllegalArgumentException(
          "cannot read saveFile " + saveFile + ": check its owner and permissions");
    }
  }

  /**
   * Recovers the sessions: the snapshot, then every journal generation it does not hold, each up to
   * its first bad record. Damaged files are kept aside and replaced by a fresh snapshot.
   */
  private void load() {
    long started = System.nanoTime();
    long now = clock.millis();
    long[] expired = new long[1]; // sessions skipped at load because they had expired
    boolean damage = false;
    long snapshotGeneration = 0;
    try {
      if (Files.exists(saveFile)) {
        SnapshotReader.Result snapshot =
            SnapshotReader.read(
                saveFile,
                fileFormat,
                (id, expiresAt, bytes) -> restore(id, expiresAt, bytes, now, expired));
        snapshotGeneration = snapshot.generation();
        if (snapshot.intact()) {
          // the snapshot on disk is the last one until this store writes its own
          lastSnapshot = Files.getLastModifiedTime(saveFile).toInstant();
          lastSnapshotBytes = Files.size(saveFile);
          lastSnapshotSessions = snapshot.records();
        } else {
          damage = true;
          Path aside = keepAside(saveFile);
          log.warn(
              "{} was damaged: {} records ({} bytes) could not be read{}. Loaded every intact"
                  + " record; the damaged file was kept as {}",
              saveFile,
              snapshot.damagedRecords(),
              snapshot.damagedBytes(),
              snapshot.complete()
                  ? ""
                  : " and the file is incomplete (truncated or not a snapshot)",
              aside);
        }
      }
      long replayed = 0;
      long lastGeneration = snapshotGeneration - 1;
      boolean stopped = false;
      for (long g : Journal.generations(saveFile)) {
        Path path = Journal.path(saveFile, g);
        lastGeneration = Math.max(lastGeneration, g);
        if (g < snapshotGeneration) {
          Files.deleteIfExists(path); // the snapshot holds it
          continue;
        }
        if (stopped) {
          log.warn(
              "Not replaying {}: an earlier journal is damaged; kept as {}", path, keepAside(path));
          continue;
        }
        JournalReader.Result r =
            JournalReader.read(path, fileFormat, entry -> replay(entry, now, expired));
        replayed += r.records();
        if (r.droppedBytes() > 0) {
          damage |= r.damaged();
          stopped = r.damaged();
          if (r.damaged()) {
            Path aside = keepAside(path);
            log.warn(
                "The journal {} is damaged: replayed {} records, then {} lines ({} bytes) could not"
                    + " be; the damaged journal was kept as {}",
                path,
                r.records(),
                r.droppedLines(),
                r.droppedBytes(),
                aside);
          } else {
            cutTornTail(path, r.goodEnd());
            log.warn(
                "The journal {} ended in a torn record (a crash while writing): cut off {} bytes"
                    + " ({} incomplete record); replayed the {} records before it",
                path,
                r.droppedBytes(),
                r.droppedLines(),
                r.records());
          }
        }
      }
      generation = lastGeneration + 1;
      cache.cleanUp();
      log.info(
          "Loaded {} sessions from {}{} in {} ms ({} had expired)",
          sessions.size(),
          saveFile,
          replayed == 0 ? "" : " and " + replayed + " journal records",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
          expired[0]);
      if (journaling) {
        journal = Journal.create(saveFile, generation, fileFormat, clock.instant(), channelOpener);
      }
      savedChanges = expired[0] == 0 && replayed == 0 && !damage ? 0 : -1;
      if (damage || (!journaling && replayed > 0)) {
        save(); // a fresh snapshot in place of what was kept aside or replayed
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read saveFile " + saveFile + " or its journal: " + e.getMessage(), e);
    }
  }

  /** Puts a session read from the snapshot into the map; false if it cannot be read. */
  private boolean restore(String id, long expiresAt, byte[] bytes, long now, long[] expired) {
    if (expiresAt <= now) {
      expired[0]++;
      return true;
    }
    try {
      sessions.put(id, stored(bytes, serializer.deserialize(bytes), expiresAt));
      return true;
    } catch (RuntimeException e) {
      log.warn(
          "Skipping session {} of {}: {}",
          abbreviate(id),
          saveFile,
          JsonSessionSerializer.rootMessage(e));
      return false;
    }
  }

  /** Applies one journal record: a removal, or a session (an expired one removes it too). */
  private void replay(RecordDecoder.Entry entry, long now, long[] expired) {
    boolean kept =
        !entry.isDelete()
            && restore(entry.id(), entry.expiresAtMillis(), entry.session(), now, expired)
            && entry.expiresAtMillis() > now;
    if (!kept) {
      sessions.remove(entry.id());
    }
  }

  private static void cutTornTail(Path journal, long goodEnd) throws IOException {
    try (FileChannel channel = FileChannel.open(journal, StandardOpenOption.WRITE)) {
      channel.truncate(goodEnd);
      channel.force(true);
    }
  }

  /** Moves a damaged file aside, never over another one, and says where. */
  private Path keepAside(Path file) {
    String stamp =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC)
            .format(clock.instant());
    Path aside = SaveFiles.sibling(file, ".damaged-" + stamp);
    for (int n = 2; Files.exists(aside); n++) {
      aside = SaveFiles.sibling(file, ".damaged-" + stamp + "-" + n);
    }
    try {
      Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
      SaveFiles.forceDirectory(file.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot move the damaged " + file + " aside to " + aside + ": " + e.getMessage(), e);
    }
    return aside;
  }

  // ---------------------------------------------------------------- internals

  private StoredSession encode(String id, SessionData session) {
    byte[] bytes;
    try {
      bytes = serializer.serialize(session);
    } catch (SessionSerializationException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new SessionSerializationException(
          "the serializer failed on session " + abbreviate(id) + ": " + e, e);
    }
    Duration life;
    try {
      life = ttl.ttl(session, id);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the ttl function failed: " + e, e);
    }
    if (life == null) {
      throw new IllegalArgumentException("the ttl function returned null; return a Duration");
    }
    long now = clock.millis();
    long expiresAt;
    if (life.isNegative()) {
      expiresAt = StoredSession.NEVER;
    } else {
      long millis = life.toMillis();
      expiresAt = millis >= StoredSession.NEVER - now ? StoredSession.NEVER : now + millis;
    }
    return stored(bytes, session, expiresAt);
  }

  private StoredSession stored(byte[] bytes, SessionData session, long expiresAt) {
    int weight = length.applyAsInt(session);
    if (weight < 0) {
      throw new IllegalArgumentException(
          "the length function returned " + weight + "; a session's length must be 0 or more");
    }
    return new StoredSession(
        bytes, session, AttributeCopier.template(session.attributes()), expiresAt, weight);
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
    try {
      dispose.onDispose(id, s.toSessionData(serializer), cause);
    } catch (RuntimeException e) {
      log.warn("The dispose listener failed for session {} ({})", abbreviate(id), cause, e);
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException(
          "this MemFileStore"
              + (saveFile == null ? "" : " of " + saveFile)
              + " is closed; build a new one");
    }
  }

  private static boolean isPlausibleId(String id) {
    return id != null && !id.isEmpty() && id.length() <= MAX_ID_LENGTH;
  }

  private static void requireValidId(String id) {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("session id must not be null or blank");
    }
    if (id.length() > MAX_ID_LENGTH) {
      throw new IllegalArgumentException(
          "session id is "
              + id.length()
              + " characters long; at most "
              + MAX_ID_LENGTH
              + " are accepted");
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < id.length()
          && Character.isLowSurrogate(id.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        // Not text: it could not be written to the save file, and would stop every save.
        throw new IllegalArgumentException(
            "session id has an unpaired surrogate character at index " + i);
      }
    }
  }

  /** Enough of an id to tell sessions apart in a log, never enough to hijack one. */
  static String abbreviate(String id) {
    return id.length() <= 4 ? "…" : id.substring(0, 4) + "…";
  }

  private static void closeQuietly(SaveFileLock lock) {
    try {
      lock.close();
    } catch (IOException e) {
      log.warn("Could not release the lock beside the save file", e);
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
