package dev.memfilestore;

/** Why a session left the store; passed to the {@link DisposeListener}. */
public enum DisposeCause {
  /**
   * Its time to live ran out (found on read, by {@link MemFileStore#prune()} or the periodic
   * check).
   */
  EXPIRED,
  /** Pushed out to keep the total length of all sessions within {@code max}. */
  EVICTED,
  /** Removed by {@link MemFileStore#destroy(String)}. */
  DESTROYED,
  /**
   * Overwritten by {@link MemFileStore#set(String, SessionData)} (not reported with {@code
   * noDisposeOnSet}).
   */
  REPLACED,
  /** Removed by {@link MemFileStore#clear()}. */
  CLEARED
}
