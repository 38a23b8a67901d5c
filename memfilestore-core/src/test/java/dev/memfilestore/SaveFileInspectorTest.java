package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The offline view of save files: what it reads, what it finds wrong, and how it rewrites. */
class SaveFileInspectorTest {
  @TempDir Path dir;
  private final TestClock clock = new TestClock();

  private MemFileStore.Builder builder(Path file) {
    return MemFileStore.builder().clock(clock).saveFile(file).ttl(Duration.ofHours(1));
  }

  private static SessionData session(String user, long visits) {
    SessionData s = new SessionData(Instant.parse("2026-01-01T00:00:00Z"));
    s.setAttribute("user", user);
    s.setAttribute("visits", visits);
    s.setAttribute("admin", Boolean.FALSE);
    s.setAttribute("roles", List.of("a", "b"));
    s.setAttribute(SaveFileInspector.PRINCIPAL_ATTRIBUTE, user);
    return s;
  }

  private static List<SaveFileInspector.Session> sessions(SaveFileInspector inspector)
      throws IOException {
    List<SaveFileInspector.Session> all = new ArrayList<>();
    inspector.forEachSession(all::add);
    return all;
  }

  private static Map<String, String> users(SaveFileInspector inspector) throws IOException {
    Map<String, String> users = new HashMap<>();
    inspector.forEachSession(s -> users.put(s.id(), s.principal()));
    return users;
  }

  /** A snapshot of a, b, c, then a journal (left by a crash) that changes b and deletes c. */
  private Path snapshotAndCrashedJournal() {
    Path file = dir.resolve("s.json");
    MemFileStore store = builder(file).build();
    store.set("a", session("ada", 1));
    store.set("b", session("bob", 2));
    store.set("c", session("cy", 3));
    store.save();
    store.set("b", session("bobby", 4));
    store.destroy("c");
    store.set("d", session("dee", 5));
    store.simulateCrash();
    return file;
  }

  @Test
  void javaAttributeStreamsAreWhatObjectOutputStreamWritesForEachValue() throws Exception {
    Path file = dir.resolve("j.bin");
    try (MemFileStore store = builder(file).serializer(SessionSerializer.java()).build()) {
      store.set("a", session("ada", 7));
      store.save();
    }
    SaveFileInspector inspector = SaveFileInspector.open(file);
    Map<String, byte[]> streams = inspector.javaAttributeStreams(sessions(inspector).get(0));

    assertThat(streams.keySet())
        .containsExactlyInAnyOrder(
            "user", "visits", "admin", "roles", SaveFileInspector.PRINCIPAL_ATTRIBUTE);
    assertThat(streams.get("visits")).isEqualTo(jdkStream(7L));
    assertThat(streams.get("roles")).isEqualTo(jdkStream(List.of("a", "b")));
    try (java.io.ObjectInputStream in =
        new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(streams.get("user")))) {
      assertThat(in.readObject()).isEqualTo("ada");
    }

    Path json = dir.resolve("t.json");
    try (MemFileStore store = builder(json).build()) {
      store.set("a", session("ada", 7));
      store.save();
    }
    SaveFileInspector plain = SaveFileInspector.open(json);
    SaveFileInspector.Session s = sessions(plain).get(0);
    assertThatThrownBy(() -> plain.javaAttributeStreams(s))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not 'java'");
  }

  private static byte[] jdkStream(Object value) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    return bytes.toByteArray();
  }

  @Test
  void seesWhatTheStoreWouldLoadFromSnapshotAndJournal() throws IOException {
    Path file = snapshotAndCrashedJournal();
    SaveFileInspector inspector = SaveFileInspector.open(file);

    assertThat(inspector.header().serializer()).isEqualTo("json");
    assertThat(inspector.journals()).hasSize(1);
    assertThat(users(inspector))
        .containsOnly(Map.entry("a", "ada"), Map.entry("b", "bobby"), Map.entry("d", "dee"));
    assertThat(inspector.bytesRead()).isEqualTo(inspector.totalBytes());

    SaveFileInspector.Session b =
        sessions(inspector).stream().filter(s -> s.id().equals("b")).findFirst().orElseThrow();
    assertThat(b.file()).isEqualTo(inspector.journals().get(0));
    assertThat(b.line()).isEqualTo(2);
    assertThat(b.expires()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
    assertThat(b.created()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(b.attributes())
        .contains(
            new SaveFileInspector.Attribute("user", "java.lang.String", "bobby"),
            new SaveFileInspector.Attribute("visits", "java.lang.Long", "4"),
            new SaveFileInspector.Attribute("admin", "java.lang.Boolean", "false"));
    assertThat(b.attributes())
        .filteredOn(a -> a.name().equals("roles"))
        .singleElement()
        .satisfies(a -> assertThat(a.value()).contains("\"a\""));

    try (MemFileStore store = builder(file).build()) {
      assertThat(store.ids()).containsExactlyInAnyOrder("a", "b", "d");
    }
  }

  @Test
  void verifyFindsNothingInIntactFilesAndChangesNothing() throws IOException {
    Path file = snapshotAndCrashedJournal();
    byte[] before = Files.readAllBytes(file);
    SaveFileInspector.Verification v = SaveFileInspector.open(file).verify();
    assertThat(v.problems()).isEmpty();
    assertThat(v.files()).hasSize(2);
    assertThat(v.records()).isEqualTo(3 + 3);
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
  }

  @Test
  void verifySaysWhichLineOfTheSnapshotIsDamagedAndWhere() throws IOException {
    Path file = snapshotAndCrashedJournal();
    List<String> lines = Files.readAllLines(file);
    int index = 1;
    long offset = lines.get(0).length() + 1;
    while (!lines.get(index).contains("\"id\":\"a\"")) { // the record of "a"
      offset += lines.get(index).length() + 1;
      index++;
    }
    byte[] bytes = Files.readAllBytes(file);
    bytes[(int) offset + 40] ^= 0x01;
    Files.write(file, bytes);

    SaveFileInspector inspector = SaveFileInspector.open(file);
    List<SaveFileInspector.Problem> problems = inspector.verify().problems();
    assertThat(problems).hasSize(2);
    assertThat(problems.get(0))
        .extracting(
            SaveFileInspector.Problem::line,
            SaveFileInspector.Problem::offset,
            SaveFileInspector.Problem::kind)
        .containsExactly(index + 1L, offset, "checksum");
    assertThat(problems.get(1).kind()).isEqualTo("count");
    assertThat(problems.get(0).message()).startsWith("line " + (index + 1) + " fails its checksum");
    assertThat(users(inspector)).containsOnlyKeys("b", "d"); // "a" is lost, the journal's stay
  }

  @Test
  void verifyFindsATruncatedSnapshot() throws IOException {
    Path file = snapshotAndCrashedJournal();
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 30));

    List<SaveFileInspector.Problem> problems = SaveFileInspector.open(file).verify().problems();
    assertThat(problems)
        .extracting(SaveFileInspector.Problem::kind)
        .containsExactly("truncated", "no-trailer");
  }

  @Test
  void verifyTellsATornTailFromADamagedJournal() throws IOException {
    Path file = snapshotAndCrashedJournal();
    Path journal = SaveFileInspector.open(file).journals().get(0);
    byte[] bytes = Files.readAllBytes(journal);
    assertThat(SaveFileInspector.open(file).verify().problems())
        .as("the zeros a crash leaves after a mapped journal's last line are no problem")
        .isEmpty();
    bytes = MappedJournals.withoutMappedTail(bytes);
    Files.write(journal, java.util.Arrays.copyOf(bytes, bytes.length - 5));
    assertThat(SaveFileInspector.open(file).verify().problems())
        .extracting(SaveFileInspector.Problem::kind, SaveFileInspector.Problem::line)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("torn-tail", 4L));

    bytes[bytes.length / 2 + 20] ^= 0x01; // a line in the middle (header is short)
    Files.write(journal, bytes);
    assertThat(SaveFileInspector.open(file).verify().problems())
        .extracting(SaveFileInspector.Problem::kind)
        .containsExactly("checksum", "not-replayed");
  }

  @Test
  void rewriteFoldsTheJournalInRemovesWhatIsAskedAndTheStoreLoadsIt() throws IOException {
    Path file = snapshotAndCrashedJournal();
    SaveFileInspector inspector = SaveFileInspector.open(file);
    SaveFileInspector.Session imported =
        inspector.decode(
            "e",
            null,
            "{\"created\":\"2026-01-01T00:00:00Z\",\"accessed\":\"2026-01-01T00:00:00Z\","
                + "\"attributes\":{\"user\":\"eve\"}}");
    SaveFileInspector.Rewritten r =
        inspector.rewrite(s -> "bobby".equals(s.principal()), List.of(imported));

    assertThat(r.kept()).isEqualTo(2);
    assertThat(r.removed()).isEqualTo(1);
    assertThat(r.added()).isEqualTo(1);
    assertThat(r.deletedJournals()).hasSize(1);
    assertThat(Files.exists(r.deletedJournals().get(0))).isFalse();
    assertThat(SaveFileInspector.open(file).verify().intact()).isTrue();
    try (MemFileStore store = builder(file).build()) {
      assertThat(store.ids()).containsExactlyInAnyOrder("a", "d", "e");
      assertThat(store.get("e").orElseThrow().getAttribute("user")).isEqualTo("eve");
      assertThat(store.get("a").orElseThrow().getAttribute("visits")).isEqualTo(1L);
    }
  }

  @Test
  void rewriteDropsExpiredSessionsAndKeepsTheRestTheirExpiry() throws IOException {
    Path file = dir.resolve("s.json");
    try (MemFileStore store = builder(file).build()) {
      store.set("short", session("a", 1));
      clock.advance(Duration.ofMinutes(50));
      store.set("long", session("b", 2));
    }
    clock.advance(Duration.ofMinutes(20)); // "short" expired 10 minutes ago
    SaveFileInspector inspector = SaveFileInspector.open(file);
    assertThat(sessions(inspector))
        .filteredOn(s -> s.isExpired(clock.instant()))
        .extracting(SaveFileInspector.Session::id)
        .containsExactly("short");
    Instant longExpires =
        sessions(inspector).stream()
            .filter(s -> s.id().equals("long"))
            .findFirst()
            .orElseThrow()
            .expires();

    assertThat(inspector.rewrite(s -> s.isExpired(clock.instant()), List.of()).removed())
        .isEqualTo(1);
    List<SaveFileInspector.Session> left = sessions(SaveFileInspector.open(file));
    assertThat(left).extracting(SaveFileInspector.Session::id).containsExactly("long");
    assertThat(left.get(0).expires()).isEqualTo(longExpires);
  }

  @Test
  void rewriteRefusesWhileAStoreHasTheFileOpen() throws IOException {
    Path file = dir.resolve("s.json");
    try (MemFileStore store = builder(file).build()) {
      store.set("a", session("ada", 1));
      store.save();
      byte[] before = Files.readAllBytes(file);
      SaveFileInspector inspector = SaveFileInspector.open(file);
      assertThatThrownBy(() -> inspector.rewrite(s -> true, List.of()))
          .isInstanceOf(SaveFileInspector.FileInUseException.class)
          .hasMessageContaining("stop the application first");
      assertThat(Files.readAllBytes(file)).isEqualTo(before);
    }
  }

  @Test
  void rewriteRefusesDamagedFilesAndLeavesThemAsTheyAre() throws IOException {
    Path file = snapshotAndCrashedJournal();
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 10] ^= 0x01; // the trailer
    Files.write(file, bytes);
    assertThatThrownBy(() -> SaveFileInspector.open(file).rewrite(s -> false, List.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is damaged");
    assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
  }

  @Test
  void encryptedFilesNeedTheirKey() throws IOException {
    SecretKey key = new SecretKeySpec(new byte[32], "AES");
    byte[] other = new byte[32];
    other[0] = 1;
    Path file = dir.resolve("s.json");
    // Dashes never occur in base64, so the name cannot turn up in the ciphertext by chance.
    String user = "ada-lovelace";
    try (MemFileStore store = builder(file).encryptionKey(key).build()) {
      store.set("a", session(user, 1));
    }
    assertThat(Files.readString(file)).doesNotContain(user);
    assertThatThrownBy(() -> SaveFileInspector.open(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is encrypted");
    assertThatThrownBy(() -> SaveFileInspector.open(file, new SecretKeySpec(other, "AES")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("another key");
    SaveFileInspector inspector = SaveFileInspector.open(file, key);
    assertThat(users(inspector)).containsExactly(Map.entry("a", user));
    assertThat(inspector.verify().intact()).isTrue();
    inspector.rewrite(s -> false, List.of());
    assertThat(Files.readString(file)).doesNotContain(user).contains("\"cipher\"");
    try (MemFileStore store = builder(file).encryptionKey(key).build()) {
      assertThat(store.ids()).containsExactly("a");
    }
  }

  @Test
  void javaSerializedSessionsShowNamesTypesAndSimpleValuesAndCopyByteForByte() throws IOException {
    Path file = dir.resolve("s.json");
    try (MemFileStore store = builder(file).serializer(SessionSerializer.java()).build()) {
      store.set("a", session("ada", 1));
    }
    SaveFileInspector inspector = SaveFileInspector.open(file);
    assertThat(inspector.header().serializer()).isEqualTo("java");
    SaveFileInspector.Session a = sessions(inspector).get(0);
    assertThat(a.created()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(a.principal()).isEqualTo("ada");
    assertThat(a.attributes())
        .contains(
            new SaveFileInspector.Attribute("user", "java.lang.String", "ada"),
            new SaveFileInspector.Attribute("visits", "java.lang.Long", "1"));
    assertThat(a.attributes())
        .filteredOn(x -> x.name().equals("roles"))
        .singleElement()
        .satisfies(x -> assertThat(x.value()).isNull());
    assertThat(inspector.verify().intact()).isTrue();

    inspector.rewrite(s -> false, List.of(inspector.decode("b", null, a.data())));
    try (MemFileStore store = builder(file).serializer(SessionSerializer.java()).build()) {
      assertThat(store.get("b").orElseThrow().getAttribute("visits")).isEqualTo(1L);
      assertThat(store.get("a")).isPresent();
    }
  }

  @Test
  void refusesMissingEmptyAndForeignFiles() throws IOException {
    Path missing = dir.resolve("none.json");
    assertThatThrownBy(() -> SaveFileInspector.open(missing))
        .isInstanceOf(NoSuchFileException.class);
    Path empty = Files.createFile(dir.resolve("empty.json"));
    assertThatThrownBy(() -> SaveFileInspector.open(empty))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is empty");
    Path foreign = dir.resolve("package.json");
    Files.writeString(foreign, "{\"name\":\"x\",\"version\":\"1.0.0\"}\n", StandardCharsets.UTF_8);
    assertThatThrownBy(() -> SaveFileInspector.open(foreign))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a MemFileStore save file");
  }

  @Test
  void decodeRefusesWhatIsNotASessionOfTheFilesSerializer() throws IOException {
    Path file = snapshotAndCrashedJournal();
    SaveFileInspector inspector = SaveFileInspector.open(file);
    assertThatThrownBy(() -> inspector.decode("x", null, "{\"attributes\":{}}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> inspector.decode("x", null, "[1,2]"))
        .isInstanceOf(IllegalArgumentException.class);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.count()).isEqualTo(3); // save file, journal, lock: nothing written
    }
  }
}
