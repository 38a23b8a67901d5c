package dev.memfilestore;

/**
 * Called for every session that leaves a {@link MemFileStore}: the seed's {@code dispose} option.
 *
 * <p>It runs on the thread whose operation removed the session, after the removal, outside any lock
 * of the store: it may call the store, including {@code set} to put a session back. An exception it
 * throws is logged and does not undo the removal. Sessions dropped at start-up because they expired
 * while the application was down are not reported.
 */
@FunctionalInterface
public interface DisposeListener {
  /**
   * Reports one session that left the store.
   *
   * @param id the session id
   * @param session a copy of the session as it was stored
   * @param cause why it left
   */
  void onDispose(String id, SessionData session, DisposeCause cause);
}
