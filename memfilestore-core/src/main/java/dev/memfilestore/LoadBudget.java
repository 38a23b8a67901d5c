package dev.memfilestore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The load-wide budget: a bound on the heap that the sessions loaded at start may take, so that a
 * save file (or a planted one) too large for the heap stops {@code build()} with a message that
 * says what to do, instead of an {@link OutOfMemoryError} part way. Each session is charged before
 * it is decoded, by an estimate of what it will hold: its bytes twice (the bytes kept, and the
 * attributes decoded from them), its id, and {@link #PER_SESSION} bytes of bookkeeping. For the
 * benchmark's sessions that estimate is within 20% of what was measured (1.6 to 1.9 KB of heap per
 * 635-byte session); each serializer's per-session budget bounds how far one record's decoded
 * attributes can outgrow it.
 */
final class LoadBudget {
  /** A stored session's object, its map entry and its times, roughly. */
  static final long PER_SESSION = 256;

  /**
   * The default: three quarters of the heap the JVM may grow to. A load past it would leave the
   * application too little heap to run (and most likely fail with an OutOfMemoryError), while a
   * store that fits keeps loading: a million sessions of the benchmark's workload, estimated at 1.3
   * GB, load in a 2 GB heap (LargeSnapshotIT).
   */
  static long defaultBudget() {
    return Runtime.getRuntime().maxMemory() / 4 * 3;
  }

  private final long budget;
  private final Path saveFile;
  private long charged;
  private long sessions;

  LoadBudget(long budget, Path saveFile) {
    this.budget = budget;
    this.saveFile = saveFile;
  }

  /** Fewer bytes than any record line takes (checksum, id, expiry and an empty session). */
  private static final long MIN_RECORD_LINE = 48;

  /**
   * How many sessions loading this save file is expected to put in the map, for sizing it up front
   * (a map that grows while a million sessions are put spends a fifth of the load copying itself):
   * the count its trailer shows, bounded by what its size and this budget could hold, since the
   * trailer is not checked yet (an edited one could claim any count). 0 if there is no file or no
   * intact trailer.
   */
  static long expectedSessions(Path saveFile, long budget) {
    long count;
    long size;
    try {
      if (!Files.isRegularFile(saveFile)) {
        return 0;
      }
      size = Files.size(saveFile);
      count = SaveFileReader.trailerCount(saveFile);
    } catch (IOException | RuntimeException e) {
      return 0; // only a hint: the load reports what is wrong with the file
    }
    if (count <= 0) {
      return 0;
    }
    return Math.min(
        Math.min(count, size / MIN_RECORD_LINE), Math.min(budget / PER_SESSION, 1 << 30));
  }

  /** The estimate for one session. */
  static long estimate(String id, byte[] bytes) {
    return 2L * bytes.length + 2L * id.length() + PER_SESSION;
  }

  /**
   * Charges a session about to be loaded.
   *
   * @throws IllegalStateException if it would take the load over budget
   */
  void charge(String id, byte[] bytes) {
    long next = charged + estimate(id, bytes);
    if (next > budget) {
      throw new IllegalStateException(
          "cannot load saveFile "
              + saveFile
              + ": after "
              + sessions
              + " sessions, the next would take the sessions loaded past the load budget of "
              + budget
              + " bytes of heap (loadBudget; by default three quarters of the JVM's maximum heap of "
              + Runtime.getRuntime().maxMemory()
              + " bytes). Give the JVM more heap (-Xmx) or raise MemFileStore.builder()"
              + ".loadBudget(...); to start without these sessions, move the save file and its"
              + " journals away. The files were left as they were");
    }
    charged = next;
    sessions++;
  }
}
