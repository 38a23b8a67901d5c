package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Encryption at rest: nothing readable on disk, a wrong key refused at start, damage contained. */
class EncryptionTest {
  private static final String ID = "session-id-that-must-not-leak";
  private static final String SECRET = "attribute-value-that-must-not-leak";

  @TempDir Path dir;

  private static SecretKey key(int seed) {
    byte[] bytes = new byte[32];
    Arrays.fill(bytes, (byte) seed);
    return new SecretKeySpec(bytes, "AES");
  }

  private MemFileStore open(Path file, SecretKey key) {
    MemFileStore.Builder b = MemFileStore.builder().saveFile(file);
    if (key != null) {
      b.encryptionKey(key);
    }
    return b.build();
  }

  private static SessionData session(String value) {
    SessionData s = new SessionData();
    s.setAttribute("secret", value);
    return s;
  }

  private List<byte[]> allFiles() throws IOException {
    List<byte[]> contents = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        contents.add(Files.readAllBytes(f));
      }
    }
    return contents;
  }

  private static boolean contains(byte[] haystack, String needle) {
    return new String(haystack, StandardCharsets.ISO_8859_1).contains(needle);
  }

  @Test
  void neitherIdsNorValuesAreReadableOnDiskAndTheyComeBack() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, key(1));
    store.set(ID, session(SECRET));
    store.set("other", session("x"));
    store.destroy("other");
    for (byte[] bytes : allFiles()) { // the journal while running
      assertThat(contains(bytes, ID) || contains(bytes, SECRET)).isFalse();
    }
    store.close();
    for (byte[] bytes : allFiles()) { // the snapshot after close
      assertThat(contains(bytes, ID) || contains(bytes, SECRET)).isFalse();
    }
    assertThat(Files.readAllLines(file).get(0)).contains("\"cipher\":\"AES-GCM\"");

    MemFileStore reopened = open(file, key(1));
    assertThat(reopened.get(ID).orElseThrow().getAttribute("secret")).isEqualTo(SECRET);
    assertThat(reopened.ids()).containsExactly(ID);
    reopened.close();
  }

  @Test
  void anEncryptedJournalRecoversAfterACrash() {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, key(1));
    store.set(ID, session(SECRET));
    store.simulateCrash();

    MemFileStore recovered = open(file, key(1));
    assertThat(recovered.get(ID).orElseThrow().getAttribute("secret")).isEqualTo(SECRET);
    recovered.close();
  }

  @Test
  void aWrongKeyIsRefusedAtStartAndTheFileIsLeftAlone() throws IOException {
    Path file = dir.resolve("s.json");
    try (MemFileStore store = open(file, key(1))) {
      store.set(ID, session(SECRET));
    }
    byte[] before = Files.readAllBytes(file);

    assertThatThrownBy(() -> open(file, key(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("another key");
    assertThatThrownBy(() -> open(file, null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is encrypted");
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    try (MemFileStore store = open(file, key(1))) {
      assertThat(store.get(ID)).isPresent();
    }
  }

  @Test
  void aPlainFileIsReadAndThenWrittenEncrypted() throws IOException {
    Path file = dir.resolve("s.json");
    try (MemFileStore store = open(file, null)) {
      store.set(ID, session(SECRET));
    }
    assertThat(contains(Files.readAllBytes(file), SECRET)).isTrue();

    try (MemFileStore store =
        MemFileStore.builder()
            .saveFile(file)
            .encryptionKey(key(1))
            .encryptExistingPlainFiles(true)
            .build()) {
      assertThat(store.get(ID)).isPresent();
    }
    assertThat(contains(Files.readAllBytes(file), SECRET)).isFalse();
  }

  @Test
  void aDamagedEncryptedRecordCostsOnlyItself() throws IOException {
    Path file = dir.resolve("s.json");
    try (MemFileStore store = open(file, key(1))) {
      for (int i = 0; i < 5; i++) {
        store.set("id-" + i, session("v" + i));
      }
    }
    List<String> lines = new ArrayList<>(Files.readAllLines(file));
    String victim = lines.get(2);
    int at = victim.indexOf("\"enc\":\"") + 20;
    char flipped = victim.charAt(at) == 'A' ? 'B' : 'A';
    String tampered = victim.substring(0, at) + flipped + victim.substring(at + 1);
    // Give the tampered line a valid checksum, so that only AES-GCM can tell.
    byte[] body =
        tampered.substring(ChecksummedLine.BODY_OFFSET).getBytes(StandardCharsets.US_ASCII);
    java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
    ChecksummedLine.write(line, body, body.length);
    byte[] relined = line.toByteArray();
    assertThat(ChecksummedLine.isIntact(relined, relined.length - 1)).isTrue();
    lines.set(2, new String(relined, 0, relined.length - 1, StandardCharsets.US_ASCII));
    Files.write(file, lines);

    try (MemFileStore store = open(file, key(1))) {
      assertThat(store.length()).isEqualTo(4);
    }
  }

  @Test
  void keysThatAreNotAesOfAValidLengthAreRefused() {
    MemFileStore.Builder b = MemFileStore.builder();
    assertThatThrownBy(() -> b.encryptionKey(new SecretKeySpec(new byte[10], "AES")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("80 bits");
    assertThatThrownBy(() -> b.encryptionKey(new SecretKeySpec(new byte[8], "DES")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DES");
  }

  @Test
  void aRecordSealedWithAnotherKeyDoesNotOpen() {
    RecordCipher one = new RecordCipher(key(1));
    RecordCipher two = new RecordCipher(key(2));
    byte[] plain = "{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8);
    byte[] sealed = one.seal(plain, plain.length);
    assertThat(one.open(sealed)).isEqualTo(plain);
    assertThat(two.open(sealed)).isNull();
    sealed[sealed.length - 1] ^= 1;
    assertThat(one.open(sealed)).isNull();
    assertThat(one.matches(two.keyCheck())).isFalse();
    assertThat(one.matches(one.keyCheck())).isTrue();
  }

  @Test
  void aKeyFileHoldsTheKeyRawOrInBase64() throws IOException {
    Path keys = Files.createDirectories(dir.resolve("keys"));
    Path raw = keys.resolve("raw.key");
    Files.write(raw, key(7).getEncoded());
    Path text = keys.resolve("base64.key");
    Files.writeString(text, Base64.getEncoder().encodeToString(key(7).getEncoded()) + "\n");
    Path file = dir.resolve("sessions.json");

    try (MemFileStore store =
        MemFileStore.builder().saveFile(file).encryptionKeyFile(raw).build()) {
      store.set(ID, session(SECRET));
    }
    assertThat(MemFileStore.readEncryptionKey(text).getEncoded()).isEqualTo(key(7).getEncoded());
    try (MemFileStore store =
        MemFileStore.builder().saveFile(file).encryptionKeyFile(text).build()) {
      assertThat(store.get(ID)).map(s -> s.getAttribute("secret")).contains(SECRET);
    }
  }

  @Test
  void aBase64KeyReadsTheSameWithOrWithoutAFinalNewline() throws IOException {
    Path keys = Files.createDirectories(dir.resolve("keys"));
    for (int size : new int[] {16, 24, 32}) {
      byte[] key = new byte[size];
      new java.util.Random(size).nextBytes(key);
      // The base64 of a 16-byte key is 24 characters: the length of a raw 24-byte key.
      String base64 = Base64.getEncoder().encodeToString(key);
      for (String ending : new String[] {"", "\n", "\r\n"}) {
        Path file =
            Files.writeString(keys.resolve(size + "-" + ending.length() + ".key"), base64 + ending);
        assertThat(MemFileStore.readEncryptionKey(file).getEncoded())
            .as(
                "%d-byte key, base64 %s",
                size, ending.isEmpty() ? "without newline" : "with newline")
            .isEqualTo(key);
      }
    }
  }

  @Test
  void aKeyFileWithoutAKeyOrMissingIsRefusedWithHowToMakeOne() throws IOException {
    Path bad = Files.writeString(dir.resolve("bad.key"), "not a key");
    Path missing = dir.resolve("missing.key");

    assertThatThrownBy(() -> MemFileStore.readEncryptionKey(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds no AES key")
        .hasMessageContaining("head -c 32 /dev/urandom");
    assertThatThrownBy(() -> MemFileStore.builder().encryptionKeyFile(missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot read the encryption key file");
  }
}
