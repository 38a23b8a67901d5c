package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, item 4 (the rule "with a key, a file or journal not sealed with it is refused or kept
 * aside, never loaded"): a store with a key refuses a plain save file or plain journal at {@code
 * build()} and leaves every file as it was, unless {@code encryptExistingPlainFiles} is set for the
 * one start that encrypts an existing plain store.
 */
class PlainFilesWithKeyTest {
  private static final String SECRET = "plain-attribute-value";

  @TempDir Path dir;

  private static SecretKey key(int seed) {
    byte[] bytes = new byte[32];
    Arrays.fill(bytes, (byte) seed);
    return new SecretKeySpec(bytes, "AES");
  }

  private static MemFileStore.Builder builder(Path file, SecretKey key) {
    MemFileStore.Builder b = MemFileStore.builder().saveFile(file);
    return key == null ? b : b.encryptionKey(key);
  }

  private static void fill(Path file, SecretKey key, String... ids) {
    try (MemFileStore store = builder(file, key).build()) {
      for (String id : ids) {
        SessionData s = new SessionData();
        s.setAttribute("secret", SECRET);
        store.set(id, s);
      }
    }
  }

  /** Every file beside the save file (but the lock) with its bytes. */
  private Map<String, String> files() throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : list.toList()) {
        String name = p.getFileName().toString();
        if (!name.endsWith(".lock")) {
          files.put(name, new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
        }
      }
    }
    return files;
  }

  @Test
  void aPlainSaveFileIsRefusedWithAKeyAndEveryFileIsLeftAsItWas() throws IOException {
    Path file = dir.resolve("s.json");
    fill(file, null, "a", "b");
    Map<String, String> before = files();

    assertThatThrownBy(() -> builder(file, key(1)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(file + " is not encrypted")
        .hasMessageContaining("encryptExistingPlainFiles(true)")
        .hasMessageContaining("move it away");
    assertThat(files()).as("every file byte-identical, nothing kept aside").isEqualTo(before);
  }

  @Test
  void aPlainSaveFileSwappedInForAnEncryptedOneLoadsNoForgedSession() throws IOException {
    Path file = dir.resolve("s.json");
    fill(file, key(1), "real");
    // Whoever can write the directory replaces the encrypted file by a plain one of their own.
    Files.delete(file);
    SaveFileFixtures.snapshot(
        new SaveFiles(file), 1, List.of(SaveFileFixtures.Op.set("forged", "admin")));
    Map<String, String> before = files();

    assertThatThrownBy(() -> builder(file, key(1)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is not encrypted");
    assertThat(files()).isEqualTo(before);
  }

  @Test
  void aPlainJournalPlantedWhereTheSaveFileWasIsRefused() throws IOException {
    Path file = dir.resolve("s.json");
    fill(file, key(1), "real");
    Files.delete(file);
    Path journal =
        SaveFileFixtures.journal(
            new SaveFiles(file), 1, List.of(SaveFileFixtures.Op.set("forged", "admin")));
    Map<String, String> before = files();

    assertThatThrownBy(() -> builder(file, key(1)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(journal + " is not encrypted")
        .hasMessageContaining("encryptExistingPlainFiles(true)");
    assertThat(files()).isEqualTo(before);
  }

  @Test
  void theSwitchLoadsPlainFilesOnceAndEncryptsThemAtOnce() throws IOException {
    Path file = dir.resolve("s.json");
    fill(file, null, "a");
    try (MemFileStore store = builder(file, null).build()) {
      SessionData s = new SessionData();
      s.setAttribute("secret", SECRET);
      store.set("b", s);
      store.simulateCrash(); // "b" only in a plain journal
    }

    try (MemFileStore store = builder(file, key(1)).encryptExistingPlainFiles(true).build()) {
      assertThat(store.ids()).containsExactlyInAnyOrder("a", "b");
      assertThat(files().values())
          .as("rewritten encrypted before build() returns, the plain journal compacted")
          .noneMatch(bytes -> bytes.contains(SECRET));
      assertThat(Files.readAllLines(file).get(0)).contains("\"cipher\":\"AES-GCM\"");
    }
    try (MemFileStore store = builder(file, key(1)).build()) {
      assertThat(store.ids())
          .as("the next start needs no switch")
          .containsExactlyInAnyOrder("a", "b");
    }
  }

  @Test
  void evenWithTheSwitchAPlainJournalAfterAnEncryptedOneIsNotReplayed() throws IOException {
    Path file = dir.resolve("s.json");
    long generation;
    try (MemFileStore store = builder(file, key(1)).build()) {
      store.set("real", new SessionData());
      store.simulateCrash(); // no save file: "real" is in the first, encrypted journal
    }
    SaveFiles files = new SaveFiles(file);
    assertThat(file).doesNotExist();
    generation = files.generations().get(files.generations().size() - 1);
    // A plain journal that names this store's id (its header shows it in plain text).
    String storeId =
        SaveFileReader.firstLine(files.journal(generation), FileFormat.JOURNAL).header().store();
    assertThat(storeId).isNotNull();
    FileFormat plain = SaveFileFixtures.FORMAT.withStore(storeId);
    try (Journal forged =
        Journal.create(
            files.journal(generation + 1),
            generation + 1,
            plain,
            SaveFileFixtures.NOW,
            SaveFiles::openOwnerOnly)) {
      forged.append(
          plain
              .encoder()
              .session("set", "forged", FileFormat.NO_EXPIRY, SaveFileFixtures.session("admin"))
              .line());
      forged.done();
    }

    try (MemFileStore store = builder(file, key(1)).encryptExistingPlainFiles(true).build()) {
      assertThat(store.ids()).containsExactly("real");
    }
    assertThat(files().keySet())
        .anyMatch(n -> n.startsWith("s.json.journal." + (generation + 1) + ".damaged-"));
  }

  @Test
  void withoutAKeyTheSwitchChangesNothing() throws IOException {
    Path file = dir.resolve("s.json");
    fill(file, null, "a");
    Map<String, String> before = files();
    try (MemFileStore store = builder(file, null).encryptExistingPlainFiles(true).build()) {
      assertThat(store.ids()).containsExactly("a");
    }
    assertThat(files()).isEqualTo(before);
  }
}
