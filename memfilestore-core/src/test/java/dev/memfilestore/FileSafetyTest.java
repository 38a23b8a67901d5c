package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13, items 6 (the lock file through a link), 7 (owner-only) and 12 (why it cannot lock). */
class FileSafetyTest {
  @TempDir Path dir;

  @Test
  void aSymlinkedLockFileIsRefusedAndItsTargetUntouched() throws IOException {
    Path target = Files.writeString(dir.resolve("victim"), "keep");
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
    Files.createSymbolicLink(dir.resolve("s.json.lock"), target);
    assertThatThrownBy(() -> MemFileStore.builder().saveFile(dir.resolve("s.json")).build())
        .hasMessageContaining("symbolic link");
    assertThat(Files.getPosixFilePermissions(target))
        .isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
  }

  @Test
  void anExistingSaveFileIsTightenedToOwnerOnlyAtStart() throws IOException {
    Path file = dir.resolve("s.json");
    try (MemFileStore store = MemFileStore.builder().saveFile(file).build()) {
      store.set("a", new SessionData());
    }
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    try (MemFileStore store = MemFileStore.builder().saveFile(file).build()) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
    }
  }

  @Test
  void aJournalThatIsADirectoryStopsStartUpSayingWhatIsWrongAndWhatToDo() throws IOException {
    Path file = dir.resolve("s.json");
    try (MemFileStore store = MemFileStore.builder().saveFile(file).build()) {
      store.set("a", new SessionData());
    }
    long generation = SaveFileReader.firstLine(file, FileFormat.SNAPSHOT).header().generation();
    Path journal = Files.createDirectory(dir.resolve("s.json.journal." + generation));
    Files.writeString(journal.resolve("x"), "x");
    assertThatThrownBy(() -> MemFileStore.builder().saveFile(file).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(journal + " is not a file but a directory")
        .hasMessageContaining("move it away");
    assertThat(Files.isDirectory(journal)).isTrue();
  }

  @Test
  void anUnreadableSaveFileSaysWhoOwnsItAndWhoRunsTheStore() throws IOException {
    assumeThat(System.getProperty("user.name"))
        .as("root reads every file; skipped as root")
        .isNotEqualTo("root");
    Path file = dir.resolve("s.json");
    try (MemFileStore store = MemFileStore.builder().saveFile(file).build()) {
      store.set("a", new SessionData());
    }
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
    assertThatThrownBy(() -> MemFileStore.builder().saveFile(file).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("permission denied")
        .hasMessageContaining("runs as " + System.getProperty("user.name"));
  }
}
