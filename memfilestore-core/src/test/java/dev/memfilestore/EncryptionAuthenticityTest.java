package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13, item 4: with a key, nothing unsealed is loaded and a wrong key never starts empty. */
class EncryptionAuthenticityTest {
  @TempDir Path dir;

  private static SecretKey key(int seed) {
    byte[] bytes = new byte[32];
    Arrays.fill(bytes, (byte) seed);
    return new SecretKeySpec(bytes, "AES");
  }

  private static MemFileStore open(Path file, SecretKey key) {
    return MemFileStore.builder().saveFile(file).encryptionKey(key).build();
  }

  private static void fill(Path file, SecretKey key, int sessions) {
    try (MemFileStore store = open(file, key)) {
      for (int i = 0; i < sessions; i++) {
        SessionData s = new SessionData();
        s.setAttribute("n", i);
        store.set("session-" + i, s);
      }
    }
  }

  @Test
  void aPlainJournalBesideAnEncryptedSaveFileIsNotReplayed() throws IOException {
    Path file = dir.resolve("s.json");
    fill(file, key(1), 3);
    SaveFiles files = new SaveFiles(file);
    long generation = SaveFileReader.firstLine(file, FileFormat.SNAPSHOT).header().generation();
    SaveFileFixtures.journal(
        files,
        generation,
        List.of(SaveFileFixtures.Op.set("forged", "admin"), SaveFileFixtures.Op.del("session-0")));

    try (MemFileStore store = open(file, key(1))) {
      assertThat(store.ids())
          .as("a forged plain journal changes nothing")
          .containsExactlyInAnyOrder("session-0", "session-1", "session-2");
    }
    assertThat(names())
        .as("the plain journal is kept aside")
        .anyMatch(n -> n.startsWith("s.json.journal." + generation + ".damaged-"));
    try (MemFileStore store = open(file, key(1))) {
      assertThat(store.length()).as("and the next start is clean").isEqualTo(3);
    }
  }

  @Test
  void aWrongKeyWithADamagedHeaderIsRefusedAndOverwritesNothing() throws IOException {
    Path file = dir.resolve("s.json");
    fill(file, key(1), 5);
    SaveFileFixtures.damageLine(file, 1); // the header, with its key check
    byte[] before = Files.readAllBytes(file);
    List<String> namesBefore = names();

    assertThatThrownBy(() -> open(file, key(2)))
        .hasMessageContaining("decrypts with the configured encryptionKey");
    assertThat(file).as("the right key's file is untouched").hasBinaryContent(before);
    assertThat(names()).as("nothing kept aside or written").isEqualTo(namesBefore);

    try (MemFileStore store = open(file, key(1))) {
      assertThat(store.length()).as("the right key still reads every record").isEqualTo(5);
    }
  }

  private List<String> names() throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString())
          .filter(n -> !n.endsWith(".lock"))
          .sorted()
          .toList();
    }
  }
}
