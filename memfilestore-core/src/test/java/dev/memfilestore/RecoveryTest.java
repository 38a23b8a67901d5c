package dev.memfilestore;

import static dev.memfilestore.SaveFileFixtures.Op.del;
import static dev.memfilestore.SaveFileFixtures.Op.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memfilestore.SaveFileFixtures.Op;
import dev.memfilestore.SaveFileInspector.ProblemKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay rule on its own: files written by the real writers, a sink that records the state and
 * a reporter that records what recovery says about each file. No store involved.
 */
class RecoveryTest {
  @TempDir Path dir;

  /** Records the recovered state and everything reported. */
  private static final class Recorder implements Recovery.Sink, Recovery.Reporter {
    final Map<String, String> state = new LinkedHashMap<>();
    final List<String> events = new ArrayList<>();
    final List<ProblemKind> problems = new ArrayList<>();
    String unusable = "unusable";
    boolean refuse;

    @Override
    public boolean check(RecordDecoder.Entry e) {
      return e.isDelete() || !SaveFileFixtures.value(e.session()).equals(unusable);
    }

    @Override
    public boolean session(RecordDecoder.Entry e, Path file, long line) {
      String previous = state.put(e.id(), SaveFileFixtures.value(e.session()));
      assertThat(previous).as("each id once").isNull();
      return true;
    }

    @Override
    public boolean refused(Path file, FileFormat.Mismatch mismatch, RecordDecoder.Header h) {
      events.add("refused " + file.getFileName() + " " + mismatch);
      if (!refuse) {
        throw new IllegalStateException("refused " + file);
      }
      return false;
    }

    @Override
    public void problem(Path file, ProblemKind kind, long line, long offset, String message) {
      problems.add(kind);
    }

    @Override
    public void obsolete(Path journal) {
      events.add("obsolete " + journal.getFileName());
    }

    @Override
    public void journalRead(Path journal, SaveFileReader.JournalScan scan) {
      events.add(
          "journal "
              + journal.getFileName()
              + (scan.damaged() ? " damaged" : scan.tornTail() ? " torn" : ""));
    }

    @Override
    public void notReplayed(Path journal) {
      events.add("not replayed " + journal.getFileName());
    }

    @Override
    public void snapshotRead(Path file, SaveFileReader.SnapshotScan scan) {
      events.add("snapshot " + (scan.intact() ? "intact" : "damaged"));
    }
  }

  private SaveFiles files() {
    return new SaveFiles(dir.resolve("s.json"));
  }

  private static Recovery.Outcome run(SaveFiles files, Recorder r) throws IOException {
    return Recovery.run(files, SaveFileFixtures.FORMAT, r, r);
  }

  @Test
  void theSnapshotThenTheJournalsFromItsGenerationOnTheLastChangeOfEachIdWins() throws IOException {
    SaveFiles files = files();
    SaveFileFixtures.journal(files, 1, List.of(set("old", "folded in")));
    SaveFileFixtures.snapshot(files, 2, List.of(set("a", "1"), set("b", "1"), set("c", "1")));
    SaveFileFixtures.journal(files, 2, List.of(set("b", "2"), del("c"), set("d", "2")));
    SaveFileFixtures.journal(files, 3, List.of(set("b", "3"), set("c", "3")));
    Recorder r = new Recorder();

    Recovery.Outcome outcome = run(files, r);

    assertThat(r.state)
        .containsExactly(
            Map.entry("a", "1"), // the snapshot's, unchanged, first
            Map.entry("d", "2"), // then the journals' last changes, in the order they were made
            Map.entry("b", "3"),
            Map.entry("c", "3"));
    assertThat(r.events)
        .containsExactly(
            "obsolete s.json.journal.1",
            "journal s.json.journal.2",
            "journal s.json.journal.3",
            "snapshot intact");
    assertThat(outcome.snapshotGeneration()).isEqualTo(2);
    assertThat(outcome.lastGeneration()).isEqualTo(3);
    assertThat(outcome.journalRecords()).isEqualTo(5);
    assertThat(Files.exists(files.journal(1))).as("recovery never writes").isTrue();
  }

  @Test
  void aDamagedJournalIsReplayedUpToItsFirstBadLineAndNoLaterOneIs() throws IOException {
    SaveFiles files = files();
    SaveFileFixtures.snapshot(files, 1, List.of(set("a", "1")));
    Path first =
        SaveFileFixtures.journal(files, 1, List.of(set("a", "2"), set("a", "3"), set("b", "3")));
    SaveFileFixtures.journal(files, 2, List.of(set("a", "4")));
    SaveFileFixtures.damageLine(first, 3); // a=3
    Recorder r = new Recorder();

    run(files, r);

    assertThat(r.state).containsExactly(Map.entry("a", "2"));
    assertThat(r.events)
        .containsExactly(
            "journal s.json.journal.1 damaged", "not replayed s.json.journal.2", "snapshot intact");
    assertThat(r.problems).containsExactly(ProblemKind.CHECKSUM, ProblemKind.NOT_REPLAYED);
  }

  @Test
  void aTornTailCostsOnlyTheRecordItCut() throws IOException {
    SaveFiles files = files();
    Path journal = SaveFileFixtures.journal(files, 0, List.of(set("a", "1"), set("b", "1")));
    SaveFileFixtures.journal(files, 1, List.of(set("c", "1")));
    byte[] bytes = Files.readAllBytes(journal);
    Files.write(journal, java.util.Arrays.copyOf(bytes, bytes.length - 3));
    Recorder r = new Recorder();

    Recovery.Outcome outcome = run(files, r);

    assertThat(r.state).containsExactly(Map.entry("a", "1"), Map.entry("c", "1"));
    assertThat(r.events)
        .containsExactly("journal s.json.journal.0 torn", "journal s.json.journal.1");
    assertThat(outcome.snapshotGeneration()).isZero();
    assertThat(outcome.lastGeneration()).isEqualTo(1);
  }

  @Test
  void aSnapshotWhoseHeaderIsLostIsReadWithEveryJournal() throws IOException {
    SaveFiles files = files();
    SaveFileFixtures.journal(files, 1, List.of(set("a", "1")));
    SaveFileFixtures.snapshot(files, 2, List.of(set("b", "1")));
    SaveFileFixtures.damageLine(files.saveFile, 1);
    Recorder r = new Recorder();

    Recovery.Outcome outcome = run(files, r);

    assertThat(outcome.snapshotGeneration()).isZero();
    assertThat(r.state).containsOnlyKeys("a", "b");
    assertThat(r.events).containsExactly("journal s.json.journal.1", "snapshot damaged");
  }

  @Test
  void aRefusedHeaderIsTheReportersToTurnIntoAnError() throws IOException {
    SaveFiles files = files();
    SaveFileFixtures.snapshot(files, 1, List.of(set("a", "1")));
    SaveFileFixtures.journal(files, 1, List.of(set("a", "2")));
    SaveFileFixtures.journal(files, 2, List.of(set("a", "3")));
    FileFormat java = new FileFormat("java", false, null);

    Recorder strict = new Recorder();
    assertThatThrownBy(() -> Recovery.run(files, java, strict, strict))
        .isInstanceOf(IllegalStateException.class);
    assertThat(strict.events).containsExactly("refused s.json SERIALIZER");
    assertThat(strict.state).isEmpty();

    // A reporter that goes on: the snapshot is left out, and so are the journals from the refused
    // one on.
    Recorder lenient = new Recorder();
    lenient.refuse = true;
    Recovery.run(files, java, lenient, lenient);
    assertThat(lenient.state).isEmpty();
    assertThat(lenient.events)
        .containsExactly(
            "refused s.json SERIALIZER",
            "refused s.json.journal.1 SERIALIZER",
            "not replayed s.json.journal.2");
  }

  @Test
  void anUnusableSessionIsReportedWhereverItIsAndIsDamageOnlyInTheSnapshot() throws IOException {
    SaveFiles files = files();
    SaveFileFixtures.snapshot(files, 1, List.of(set("a", "unusable"), set("b", "1")));
    SaveFileFixtures.journal(files, 1, List.of(set("c", "unusable"), set("d", "1")));
    Recorder r = new Recorder();

    run(files, r);

    assertThat(r.problems).containsExactly(ProblemKind.SESSION, ProblemKind.SESSION);
    assertThat(r.events).containsExactly("journal s.json.journal.1", "snapshot damaged");
  }

  /** Whatever the files hold, recovery ends where applying them one change at a time would. */
  @Test
  void theStateIsThatOfApplyingTheFilesInOrder() throws IOException {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    for (int round = 0; round < 30; round++) {
      Path sub = Files.createDirectory(dir.resolve("r" + round));
      SaveFiles files = new SaveFiles(sub.resolve("s.json"));
      Map<String, String> expected = new LinkedHashMap<>();
      for (int i = random.nextInt(6); i > 0; i--) {
        expected.put("s" + random.nextInt(8), "snap" + i);
      }
      List<Op> snapshot = new ArrayList<>();
      expected.forEach((id, value) -> snapshot.add(set(id, value)));
      SaveFileFixtures.snapshot(files, 1, snapshot);
      for (int g = 1; g <= 2; g++) {
        List<Op> ops = new ArrayList<>();
        for (int i = random.nextInt(8); i > 0; i--) {
          String id = "s" + random.nextInt(8);
          Op op = random.nextInt(4) == 0 ? del(id) : set(id, "j" + g + "-" + i);
          ops.add(op);
          if (op.value() == null) {
            expected.remove(id);
          } else {
            expected.put(id, op.value());
          }
        }
        SaveFileFixtures.journal(files, g, ops);
      }
      Recorder r = new Recorder();
      run(files, r);
      assertThat(r.state).as("seed %d, round %d", seed, round).isEqualTo(expected);
    }
  }
}
