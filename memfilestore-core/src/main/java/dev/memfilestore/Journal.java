package dev.memfilestore;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One generation of the journal, {@code <saveFile>.journal.<generation>}: an append-only file of
 * checksummed lines, one per change. Each append is one positional write, so once it returns the
 * change is in the operating system's cache and survives the death of the process; {@link
 * #sync(long)} forces it to the disk, sharing one force among concurrent callers.
 *
 * <p>Appends happen inside the store's per-session atomic update, so for any one session the
 * journal holds changes in the order the store applied them. {@link #seal()} stops appends (late
 * callers see -1 and move to the next generation) and waits until every update that appended here
 * has also reached the map: after that, a snapshot taken by iterating the map contains everything
 * this generation holds.
 *
 * <p>With a key, each record is sealed ({@link FileSeal}) at its line number under the lock, where
 * that number is known; the caller has encoded the record's body beforehand, outside it.
 *
 * <p>After a failed write the journal is unusable (a change missing from it must not be followed by
 * later ones, or replay would skip it silently); the store then writes a snapshot and starts a new
 * generation.
 */
final class Journal implements Closeable {
  final long generation;
  final Path path;
  private final FileChannel channel;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final ReentrantLock forceLock = new ReentrantLock();
  private final Condition forceDone = forceLock.newCondition();
  private boolean forcing; // guarded by forceLock: a force is under way, outside the lock
  private final Object lock = new Object();

  private long position; // guarded by lock: the end of the last complete record
  private long lines; // guarded by lock: the lines written, header included
  private RecordEncoder sealer; // with a key: seals each record at its line, under the lock
  private boolean sealed; // guarded by lock
  private IOException failure; // guarded by lock
  private volatile long forced;
  private long headerSize;

  private Journal(long generation, Path path, FileChannel channel) {
    this.generation = generation;
    this.path = path;
    this.channel = channel;
  }

  /** Creates a new, empty generation: header written and forced, directory entry forced. */
  static Journal create(
      Path path, long generation, FileFormat format, Instant now, ChannelOpener opener)
      throws IOException {
    FileChannel channel =
        opener.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    Journal journal = new Journal(generation, path, channel);
    try {
      RecordEncoder encoder = format.encoder();
      FileSeal seal =
          format.key() == null
              ? null
              : FileSeal.create(format.key(), FileSeal.JOURNAL, format.store(), generation);
      journal.write(
          encoder
              .header(
                  FileFormat.JOURNAL, generation, format.serializer(), now, format.store(), seal)
              .line());
      journal.lines = 1;
      journal.sealer = seal == null ? null : encoder;
      journal.headerSize = journal.position;
      channel.force(true);
      journal.forced = journal.position;
      SaveFiles.forceDirectory(path.getParent());
    } catch (IOException | RuntimeException e) {
      channel.close();
      Files.deleteIfExists(path); // else every retry would collide with it
      throw e;
    }
    return journal;
  }

  /** Whether records are sealed here (a key): then {@link #append} takes a record's body. */
  boolean seals() {
    return sealer != null;
  }

  /**
   * Appends one record, encoded by the caller beforehand so that little happens under the lock: a
   * whole line, or with a key the record's body, which is sealed here at its line number (only
   * known under the lock). The caller must call {@link #done()} once its update is in the map.
   *
   * @return the end of the record in the file, or -1 if this generation is sealed
   */
  long append(ByteBuffer prepared) throws IOException {
    synchronized (lock) {
      if (sealed) {
        return -1;
      }
      if (failure != null) {
        throw new IOException("the journal " + path + " failed earlier: " + failure.getMessage());
      }
      try {
        write(sealer == null ? prepared.duplicate() : sealer.sealedLine(prepared, lines + 1));
        lines++;
      } catch (IOException e) {
        failure = e;
        throw e;
      }
      inFlight.incrementAndGet();
      return position;
    }
  }

  /** Writes a line at the end of the file; the position moves only on success. */
  private void write(ByteBuffer buffer) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      at += channel.write(buffer, at);
    }
    position = at;
  }

  /** Marks the end of an update that appended here. */
  void done() {
    inFlight.decrementAndGet();
  }

  /**
   * Forces the journal to disk up to {@code end} (a value an append returned), unless a concurrent
   * force already did: group commit. Callers that arrive while a force is under way wait for it
   * together and are all woken when it ends; those it covered return at once and one of the others
   * forces the rest. (Handing a lock from one waiter to the next instead wakes them one at a time,
   * and on a busy machine that chain of wake-ups cost more than the force it was waiting for.)
   */
  void sync(long end) throws IOException {
    if (forced >= end) {
      return;
    }
    forceLock.lock();
    try {
      while (forcing && forced < end) {
        forceDone.awaitUninterruptibly();
      }
      if (forced >= end) {
        return;
      }
      forcing = true;
    } finally {
      forceLock.unlock();
    }
    try {
      long upTo;
      synchronized (lock) {
        upTo = position;
      }
      try {
        channel.force(false);
      } catch (ClosedChannelException e) {
        if (forced >= end) {
          return; // sealed and closed meanwhile; sealing forced it
        }
        throw e;
      }
      forced = upTo;
    } finally {
      forceLock.lock();
      try {
        forcing = false;
        forceDone.signalAll();
      } finally {
        forceLock.unlock();
      }
    }
  }

  /** Forces what was appended since the last force, if anything. */
  void syncAll() throws IOException {
    long upTo;
    synchronized (lock) {
      upTo = position;
    }
    if (upTo > forced && channel.isOpen()) {
      sync(upTo);
    }
  }

  /**
   * Stops appends here, waits until every update that appended has reached the map, and forces what
   * it holds.
   */
  void seal() throws IOException {
    synchronized (lock) {
      sealed = true;
    }
    while (inFlight.get() > 0) {
      LockSupport.parkNanos(10_000); // updates in flight finish within microseconds
    }
    if (!failed()) {
      syncAll();
    }
  }

  boolean failed() {
    synchronized (lock) {
      return failure != null;
    }
  }

  /** The size of an empty journal: its header line. */
  long headerSize() {
    return headerSize;
  }

  long size() {
    synchronized (lock) {
      return position;
    }
  }

  @Override
  public void close() throws IOException {
    forceLock.lock();
    try {
      while (forcing) {
        forceDone.awaitUninterruptibly(); // do not close the channel under a force
      }
      channel.close();
    } finally {
      forceLock.unlock();
    }
  }

  /** Opens the journal's file channel; tests substitute one that fails on demand. */
  @FunctionalInterface
  interface ChannelOpener {
    FileChannel open(Path path, StandardOpenOption... options) throws IOException;
  }
}
