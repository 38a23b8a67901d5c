package dev.memfilestore;

import java.time.Instant;

/**
 * A point-in-time view of a store's state and health, from {@link MemFileStore#stats()}. Cheap to
 * take: nothing is counted by iterating sessions.
 *
 * @param sessions sessions in memory, possibly including some that expired but were not yet removed
 * @param totalLength the sum of their {@code length}s
 * @param max the bound on {@code totalLength}, or {@link Long#MAX_VALUE} if unbounded
 * @param evictions sessions evicted to respect {@code max} since the store was built
 * @param expirations sessions removed because they expired since the store was built
 * @param durability the durability mode ({@link Durability#SNAPSHOT} without a save file)
 * @param lastSnapshot when the last snapshot was written: by this store, or before it the intact
 *     one it loaded at start (its file's modification time); null if there is none
 * @param lastSnapshotBytes its size in bytes (0 if none)
 * @param lastSnapshotSessions the sessions it holds (0 if none)
 * @param journalBytes the size of the current journal generation (0 without a journal)
 * @param problem what is wrong with persistence right now, or null if nothing is: set when the
 *     journal or a snapshot cannot be written, cleared by the next successful snapshot
 */
public record StoreStats(
    long sessions,
    long totalLength,
    long max,
    long evictions,
    long expirations,
    Durability durability,
    Instant lastSnapshot,
    long lastSnapshotBytes,
    long lastSnapshotSessions,
    long journalBytes,
    String problem) {

  /**
   * Whether persistence works as configured.
   *
   * @return true if there is no {@link #problem()}
   */
  public boolean healthy() {
    return problem == null;
  }
}
