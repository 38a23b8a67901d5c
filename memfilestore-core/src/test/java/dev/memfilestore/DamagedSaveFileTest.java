package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.io.TempDirFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A save file damaged in any way never stops start-up: every intact record is loaded, nothing
 * invalid is, and the damaged file is kept aside, byte for byte, never overwritten.
 */
class DamagedSaveFileTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NAME = "sessions.json";

  /**
   * On a memory file system where there is one: these tests start thousands of stores, and each
   * start on a damaged file forces the file and its directory to disk several times.
   */
  @TempDir(factory = MemoryFirst.class)
  Path root;

  private final TestClock clock = new TestClock();

  // ---------------------------------------------------------------- a valid file to damage

  /** A valid save file, the sessions it holds, and where each record's line is. */
  private static final class Original {
    private final byte[] bytes;
    private final Map<String, SessionData> sessions;
    private final List<Line> records;

    Original(byte[] bytes, Map<String, SessionData> sessions, List<Line> records) {
      this.bytes = bytes;
      this.sessions = sessions;
      this.records = records;
    }

    byte[] bytes() {
      return bytes.clone();
    }

    Map<String, SessionData> sessions() {
      return sessions;
    }

    List<Line> records() {
      return records;
    }
  }

  /** A record line: its first byte and the index of its newline. */
  private record Line(String id, int start, int newline) {}

  private Original original(SessionSerializer serializer) throws IOException {
    Map<String, SessionData> sessions = new LinkedHashMap<>();
    Instant now = clock.instant();
    SessionData a = new SessionData(now.minusSeconds(60));
    sessions.put("session-a", a);
    SessionData b = new SessionData(now.minusSeconds(10));
    b.setLastAccessedTime(now.minusSeconds(2));
    b.setMaxInactiveInterval(Duration.ofMinutes(20));
    sessions.put("session-b", b);
    SessionData c = new SessionData(now);
    c.setMaxInactiveInterval(Duration.ofSeconds(-1));
    sessions.put("session-c", c);
    SessionData d = new SessionData(now);
    sessions.put("session-d", d);
    SessionData e = new SessionData(now.minusMillis(1234));
    e.setMaxInactiveInterval(Duration.ofHours(2));
    sessions.put("session-e", e);
    // The java serializer cannot read back a session with attributes (see
    // SnapshotPersistenceTest.javaSerializedSessionsWithAttributesSurviveARestart), so its file
    // holds sessions that differ in their times only.
    if (!"java".equals(serializer.name())) {
      a.setAttribute("user", "ada");
      a.setAttribute("visits", 3L);
      b.setAttribute("cart", new ArrayList<>(List.of("book", "pen")));
      c.setAttribute("price", new BigDecimal("9.99"));
      c.setAttribute("flag", true);
      Map<String, Object> prefs = new HashMap<>();
      prefs.put("lang", "fr");
      prefs.put("size", 12);
      e.setAttribute("prefs", prefs);
      e.setAttribute("text", "ünïcödé ✓");
    }

    Path file = Files.createDirectories(root.resolve("original")).resolve(NAME);
    try (MemFileStore store = builder(file).serializer(serializer).build()) {
      sessions.forEach(store::set);
    }
    byte[] bytes = Files.readAllBytes(file);

    List<Line> records = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        JsonNode node = JSON.readTree(Arrays.copyOfRange(bytes, start, i));
        if (node.has("id")) {
          records.add(new Line(node.get("id").asText(), start, i));
        }
        start = i + 1;
      }
    }
    assertThat(records).extracting(Line::id).containsExactlyInAnyOrderElementsOf(sessions.keySet());
    assertThat(records.get(0).start()).as("a header comes first").isPositive();
    return new Original(bytes, sessions, records);
  }

  private MemFileStore.Builder builder(Path file) {
    return MemFileStore.builder().clock(clock).saveFile(file);
  }

  // ---------------------------------------------------------------- truncation

  @Test
  void aFileCutAtAnyByteNeverStopsStartUpAndLoadsExactlyTheCompleteRecords() throws IOException {
    Original original = original(SessionSerializer.json());
    byte[] valid = original.bytes();

    for (int length = 0; length < valid.length; length++) {
      String what = "cut to " + length + " of " + valid.length + " bytes";
      byte[] cut = Arrays.copyOf(valid, length);
      Path file = Files.createDirectory(root.resolve("cut-" + length)).resolve(NAME);
      Files.write(file, cut);

      Map<String, SessionData> loaded = start(file, SessionSerializer.json(), what);

      Set<String> complete = new HashSet<>();
      for (Line line : original.records()) {
        if (line.newline() < length) {
          complete.add(line.id());
        }
      }
      assertThat(loaded.keySet())
          .as("%s: every complete record is loaded", what)
          .isEqualTo(complete);
      assertLoadedAreOriginals(loaded, original, what);
      assertKeptAside(file, cut, what);
      assertStartsCleanly(file, SessionSerializer.json(), loaded, what);
    }
  }

  // ---------------------------------------------------------------- flipped bytes

  @Test
  void flippedBytesNeverStopStartUpAndLoadExactlyTheIntactRecords() throws IOException {
    long seed = Long.getLong("memfilestore.seed", new SplittableRandom().nextLong());
    flipBytes(SessionSerializer.json(), seed, 300, true);
  }

  @Test
  void flippedBytesInAJavaSerializedFileNeverLoadAnythingInvalid() throws IOException {
    long seed = Long.getLong("memfilestore.seed", new SplittableRandom().nextLong());
    // Exact only while the header is intact: see the disabled test on a damaged header below.
    flipBytes(SessionSerializer.java(), seed, 100, false);
  }

  /**
   * @param exactWithoutHeader whether every intact record must be loaded even when the header is
   *     damaged
   */
  private void flipBytes(
      SessionSerializer serializer, long seed, int rounds, boolean exactWithoutHeader)
      throws IOException {
    Original original = original(serializer);
    byte[] valid = original.bytes();
    SplittableRandom random = new SplittableRandom(seed);

    for (int round = 0; round < rounds; round++) {
      byte[] damaged = valid.clone();
      int flips = random.nextInt(1, 4);
      List<Integer> positions = new ArrayList<>();
      for (int i = 0; i < flips; i++) {
        int position = random.nextInt(damaged.length);
        damaged[position] ^= (byte) random.nextInt(1, 256);
        positions.add(position);
      }
      String what =
          "seed "
              + seed
              + " (-Dmemfilestore.seed="
              + seed
              + "), round "
              + round
              + ", bytes "
              + positions
              + " flipped";
      Path file = Files.createDirectory(root.resolve("flip-" + round)).resolve(NAME);
      Files.write(file, damaged);

      Map<String, SessionData> loaded = start(file, serializer, what);

      assertLoadedAreOriginals(loaded, original, what);
      int header = original.records().get(0).start();
      if (exactWithoutHeader || Arrays.equals(valid, 0, header, damaged, 0, header)) {
        // A record is read as it was written when its own bytes and the newline before it are.
        Set<String> intact = new HashSet<>();
        for (Line line : original.records()) {
          if (Arrays.equals(
              valid,
              line.start() - 1,
              line.newline() + 1,
              damaged,
              line.start() - 1,
              line.newline() + 1)) {
            intact.add(line.id());
          }
        }
        assertThat(loaded.keySet()).as("%s: every intact record is loaded", what).isEqualTo(intact);
      }
      if (Arrays.equals(valid, damaged)) {
        assertThat(asideFiles(file)).as("%s: the flips cancelled out", what).isEmpty();
        assertThat(loaded).as(what).isEqualTo(original.sessions());
      } else {
        assertKeptAside(file, damaged, what);
      }
      assertStartsCleanly(file, serializer, loaded, what);
    }
  }

  @Test
  void aDamagedRecordCostsOnlyThatRecord() throws IOException {
    Original original = original(SessionSerializer.json());
    byte[] damaged = original.bytes();
    Line victim = original.records().get(2);
    int inSession = indexOf(damaged, "\"session\":{", victim.start()) + 12;
    damaged[inSession] = (byte) (damaged[inSession] == 'x' ? 'y' : 'x');
    Path file = Files.createDirectory(root.resolve("one")).resolve(NAME);
    Files.write(file, damaged);

    Map<String, SessionData> loaded = start(file, SessionSerializer.json(), "one record damaged");

    Map<String, SessionData> expected = new HashMap<>(original.sessions());
    expected.remove(victim.id());
    assertThat(loaded).isEqualTo(expected);
    assertKeptAside(file, damaged, "one record damaged");
    assertStartsCleanly(file, SessionSerializer.json(), expected, "one record damaged");
  }

  @Test
  void aDamagedHeaderInAJavaSerializedFileStillLoadsTheIntactRecords() throws IOException {
    Original original = original(SessionSerializer.java());
    byte[] damaged = original.bytes();
    int inHeader = indexOf(damaged, "\"written\":\"", 0) + 11;
    damaged[inHeader] = (byte) (damaged[inHeader] == '1' ? '2' : '1');
    Path file = Files.createDirectory(root.resolve("header")).resolve(NAME);
    Files.write(file, damaged);

    Map<String, SessionData> loaded = start(file, SessionSerializer.java(), "header damaged");

    assertThat(loaded).isEqualTo(original.sessions());
    assertKeptAside(file, damaged, "header damaged");
  }

  @Test
  void aDamagedHeaderInAJsonFileStillLoadsTheIntactRecords() throws IOException {
    Original original = original(SessionSerializer.json());
    byte[] damaged = original.bytes();
    int inHeader = indexOf(damaged, "\"written\":\"", 0) + 11;
    damaged[inHeader] = (byte) (damaged[inHeader] == '1' ? '2' : '1');
    Path file = Files.createDirectory(root.resolve("header")).resolve(NAME);
    Files.write(file, damaged);

    Map<String, SessionData> loaded = start(file, SessionSerializer.json(), "header damaged");

    assertThat(loaded).isEqualTo(original.sessions());
    assertKeptAside(file, damaged, "header damaged");
  }

  @Test
  void twoDamagedFilesAtTheSameInstantAreBothKeptAside() throws IOException {
    Original original = original(SessionSerializer.json());
    Path file = Files.createDirectory(root.resolve("twice")).resolve(NAME);
    byte[] first = Arrays.copyOf(original.bytes(), original.bytes().length / 2);
    byte[] second = Arrays.copyOf(original.bytes(), original.bytes().length / 3);

    Files.write(file, first);
    start(file, SessionSerializer.json(), "first damaged file");
    Files.write(file, second);
    start(file, SessionSerializer.json(), "second damaged file, same instant");

    List<Path> aside = asideFiles(file);
    assertThat(aside).hasSize(2);
    List<byte[]> contents = new ArrayList<>();
    for (Path p : aside) {
      contents.add(Files.readAllBytes(p));
    }
    assertThat(contents).as("neither was overwritten").containsExactlyInAnyOrder(first, second);
  }

  // ---------------------------------------------------------------- files refused outright

  @Test
  void aFileOfANewerFormatVersionIsRefusedAndLeftUntouched() throws IOException {
    Original original = original(SessionSerializer.json());
    byte[] valid = original.bytes();
    int headerEnd = indexOf(valid, "\n", 0);
    String body =
        new String(
            valid,
            ChecksummedLine.BODY_OFFSET,
            headerEnd - ChecksummedLine.BODY_OFFSET,
            StandardCharsets.UTF_8);
    assertThat(body).contains("\"version\":" + FileFormat.VERSION + ",");
    byte[] newBody =
        body.replace("\"version\":" + FileFormat.VERSION + ",", "\"version\":99,")
            .getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ChecksummedLine.write(out, newBody, newBody.length);
    out.write(valid, headerEnd + 1, valid.length - headerEnd - 1);
    byte[] newer = out.toByteArray();
    int newHeaderEnd = indexOf(newer, "\n", 0);
    assertThat(ChecksummedLine.isIntact(newer, newHeaderEnd)).as("the crafted header").isTrue();

    Path file = Files.createDirectory(root.resolve("v3")).resolve(NAME);
    Files.write(file, newer);

    assertThatThrownBy(() -> builder(file).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("version 99");
    assertThat(file).as("left untouched").hasBinaryContent(newer);
    assertThat(names(file.getParent())).containsExactlyInAnyOrder(NAME, NAME + ".lock");

    // The refused build let go of the file: a valid one opens at once.
    Files.write(file, valid);
    try (MemFileStore store = builder(file).build()) {
      assertThat(store.all()).isEqualTo(original.sessions());
    }
  }

  @Test
  void aFileOfAnotherSerializerIsRefusedAndLeftUntouched() throws IOException {
    Original original = original(SessionSerializer.java());
    Path file = Files.createDirectory(root.resolve("java")).resolve(NAME);
    Files.write(file, original.bytes());

    assertThatThrownBy(() -> builder(file).build()) // the default json serializer
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("'java'")
        .hasMessageContaining("'json'");
    assertThat(file).as("left untouched").hasBinaryContent(original.bytes());
    assertThat(names(file.getParent())).containsExactlyInAnyOrder(NAME, NAME + ".lock");

    try (MemFileStore store = builder(file).serializer(SessionSerializer.java()).build()) {
      assertThat(store.all()).isEqualTo(original.sessions());
    }
  }

  // ---------------------------------------------------------------- not a save file at all

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"sid1\":\"{\\\"cookie\\\":{\\\"originalMaxAge\\\":null}}\"}",
        "{\"sid1\":\"{\\\"cookie\\\":{}}\",\"sid2\":\"{\\\"cookie\\\":{}}\"}\n",
        "just some text\nover two lines\n",
        "{\"format\":\"memfilestore-sessions\",\"version\":1,\"serializer\":\"json\"}\n",
        "\n",
        "\u0000\u0001\u00ff binary \uFFFD"
      })
  void aForeignFileIsKeptAsideAndStartUpSucceedsEmpty(String content) throws IOException {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    Path file = Files.createDirectory(root.resolve("foreign")).resolve(NAME);
    Files.write(file, bytes);

    Map<String, SessionData> loaded = start(file, SessionSerializer.json(), "foreign file");

    assertThat(loaded).isEmpty();
    assertKeptAside(file, bytes, "foreign file");
    assertStartsCleanly(file, SessionSerializer.json(), Map.of(), "foreign file");
  }

  @Test
  void anEmptyFileDoesNotStopStartUp() throws IOException {
    Path file = Files.createDirectory(root.resolve("empty")).resolve(NAME);
    Files.write(file, new byte[0]);

    Map<String, SessionData> loaded = start(file, SessionSerializer.json(), "empty file");

    assertThat(loaded).isEmpty();
    assertStartsCleanly(file, SessionSerializer.json(), Map.of(), "empty file");
    try (MemFileStore store = builder(file).build()) {
      store.set("session-1", new SessionData(clock.instant()));
    }
    assertThat(start(file, SessionSerializer.json(), "after the empty file"))
        .containsOnlyKeys("session-1");
  }

  // ---------------------------------------------------------------- helpers

  /** Starts a store on the file and returns what it loaded; start-up must not fail. */
  private Map<String, SessionData> start(Path file, SessionSerializer serializer, String what) {
    try (MemFileStore store = builder(file).serializer(serializer).build()) {
      return store.all();
    } catch (RuntimeException e) {
      return fail(what + ": start-up failed with " + e, e);
    }
  }

  private static void assertLoadedAreOriginals(
      Map<String, SessionData> loaded, Original original, String what) {
    for (Map.Entry<String, SessionData> e : loaded.entrySet()) {
      assertThat(original.sessions())
          .as("%s: loaded an id that was never saved", what)
          .containsKey(e.getKey());
      assertThat(e.getValue())
          .as("%s: session %s as loaded", what, e.getKey())
          .isEqualTo(original.sessions().get(e.getKey()));
    }
  }

  /** The damaged file is kept aside, byte for byte, and a valid file took its place. */
  private static void assertKeptAside(Path file, byte[] damaged, String what) throws IOException {
    List<Path> aside = asideFiles(file);
    assertThat(aside).as("%s: files kept aside", what).hasSize(1);
    assertThat(aside.get(0)).as("%s: the file kept aside", what).hasBinaryContent(damaged);
    assertThat(file).as("%s: a fresh save file", what).exists();
    assertThat(names(file.getParent())).as(what).doesNotContain(NAME + ".tmp");
  }

  /** A second start on the file loads the same sessions and keeps nothing new aside. */
  private void assertStartsCleanly(
      Path file, SessionSerializer serializer, Map<String, SessionData> expected, String what)
      throws IOException {
    int asideBefore = asideFiles(file).size();
    Map<String, SessionData> again = start(file, serializer, what + ", second start");
    assertThat(again).as("%s: the second start loads the same sessions", what).isEqualTo(expected);
    assertThat(asideFiles(file))
        .as("%s: the second start finds an intact file", what)
        .hasSize(asideBefore);
  }

  private static List<Path> asideFiles(Path file) throws IOException {
    try (Stream<Path> files = Files.list(file.getParent())) {
      return files
          .filter(p -> p.getFileName().toString().startsWith(NAME + ".damaged-"))
          .sorted()
          .toList();
    }
  }

  private static List<String> names(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.map(p -> p.getFileName().toString()).toList();
    }
  }

  /** A temporary directory in {@code /dev/shm} when it is usable, else in the default place. */
  static final class MemoryFirst implements TempDirFactory {
    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext extension)
        throws IOException {
      Path memory = Path.of("/dev/shm");
      if (Files.isDirectory(memory) && Files.isWritable(memory)) {
        return Files.createTempDirectory(memory, "memfilestore-test-");
      }
      return Files.createTempDirectory("memfilestore-test-");
    }
  }

  private static int indexOf(byte[] bytes, String what, int from) {
    byte[] needle = what.getBytes(StandardCharsets.UTF_8);
    for (int i = from; i + needle.length <= bytes.length; i++) {
      if (Arrays.equals(bytes, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    throw new AssertionError("no " + what + " after byte " + from);
  }
}
