package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, item 1: a start-up that fails (here: on a real full tmpfs) leaves the files as it found
 * them, so the next start still has every session.
 */
class FailedStartTest {
  @TempDir Path dir;

  @Test
  void aDamagedSaveFileIsNotLostWhenStartUpFailsOnAFullDisk() throws Exception {
    try (Tmpfs fs = Tmpfs.mount(dir, "4m")) {
      Path file = fs.root.resolve("s.json");
      try (MemFileStore store = MemFileStore.builder().saveFile(file).build()) {
        for (int i = 0; i < 50; i++) {
          SessionData s = new SessionData();
          s.setAttribute("n", i);
          store.set("session-" + i, s);
        }
      }
      Files.write(file, "garbage\n".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND);
      assertFailedStartLeavesFilesAndThenLoads(fs, file, 50);
    }
  }

  @Test
  void aDamagedJournalIsNotLostWhenStartUpFailsOnAFullDisk() throws Exception {
    try (Tmpfs fs = Tmpfs.mount(dir, "4m")) {
      SaveFiles files = new SaveFiles(fs.root.resolve("s.json"));
      SaveFileFixtures.snapshot(files, 1, List.of());
      List<SaveFileFixtures.Op> ops = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        ops.add(SaveFileFixtures.Op.set("session-" + i, "v" + i));
      }
      Path journal = SaveFileFixtures.journal(files, 1, ops);
      SaveFileFixtures.damageLine(journal, 6); // the fifth record: replay stops before it
      assertFailedStartLeavesFilesAndThenLoads(fs, files.saveFile, 4);
    }
  }

  private static void assertFailedStartLeavesFilesAndThenLoads(Tmpfs fs, Path file, int intact)
      throws IOException {
    Map<String, String> before = contents(fs.root);
    fs.fill();
    assertThatThrownBy(() -> MemFileStore.builder().saveFile(file).build())
        .as("start-up on a full disk")
        .hasMessageContaining("No space left on device");
    Map<String, String> after = contents(fs.root);
    after.remove("s.json.lock");
    assertThat(after).as("the files (name to SHA-256) after the failed start").isEqualTo(before);
    fs.free();
    try (MemFileStore store = MemFileStore.builder().saveFile(file).build()) {
      assertThat(store.length()).as("sessions after the disk was freed").isEqualTo(intact);
    }
    try (Stream<Path> list = Files.list(fs.root)) {
      assertThat(list.map(p -> p.getFileName().toString()))
          .as("the damaged file is kept aside")
          .anyMatch(n -> n.contains(".damaged-"));
    }
  }

  private static Map<String, String> contents(Path dir) throws IOException {
    Map<String, String> contents = new TreeMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : list.toList()) {
        String name = p.getFileName().toString();
        if (!name.equals("filler") && !name.equals("s.json.lock")) {
          contents.put(name, digest(Files.readAllBytes(p)));
        }
      }
    }
    return contents;
  }

  private static String digest(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
