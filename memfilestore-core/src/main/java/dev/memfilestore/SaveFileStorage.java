package dev.memfilestore;

import com.github.benmanes.caffeine.cache.Cache;
import dev.memfilestore.SaveFileInspector.ProblemKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage of a store with a save file: recovery at start, the journal on every change (with
 * group commit in {@link Durability#JOURNAL_SYNC} mode), snapshots that rotate the journal, the
 * failure policy, and the last snapshot at close or JVM shutdown. The protocol that ties these to
 * the map is stated once, in {@link Storage}.
 */
final class SaveFileStorage extends Storage {
  // The store's own logger: what persistence says is what the store says.
  private static final Logger log = LoggerFactory.getLogger(MemFileStore.class);

  /** How often the journal is forced in {@link Durability#JOURNAL} mode. */
  private static final Duration JOURNAL_FORCE_PERIOD = Duration.ofSeconds(1);

  /** The longest wait between two snapshot retries while persistence fails. */
  static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(30);

  /** A journal larger than this (and than the last snapshot) triggers a snapshot. */
  private static final long COMPACTION_THRESHOLD = 64L * 1024 * 1024;

  private final SaveFiles files;
  private final Path saveFile;
  private FileFormat format; // its store id is set once, by load(), before any file is written
  private final Durability durability;
  private final boolean journaling;
  private final Journal.ChannelOpener channelOpener;
  private final Clock clock;
  private final SessionEncoding encoding;
  private final ConcurrentMap<String, StoredSession> sessions;

  /** The store's count of changes; a save is skipped when it has not moved since the last one. */
  private final AtomicLong changes;

  /** Each thread encodes its own journal records, outside the journal's lock. */
  private final ThreadLocal<RecordEncoder> journalEncoders;

  private final ReentrantLock saveLock = new ReentrantLock();
  private long savedChanges = -1; // guarded by saveLock
  private boolean released; // guarded by saveLock: the save file belongs to us no more

  /** The current journal generation, or the next one when there is no journal. */
  private long generation; // guarded by saveLock

  /**
   * Whether the last snapshot failed after starting journal generation {@link #generation}: the
   * next attempt writes that generation's snapshot again instead of starting yet another journal,
   * so failing snapshots cannot pile up journal files.
   */
  private boolean snapshotOwed; // guarded by saveLock

  private volatile int failedSnapshots; // written under saveLock: in a row, since one worked
  private Instant failingSince; // guarded by saveLock
  private volatile long nextRetryNanos; // when the journal's upkeep may retry a failed snapshot

  private volatile Journal journal; // the current generation; null unless journaling
  private volatile String problem; // what is wrong with persistence, or null
  private volatile Instant lastSnapshot;
  private volatile long lastSnapshotBytes;
  private volatile long lastSnapshotSessions;
  private final SaveFileLock fileLock;
  private final Thread shutdownHook;

  /** The heap the loaded sessions may take, as {@link LoadBudget} estimates it. */
  private final long loadBudget;

  /** With a key: whether plain files are loaded (once, then rewritten encrypted) or refused. */
  private final boolean encryptExistingPlainFiles;

  /**
   * Locks the save file, recovers its sessions into the cache, and starts the journal.
   *
   * @param closeAtShutdown closes the store; run by the JVM's shutdown hook
   */
  SaveFileStorage(
      Path saveFile,
      Durability durability,
      FileFormat format,
      Journal.ChannelOpener channelOpener,
      Clock clock,
      SessionEncoding encoding,
      Cache<String, StoredSession> cache,
      AtomicLong changes,
      Timers timers,
      long loadBudget,
      boolean encryptExistingPlainFiles,
      Runnable closeAtShutdown) {
    this.files = new SaveFiles(saveFile);
    this.saveFile = files.saveFile;
    this.durability = durability;
    this.journaling = durability != Durability.SNAPSHOT;
    this.format = format;
    this.channelOpener = channelOpener;
    this.clock = clock;
    // Patches need a base the journal's replay can find: json sessions, whose attributes it can
    // splice without the serializer.
    encoding.patches = journaling && format.embedJson();
    this.encoding = encoding;
    this.sessions = cache.asMap();
    this.changes = changes;
    this.journalEncoders = ThreadLocal.withInitial(format::encoder);
    this.loadBudget = loadBudget;
    this.encryptExistingPlainFiles = encryptExistingPlainFiles;
    if (files.link != null) {
      log.info(
          "saveFile {} is a symbolic link: using the file it leads to, {}, with its lock, journal"
              + " and snapshots beside it",
          files.link,
          files.saveFile);
    }
    files.prepareDirectory();
    try {
      this.fileLock = SaveFileLock.acquire(this.saveFile);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot lock "
              + this.saveFile
              + ".lock beside the saveFile: "
              + (e instanceof AccessDeniedException
                  ? "permission denied; the directory must be writable by this user"
                  : e.getClass().getSimpleName() + ": " + e.getMessage()),
          e);
    }
    try {
      load(cache);
    } catch (RuntimeException e) {
      closeQuietly(fileLock);
      throw e;
    }
    this.shutdownHook = new Thread(() -> closeAtShutdown(closeAtShutdown), "memfilestore-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    if (journaling) {
      timers.start(Timers.Task.JOURNAL, this::maintainJournal, JOURNAL_FORCE_PERIOD);
    }
  }

  @Override
  Path saveFile() {
    return saveFile;
  }

  @Override
  boolean recordsChanges() {
    return journaling;
  }

  @Override
  Durability durability() {
    return durability;
  }

  @Override
  Instant lastSnapshot() {
    return lastSnapshot;
  }

  @Override
  long lastSnapshotBytes() {
    return lastSnapshotBytes;
  }

  @Override
  long lastSnapshotSessions() {
    return lastSnapshotSessions;
  }

  @Override
  long journalBytes() {
    Journal j = journal;
    return j == null ? 0 : j.size();
  }

  @Override
  String problem() {
    return problem;
  }

  // ---------------------------------------------------------------- the journal

  @Override
  ByteBuffer prepare(String id, StoredSession next) {
    if (!journaling) {
      return null;
    }
    return line(id, next, next == null ? null : next.patch);
  }

  /** The journal line (with a key: the body to seal) of a change; a patch if {@code patch}. */
  private ByteBuffer line(String id, StoredSession next, StoredSession.Patch patch) {
    RecordEncoder encoder = journalEncoders.get();
    RecordEncoder record;
    if (next == null) {
      record = encoder.delete(id);
    } else if (!next.bytesHoldTimes) { // a touch: the attributes are those of the id's previous
      // record
      record =
          encoder.touch(
              id,
              fileExpiry(next.expiresAtMillis),
              next.lastAccessedTime(),
              next.maxInactiveInterval());
    } else if (patch != null) { // what changed since the id's previous record
      record =
          encoder.patch(
              id,
              fileExpiry(next.expiresAtMillis),
              next.lastAccessedTime(),
              next.maxInactiveInterval(),
              next.bytes,
              patch);
    } else {
      record = encoder.session("set", id, fileExpiry(next.expiresAtMillis), next.bytes);
    }
    // With a key, the journal seals the body under its lock, where the line number is known.
    return format.key() == null ? record.line() : record.body();
  }

  @Override
  void record(Change change, String id, StoredSession next, ByteBuffer prepared) {
    StoredSession.Patch patch = next == null ? null : next.patch;
    if (patch != null) {
      next.patch = null; // before next is published: it must not keep the replaced session
    }
    if (!journaling) {
      return;
    }
    ByteBuffer line = prepared;
    if (patch != null && (change.previous != patch.base || patch.base.isExpired(clock.millis()))) {
      // Another change came between (its record is the base replay would patch), or the base
      // expired meanwhile (a snapshot may leave it out): the whole session, then.
      line = line(id, next, null);
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
              "session " + SessionEncoding.abbreviate(id) + " was not changed: " + problem, e);
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

  @Override
  void complete(Change change) {
    if (change.journal == null) {
      return;
    }
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

  private void journalFailed(Journal j, IOException e) {
    boolean first = problem == null;
    problem = "cannot write the journal " + j.path + ": " + e.getMessage();
    if (first) {
      log.error(
          "{}. Changes stay in memory{}; a snapshot and a new journal are tried every {} (then"
              + " less often, up to every {} s, while snapshots fail) until one succeeds",
          problem,
          durability == Durability.JOURNAL_SYNC ? " but calls fail" : " but are not journaled",
          JOURNAL_FORCE_PERIOD,
          MAX_RETRY_DELAY.toSeconds(),
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
    boolean retry =
        problem != null && (failedSnapshots == 0 || System.nanoTime() - nextRetryNanos >= 0);
    if (retry
        || (problem == null && j.size() > Math.max(COMPACTION_THRESHOLD, lastSnapshotBytes))) {
      try {
        save();
      } catch (RuntimeException e) {
        log.debug("Snapshot retry failed: {}", e.getMessage());
      }
    }
  }

  // ---------------------------------------------------------------- snapshots

  @Override
  void save() {
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
        // After a failed snapshot, its journal generation is still current and healthy: retry
        // that snapshot instead of starting yet another generation.
        boolean retrying = snapshotOwed && journal != null && !journal.failed();
        long next = retrying ? generation : generation + 1;
        if (journaling && !retrying) {
          rotateJournal(next, now);
        }
        generation = next;
        snapshotOwed = journaling;
        long nowMillis = now.toEpochMilli();
        SaveFiles.Written written =
            files.writeSnapshot(next, format, now, writer -> writeSessions(writer, nowMillis));
        snapshotOwed = false;
        savedChanges = changesAtStart;
        lastSnapshot = now;
        lastSnapshotBytes = written.bytes();
        lastSnapshotSessions = written.records();
        if (problem != null && (journal == null || !journal.failed())) {
          log.info(
              "Persistence to {} works again{}",
              saveFile,
              failedSnapshots == 0
                  ? ""
                  : " after " + failedSnapshots + " failed snapshots since " + failingSince);
          problem = null;
        }
        failedSnapshots = 0;
        failingSince = null;
        nextRetryNanos = 0;
        log.debug(
            "Saved {} sessions to {} ({} bytes) in {} ms",
            written.records(),
            saveFile,
            written.bytes(),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      } catch (IOException e) {
        snapshotFailed(now, e);
        throw new UncheckedIOException(problem, e);
      }
    } finally {
      saveLock.unlock();
    }
  }

  /**
   * Streams every unexpired session into the snapshot. The cache's {@code forEach} hands over each
   * key and value without the entry object its {@code entrySet} iterator allocates per session (24
   * MB of garbage for 1M sessions), and takes no lock: a concurrent {@code set} never waits for the
   * snapshot, and the snapshot holds each session as it was when the iteration reached it.
   */
  private void writeSessions(SnapshotWriter writer, long nowMillis) throws IOException {
    boolean json = format.embedJson();
    try {
      sessions.forEach(
          (id, s) -> {
            if (!s.isExpired(nowMillis)) {
              try {
                writer.write(id, fileExpiry(s.expiresAtMillis), s.bytesWithTimes(json));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            }
          });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /**
   * Records a failed snapshot: in {@link #problem} (so {@code stats()} shows it), in the log once
   * per run of failures (then at debug level, so a failing disk does not flood the log), and in the
   * backoff of the journal's upkeep, which retries after 1, 2, 4 … up to {@link #MAX_RETRY_DELAY}
   * seconds.
   */
  @SuppressWarnings("NonAtomicVolatileUpdate") // written under saveLock only
  private void snapshotFailed(Instant now, IOException e) {
    failedSnapshots++;
    if (failingSince == null) {
      failingSince = now;
    }
    long delaySeconds =
        Math.min(MAX_RETRY_DELAY.toSeconds(), 1L << Math.min(failedSnapshots - 1, 20));
    nextRetryNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(delaySeconds);
    problem =
        "cannot write a snapshot to "
            + saveFile
            + ": "
            + e.getMessage()
            + (failedSnapshots == 1
                ? ""
                : " (" + failedSnapshots + " attempts failed since " + failingSince + ")");
    if (failedSnapshots == 1) {
      log.error(
          "{}. Sessions stay in memory{}; the snapshot is retried after 1, 2, 4 … up to {}"
              + " seconds, and further failures are logged at debug level until one succeeds",
          problem,
          journaling
              ? " and changes go on to the journal " + files.journal(generation)
              : ", unsaved",
          MAX_RETRY_DELAY.toSeconds(),
          e);
    } else {
      log.debug("{}", problem);
    }
  }

  /**
   * Starts journal generation {@code next} and seals the current one: from here on changes go to
   * the new generation, and every change of the old one is in the map, where the snapshot that
   * follows will find it.
   */
  private void rotateJournal(long next, Instant now) throws IOException {
    Journal fresh = Journal.create(files.journal(next), next, format, now, channelOpener);
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

  /** The file's expiry of a session: the store's "never" is the file's {@code null}. */
  private static long fileExpiry(long expiresAtMillis) {
    return expiresAtMillis == StoredSession.NEVER ? FileFormat.NO_EXPIRY : expiresAtMillis;
  }

  private static long storeExpiry(long fileExpiry) {
    return fileExpiry == FileFormat.NO_EXPIRY ? StoredSession.NEVER : fileExpiry;
  }

  // ---------------------------------------------------------------- close

  @Override
  void close(boolean atShutdown) {
    awaitChangesInFlight();
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

  @Override
  void crash() {
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

  private void closeAtShutdown(Runnable close) {
    try {
      close.run();
      log.info("Saved sessions to {} at shutdown", saveFile);
    } catch (RuntimeException e) {
      log.error("Could not save sessions to {} at shutdown", saveFile, e);
    }
  }

  private static void closeQuietly(SaveFileLock lock) {
    try {
      lock.close();
    } catch (IOException e) {
      log.warn("Could not release the lock beside the save file", e);
    }
  }

  // ---------------------------------------------------------------- recovery

  /**
   * Recovers the sessions (see {@link Recovery}); damaged files are kept aside and replaced by a
   * fresh snapshot.
   */
  private void load(Cache<String, StoredSession> cache) {
    long started = System.nanoTime();
    long now = clock.millis();
    StoreRecovery recovery = new StoreRecovery(now);
    try {
      Recovery.Outcome outcome = Recovery.run(files, format, recovery, recovery);
      format = format.withStore(outcome.store() != null ? outcome.store() : FileSeal.randomId());
      generation = outcome.lastGeneration() + 1;
      recovery.firstNewGeneration = generation;
      cache.cleanUp();
      long replayed = outcome.journalRecords();
      log.info(
          "Loaded {} sessions from {}{} in {} ms ({} had expired)",
          sessions.size(),
          saveFile,
          replayed == 0 ? "" : " and " + replayed + " journal records",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
          recovery.expired);
      if (journaling) {
        journal =
            Journal.create(
                files.journal(generation), generation, format, clock.instant(), channelOpener);
      }
      boolean rewrite = recovery.damage || recovery.plainLoaded;
      savedChanges = recovery.expired == 0 && replayed == 0 && !rewrite ? 0 : -1;
      if (rewrite || (!journaling && replayed > 0)) {
        // A fresh snapshot in place of what was kept aside, replayed or read plain; the damaged
        // and plain files go (renamed over, or deleted as compacted) only once it is durably on
        // disk.
        save();
        if (recovery.plainLoaded) {
          log.info(
              "Encrypted {} and its journals: they were plain and encryptExistingPlainFiles is"
                  + " set; unset it now, so that a plain file is refused again",
              saveFile);
        }
      }
      if (Files.isRegularFile(saveFile, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        SaveFiles.tightenToOwner(saveFile); // a file written by another tool may be 0644
      }
      for (Map.Entry<Path, Long> torn : recovery.tornTails.entrySet()) {
        if (Files.exists(torn.getKey())) {
          SaveFiles.cutTornTail(torn.getKey(), torn.getValue());
        }
      }
    } catch (IOException | RuntimeException e) {
      undoStart(recovery);
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalArgumentException(startFailure((IOException) e), e);
    }
  }

  /**
   * What went wrong reading or preparing the files at start, and what to do: the file, the cause in
   * words (the system's own reason kept, e.g. "No space left on device"), and the fix.
   */
  private String startFailure(IOException e) {
    Path file =
        e instanceof FileSystemException fse && fse.getFile() != null
            ? Path.of(fse.getFile())
            : saveFile;
    String reason =
        e instanceof FileSystemException fse && fse.getReason() != null
            ? fse.getReason()
            : String.valueOf(e.getMessage());
    String what;
    if (e instanceof AccessDeniedException) {
      what =
          "permission denied on "
              + file
              + ": make the file and its directory readable and writable by the user running the"
              + " store ("
              + System.getProperty("user.name")
              + ")";
    } else if (Files.isDirectory(file) && !file.equals(saveFile.getParent())) {
      what =
          file
              + " is not a file but a directory, where the store keeps a file: move it away (the"
              + " store never deletes what it did not write)";
    } else if (reason.contains("No space left")) {
      what =
          "the disk is full at "
              + file
              + " ("
              + reason
              + "): free some space on it (the files were left as they were)";
    } else {
      what =
          "an I/O error on "
              + file
              + " ("
              + e.getClass().getSimpleName()
              + ": "
              + reason
              + "): check the disk (e.g. dmesg) and the file, or move the files away to start"
              + " without their sessions";
    }
    return "cannot start on saveFile " + saveFile + ": " + what;
  }

  /**
   * A start-up that fails leaves the files as it found them: the second names of damaged files and
   * the journals this start created (holding nothing but their header) go.
   */
  private void undoStart(StoreRecovery recovery) {
    for (Path aside : recovery.aside) {
      SaveFiles.discardAside(aside);
    }
    Journal j = journal;
    journal = null;
    if (j != null) {
      try {
        j.close();
      } catch (IOException e) {
        log.debug("Could not close the journal {}", j.path, e);
      }
    }
    for (long g = recovery.firstNewGeneration; g <= generation && g > 0; g++) {
      try {
        Files.deleteIfExists(files.journal(g));
      } catch (IOException e) {
        log.debug("Could not delete the empty journal {}", files.journal(g), e);
      }
    }
  }

  /** The store's sink and reporter: loads into the map, logs, keeps damaged files aside. */
  private final class StoreRecovery implements Recovery.Sink, Recovery.Reporter {
    private final long now;
    private final LoadBudget budget = new LoadBudget(loadBudget, saveFile);
    long expired; // sessions skipped because they had expired
    long baseless; // patches that found no session to apply to
    boolean damage;
    boolean plainLoaded; // a plain file read with a key, to be rewritten encrypted
    long snapshotDecryptFailures; // records of the save file sealed with another key, or damaged
    long firstNewGeneration = Long.MAX_VALUE; // the first journal this start creates
    final List<Path> aside = new ArrayList<>(); // second names of damaged files
    final Map<Path, Long> tornTails = new LinkedHashMap<>(); // journals to cut, to their good end

    StoreRecovery(long now) {
      this.now = now;
    }

    @Override
    public boolean session(RecordDecoder.Entry e, Path file, long line) {
      if (e.expiresAtMillis() <= now) {
        expired++;
        return true;
      }
      byte[] bytes = e.session();
      budget.charge(e.id(), bytes); // before decoding: a load over budget stops, it never OOMs
      try {
        sessions.put(e.id(), encoding.loaded(bytes, storeExpiry(e.expiresAtMillis())));
        return true;
      } catch (RuntimeException ex) {
        log.warn(
            "Skipping session {} of {}: {}",
            SessionEncoding.abbreviate(e.id()),
            saveFile,
            JsonSessionSerializer.rootMessage(ex));
        return false;
      }
    }

    /**
     * A plain file is read with a key only when {@code encryptExistingPlainFiles} is set (then
     * rewritten encrypted at once); all else stops.
     */
    @Override
    public boolean refused(Path file, FileFormat.Mismatch mismatch, RecordDecoder.Header header) {
      if (mismatch == FileFormat.Mismatch.UNENCRYPTED && encryptExistingPlainFiles) {
        if (!plainLoaded) {
          log.warn(
              "{} is not encrypted: loading it once, because encryptExistingPlainFiles is set;"
                  + " it is rewritten encrypted before the store starts",
              file);
        }
        plainLoaded = true;
        return true;
      }
      throw new IllegalStateException(
          switch (mismatch) {
            case UNENCRYPTED ->
                file
                    + " is not encrypted, but this store has an encryptionKey: with a key, only"
                    + " files encrypted with it are loaded, so that a plain file dropped into the"
                    + " directory cannot bring in sessions. If it is this store's own file from"
                    + " before the key was configured, start once with"
                    + " encryptExistingPlainFiles(true) to encrypt it (then unset it); otherwise"
                    + " move it away to start without its sessions. The files were left as they"
                    + " were";
            case VERSION ->
                file
                    + " is in format version "
                    + header.version()
                    + " but this MemFileStore reads versions "
                    + FileFormat.OLDEST_VERSION
                    + " to "
                    + FileFormat.VERSION
                    + ": upgrade memfilestore, or move the file away to start without its sessions";
            case SERIALIZER ->
                file
                    + " was written with the '"
                    + header.serializer()
                    + "' serializer but this store uses '"
                    + format.serializer()
                    + "': configure the same serializer, or move the file away to start without"
                    + " its sessions";
            case NEEDS_KEY ->
                file + " is encrypted: configure the store with the encryptionKey that wrote it";
            case OTHER_KEY ->
                file
                    + " was encrypted with another key: configure the encryptionKey that wrote it,"
                    + " or move the file away to start without its sessions";
          });
    }

    @Override
    public void obsolete(Path journal) throws IOException {
      Files.deleteIfExists(journal); // the snapshot holds it
    }

    @Override
    public void unsealed(Path journal) {
      log.warn(
          "Not replaying {}: it is not encrypted, but the save file is, so it was not written by"
              + " this store; kept as {}. No later journal is replayed",
          journal,
          keepAside(journal));
    }

    @Override
    public void symlinked(Path journal) throws IOException {
      log.warn(
          "Not replaying {}: it is a symbolic link (to {}), which the store never follows: a"
              + " journal is a regular file the store writes itself. The link was kept as {};"
              + " the file it leads to was neither read nor changed. No later journal is replayed",
          journal,
          Files.readSymbolicLink(journal),
          keepAside(journal));
    }

    @Override
    public void problem(Path file, ProblemKind kind, long line, long offset, String message) {
      if (kind == ProblemKind.DECRYPT && file.equals(saveFile)) {
        snapshotDecryptFailures++;
      }
    }

    @Override
    public void baseless(Path journal, long line, String id) {
      baseless++;
      log.warn(
          "Not applied: line {} of {}, a patch of session {}, found no session to apply to (a"
              + " record it builds on was lost or the files were edited)",
          line,
          journal,
          SessionEncoding.abbreviate(id));
    }

    @Override
    public void outOfSequence(Path journal, String why) {
      log.warn(
          "Not replaying {}: {}; kept as {}. No later journal is replayed",
          journal,
          why,
          keepAside(journal));
    }

    @Override
    public void notReplayed(Path journal) {
      log.warn(
          "Not replaying {}: an earlier journal is damaged, refused or out of sequence; kept as {}",
          journal,
          keepAside(journal));
    }

    @Override
    public void journalRead(Path journal, SaveFileReader.JournalScan scan) throws IOException {
      if (scan.damaged()) {
        damage = true;
        log.warn(
            "The journal {} is damaged: replayed {} records, then {} lines ({} bytes) could not"
                + " be; the damaged journal was kept as {}",
            journal,
            scan.records(),
            scan.droppedLines(),
            scan.droppedBytes(),
            keepAside(journal));
      } else if (scan.tornTail()) {
        // cut once the start has succeeded: a start that fails leaves the files as they were
        tornTails.put(journal, scan.goodEnd());
        if (scan.droppedLines() == 0) {
          log.info(
              "The journal {} ends in {} NUL bytes after its last record (the unused end of its"
                  + " mapping: the process stopped without closing it); replayed its {} records"
                  + " and cut them off",
              journal,
              scan.droppedBytes(),
              scan.records());
          return;
        }
        log.warn(
            "The journal {} ended in a torn record (a crash while writing): cut off {} bytes"
                + " ({} incomplete record); replayed the {} records before it",
            journal,
            scan.droppedBytes(),
            scan.droppedLines(),
            scan.records());
      }
    }

    @Override
    public void snapshotRead(Path file, SaveFileReader.SnapshotScan scan) throws IOException {
      if (scan.intact()) {
        // the snapshot on disk is the last one until this store writes its own
        lastSnapshot = Files.getLastModifiedTime(file).toInstant();
        lastSnapshotBytes = Files.size(file);
        lastSnapshotSessions = scan.records();
        return;
      }
      if (scan.records() == 0 && snapshotDecryptFailures > 0) {
        // Not one record opens: a wrong key (whose header check was lost with the header), not
        // damage. Starting empty would overwrite the right key's file.
        throw new IllegalStateException(
            "none of the "
                + snapshotDecryptFailures
                + " records of "
                + file
                + " decrypts with the configured encryptionKey: configure the key that wrote it"
                + " (or, if it is the right key, the file's header and trailer, which hold the"
                + " salt of its records' key, are both damaged), or move the file away to start"
                + " without its sessions");
      }
      damage = true;
      log.warn(
          "{} was damaged: {} records ({} bytes) could not be read{}. Loaded every intact"
              + " record; the damaged file was kept as {}",
          file,
          scan.damagedLines(),
          scan.damagedBytes(),
          scan.complete() ? "" : " and the file is incomplete (truncated or not a snapshot)",
          keepAside(file));
    }

    private Path keepAside(Path file) {
      damage = true; // so a snapshot replaces the file, which only then goes
      try {
        Path kept = files.keepAside(file, clock.instant());
        aside.add(kept);
        return kept;
      } catch (IOException e) {
        throw new UncheckedIOException(e.getMessage(), e);
      }
    }
  }
}
