package dev.memfilestore;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.ToIntFunction;
import java.util.function.UnaryOperator;
import javax.crypto.SecretKey;
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
 *       set} returns. When the bound is reached, a new session first evicts the oldest sessions
 *       that were never read since a {@code set} created them, once those weigh more than a tenth
 *       of {@code max}; otherwise the store evicts with Caffeine's W-TinyLFU policy (sessions used
 *       often are kept in preference to ones used once). So a flood of one-shot sessions (a
 *       crawler, a bot) pushes out its own oldest sessions, not those of users who came back.
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

  private final Duration checkPeriod;
  private final Duration savePeriod;

  /** The sessions in memory; every change goes through {@link #storage} (see {@link Storage}). */
  private final SessionCache sessions;

  /** Where sessions persist: in memory only, or in the save file and its journal. */
  private final Storage storage;

  private final Timers timers = new Timers();

  private MemFileStore(Builder b) {
    this.checkPeriod = b.checkPeriod;
    this.savePeriod = b.savePeriod;
    SessionEncoding encoding = new SessionEncoding(b.serializer, b.ttl, b.length, b.clock);
    long expected = b.saveFile == null ? 0 : LoadBudget.expectedSessions(b.saveFile, b.loadBudget);
    this.sessions =
        new SessionCache(b.clock, encoding, b.max, b.dispose, b.stale, b.noDisposeOnSet, expected);
    this.storage =
        b.saveFile == null
            ? new MemoryStorage()
            : new SaveFileStorage(
                b.saveFile,
                b.durability,
                FileFormat.of(b.serializer, b.encryptionKey),
                b.channelOpener,
                b.clock,
                encoding,
                sessions.cache,
                sessions.changes,
                timers,
                b.loadBudget,
                b.encryptExistingPlainFiles,
                () -> close(true));
    sessions.use(storage);
    if (checkPeriod != null) {
      startInterval();
    }
    if (savePeriod != null) {
      startSaveInterval();
    }
  }

  /**
   * Shows a session id as the store's own logs and messages do: enough to tell sessions apart,
   * never enough to take one over. For adapters' logs, so that every module shortens ids alike.
   *
   * @param id a session id, or null
   * @return its first four characters and an ellipsis (only the ellipsis for short or null ids)
   */
  public static String abbreviateId(String id) {
    return SessionEncoding.abbreviate(id);
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
    return RecordCipher.readKey(keyFile);
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
   * <p>A session loaded from the save file is decoded on its first read, not at load (unless a
   * {@link Builder#length(ToIntFunction) length function} is configured, which needs it decoded to
   * weigh it). If the serializer refuses its bytes then (an intact record holding a type the
   * allow-list no longer allows, a class gone since, a session beyond the decoding budget), the
   * session is dropped as the load would have dropped it: a warning is logged, this and every later
   * read (and {@link #update}, {@link #touch}, {@link #all}) find nothing, and the next snapshot
   * leaves it out. Other sessions are unaffected.
   *
   * <p>The copy costs what the caller uses: nothing is copied until it changes the session or reads
   * a mutable value, and a value the store keeps only as its bytes (one it cannot copy without
   * deserializing, such as a bean) is decoded by {@link SessionData#getAttribute} when first read.
   *
   * @param id the session id
   * @return a copy of the session, which the caller may change freely
   * @throws SessionSerializationException if the stored bytes cannot be read back (only a custom
   *     serializer that does not round-trip can cause this)
   */
  public Optional<SessionData> get(String id) {
    return sessions.get(id);
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
    sessions.set(id, session);
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
    return sessions.setIfAbsent(id, session);
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
    return sessions.update(id, change);
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
    sessions.touch(id, session);
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
    return sessions.expiresAt(id);
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
    sessions.destroy(id);
  }

  /**
   * Removes several sessions, as {@link #destroy(String)} does for each.
   *
   * @param ids the session ids
   */
  public void destroy(Collection<String> ids) {
    sessions.destroy(ids);
  }

  /**
   * Lists the ids of live sessions. Like iterating a {@code ConcurrentHashMap}, this is weakly
   * consistent, not a snapshot: a session set or destroyed while it runs may or may not be listed.
   *
   * @return a new list, in no particular order
   */
  public List<String> ids() {
    return sessions.ids();
  }

  /**
   * Copies every live session. Weakly consistent, like {@link #ids()}: a session set or destroyed
   * while it runs may or may not be included.
   *
   * @return a new map from id to a copy of the session
   */
  public Map<String, SessionData> all() {
    return sessions.all();
  }

  /**
   * Counts live sessions (not their {@code length}).
   *
   * @return the number of sessions that {@link #get(String)} would find
   */
  public long length() {
    return sessions.length();
  }

  /**
   * Removes every session, reporting each as {@link DisposeCause#CLEARED}.
   *
   * @throws IllegalStateException if the store is closed
   */
  public void clear() {
    sessions.clear();
  }

  /** Removes the sessions that have expired, reporting each as {@link DisposeCause#EXPIRED}. */
  public void prune() {
    sessions.prune();
  }

  /**
   * Reports the store's size, counters and persistence health.
   *
   * @return a snapshot of the statistics
   */
  public StoreStats stats() {
    return sessions.stats();
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

  private void ensureOpen() {
    if (storage.isClosed()) {
      throw storage.closedError();
    }
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
    } catch (UncheckedIOException e) {
      // The storage logs the first failure of a run in full, and stats() reports it.
      log.debug("Periodic save to {} failed: {}", storage.saveFile(), e.getMessage());
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
   * Tells whether {@link #close()} has run, by a caller or by the JVM's shutdown hook. A container
   * that saves its sessions when it stops checks it first: on SIGTERM the JVM runs every shutdown
   * hook at once, so the store may already be closed (having saved every session) when the
   * container's own hook reaches it.
   *
   * @return true once the store refuses changes
   */
  public boolean isClosed() {
    return storage.isClosed();
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

  /** For tests: the sessions in memory. */
  SessionCache sessionsForTests() {
    return sessions;
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

  /**
   * Configures a {@link MemFileStore}. Each option mirrors one of express-memfilestore; setters
   * check their argument at once and name the bad value. Later calls override earlier ones.
   */
  public static final class Builder {
    private Duration checkPeriod;
    private Duration savePeriod;
    private Path saveFile;
    private long max = Long.MAX_VALUE;
    private ToIntFunction<SessionData> length = SessionEncoding.DEFAULT_LENGTH;
    private TtlFunction ttl = defaultTtl(DEFAULT_TTL);
    private DisposeListener dispose;
    private boolean stale;
    private boolean noDisposeOnSet;
    private SessionSerializer serializer;
    private Clock clock = Clock.systemUTC();
    private Durability durability;
    private Journal.ChannelOpener channelOpener = SaveFiles::openOwnerOnly;
    private SecretKey encryptionKey;
    private long loadBudget = LoadBudget.defaultBudget();
    private boolean encryptExistingPlainFiles;

    private Builder() {}

    private static TtlFunction defaultTtl(Duration fallback) {
      return new SessionEncoding.IntervalOrTtl(fallback);
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
     * <name>.damaged-<time>} if a damaged file had to be kept aside. If the file is a symbolic
     * link, {@code build()} resolves it once and works on the file it leads to, companions beside
     * that file (and says so in the log); a link owned by another user than this one, the
     * directory's owner or root is refused.
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
     * sessions. Called once per {@code set}, {@code touch} and load. With a length function, the
     * load decodes every session to weigh it; without one, each is decoded on its first read, which
     * makes a restart with many sessions several times faster (see {@link #get}).
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
     * save file's directory. With a key, a save file or journal that is not encrypted with it is
     * never loaded: a plain (unencrypted) save file or journal makes {@code build()} fail, and
     * leaves every file as it was, unless {@link #encryptExistingPlainFiles(boolean)} is set to
     * move an existing store to encryption. Unset by default.
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
     * Moves an existing plain (unencrypted) store to encryption: with an {@link
     * #encryptionKey(SecretKey)}, loads a plain save file, and plain journals beside it or without
     * one, once, and rewrites them encrypted before {@code build()} returns (a log line says so).
     * Set it for the one start that encrypts the files, then unset it: without it, a store with a
     * key refuses every plain file at {@code build()}, so that whoever can write the save file's
     * directory cannot plant sessions by dropping in a plain file. A plain journal beside an
     * encrypted save file, or after an encrypted journal, is never loaded, switch or not (it is
     * kept aside). Without a key this has no effect. Default: false.
     *
     * @param encrypt true to load plain files once and encrypt them
     * @return this builder
     */
    public Builder encryptExistingPlainFiles(boolean encrypt) {
      this.encryptExistingPlainFiles = encrypt;
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

    /**
     * Bounds the heap that loading the save file at {@code build()} may take, so that a file too
     * large for the heap (grown over time, or planted) stops {@code build()} with an {@link
     * IllegalStateException} that says what to do, instead of an {@link OutOfMemoryError} part way.
     * The files are then left as they were. Each session is charged, before it is decoded, an
     * estimate of the heap it will take: twice its serialized bytes (kept, and decoded), its id,
     * and 256 bytes of bookkeeping. Default: three quarters of {@link Runtime#maxMemory()} ({@code
     * -Xmx}).
     *
     * @param bytes at least 1
     * @return this builder
     */
    public Builder loadBudget(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("loadBudget must be at least 1 byte but was " + bytes);
      }
      this.loadBudget = bytes;
      return this;
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
     * @throws IllegalStateException if the save file is held by another store, is of a newer format
     *     or another serializer, or holds more sessions than the {@link #loadBudget(long)}
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
