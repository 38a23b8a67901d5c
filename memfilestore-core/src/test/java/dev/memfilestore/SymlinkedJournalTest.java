package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, item 6: a journal that is a symbolic link ({@code <savefile>.journal.N} planted as a
 * link) is never followed: not replayed, nor any later journal; the link is kept aside as a link,
 * and the file it leads to is neither read nor changed.
 */
class SymlinkedJournalTest {
  @TempDir Path dir;
  private Path app;
  private Path elsewhere;

  @BeforeEach
  void directories() throws IOException {
    app = Files.createDirectory(dir.resolve("app"));
    elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
  }

  private static SessionData session(String user) {
    SessionData s = new SessionData();
    s.setAttribute("user", user);
    return s;
  }

  /** A save file holding "real", and its own intact journal of the next changes, moved away. */
  private Path journalMovedElsewhere(Path file) throws IOException {
    try (MemFileStore store = MemFileStore.builder().saveFile(file).build()) {
      store.set("real", session("alice"));
      store.save();
      store.set("forged", session("admin"));
      store.simulateCrash();
    }
    List<Long> generations = new SaveFiles(file).generations();
    Path journal = new SaveFiles(file).journal(generations.get(generations.size() - 1));
    Path target = elsewhere.resolve("target");
    Files.move(journal, target);
    return journal;
  }

  @Test
  void aJournalThatIsALinkIsNotFollowedAndItsTargetIsLeftAlone() throws IOException {
    Path file = app.resolve("s.json");
    Path journal = journalMovedElsewhere(file);
    Path target = elsewhere.resolve("target");
    // A torn tail: a store that read the target would also cut it.
    Files.write(target, "{\"crc\":\"0".getBytes(), StandardOpenOption.APPEND);
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
    Files.setLastModifiedTime(target, FileTime.fromMillis(1_000_000_000_000L));
    byte[] targetBytes = Files.readAllBytes(target);
    Files.createSymbolicLink(journal, Path.of("../elsewhere/target"));

    try (MemFileStore store = MemFileStore.builder().saveFile(file).build()) {
      assertThat(store.ids()).as("the linked journal is not replayed").containsExactly("real");
    }
    assertThat(target).as("the target neither read into nor changed").hasBinaryContent(targetBytes);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target)))
        .isEqualTo("rw-r--r--");
    assertThat(Files.getLastModifiedTime(target).toMillis()).isEqualTo(1_000_000_000_000L);
    Path kept = onlyAside(journal);
    assertThat(Files.isSymbolicLink(kept)).as("kept aside as a link, not a copy").isTrue();
    assertThat(Files.readSymbolicLink(kept)).isEqualTo(Path.of("../elsewhere/target"));
    assertThat(Files.exists(journal, LinkOption.NOFOLLOW_LINKS))
        .as("the link itself is gone once a fresh snapshot is on disk")
        .isFalse();
    try (MemFileStore store = MemFileStore.builder().saveFile(file).build()) {
      assertThat(store.ids()).as("and the next start is clean").containsExactly("real");
    }
  }

  @Test
  void noJournalAfterALinkedOneIsReplayed() throws IOException {
    Path file = app.resolve("s.json");
    Path journal = journalMovedElsewhere(file);
    Files.createSymbolicLink(journal, elsewhere.resolve("target"));
    long generation = Long.parseLong(journal.toString().replaceAll(".*\\.", ""));
    // A later journal of this store's files: after a journal that cannot be read, not applied.
    Path later = new SaveFiles(file).journal(generation + 1);
    Files.copy(elsewhere.resolve("target"), later);

    try (MemFileStore store = MemFileStore.builder().saveFile(file).build()) {
      assertThat(store.ids()).containsExactly("real");
    }
    assertThat(names()).anyMatch(n -> n.startsWith(later.getFileName() + ".damaged-"));
  }

  @Test
  void theInspectorReportsALinkedJournal() throws IOException {
    Path file = app.resolve("s.json");
    Path journal = journalMovedElsewhere(file);
    Files.createSymbolicLink(journal, elsewhere.resolve("target"));

    assertThat(SaveFileInspector.open(file).verify().problems())
        .anyMatch(p -> p.file().equals(journal) && p.message().contains("symbolic link"));
  }

  @Test
  void theReaderDoesNotOpenAJournalThroughALink() throws IOException {
    // What the check before reading cannot cover: a journal swapped for a link just before it
    // is opened.
    Path file = app.resolve("s.json");
    Path journal = journalMovedElsewhere(file);
    Files.createSymbolicLink(journal, elsewhere.resolve("target"));
    SaveFileReader.Visitor reads =
        new SaveFileReader.Visitor() {
          @Override
          public boolean header(RecordDecoder.Header header) {
            throw new AssertionError("read through the link");
          }

          @Override
          public boolean record(RecordDecoder.Entry entry, long line, long offset) {
            throw new AssertionError("read through the link");
          }

          @Override
          public void problem(
              SaveFileInspector.ProblemKind kind, long line, long offset, String message) {}

          @Override
          public void progress(long bytes) {}
        };
    assertThatThrownBy(() -> SaveFileReader.journal(journal, SaveFileFixtures.FORMAT, reads))
        .isInstanceOf(FileSystemException.class)
        .hasMessageContaining(journal.toString());
  }

  private Path onlyAside(Path journal) throws IOException {
    try (Stream<Path> list = Files.list(app)) {
      List<Path> kept =
          list.filter(
                  p -> p.getFileName().toString().startsWith(journal.getFileName() + ".damaged-"))
              .toList();
      assertThat(kept).hasSize(1);
      return kept.get(0);
    }
  }

  private List<String> names() throws IOException {
    try (Stream<Path> list = Files.list(app)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
