package dev.memfilestore;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Where a store's sessions persist: nowhere ({@link MemoryStorage}) or in a save file and its
 * journal ({@link SaveFileStorage}). {@link MemFileStore} keeps the sessions in Caffeine's map and
 * calls this port around every change of it.
 *
 * <h2>Concurrency protocol</h2>
 *
 * <p><b>A change</b> ({@code set}, {@code touch}, {@code update}, {@code destroy}, {@code clear})
 * runs in four steps:
 *
 * <ol>
 *   <li>{@link #prepare}: its journal line is encoded on the caller's thread, outside every lock
 *       (with a key: the record's body, which the journal seals at its line number under its lock,
 *       since that number is the order of appends);
 *   <li>{@link #beginChange}: it registers as in flight, <em>then</em> checks that the store is
 *       open;
 *   <li>{@link #record}, inside the map's atomic update of that id: the line is appended to the
 *       current journal generation, so for each session the journal's order is the map's order;
 *   <li>{@link #endChange}: it releases the generation it appended to and, in {@link
 *       Durability#JOURNAL_SYNC} mode, forces it (concurrent callers share one force), then
 *       deregisters.
 * </ol>
 *
 * <p><b>Close</b> marks the store closed, stops the timers, <em>then</em> waits until no change is
 * in flight, and writes the last snapshot. A change registers before it checks and close marks
 * before it waits, so every change is either refused or complete (in memory and journal) before the
 * last snapshot starts: none can return normally and miss it.
 *
 * <p><b>Snapshots and journal generations.</b> A snapshot (one at a time) moves from generation
 * <i>n</i> to <i>n+1</i>:
 *
 * <ol>
 *   <li>journal <i>n+1</i> is created (header forced) and becomes current: new changes go there;
 *   <li>journal <i>n</i> is sealed: a late append gets -1 and retries on <i>n+1</i>, and sealing
 *       waits until every change that appended to <i>n</i> has reached the map;
 *   <li>the map is iterated into a snapshot marked <i>n+1</i> (temporary file, force, rename, force
 *       the directory) while other threads go on changing it: it holds every change of <i>n</i> and
 *       perhaps some of <i>n+1</i>, which replay applies again harmlessly (a record carries the
 *       whole value, or a patch that sets and removes attributes by name and sets the times: the
 *       same patches again, in order, leave the same session);
 *   <li>only then are the journals below <i>n+1</i> deleted.
 * </ol>
 *
 * A crash at any point leaves a snapshot of some generation <i>g</i> and journals from <i>g</i> on
 * that together hold every change that returned; {@link Recovery} replays exactly those.
 *
 * <p><b>Failures.</b> A journal whose write failed takes no more appends (a change missing from it
 * must not be followed by later ones). {@link Durability#JOURNAL} goes on in memory and reports the
 * problem; {@link Durability#JOURNAL_SYNC} refuses the change. Every second a snapshot, which
 * starts a fresh generation, is retried until one succeeds.
 */
abstract class Storage {
  private final AtomicInteger changesInFlight = new AtomicInteger();

  private volatile boolean closed;

  /** One change's outcome and journal bookkeeping, filled in inside the map's atomic update. */
  static final class Change {
    boolean applied;
    StoredSession previous;
    Journal journal;
    long end = -1;
  }

  /** The save file, or null for a store in memory only. */
  abstract Path saveFile();

  /** Whether each change is written as it happens (a journal). */
  abstract boolean recordsChanges();

  /** Step 1: what the change will write (null {@code next}: a removal), or null if nothing. */
  abstract ByteBuffer prepare(String id, StoredSession next);

  /**
   * Step 3, inside the map's atomic update of {@code id}, before {@code next} is published: writes
   * what {@link #prepare} made (or, if {@code next} is a patch of a session no longer stored, the
   * whole session), and clears {@code next}'s patch.
   */
  abstract void record(Change change, String id, StoredSession next, ByteBuffer prepared);

  /** Step 4, before the change deregisters: makes it as durable as the mode promises. */
  abstract void complete(Change change);

  /** Writes a snapshot; see {@link MemFileStore#save()}. */
  abstract void save();

  /**
   * After {@link #markClosed()} and the timers have stopped: waits for changes in flight, then
   * saves and releases the files.
   */
  abstract void close(boolean atShutdown);

  /** For tests: stops like {@code kill -9} would, then releases the files. */
  abstract void crash();

  Durability durability() {
    return Durability.SNAPSHOT;
  }

  Instant lastSnapshot() {
    return null;
  }

  long lastSnapshotBytes() {
    return 0;
  }

  long lastSnapshotSessions() {
    return 0;
  }

  long journalBytes() {
    return 0;
  }

  /** What is wrong with persistence, or null. */
  String problem() {
    return null;
  }

  /** Step 2: registers a change, then refuses it if the store is closed. */
  final void beginChange() {
    changesInFlight.incrementAndGet();
    if (closed) {
      changesInFlight.decrementAndGet();
      throw closedError();
    }
  }

  /** Step 4: completes the change and deregisters it, whatever happens. */
  final void endChange(Change change) {
    try {
      complete(change);
    } finally {
      changesInFlight.decrementAndGet();
    }
  }

  final boolean isClosed() {
    return closed;
  }

  /** Marks the store closed; false if it already was. */
  final synchronized boolean markClosed() {
    if (closed) {
      return false;
    }
    closed = true;
    return true;
  }

  /** After {@link #markClosed()}: from here on, every change is refused or already in memory. */
  final void awaitChangesInFlight() {
    while (changesInFlight.get() > 0) {
      LockSupport.parkNanos(10_000); // changes finish within microseconds (a force at most)
    }
  }

  final IllegalStateException closedError() {
    Path file = saveFile();
    return new IllegalStateException(
        "this MemFileStore" + (file == null ? "" : " of " + file) + " is closed; build a new one");
  }
}
