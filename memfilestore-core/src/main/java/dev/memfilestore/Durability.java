package dev.memfilestore;

import java.util.Locale;

/**
 * How much a crash may lose; set with {@link MemFileStore.Builder#durability(Durability)}.
 *
 * <table>
 *   <caption>What survives</caption>
 *   <tr><th>mode</th><th>process killed ({@code kill -9})</th><th>power cut</th></tr>
 *   <tr><td>{@link #SNAPSHOT}</td><td>the last snapshot</td><td>the last snapshot</td></tr>
 *   <tr><td>{@link #JOURNAL}</td><td>everything that returned</td><td>all but about the last
 *       second</td></tr>
 *   <tr><td>{@link #JOURNAL_SYNC}</td><td>everything that returned</td><td>everything that
 *       returned</td></tr>
 * </table>
 */
public enum Durability {
  /**
   * Snapshots only (periodic, on {@code save()}, on {@code close()} and at JVM exit), as in
   * express-memfilestore: a crash loses what changed since the last one.
   */
  SNAPSHOT,
  /**
   * Every change is written to the journal beside the save file before the call returns, so a
   * killed process loses nothing that returned; the journal is forced to disk about once a second.
   * The default whenever a save file is set. If the journal cannot be written (a full disk),
   * changes still apply in memory, the failure is logged and reported by {@link
   * MemFileStore#stats()}, and a fresh snapshot and journal are retried until one succeeds.
   */
  JOURNAL,
  /**
   * As {@link #JOURNAL}, and the journal is forced to disk before the call returns (concurrent
   * callers share one force), so even a power cut loses nothing that returned. If the change cannot
   * be written to the journal, the call throws {@link java.io.UncheckedIOException} and the store
   * is unchanged; if it was written but cannot be forced, the call throws too and the change stays
   * in memory and in the journal. Until a fresh snapshot and journal succeed (retried every
   * second), changes are refused.
   */
  JOURNAL_SYNC;

  /**
   * The mode a configuration file names: {@code snapshot}, {@code journal} or {@code journal_sync}
   * (also {@code journal-sync}), in any case and with surrounding spaces ignored. For adapters
   * whose options are strings.
   *
   * @param name the mode's name
   * @return the mode
   * @throws IllegalArgumentException if the name is none of them; the message lists the choices
   */
  public static Durability parse(String name) {
    String key = name == null ? "" : name.trim().replace('-', '_').toUpperCase(Locale.ROOT);
    for (Durability d : values()) {
      if (d.name().equals(key)) {
        return d;
      }
    }
    throw new IllegalArgumentException(
        "durability must be one of snapshot, journal or journal_sync but was '" + name + "'");
  }
}
