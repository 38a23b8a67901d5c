package dev.memfilestore;

import dev.memfilestore.SaveFileInspector.ProblemKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recovers the sessions a save file and its journals hold: the one statement of the replay rule,
 * used by the store at start-up and by {@link SaveFileInspector}.
 *
 * <h2>The rule</h2>
 *
 * The state is the snapshot (the save file), then the journals from the snapshot's generation on,
 * in ascending order, each up to its first bad line; a later record of an id replaces an earlier
 * one and a delete removes it. Journals below the snapshot's generation are obsolete: the snapshot
 * holds their changes. After a damaged journal (or one whose header is refused), a missing
 * generation, a journal whose header names another generation than its file name, a journal of
 * another store (once the store id is known, every journal must name it), or (with a key, beside a
 * sealed snapshot or after a sealed journal) a plain journal, or a journal that is a symbolic link
 * (never followed: a journal is a regular file the store writes itself), no later journal is
 * replayed, since a change after a missing one could be wrong. A snapshot's bad lines cost only
 * themselves. With a key, records of version 2 open only at their own line of their own file
 * ({@link FileSeal}), so a record replayed, moved or dropped shows as a bad line.
 *
 * <p>A {@code touch} record changes the times and expiry of the session its id holds at that point
 * and keeps its attributes; a touch of an id that holds nothing then (unknown, deleted, or whose
 * record is lost) is ignored. A {@code patch} record also sets and removes the attributes it names;
 * one that finds nothing to apply to is ignored too, and reported, since the store never writes one
 * without a base. Like every record, the session it leaves is skipped if its expiry has passed.
 *
 * <h2>Reading order</h2>
 *
 * The snapshot's header is read first (for its generation and its check), then the journals, then
 * the snapshot's records: so the snapshot, by far the largest file, streams through the {@link
 * Sink} without being held. The last change of each id in the journals is held; the snapshot
 * records they replace are skipped; the held changes follow the snapshot in the order they were
 * made. A touch of a journal's session is applied when read; a touch of a snapshot's session is
 * held and applied when that session streams by. The sink sees the same state as if the files were
 * applied in order, each id once.
 *
 * <p>What goes wrong is told to a {@link Reporter}: the store's logs and keeps damaged files aside,
 * the inspector's collects problems. Recovery itself never writes.
 */
final class Recovery {
  /** Receives the recovered sessions. */
  interface Sink {
    /**
     * Every intact record as it is read, replayed or replaced, for checks.
     *
     * @return false if its session cannot be used: reported as {@link ProblemKind#SESSION}, and
     *     damage in a snapshot
     */
    default boolean check(RecordDecoder.Entry entry) {
      return true;
    }

    /**
     * One session of the recovered state (each id at most once, deletes left out): the snapshot's
     * as they are read, then the journals'.
     *
     * @param file the file the record was read from
     * @param line its line there
     * @return false if the session cannot be used; in the snapshot that counts as damage
     */
    boolean session(RecordDecoder.Entry entry, Path file, long line);
  }

  /** Hears what recovery finds, file by file. */
  interface Reporter {
    /**
     * A header the format's check refuses.
     *
     * @return true to read the file anyway, false to leave it out (a journal: and every later one);
     *     or throw the caller's own error
     */
    boolean refused(Path file, FileFormat.Mismatch mismatch, RecordDecoder.Header header);

    /** One problem at a line; see {@link SaveFileReader}. */
    default void problem(Path file, ProblemKind kind, long line, long offset, String message) {}

    /** The bytes of each line, as it is read. */
    default void progress(long bytes) {}

    /**
     * A patch that found no session to apply to (the id's record was lost, or the files were
     * edited): not applied, so nothing is resurrected.
     */
    default void baseless(Path journal, long line, String id) {
      problem(
          journal,
          ProblemKind.SESSION,
          line,
          0,
          "a patch of session "
              + SessionEncoding.abbreviate(id)
              + " found no session to apply to (a record it builds on was lost): not applied");
    }

    /** A journal below the snapshot's generation, which the snapshot holds. */
    default void obsolete(Path journal) throws IOException {}

    /** A journal read, with what went wrong in it (a torn tail, damage) or nothing. */
    default void journalRead(Path journal, SaveFileReader.JournalScan scan) throws IOException {}

    /**
     * A plain journal beside a sealed snapshot (or one whose header is lost), with a key: not
     * replayed, nor any later journal, since with a key nothing unsealed is loaded.
     */
    default void unsealed(Path journal) throws IOException {
      problem(
          journal,
          ProblemKind.HEADER,
          1,
          0,
          "a plain journal beside an encrypted save file: not replayed, nor any later journal");
    }

    /**
     * A journal out of sequence: a generation missing before it (a gap), a header naming another
     * generation than its file name (swapped, or another store's), or another store's id. Neither
     * it nor any later journal is replayed.
     */
    default void outOfSequence(Path journal, String why) throws IOException {
      problem(journal, ProblemKind.HEADER, 1, 0, why + ": not replayed, nor any later journal");
    }

    /**
     * A journal that is a symbolic link: never followed, so neither read nor replayed, nor any
     * later journal.
     */
    default void symlinked(Path journal) throws IOException {
      problem(
          journal,
          ProblemKind.HEADER,
          1,
          0,
          "is a symbolic link, which the store never follows (a journal is a regular file the store"
              + " writes): not replayed, nor any later journal");
    }

    /** A journal not replayed because an earlier one is damaged or refused. */
    default void notReplayed(Path journal) throws IOException {}

    /** The snapshot read, with what went wrong in it or nothing. */
    default void snapshotRead(Path file, SaveFileReader.SnapshotScan scan) throws IOException {}
  }

  /**
   * What was recovered.
   *
   * @param snapshotGeneration the snapshot's generation (0 without a readable header)
   * @param lastGeneration the highest journal generation beside the file, or {@code
   *     snapshotGeneration - 1} if there is none
   * @param journalRecords the journal records replayed
   * @param store the store id the files carry (version 2), or null if none does
   */
  record Outcome(long snapshotGeneration, long lastGeneration, long journalRecords, String store) {}

  /** A record with where it was read. */
  private record Located(RecordDecoder.Entry entry, Path file, long line) {}

  private Recovery() {}

  /** The generation of the snapshot whose first line this is: 0 if its header is lost. */
  static long generation(SaveFileReader.HeaderLine first) {
    return first.status() == SaveFileReader.HeaderLine.Status.OK ? first.header().generation() : 0;
  }

  /** The journals replayed with a snapshot of this generation, in replay order. */
  static List<Path> journals(SaveFiles files, long snapshotGeneration) throws IOException {
    List<Path> journals = new ArrayList<>();
    for (long g : files.generations()) {
      if (g >= snapshotGeneration) {
        journals.add(files.journal(g));
      }
    }
    return journals;
  }

  /** Recovers the state of the save file and its journals, as the rule above says. */
  static Outcome run(SaveFiles files, FileFormat format, Sink sink, Reporter reporter)
      throws IOException {
    Path saveFile = files.saveFile;
    boolean readSnapshot = Files.exists(saveFile);
    long snapshotGeneration = 0;
    // With a key, a plain journal is replayed only beside a plain snapshot (a set of files written
    // before the key was configured), never beside a sealed one or one whose header is lost, nor
    // after a sealed journal. Whether plain files are read at all is the reporter's (refused).
    boolean[] plainJournalsAllowed = {format.key() == null || !readSnapshot};
    RecordDecoder.Header lostHeader = null; // what the trailer repeats of a damaged header
    String[] store = {null}; // the store's id: the snapshot's, else the first journal's
    if (readSnapshot) {
      SaveFileReader.HeaderLine first = SaveFileReader.firstLine(saveFile, FileFormat.SNAPSHOT);
      snapshotGeneration = generation(first);
      if (first.status() == SaveFileReader.HeaderLine.Status.OK) {
        store[0] = first.header().store();
      } else {
        lostHeader = SaveFileReader.trailerHeader(saveFile);
        if (lostHeader != null) {
          store[0] = lostHeader.store(); // its generation is not trusted to delete journals
        }
      }
      plainJournalsAllowed[0] |=
          first.status() == SaveFileReader.HeaderLine.Status.OK && first.header().cipher() == null;
      if (first.status() == SaveFileReader.HeaderLine.Status.OK) {
        FileFormat.Mismatch mismatch = format.check(first.header());
        readSnapshot = mismatch == null || reporter.refused(saveFile, mismatch, first.header());
      }
    }

    Map<String, Located> latest = new LinkedHashMap<>(); // the last change of each id
    long lastGeneration = snapshotGeneration - 1;
    long journalRecords = 0;
    boolean stopped = false;
    // The journals follow the snapshot's generation one by one; without it, the first one found.
    long expected = snapshotGeneration > 0 ? snapshotGeneration : -1;
    for (long g : files.generations()) {
      Path journal = files.journal(g);
      lastGeneration = Math.max(lastGeneration, g);
      if (Files.isSymbolicLink(journal)) {
        // Checked before it is opened; the reader also opens journals without following links.
        stopped |= g >= snapshotGeneration;
        reporter.symlinked(journal);
      } else if (g < snapshotGeneration) {
        reporter.obsolete(journal);
      } else if (stopped) {
        reporter.notReplayed(journal);
      } else if (expected >= 0 && g != expected) {
        stopped = true;
        reporter.outOfSequence(
            journal, "journal generation " + expected + " is missing before generation " + g);
      } else {
        expected = g + 1;
        long[] declared = {g};
        boolean[] unsealed = {false};
        String[] foreign = {null}; // another store's id, if its header names one
        SaveFileReader.JournalScan scan =
            SaveFileReader.journal(
                journal,
                format,
                journalVisitor(
                    journal,
                    format,
                    sink,
                    reporter,
                    latest,
                    plainJournalsAllowed,
                    unsealed,
                    declared,
                    store,
                    foreign));
        if (foreign[0] != null) {
          stopped = true;
          reporter.outOfSequence(
              journal,
              "it belongs to another store (its header names store "
                  + foreign[0]
                  + ", this store's is "
                  + store[0]
                  + ")");
        } else if (declared[0] != g) {
          stopped = true;
          reporter.outOfSequence(
              journal,
              "its header names generation "
                  + declared[0]
                  + " (a journal swapped or from another store)");
        } else if (unsealed[0]) {
          stopped = true;
          reporter.unsealed(journal);
        } else if (scan.refused()) {
          stopped = true;
        } else {
          journalRecords += scan.records();
          stopped = scan.damaged();
          reporter.journalRead(journal, scan);
        }
      }
    }

    if (readSnapshot) {
      SaveFileReader.SnapshotScan scan =
          SaveFileReader.snapshot(
              saveFile,
              format,
              new Visitor(saveFile, reporter) {
                @Override
                public boolean record(RecordDecoder.Entry e, long line, long offset) {
                  if (!sink.check(e)) {
                    return false;
                  }
                  Located held = latest.get(e.id());
                  if (held == null) {
                    return sink.session(e, saveFile, line);
                  }
                  if (!held.entry().needsBase()) {
                    return true; // a journal replaces it
                  }
                  latest.remove(e.id()); // applied here, so not again below
                  RecordDecoder.Entry touched;
                  try {
                    touched = held.entry().appliedTo(e);
                  } catch (IllegalArgumentException ex) {
                    return false;
                  }
                  // A patched session is where its last change is; a touched one, its bytes.
                  return held.entry().isPatch()
                      ? sink.session(touched, held.file(), held.line())
                      : sink.session(touched, saveFile, line);
                }
              },
              lostHeader);
      reporter.snapshotRead(saveFile, scan);
    }
    for (Located l : latest.values()) {
      // A touch still held here found no session to apply to: ignored. So is a patch, but that
      // means a record it builds on was lost (a snapshot's line damaged): reported.
      if (l.entry().isPatch()) {
        reporter.baseless(l.file(), l.line(), l.entry().id());
      } else if (!l.entry().isDelete() && !l.entry().isTouch()) {
        sink.session(l.entry(), l.file(), l.line());
      }
    }
    return new Outcome(snapshotGeneration, lastGeneration, journalRecords, store[0]);
  }

  private static Visitor journalVisitor(
      Path journal,
      FileFormat format,
      Sink sink,
      Reporter reporter,
      Map<String, Located> latest,
      boolean[] plainAllowed,
      boolean[] unsealed,
      long[] declared,
      String[] store,
      String[] foreign) {
    return new Visitor(journal, reporter) {
      @Override
      public boolean header(RecordDecoder.Header header) {
        if (store[0] != null && !store[0].equals(header.store())) {
          // Once the store's id is known, every journal must carry it (a version 1 journal
          // beside version 2 files was not written by this store either).
          foreign[0] = header.store() == null ? "none (format version 1)" : header.store();
          return false;
        }
        if (header.generation() != declared[0]) {
          declared[0] = header.generation();
          return false;
        }
        if (store[0] == null) {
          store[0] = header.store(); // version 1 files (null) until a version 2 journal
        }
        FileFormat.Mismatch mismatch = format.check(header);
        if (mismatch == FileFormat.Mismatch.UNENCRYPTED && !plainAllowed[0]) {
          unsealed[0] = true;
          return false;
        }
        if (header.cipher() != null) {
          plainAllowed[0] = false; // files after a sealed one were written with the key
        }
        return mismatch == null || reporter.refused(journal, mismatch, header);
      }

      @Override
      public boolean record(RecordDecoder.Entry e, long line, long offset) {
        RecordDecoder.Entry change = e;
        if (e.needsBase()) {
          Located held = latest.get(e.id());
          if (held != null && held.entry().isDelete()) {
            if (e.isPatch()) { // the store never patches a deleted session: a record was lost
              reporter.baseless(journal, line, e.id());
            }
            return true; // a touch or patch of a deleted session: ignored
          }
          if (held != null) {
            try {
              change = e.after(held.entry());
            } catch (IllegalArgumentException ex) {
              return false;
            }
          }
          // else the session is the snapshot's, or unknown: held until the snapshot is read
        }
        latest.remove(e.id()); // keep the order of the last changes
        latest.put(e.id(), new Located(change, journal, line));
        return change.needsBase() || sink.check(change);
      }
    };
  }

  /** Passes a file's problems and progress on to the reporter. */
  private abstract static class Visitor implements SaveFileReader.Visitor {
    private final Path file;
    private final Reporter reporter;

    Visitor(Path file, Reporter reporter) {
      this.file = file;
      this.reporter = reporter;
    }

    @Override
    public boolean header(RecordDecoder.Header header) {
      return true; // the snapshot's header was checked before the journals were read
    }

    @Override
    public void problem(ProblemKind kind, long line, long offset, String message) {
      reporter.problem(file, kind, line, offset, message);
    }

    @Override
    public void progress(long bytes) {
      reporter.progress(bytes);
    }
  }
}
