package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotPersistenceTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final TestClock clock = new TestClock();

  private MemFileStore.Builder builder(Path file) {
    return MemFileStore.builder().clock(clock).saveFile(file);
  }

  private SessionData session(String user) {
    SessionData s = new SessionData(clock.instant());
    s.setAttribute("user", user);
    return s;
  }

  // ---------------------------------------------------------------- round trip and expiry

  @Test
  void closeAndReopenKeepsEverySessionWithItsAttributesTimesAndTypes() {
    Path file = dir.resolve("sessions.json");
    Map<String, SessionData> saved = new HashMap<>();
    try (MemFileStore store = builder(file).build()) {
      SessionData a = new SessionData(clock.instant().minusSeconds(30));
      a.setLastAccessedTime(clock.instant().minusSeconds(5));
      a.setMaxInactiveInterval(Duration.ofMinutes(45));
      a.setAttribute("long", 5L);
      a.setAttribute("int", 7);
      a.setAttribute("text", "ünïcödé \"quoted\" \n newline");
      a.setAttribute("flag", true);
      a.setAttribute("list", new ArrayList<>(List.of("x", "y")));
      Map<String, Object> map = new HashMap<>();
      map.put("k", 1L);
      map.put("nested", new ArrayList<>(List.of(2, "three")));
      a.setAttribute("map", map);
      a.setAttribute("when", Instant.parse("2025-06-01T12:34:56.789Z"));
      a.setAttribute("uuid", UUID.fromString("123e4567-e89b-12d3-a456-426614174000"));
      a.setAttribute("decimal", new BigDecimal("12.50"));
      SessionData b = session("grace");
      SessionData c = new SessionData(clock.instant()); // no attributes
      saved.put("session-a", a);
      saved.put("session-b", b);
      saved.put("session-c", c);
      saved.forEach(store::set);
    }

    try (MemFileStore store = builder(file).build()) {
      assertThat(store.length()).isEqualTo(3);
      assertThat(store.all()).isEqualTo(saved);
      SessionData a = store.get("session-a").orElseThrow();
      assertThat(a.getAttribute("long")).isInstanceOf(Long.class).isEqualTo(5L);
      assertThat(a.getAttribute("int")).isInstanceOf(Integer.class).isEqualTo(7);
      assertThat(a.getAttribute("when")).isEqualTo(Instant.parse("2025-06-01T12:34:56.789Z"));
      assertThat(a.getAttribute("decimal")).isEqualTo(new BigDecimal("12.50"));
      assertThat(a.getMaxInactiveInterval()).isEqualTo(Duration.ofMinutes(45));
    }
  }

  @Test
  void unusualIdsSurviveARestart() {
    Path file = dir.resolve("sessions.json");
    List<String> ids =
        List.of(
            "plain",
            "with \"quotes\" and \\backslash\\",
            "new\nline and\ttab and \r return",
            "control \u0001\u001f chars",
            "ünïcödé ✓ 😀",
            "line\u2028separator",
            "x".repeat(MemFileStore.MAX_ID_LENGTH));
    try (MemFileStore store = builder(file).build()) {
      for (String id : ids) {
        store.set(id, session(id));
      }
    }
    assertThat(lines(file)).as("no id breaks a line").hasSize(ids.size() + 2);
    try (MemFileStore store = builder(file).build()) {
      assertThat(store.ids()).containsExactlyInAnyOrderElementsOf(ids);
      for (String id : ids) {
        assertThat(store.get(id).orElseThrow().getAttribute("user")).isEqualTo(id);
      }
    }
  }

  @Test
  void anIdThatCannotBeWrittenNeverStopsTheOtherSessionsFromBeingSaved() {
    Path file = dir.resolve("sessions.json");
    try (MemFileStore store = builder(file).build()) {
      store.set("good-session", session("ada"));
      try {
        store.set("bad-\uD800-session", session("mallory"));
      } catch (IllegalArgumentException refused) {
        // refusing such an id at set() is a fine way to keep the file writable
      }
      assertThatCode(store::save).doesNotThrowAnyException();
    }
    try (MemFileStore store = builder(file).build()) {
      assertThat(store.get("good-session")).isPresent();
    }
  }

  @Test
  void javaSerializedSessionsWithoutAttributesSurviveARestart() throws IOException {
    Path file = dir.resolve("sessions.json");
    SessionData s = new SessionData(clock.instant().minusSeconds(5));
    s.setMaxInactiveInterval(Duration.ofMinutes(30));
    try (MemFileStore store = builder(file).serializer(SessionSerializer.java()).build()) {
      store.set("session-1", s);
    }
    try (MemFileStore store = builder(file).serializer(SessionSerializer.java()).build()) {
      assertThat(store.all()).isEqualTo(Map.of("session-1", s));
    }
    assertThat(siblings(file)).as("nothing was kept aside").allMatch(n -> !n.contains("damaged"));
  }

  @Test
  void javaSerializedSessionsWithAttributesSurviveARestart() throws IOException {
    Path file = dir.resolve("sessions.json");
    SessionData s = session("ada");
    s.setAttribute("visits", 3L);
    s.setAttribute("cart", new ArrayList<>(List.of("book", "pen")));
    try (MemFileStore store = builder(file).serializer(SessionSerializer.java()).build()) {
      store.set("session-1", s);
    }
    try (MemFileStore store = builder(file).serializer(SessionSerializer.java()).build()) {
      assertThat(store.all()).isEqualTo(Map.of("session-1", s));
    }
    assertThat(siblings(file)).as("nothing was kept aside").allMatch(n -> !n.contains("damaged"));
  }

  @Test
  void remainingTtlIsKeptAcrossARestart() {
    Path file = dir.resolve("sessions.json");
    try (MemFileStore store = builder(file).ttl(Duration.ofMinutes(10)).build()) {
      store.set("session-1", session("ada"));
      clock.advance(Duration.ofMinutes(4));
    }

    // Reopened with the same clock (4 minutes in) and even another default ttl: 6 minutes remain.
    try (MemFileStore store = builder(file).ttl(Duration.ofDays(1)).build()) {
      assertThat(store.get("session-1")).isPresent();
      clock.advance(Duration.ofMinutes(5).plusSeconds(59));
      assertThat(store.get("session-1")).as("at +5:59 after the reopen").isPresent();
      clock.advance(Duration.ofSeconds(2));
      assertThat(store.get("session-1")).as("at +6:01 after the reopen").isEmpty();
      assertThat(store.length()).isZero();
    }
  }

  @Test
  void sessionsThatExpiredWhileDownAreSkippedWithoutDispose() throws IOException {
    Path file = dir.resolve("sessions.json");
    try (MemFileStore store = builder(file).build()) {
      SessionData shortLived = session("short");
      shortLived.setMaxInactiveInterval(Duration.ofMinutes(5));
      SessionData longLived = session("long");
      longLived.setMaxInactiveInterval(Duration.ofHours(1));
      store.set("short-lived", shortLived);
      store.set("long-lived", longLived);
    }
    clock.advance(Duration.ofMinutes(10)); // the application is down meanwhile

    List<String> disposed = new ArrayList<>();
    try (MemFileStore store =
        builder(file).dispose((id, s, cause) -> disposed.add(id + ":" + cause)).build()) {
      assertThat(store.ids()).containsExactly("long-lived");
      assertThat(store.get("short-lived")).isEmpty();
      store.prune();
      assertThat(disposed).as("a session that expired while down is not disposed").isEmpty();
    }
    assertThat(disposed).isEmpty();
    assertThat(String.join("\n", lines(file)))
        .as("the next snapshot drops the expired session")
        .doesNotContain("short-lived")
        .contains("long-lived");
  }

  @Test
  void aSessionThatNeverExpiresSurvivesAnyDowntime() throws IOException {
    Path file = dir.resolve("sessions.json");
    try (MemFileStore store = builder(file).ttl(Duration.ofMinutes(1)).build()) {
      SessionData forever = session("forever");
      forever.setMaxInactiveInterval(Duration.ofSeconds(-1));
      store.set("forever", forever);
      store.set("mortal", session("mortal"));
    }
    JsonNode record = records(file).get("forever");
    assertThat(record.get("expires").isNull()).as("expires of a never-expiring session").isTrue();

    clock.advance(Duration.ofDays(10_000));
    try (MemFileStore store = builder(file).ttl(Duration.ofMinutes(1)).build()) {
      assertThat(store.ids()).containsExactly("forever");
      assertThat(store.get("forever").orElseThrow().getMaxInactiveInterval())
          .isEqualTo(Duration.ofSeconds(-1));
      clock.advance(Duration.ofDays(10_000));
      assertThat(store.get("forever")).isPresent();
    }
  }

  @Test
  void closeSavesWhatWasNeverExplicitlySaved() {
    Path file = dir.resolve("sessions.json");
    MemFileStore store = builder(file).build();
    store.set("session-1", session("ada"));
    assertThat(file).doesNotExist();
    store.close();
    assertThat(file).exists();
    try (MemFileStore reopened = builder(file).build()) {
      assertThat(reopened.get("session-1").orElseThrow().getAttribute("user")).isEqualTo("ada");
    }
  }

  @Test
  void statsReportTheSnapshotLoadedAtStartUntilThisStoreWritesOne() throws IOException {
    Path file = dir.resolve("sessions.json");
    try (MemFileStore store = builder(file).build()) {
      assertThat(store.stats().lastSnapshot()).isNull();
      store.set("a", session("ada"));
      store.set("b", session("bob"));
    }

    try (MemFileStore store = builder(file).build()) {
      StoreStats stats = store.stats();
      assertThat(stats.lastSnapshot()).isEqualTo(Files.getLastModifiedTime(file).toInstant());
      assertThat(stats.lastSnapshotBytes()).isEqualTo(Files.size(file));
      assertThat(stats.lastSnapshotSessions()).isEqualTo(2);
    }
  }

  @Test
  void saveWithoutSaveFileIsRefused() {
    try (MemFileStore store = MemFileStore.builder().clock(clock).build()) {
      store.set("session-1", session("ada"));
      assertThatThrownBy(store::save)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("saveFile");
    }
  }

  // ---------------------------------------------------------------- skipping unchanged saves

  @Test
  void saveIsSkippedWhenNothingChangedAndNotOtherwise() throws IOException {
    Path file = dir.resolve("sessions.json");
    try (MemFileStore store = builder(file).build()) {
      store.set("session-1", session("ada"));
      store.set("session-2", session("grace"));
      store.set("session-3", session("edsger"));
      store.save();
      Object key = fileKey(file);
      assumeThat(key).as("the file system reports file keys").isNotNull();

      store.save();
      assertThat(fileKey(file)).as("a second save with no change in between").isEqualTo(key);
      store.get("session-1");
      store.ids();
      store.all();
      store.destroy("no-such-session");
      store.touch("no-such-session", null);
      store.save();
      assertThat(fileKey(file)).as("after reads and no-op changes").isEqualTo(key);

      Map<String, Runnable> changes = new java.util.LinkedHashMap<>();
      changes.put("set", () -> store.set("session-4", session("barbara")));
      changes.put("touch", () -> store.touch("session-1", null));
      changes.put("destroy", () -> store.destroy("session-2"));
      changes.put("clear", store::clear);
      for (Map.Entry<String, Runnable> change : changes.entrySet()) {
        Object before = fileKey(file);
        change.getValue().run();
        store.save();
        Object after = fileKey(file);
        assertThat(after).as("save after %s", change.getKey()).isNotEqualTo(before);
        store.save();
        assertThat(fileKey(file)).as("save again after %s", change.getKey()).isEqualTo(after);
      }
      assertThat(records(file)).as("the last snapshot, after clear").isEmpty();
    }
  }

  @Test
  void aReopenedIntactFileIsNotRewrittenUntilSomethingChanges() throws IOException {
    Path file = dir.resolve("sessions.json");
    try (MemFileStore store = builder(file).build()) {
      store.set("session-1", session("ada"));
    }
    Object key = fileKey(file);
    assumeThat(key).isNotNull();
    byte[] bytes = Files.readAllBytes(file);

    try (MemFileStore store = builder(file).build()) {
      store.save();
      assertThat(fileKey(file)).isEqualTo(key);
    }
    assertThat(fileKey(file)).as("close without changes").isEqualTo(key);
    assertThat(file).hasBinaryContent(bytes);

    try (MemFileStore store = builder(file).build()) {
      store.set("session-2", session("grace"));
    }
    assertThat(fileKey(file)).isNotEqualTo(key);
    assertThat(records(file)).containsOnlyKeys("session-1", "session-2");
  }

  // ---------------------------------------------------------------- the file itself

  @Test
  void theFileIsJsonLinesWithAHeaderRecordsAndATrailer() throws IOException {
    Path file = dir.resolve("sessions.json");
    try (MemFileStore store = builder(file).build()) {
      for (int i = 0; i < 5; i++) {
        SessionData s = session("user-" + i);
        s.setMaxInactiveInterval(Duration.ofMinutes(10 + i));
        store.set("session-" + i, s);
      }
      store.save();
      assertThat(siblings(file))
          .as("no .tmp stays after a save; the journal's new generation is there")
          .containsExactlyInAnyOrder(
              "sessions.json", "sessions.json.lock", "sessions.json.journal.1");
    }
    assertThat(siblings(file)).containsExactlyInAnyOrder("sessions.json", "sessions.json.lock");

    byte[] bytes = Files.readAllBytes(file);
    assertThat(bytes[bytes.length - 1]).as("the file ends with a newline").isEqualTo((byte) '\n');
    List<String> lines = lines(file);
    assertThat(lines).hasSize(7);
    List<JsonNode> nodes = new ArrayList<>();
    for (String line : lines) {
      JsonNode node = JSON.readTree(line);
      assertThat(node.isObject()).as(line).isTrue();
      assertThat(node.get("crc").asText()).as(line).matches("[0-9a-f]{8}");
      nodes.add(node);
    }

    JsonNode header = nodes.get(0);
    assertThat(header.get("format").asText()).isEqualTo("memfilestore-sessions");
    assertThat(header.get("version").isInt()).isTrue();
    assertThat(header.get("version").asInt()).isEqualTo(FileFormat.VERSION);
    assertThat(header.get("serializer").asText()).isEqualTo("json");
    assertThat(Instant.parse(header.get("written").asText())).isEqualTo(clock.instant());

    JsonNode trailer = nodes.get(nodes.size() - 1);
    assertThat(trailer.get("end").asBoolean()).isTrue();
    assertThat(trailer.get("end").isBoolean()).isTrue();
    assertThat(trailer.get("records").asLong()).isEqualTo(5);

    for (int i = 1; i <= 5; i++) {
      JsonNode record = nodes.get(i);
      String id = record.get("id").asText();
      assertThat(id).startsWith("session-");
      int n = Integer.parseInt(id.substring("session-".length()));
      assertThat(Instant.parse(record.get("expires").asText()))
          .isEqualTo(clock.instant().plus(Duration.ofMinutes(10 + n)));
      assertThat(record.get("session").isObject()).isTrue();
      assertThat(record.get("session").toString()).contains("user-" + n);
    }
  }

  @Test
  void aLeftoverTemporaryFileFromACrashIsReplacedAndRemoved() throws IOException {
    Path file = dir.resolve("sessions.json");
    Path tmp = dir.resolve("sessions.json.tmp");
    Files.writeString(tmp, "half a snapshot from a crash");
    if (SaveFiles.POSIX) {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
    }
    try (MemFileStore store = builder(file).build()) {
      assertThat(store.length()).isZero();
      store.set("session-1", session("ada"));
      store.save();
      assertThat(tmp).doesNotExist();
    }
    assertThat(records(file)).containsOnlyKeys("session-1");
  }

  @Test
  void theSaveFileAndItsLockAreOwnerOnly() throws IOException {
    assumeThat(SaveFiles.POSIX).as("a POSIX file system").isTrue();
    Path file = dir.resolve("sessions.json");
    Path lock = dir.resolve("sessions.json.lock");
    try (MemFileStore store = builder(file).build()) {
      assertThat(permissions(lock)).isEqualTo("rw-------");
      store.set("session-1", session("ada"));
      store.save();
      assertThat(permissions(file)).isEqualTo("rw-------");
    }
    assertThat(permissions(file)).isEqualTo("rw-------");

    // Files left world-readable (by an older version, or by hand) are made owner-only again.
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
    Files.setPosixFilePermissions(lock, PosixFilePermissions.fromString("rw-rw-rw-"));
    try (MemFileStore store = builder(file).build()) {
      assertThat(permissions(lock)).isEqualTo("rw-------");
      store.set("session-2", session("grace"));
      store.save();
      assertThat(permissions(file)).isEqualTo("rw-------");
    }
  }

  // ---------------------------------------------------------------- the directory

  @Test
  void missingNestedDirectoriesAreCreatedOwnerOnly() throws IOException {
    Path file = dir.resolve("a/b/c/sessions.json");
    try (MemFileStore store = builder(file).build()) {
      assertThat(dir.resolve("a/b/c")).isDirectory();
      store.set("session-1", session("ada"));
    }
    assertThat(file).isRegularFile();
    if (SaveFiles.POSIX) {
      for (String created : List.of("a", "a/b", "a/b/c")) {
        assertThat(permissions(dir.resolve(created))).as(created).isEqualTo("rwx------");
      }
    }
    try (MemFileStore store = builder(file).build()) {
      assertThat(store.ids()).containsExactly("session-1");
    }
  }

  @Test
  void aSaveFileThatIsADirectoryIsRefusedNamingThePath() throws IOException {
    Path file = Files.createDirectory(dir.resolve("sessions.json"));
    assertThatThrownBy(() -> builder(file).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void aParentThatIsARegularFileIsRefusedNamingThePath() throws IOException {
    Path notADirectory = Files.writeString(dir.resolve("plain-file"), "not a directory");

    Path file = notADirectory.resolve("sessions.json");
    assertThatThrownBy(() -> builder(file).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(notADirectory.toString());

    Path deeper = notADirectory.resolve("sub/sessions.json");
    assertThatThrownBy(() -> builder(deeper).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(deeper.toString());

    assertThat(notADirectory).hasContent("not a directory");
  }

  // ---------------------------------------------------------------- one store per file

  @Test
  void aSecondStoreOnTheSameFileIsRefusedWhileTheFirstKeepsWorking() throws IOException {
    Path file = dir.resolve("sessions.json");
    MemFileStore first = builder(file).build();
    try {
      first.set("session-1", session("ada"));
      first.save();

      assertThatThrownBy(() -> builder(file).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(file.toString());
      // the same file spelled another way is the same file
      Path other = dir.resolve("elsewhere/../sessions.json");
      assertThatThrownBy(() -> builder(other).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(file.toString());

      first.set("session-2", session("grace"));
      first.save();
      assertThat(first.ids()).containsExactlyInAnyOrder("session-1", "session-2");
    } finally {
      first.close();
    }

    try (MemFileStore second = builder(file).build()) {
      assertThat(second.ids()).containsExactlyInAnyOrder("session-1", "session-2");
      second.set("session-3", session("edsger"));
    }
    assertThat(records(file)).containsOnlyKeys("session-1", "session-2", "session-3");
  }

  @Test
  void anotherProcessCannotTakeTheLockWhileTheStoreHoldsIt() throws Exception {
    Path file = dir.resolve("sessions.json");
    Path lock = dir.resolve("sessions.json.lock");
    try (MemFileStore store = builder(file).build()) {
      assertThat(store.length()).isZero();
      assertThat(lockFromAnotherProcess(lock)).isEqualTo("HELD");
    }
    assertThat(lockFromAnotherProcess(lock)).as("after close").isEqualTo("ACQUIRED");
  }

  @Test
  void aRefusedSecondStoreDoesNotReleaseTheFirstStoresLock() throws Exception {
    Path file = dir.resolve("sessions.json");
    Path lock = dir.resolve("sessions.json.lock");
    try (MemFileStore store = builder(file).build()) {
      assertThat(store.length()).isZero();
      assertThatThrownBy(() -> builder(file).build()).isInstanceOf(IllegalStateException.class);
      assertThat(lockFromAnotherProcess(lock))
          .as("another process, after a second store in this JVM was refused")
          .isEqualTo("HELD");
    }
  }

  @Test
  void aClosedStoreNeverWritesTheFileAgain() throws IOException {
    Path file = dir.resolve("sessions.json");
    MemFileStore first = builder(file).build();
    first.set("session-1", session("ada"));
    first.close();

    try (MemFileStore second = builder(file).build()) {
      second.set("session-2", session("grace"));
      second.save();
      byte[] secondsSnapshot = Files.readAllBytes(file);

      try {
        first.clear();
        first.save();
      } catch (IllegalStateException refused) {
        // refusing is fine; writing is not
      }
      assertThat(file).as("the file the second store owns").hasBinaryContent(secondsSnapshot);
    }
  }

  // ---------------------------------------------------------------- helpers

  private static Object fileKey(Path file) throws IOException {
    return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
  }

  private static String permissions(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  private static List<String> siblings(Path file) throws IOException {
    try (Stream<Path> files = Files.list(file.getParent())) {
      return files.map(p -> p.getFileName().toString()).toList();
    }
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The session records of a save file by id (header and trailer left out). */
  private static Map<String, JsonNode> records(Path file) throws IOException {
    Map<String, JsonNode> records = new HashMap<>();
    for (String line : lines(file)) {
      JsonNode node = JSON.readTree(line);
      if (node.has("id")) {
        records.put(node.get("id").asText(), node);
      }
    }
    return records;
  }

  /**
   * Tries to lock a file from a separate JVM (a single-file source program, so it needs no class
   * path): "HELD" if another process holds the lock, "ACQUIRED" if it was free.
   */
  private String lockFromAnotherProcess(Path lock) throws IOException, InterruptedException {
    assumeThat(ModuleLayer.boot().findModule("jdk.compiler"))
        .as("a JDK that runs single-file source programs")
        .isPresent();
    Path probe = dir.resolve("LockProbe.java");
    if (!Files.exists(probe)) {
      Files.writeString(
          probe,
          """
          import java.nio.channels.FileChannel;
          import java.nio.channels.FileLock;
          import java.nio.file.Path;
          import java.nio.file.StandardOpenOption;

          public class LockProbe {
            public static void main(String[] args) throws Exception {
              try (FileChannel c = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE)) {
                FileLock lock = c.tryLock();
                System.out.print(lock == null ? "HELD" : "ACQUIRED");
              }
            }
          }
          """);
    }
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process process =
        new ProcessBuilder(java.toString(), probe.toString(), lock.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the probe finished").isTrue();
    assertThat(process.exitValue()).as("probe output: %s", output).isZero();
    return output.trim();
  }
}
