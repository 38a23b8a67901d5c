package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, items 3 and 10: ids are checked on load by the rule {@code set} applies (not blank, at
 * most 4096 characters, well-formed UTF-16). A record with any other id (planted: the store never
 * writes one) is malformed: skipped and reported, while the other sessions load and saves go on.
 */
class HostileIdTest {
  private static final String PLACEHOLDER = "PLACEHOLDER";

  /** A lone low surrogate, as JSON writes it: valid JSON, not text. */
  private static final String LONE_SURROGATE = "bad\\udc00id";

  @TempDir Path dir;

  private final TestClock clock = new TestClock();

  @Test
  void aLoneSurrogateIdInTheSaveFileIsSkippedAndSavesGoOn() throws IOException {
    SaveFiles files = snapshotWithPlantedId(LONE_SURROGATE);
    try (MemFileStore store = open(files, Durability.JOURNAL)) {
      assertThat(store.ids()).containsExactlyInAnyOrder("good-1", "good-2");
      store.set("good-3", new SessionData());
      assertThatCode(store::save).doesNotThrowAnyException();
      assertThat(store.stats().healthy()).isTrue();
    }
    assertThat(namesIn(dir)).anyMatch(n -> n.startsWith("s.json.damaged-"));
    try (MemFileStore store = open(files, Durability.JOURNAL)) {
      assertThat(store.ids()).containsExactlyInAnyOrder("good-1", "good-2", "good-3");
    }
  }

  @Test
  void aLoneSurrogateIdInAJournalDoesNotStopEveryStartInSnapshotMode() throws IOException {
    SaveFiles files = new SaveFiles(dir.resolve("s.json"));
    SaveFileFixtures.snapshot(files, 1, List.of());
    Path journal =
        SaveFileFixtures.journal(
            files,
            1,
            List.of(
                SaveFileFixtures.Op.set("good-1", "a"),
                SaveFileFixtures.Op.set(PLACEHOLDER, "b"),
                SaveFileFixtures.Op.set("good-2", "c")));
    replaceInLines(journal, "\"" + PLACEHOLDER + "\"", "\"" + LONE_SURROGATE + "\"");
    for (int start = 0; start < 2; start++) {
      try (MemFileStore store = open(files, Durability.SNAPSHOT)) {
        // a journal is replayed up to its first bad line, as with any damage
        assertThat(store.ids()).as("start %d", start).containsExactly("good-1");
      }
    }
  }

  @Test
  void aMegabyteIdIsNotLoadedCountedNorWrittenBack() throws IOException {
    SaveFiles files = snapshotWithPlantedId("x".repeat(1 << 20));
    try (MemFileStore store = open(files, Durability.JOURNAL)) {
      assertThat(store.length()).isEqualTo(2);
      assertThat(store.ids()).containsExactlyInAnyOrder("good-1", "good-2");
      store.set("good-3", new SessionData());
      store.save();
    }
    assertThat(Files.size(files.saveFile)).as("the snapshot written after").isLessThan(10_000);
  }

  @Test
  void aBlankIdIsNotLoaded() throws IOException {
    SaveFiles files = snapshotWithPlantedId("   ");
    try (MemFileStore store = open(files, Durability.JOURNAL)) {
      assertThat(store.ids()).containsExactlyInAnyOrder("good-1", "good-2");
    }
  }

  @Test
  void idsThatCannotBeValidFindNothingAndDestroyNothing() {
    try (MemFileStore store = MemFileStore.builder().build()) {
      store.set("x", new SessionData());
      for (String id : List.of("x\ud800", "\udc00", "x\udc00\ud800", "   ")) {
        assertThatCode(() -> store.destroy(id)).as("destroy").doesNotThrowAnyException();
        assertThatCode(() -> store.destroy(List.of(id))).doesNotThrowAnyException();
        assertThat(store.get(id)).isEmpty();
        assertThat(store.update(id, s -> s)).isEmpty();
        assertThatCode(() -> store.touch(id, null)).doesNotThrowAnyException();
      }
      assertThat(store.ids()).containsExactly("x");
    }
  }

  @Test
  void destroyOfAnImpossibleIdDoesNotThrowWithAJournal() {
    try (MemFileStore store = MemFileStore.builder().saveFile(dir.resolve("s.json")).build()) {
      assertThatCode(() -> store.destroy("x\ud800")).doesNotThrowAnyException();
      assertThat(store.stats().healthy()).isTrue();
    }
  }

  @Test
  void setRefusesAnIdWithALoneSurrogateSayingWhere() {
    try (MemFileStore store = MemFileStore.builder().build()) {
      assertThatThrownBy(() -> store.set("ab\udc00", new SessionData()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("unpaired surrogate character at index 2");
      assertThatThrownBy(() -> store.setIfAbsent("\ud800", new SessionData()))
          .isInstanceOf(IllegalArgumentException.class);
      // a pair is text: an emoji is a valid id
      store.set("a\ud83d\ude00", new SessionData());
      assertThat(store.get("a\ud83d\ude00")).isPresent();
    }
  }

  private MemFileStore open(SaveFiles files, Durability durability) {
    return MemFileStore.builder()
        .saveFile(files.saveFile)
        .durability(durability)
        .clock(clock)
        .build();
  }

  /** A snapshot of "good-1", the planted id (JSON text between the quotes), and "good-2". */
  private SaveFiles snapshotWithPlantedId(String idJson) throws IOException {
    SaveFiles files = new SaveFiles(dir.resolve("s.json"));
    SaveFileFixtures.snapshot(
        files,
        1,
        List.of(
            SaveFileFixtures.Op.set("good-1", "a"),
            SaveFileFixtures.Op.set(PLACEHOLDER, "b"),
            SaveFileFixtures.Op.set("good-2", "c")));
    replaceInLines(files.saveFile, "\"" + PLACEHOLDER + "\"", "\"" + idJson + "\"");
    return files;
  }

  /** Replaces text in the lines of a file, each with a valid checksum again: a planted record. */
  static void replaceInLines(Path file, String from, String to) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String body = line.substring(ChecksummedLine.BODY_OFFSET).replace(from, to);
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ChecksummedLine.write(out, bytes, bytes.length);
    }
    Files.write(file, out.toByteArray());
  }

  private static List<String> namesIn(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).toList();
    }
  }
}
