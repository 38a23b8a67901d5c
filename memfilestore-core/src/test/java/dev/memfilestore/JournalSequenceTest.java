package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.SaveFileFixtures.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, item 5: a missing journal generation, swapped journals and a journal naming another
 * generation are detected and reported, and nothing after them is applied.
 */
class JournalSequenceTest {
  @TempDir Path dir;
  private SaveFiles files;

  @BeforeEach
  void writeFiles() throws IOException {
    files = new SaveFiles(dir.resolve("s.json"));
    SaveFileFixtures.snapshot(files, 1, List.of(Op.set("a", "1")));
    SaveFileFixtures.journal(files, 1, List.of(Op.set("b", "1")));
    SaveFileFixtures.journal(files, 2, List.of(Op.set("c", "1")));
    SaveFileFixtures.journal(files, 3, List.of(Op.del("a")));
  }

  private List<String> idsAfterStart() {
    try (MemFileStore store =
        MemFileStore.builder()
            .clock(java.time.Clock.fixed(SaveFileFixtures.NOW, java.time.ZoneOffset.UTC))
            .saveFile(files.saveFile)
            .build()) {
      return store.ids();
    }
  }

  @Test
  void allJournalsInSequenceAreReplayed() {
    assertThat(idsAfterStart()).containsExactlyInAnyOrder("b", "c");
  }

  @Test
  void aMissingGenerationStopsReplayAndKeepsTheRestAside() throws IOException {
    Files.delete(files.journal(2));
    assertThat(idsAfterStart())
        .as("the delete after the gap is not applied")
        .containsExactlyInAnyOrder("a", "b");
    assertThat(names()).anyMatch(n -> n.startsWith("s.json.journal.3.damaged-"));
    assertThat(idsAfterStart())
        .as("the next start is the same")
        .containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void swappedJournalsAreNotReplayed() throws IOException {
    Path tmp = dir.resolve("swap");
    Files.move(files.journal(2), tmp);
    Files.move(files.journal(3), files.journal(2));
    Files.move(tmp, files.journal(3));
    assertThat(idsAfterStart()).containsExactlyInAnyOrder("a", "b");
    assertThat(names()).anyMatch(n -> n.startsWith("s.json.journal.2.damaged-"));
    assertThat(names()).anyMatch(n -> n.startsWith("s.json.journal.3.damaged-"));
  }

  @Test
  void theInspectorReportsAGap() throws IOException {
    Files.delete(files.journal(2));
    List<String> problems = new java.util.ArrayList<>();
    Recovery.run(
        files,
        SaveFileFixtures.FORMAT,
        (e, file, line) -> true,
        new Recovery.Reporter() {
          @Override
          public boolean refused(
              Path file, FileFormat.Mismatch mismatch, RecordDecoder.Header header) {
            return false;
          }

          @Override
          public void problem(
              Path file,
              SaveFileInspector.ProblemKind kind,
              long line,
              long offset,
              String message) {
            problems.add(file.getFileName() + ": " + message);
          }
        });
    assertThat(problems).anyMatch(p -> p.contains("generation 2 is missing"));
  }

  private List<String> names() throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
