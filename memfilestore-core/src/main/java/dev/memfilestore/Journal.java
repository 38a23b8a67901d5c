package dev.memfilestore;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
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
 * checksummed lines, one per change. An append copies its line into a shared memory mapping of the
 * file, not through a system call: once copied, the bytes are in the operating system's page cache
 * and survive the death of the process (not of the machine); {@link #sync(long)} forces them to the
 * disk, sharing one force among concurrent callers.
 *
 * <p>The mapping grows in chunks (from {@link #FIRST_CHUNK} doubling up to {@link #MAX_CHUNK}),
 * each first filled with zeros by a real write, so that a full disk fails that write with an {@link
 * IOException} instead of faulting a later store into the mapping. A journal whose process died
 * therefore ends in a run of NUL bytes after its last line, which {@link SaveFileReader} reads as
 * its clean end; {@link #seal()} cuts the file to its last line. Chunks are released by the garbage
 * collector (Java has no public unmap): a filled chunk is dropped at once, so a journal holds one
 * mapping of at most {@link #MAX_CHUNK} (the JVM's "mapped" buffer pool counts them).
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
  /** The first chunk of the mapping: small, so that a quiet journal stays small on disk. */
  static final int FIRST_CHUNK = 64 * 1024;

  /** The largest chunk: bounds both the zeros written ahead and the address space one maps. */
  static final int MAX_CHUNK = 4 * 1024 * 1024;

  /** Written to fill each new chunk, so that a full disk is an error here, not a fault later. */
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(FIRST_CHUNK).asReadOnlyBuffer();

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
  private MappedByteBuffer chunk; // guarded by lock: the mapping appends go to
  private long chunkStart; // guarded by lock: the file offset of chunk's first byte
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
        opener.open(
            path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    Journal journal = new Journal(generation, path, channel);
    try {
      RecordEncoder encoder = format.encoder();
      FileSeal seal =
          format.key() == null
              ? null
              : FileSeal.create(format.key(), FileSeal.JOURNAL, format.store(), generation);
      synchronized (journal.lock) {
        journal.write(
            encoder
                .header(
                    FileFormat.JOURNAL, generation, format.serializer(), now, format.store(), seal)
                .line());
        journal.lines = 1;
        journal.sealer = seal == null ? null : encoder;
        journal.headerSize = journal.position;
      }
      channel.force(true);
      journal.forced = journal.headerSize;
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

  /** Copies a line to the end of the mapping; the position moves only on success. */
  private void write(ByteBuffer buffer) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      if (chunk == null || at == chunkStart + chunk.capacity()) {
        grow(at);
      }
      int room = (int) (chunkStart + chunk.capacity() - at);
      int n = Math.min(room, buffer.remaining());
      ByteBuffer part = buffer.duplicate();
      part.limit(part.position() + n);
      try {
        chunk.put((int) (at - chunkStart), part, part.position(), n);
      } catch (InternalError e) {
        // What the JVM makes of a fault in a mapped store (SIGBUS: the file lost its blocks)
        throw new IOException("cannot write the mapped journal " + path + ": " + e.getMessage(), e);
      }
      buffer.position(buffer.position() + n);
      at += n;
    }
    position = at;
  }

  /** Fills the next chunk of the file with zeros by real writes, then maps it. */
  private void grow(long at) throws IOException {
    int size = chunk == null ? FIRST_CHUNK : (int) Math.min(MAX_CHUNK, 2L * chunk.capacity());
    for (long p = at; p < at + size; ) {
      p += channel.write(ZEROS.duplicate(), p);
    }
    chunk = channel.map(FileChannel.MapMode.READ_WRITE, at, size); // the old one is the GC's
    chunkStart = at;
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
        // fdatasync: on Linux it writes back every dirty page of the file, those stored through
        // the shared mapping included (msync(MS_SYNC) comes down to the same call), in one call
        // however many chunks the range spans.
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
      cutToLastRecord();
    }
  }

  /** Cuts the zeros after the last record off the file and forces its new size. */
  private void cutToLastRecord() throws IOException {
    forceLock.lock();
    try {
      while (forcing) {
        forceDone.awaitUninterruptibly();
      }
      if (!channel.isOpen()) {
        return;
      }
      long end;
      synchronized (lock) {
        end = position;
        // Nothing maps past the cut any more: a store there would fault.
        chunk = null;
      }
      channel.truncate(end);
      channel.force(true);
    } finally {
      forceLock.unlock();
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
