package dev.memfilestore;

import static dev.memfilestore.SaveFileFixtures.Op.del;
import static dev.memfilestore.SaveFileFixtures.Op.set;
import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.SaveFileInspector.ProblemKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one reader of save-file lines, on files written by the real writers and then damaged. */
class SaveFileReaderTest {
  @TempDir Path dir;

  /** Records what the reader hands on. */
  private static final class Recorder implements SaveFileReader.Visitor {
    final List<String> records = new ArrayList<>(); // "id=value@line:offset" or "del id@line"
    final List<ProblemKind> kinds = new ArrayList<>();
    final List<String> messages = new ArrayList<>();
    final List<Long> problemOffsets = new ArrayList<>();
    RecordDecoder.Header header;
    long progress;
    boolean refuseHeader;
    Predicate<String> usable = value -> true;

    @Override
    public boolean header(RecordDecoder.Header header) {
      this.header = header;
      return !refuseHeader;
    }

    @Override
    public boolean record(RecordDecoder.Entry e, long line, long offset) {
      if (e.isDelete()) {
        records.add("del " + e.id() + "@" + line);
        return true;
      }
      String value = SaveFileFixtures.value(e.session());
      records.add(e.id() + "=" + value + "@" + line + ":" + offset);
      return usable.test(value);
    }

    @Override
    public void problem(ProblemKind kind, long line, long offset, String message) {
      kinds.add(kind);
      messages.add(message);
      problemOffsets.add(offset);
    }

    @Override
    public void progress(long bytes) {
      progress += bytes;
    }
  }

  private SaveFiles files() {
    return new SaveFiles(dir.resolve("s.json"));
  }

  @Test
  void anIntactSnapshotYieldsEveryRecordWithItsLineAndOffsetAndNoProblem() throws IOException {
    SaveFiles files = files();
    SaveFileFixtures.snapshot(files, 3, List.of(set("a", "1"), set("b", "2")));
    Recorder r = new Recorder();

    SaveFileReader.SnapshotScan scan =
        SaveFileReader.snapshot(files.saveFile, SaveFileFixtures.FORMAT, r);

    long second = SaveFileFixtures.offsetOfLine(files.saveFile, 2);
    long third = SaveFileFixtures.offsetOfLine(files.saveFile, 3);
    assertThat(r.records).containsExactly("a=1@2:" + second, "b=2@3:" + third);
    assertThat(r.kinds).isEmpty();
    assertThat(r.header.generation()).isEqualTo(3);
    assertThat(scan.intact()).isTrue();
    assertThat(scan.lines()).isEqualTo(4); // header, two records, trailer
    assertThat(r.progress).isEqualTo(Files.size(files.saveFile));
  }

  @Test
  void aDamagedSnapshotLineCostsOnlyItselfAndTheTrailerCountSaysSo() throws IOException {
    SaveFiles files = files();
    SaveFileFixtures.snapshot(files, 1, List.of(set("a", "1"), set("b", "2"), set("c", "3")));
    SaveFileFixtures.damageLine(files.saveFile, 3); // the record of b
    Recorder r = new Recorder();

    SaveFileReader.SnapshotScan scan =
        SaveFileReader.snapshot(files.saveFile, SaveFileFixtures.FORMAT, r);

    assertThat(r.records).extracting(s -> s.substring(0, 3)).containsExactly("a=1", "c=3");
    assertThat(r.kinds).containsExactly(ProblemKind.CHECKSUM, ProblemKind.COUNT);
    assertThat(r.messages.get(0)).startsWith("line 3 fails its checksum");
    assertThat(r.problemOffsets.get(0)).isEqualTo(SaveFileFixtures.offsetOfLine(files.saveFile, 3));
    assertThat(scan.damagedLines()).isEqualTo(1);
    assertThat(scan.complete()).isFalse();
    assertThat(scan.intact()).isFalse();
  }

  /**
   * A snapshot of many batches (its lines are checked and parsed on several threads) is handed on
   * in file order, each record with its own line and offset, each damaged line in its place.
   */
  @Test
  void aLargeSnapshotIsHandedOnInFileOrderWithEveryLineAndOffset() throws IOException {
    SaveFiles files = files();
    List<SaveFileFixtures.Op> ops = new ArrayList<>();
    int n = 5_000;
    for (int i = 0; i < n; i++) {
      ops.add(set("s" + i, Integer.toString(i)));
    }
    SaveFileFixtures.snapshot(files, 1, ops);
    int[] damagedLines = {2, 513, 514, 1_700, 4_999};
    for (int line : damagedLines) {
      SaveFileFixtures.damageLine(files.saveFile, line);
    }
    List<Integer> damaged = Arrays.stream(damagedLines).boxed().toList();
    byte[] bytes = Files.readAllBytes(files.saveFile);
    List<Long> lineStarts = new ArrayList<>(List.of(0L, 0L)); // 1-based: line 1 starts at 0
    for (int i = 0; i < bytes.length - 1; i++) {
      if (bytes[i] == '\n') {
        lineStarts.add(i + 1L);
      }
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int line = i + 2; // after the header
      if (!damaged.contains(line)) {
        expected.add("s" + i + "=" + i + "@" + line + ":" + lineStarts.get(line));
      }
    }
    Recorder r = new Recorder();

    SaveFileReader.SnapshotScan scan =
        SaveFileReader.snapshot(files.saveFile, SaveFileFixtures.FORMAT, r);

    assertThat(r.records).containsExactlyElementsOf(expected);
    List<ProblemKind> kinds = new ArrayList<>();
    for (int line : damagedLines) {
      kinds.add(ProblemKind.CHECKSUM);
    }
    kinds.add(ProblemKind.COUNT);
    assertThat(r.kinds).containsExactlyElementsOf(kinds);
    for (int i = 0; i < damagedLines.length; i++) {
      assertThat(r.messages.get(i)).startsWith("line " + damagedLines[i] + " fails its checksum");
      assertThat(r.problemOffsets.get(i)).isEqualTo(lineStarts.get(damagedLines[i]));
    }
    assertThat(scan.lines()).isEqualTo(n + 2);
    assertThat(scan.records()).isEqualTo(n - damagedLines.length);
    assertThat(scan.damagedLines()).isEqualTo(damagedLines.length);
    assertThat(r.progress).isEqualTo(Files.size(files.saveFile));
  }

  @Test
  void aSessionTheVisitorCannotUseIsDamageInASnapshot() throws IOException {
    SaveFiles files = files();
    SaveFileFixtures.snapshot(files, 1, List.of(set("a", "1"), set("b", "bad")));
    Recorder r = new Recorder();
    r.usable = value -> !value.equals("bad");

    SaveFileReader.SnapshotScan scan =
        SaveFileReader.snapshot(files.saveFile, SaveFileFixtures.FORMAT, r);

    assertThat(r.kinds).containsExactly(ProblemKind.SESSION);
    assertThat(r.messages.get(0)).startsWith("line 3 is an intact record").contains("'json'");
    assertThat(scan.complete()).as("the trailer counts intact records").isTrue();
    assertThat(scan.intact()).isFalse();
  }

  @Test
  void aTruncatedSnapshotHasNoTrailer() throws IOException {
    SaveFiles files = files();
    SaveFileFixtures.snapshot(files, 1, List.of(set("a", "1"), set("b", "2")));
    byte[] bytes = Files.readAllBytes(files.saveFile);
    Files.write(files.saveFile, Arrays.copyOf(bytes, bytes.length - 30));
    Recorder r = new Recorder();

    SaveFileReader.snapshot(files.saveFile, SaveFileFixtures.FORMAT, r);

    assertThat(r.kinds).containsExactly(ProblemKind.TRUNCATED, ProblemKind.NO_TRAILER);
    assertThat(r.messages.get(0)).endsWith(": the file is truncated");
  }

  @Test
  void aRefusedHeaderStopsTheRead() throws IOException {
    SaveFiles files = files();
    SaveFileFixtures.snapshot(files, 1, List.of(set("a", "1")));
    SaveFileFixtures.journal(files, 1, List.of(set("b", "2")));
    Recorder snapshot = new Recorder();
    snapshot.refuseHeader = true;
    Recorder journal = new Recorder();
    journal.refuseHeader = true;

    assertThat(SaveFileReader.snapshot(files.saveFile, SaveFileFixtures.FORMAT, snapshot).refused())
        .isTrue();
    assertThat(SaveFileReader.journal(files.journal(1), SaveFileFixtures.FORMAT, journal).refused())
        .isTrue();
    assertThat(snapshot.records).isEmpty();
    assertThat(journal.records).isEmpty();
  }

  @Test
  void aJournalIsReadInOrderAndATornTailIsToldFromDamage() throws IOException {
    SaveFiles files = files();
    Path journal =
        SaveFileFixtures.journal(files, 1, List.of(set("a", "1"), del("a"), set("b", "2")));
    byte[] bytes = Files.readAllBytes(journal);
    long lastLine = SaveFileFixtures.offsetOfLine(journal, 4);

    Files.write(journal, Arrays.copyOf(bytes, bytes.length - 5)); // a crash while writing b
    Recorder torn = new Recorder();
    SaveFileReader.JournalScan tornScan =
        SaveFileReader.journal(journal, SaveFileFixtures.FORMAT, torn);
    assertThat(torn.records)
        .containsExactly("a=1@2:" + SaveFileFixtures.offsetOfLine(journal, 2), "del a@3");
    assertThat(torn.kinds).containsExactly(ProblemKind.TORN_TAIL);
    assertThat(tornScan.tornTail()).isTrue();
    assertThat(tornScan.damaged()).isFalse();
    assertThat(tornScan.goodEnd()).isEqualTo(lastLine);
    assertThat(tornScan.droppedBytes()).isEqualTo(bytes.length - 5 - lastLine);

    Files.write(journal, bytes);
    SaveFileFixtures.damageLine(journal, 2); // the first change: nothing after it may apply
    Recorder damaged = new Recorder();
    SaveFileReader.JournalScan damagedScan =
        SaveFileReader.journal(journal, SaveFileFixtures.FORMAT, damaged);
    assertThat(damaged.records).isEmpty();
    assertThat(damaged.kinds).containsExactly(ProblemKind.CHECKSUM, ProblemKind.NOT_REPLAYED);
    assertThat(damagedScan.damaged()).isTrue();
    assertThat(damagedScan.droppedLines()).isEqualTo(3);
    assertThat(damagedScan.goodEnd()).isEqualTo(SaveFileFixtures.offsetOfLine(journal, 2));
    assertThat(damaged.progress).isEqualTo(bytes.length);
  }

  @Test
  void nulBytesToTheEndAreAJournalsCleanEndButNulBytesBeforeMoreAreDamage() throws IOException {
    SaveFiles files = files();
    Path journal =
        SaveFileFixtures.journal(files, 1, List.of(set("a", "1"), del("a"), set("b", "2")));
    byte[] bytes = Files.readAllBytes(journal);
    long lastLine = SaveFileFixtures.offsetOfLine(journal, 4);

    // A mapped journal whose process was killed: its last chunk's unused zeros follow.
    Files.write(journal, Arrays.copyOf(bytes, bytes.length + 70_000));
    Recorder clean = new Recorder();
    SaveFileReader.JournalScan cleanScan =
        SaveFileReader.journal(journal, SaveFileFixtures.FORMAT, clean);
    assertThat(clean.records).hasSize(3);
    assertThat(clean.kinds).as("NUL bytes to the end are no problem").isEmpty();
    assertThat(cleanScan.damaged()).isFalse();
    assertThat(cleanScan.goodEnd()).isEqualTo(bytes.length);
    assertThat(cleanScan.droppedBytes()).isEqualTo(70_000);
    assertThat(cleanScan.droppedLines()).isZero();
    assertThat(cleanScan.tornTail()).as("cut off at start, like a torn tail").isTrue();
    assertThat(clean.progress).isEqualTo(bytes.length + 70_000L);

    // Killed while copying b's line: a cut line, then zeros.
    byte[] cut = Arrays.copyOf(bytes, bytes.length + 4096);
    Arrays.fill(cut, bytes.length - 5, cut.length, (byte) 0);
    Files.write(journal, cut);
    Recorder torn = new Recorder();
    SaveFileReader.JournalScan tornScan =
        SaveFileReader.journal(journal, SaveFileFixtures.FORMAT, torn);
    assertThat(torn.records).hasSize(2);
    assertThat(torn.kinds).containsExactly(ProblemKind.TORN_TAIL);
    assertThat(tornScan.tornTail()).isTrue();
    assertThat(tornScan.goodEnd()).isEqualTo(lastLine);
    assertThat(tornScan.droppedBytes()).isEqualTo(cut.length - lastLine);

    // A hole of zeros with bytes after it (a page lost, not a cut): damage, even without a newline.
    byte[] hole = Arrays.copyOf(bytes, bytes.length + 100);
    Arrays.fill(hole, (int) lastLine, (int) lastLine + 10, (byte) 0);
    Arrays.fill(hole, bytes.length, hole.length, (byte) 0);
    hole[bytes.length - 1] = 'x'; // b's line loses its newline too
    Files.write(journal, hole);
    Recorder damaged = new Recorder();
    SaveFileReader.JournalScan damagedScan =
        SaveFileReader.journal(journal, SaveFileFixtures.FORMAT, damaged);
    assertThat(damaged.records).hasSize(2);
    assertThat(damagedScan.damaged()).isTrue();
    assertThat(damaged.kinds)
        .contains(ProblemKind.NOT_REPLAYED)
        .doesNotContain(ProblemKind.TORN_TAIL);

    // Only zeros: killed between mapping a new journal and writing its header.
    Files.write(journal, new byte[65_536]);
    assertThat(SaveFileReader.firstLine(journal, FileFormat.JOURNAL).status())
        .isEqualTo(SaveFileReader.HeaderLine.Status.EMPTY);
    SaveFileReader.JournalScan zeros =
        SaveFileReader.journal(journal, SaveFileFixtures.FORMAT, new Recorder());
    assertThat(zeros.records()).isZero();
    assertThat(zeros.damaged()).isFalse();
    assertThat(zeros.goodEnd()).isZero();
  }

  @Test
  void aJournalRecordWhoseSessionCannotBeUsedIsReportedButReplayGoesOn() throws IOException {
    SaveFiles files = files();
    Path journal = SaveFileFixtures.journal(files, 1, List.of(set("a", "bad"), set("b", "2")));
    Recorder r = new Recorder();
    r.usable = value -> !value.equals("bad");

    SaveFileReader.JournalScan scan = SaveFileReader.journal(journal, SaveFileFixtures.FORMAT, r);

    assertThat(r.kinds).containsExactly(ProblemKind.SESSION);
    assertThat(scan.records()).isEqualTo(2);
    assertThat(scan.droppedBytes()).isZero();
  }

  @Test
  void theFirstLineIsClassified() throws IOException {
    Path empty = Files.createFile(dir.resolve("empty.json"));
    Path foreign = Files.writeString(dir.resolve("package.json"), "{\"name\":\"x\"}\n");
    SaveFiles files = files();
    SaveFileFixtures.snapshot(files, 1, List.of(set("a", "1")));
    Path journal = SaveFileFixtures.journal(files, 1, List.of(set("a", "1")));

    assertThat(SaveFileReader.firstLine(empty, FileFormat.SNAPSHOT).status())
        .isEqualTo(SaveFileReader.HeaderLine.Status.EMPTY);
    assertThat(SaveFileReader.firstLine(foreign, FileFormat.SNAPSHOT).status())
        .isEqualTo(SaveFileReader.HeaderLine.Status.FOREIGN);
    assertThat(SaveFileReader.firstLine(journal, FileFormat.SNAPSHOT).status())
        .as("a journal is not a snapshot")
        .isEqualTo(SaveFileReader.HeaderLine.Status.FOREIGN);
    SaveFileReader.HeaderLine ok = SaveFileReader.firstLine(files.saveFile, FileFormat.SNAPSHOT);
    assertThat(ok.status()).isEqualTo(SaveFileReader.HeaderLine.Status.OK);
    assertThat(ok.header().written()).isEqualTo(SaveFileFixtures.NOW);
    SaveFileFixtures.damageLine(files.saveFile, 1);
    assertThat(SaveFileReader.firstLine(files.saveFile, FileFormat.SNAPSHOT).status())
        .isEqualTo(SaveFileReader.HeaderLine.Status.DAMAGED);
    assertThat(new String(Files.readAllBytes(journal), StandardCharsets.UTF_8))
        .contains("\"expires\":null");
  }
}
