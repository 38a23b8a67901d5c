package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A touch keeps the stored bytes and journals only the new times (a {@code touch} record, format
 * version 2); snapshots write the current times; replay applies touch records to the session the id
 * holds, and ignores them otherwise; files of version 1 still load.
 */
class TouchRecordTest {
  @TempDir Path dir;
  private final TestClock clock = new TestClock();

  private static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");

  private MemFileStore open(Path file, String serializer) {
    return MemFileStore.builder()
        .clock(clock)
        .saveFile(file)
        .durability(Durability.JOURNAL)
        .serializer(SessionSerializer.named(serializer))
        .ttl(Duration.ofMinutes(10))
        .build();
  }

  private static SessionData session(String user) {
    SessionData s = new SessionData(CREATED);
    s.setAttribute("user", user);
    s.setAttribute("visits", 3L);
    s.setAttribute("roles", new ArrayList<>(List.of("a", "b")));
    return s;
  }

  private static SessionData request(Instant accessed, Duration maxInactive) {
    SessionData s = session("not stored by a touch");
    s.setLastAccessedTime(accessed);
    s.setMaxInactiveInterval(maxInactive);
    return s;
  }

  private List<String> journalLines() throws IOException {
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.toString().contains(".journal.")).sorted().toList()) {
        byte[] bytes = MappedJournals.withoutMappedTail(Files.readAllBytes(f));
        new String(bytes, StandardCharsets.UTF_8).lines().forEach(lines::add);
      }
    }
    return lines;
  }

  @ParameterizedTest
  @ValueSource(strings = {"json", "java"})
  void aTouchJournalsOnlyTheTimesAndACrashKeepsThem(String serializer) throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, serializer);
    store.set("alice", session("ada"));
    clock.advance(Duration.ofMinutes(5));
    Instant accessed = clock.instant().plusNanos(123_456_789);
    store.touch("alice", request(accessed, Duration.ofHours(2)));

    List<String> lines = journalLines();
    String touch = lines.get(lines.size() - 1);
    assertThat(touch)
        .contains("\"op\":\"touch\"", "\"maxInactive\":\"PT2H\"")
        .doesNotContain("ada", "session")
        .hasSizeLessThan(200);
    assertThat(lines.get(0)).contains("\"version\":" + FileFormat.VERSION);
    store.simulateCrash();

    clock.advance(Duration.ofMinutes(90)); // past the set's 10 minutes, within the touch's 2 hours
    MemFileStore recovered = open(file, serializer);
    SessionData back = recovered.get("alice").orElseThrow();
    assertThat(back.getAttribute("user")).isEqualTo("ada");
    assertThat(back.getAttribute("roles")).isEqualTo(List.of("a", "b"));
    assertThat(back.getCreationTime()).isEqualTo(CREATED);
    assertThat(back.getLastAccessedTime()).isEqualTo(accessed);
    assertThat(back.getMaxInactiveInterval()).isEqualTo(Duration.ofHours(2));
    recovered.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"json", "java"})
  void aTouchOfASnapshotsSessionIsReplayedOntoItAndTheNextSnapshotHoldsTheTimes(String serializer)
      throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, serializer);
    store.set("alice", session("ada"));
    store.set("bob", session("bo"));
    store.save(); // both now in the snapshot, the journal empty
    clock.advance(Duration.ofMinutes(5));
    Instant accessed = clock.instant();
    store.touch("alice", null); // keeps the interval: none, so the store's ttl
    store.touch("bob", request(accessed, null));
    store.simulateCrash();

    clock.advance(Duration.ofMinutes(8)); // 13 minutes after the set, 8 after the touch
    MemFileStore recovered = open(file, serializer);
    assertThat(recovered.ids()).containsExactlyInAnyOrder("alice", "bob");
    assertThat(recovered.get("alice").orElseThrow().getLastAccessedTime()).isEqualTo(accessed);
    assertThat(recovered.get("bob").orElseThrow().getAttribute("user")).isEqualTo("bo");

    // A touch after the reload, then a snapshot: the file's session holds the touch's times.
    Instant later = clock.instant();
    recovered.touch("alice", request(later, Duration.ofMinutes(45)));
    recovered.save();
    SaveFileInspector inspector = SaveFileInspector.open(file);
    List<SaveFileInspector.Session> sessions = new ArrayList<>();
    inspector.forEachSession(sessions::add);
    SaveFileInspector.Session alice =
        sessions.stream().filter(s -> s.id().equals("alice")).findFirst().orElseThrow();
    assertThat(alice.accessed()).isEqualTo(later);
    assertThat(alice.maxInactive()).isEqualTo(Duration.ofMinutes(45));
    recovered.close();

    clock.advance(Duration.ofMinutes(30)); // within the 45 minutes only
    MemFileStore again = open(file, serializer);
    assertThat(again.ids()).containsExactly("alice");
    SessionData back = again.get("alice").orElseThrow();
    assertThat(back.getLastAccessedTime()).isEqualTo(later);
    assertThat(back.getAttribute("visits")).isEqualTo(3L);
    again.close();
  }

  @Test
  @SuppressWarnings("unchecked")
  void anUpdateThatChangesOnlyTimesIsJournaledAsATouch() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, "json");
    store.set("alice", session("ada"));
    Instant accessed = clock.instant().plusSeconds(30);
    store.update(
        "alice",
        s -> {
          s.setLastAccessedTime(accessed);
          s.setMaxInactiveInterval(Duration.ofHours(3));
          return s;
        });
    List<String> lines = journalLines();
    assertThat(lines.get(lines.size() - 1)).contains("\"op\":\"touch\"", "PT3H");

    // Reading a mutable value may change it: that update journals the value (a patch).
    store.update(
        "alice",
        s -> {
          ((List<String>) s.getAttribute("roles")).add("c");
          return s;
        });
    lines = journalLines();
    assertThat(lines.get(lines.size() - 1)).contains("\"op\":\"patch\"", "\"c\"");
    store.update("alice", s -> s); // nothing changed
    lines = journalLines();
    assertThat(lines.get(lines.size() - 1)).contains("\"op\":\"touch\"");
    store.simulateCrash();

    clock.advance(Duration.ofHours(2));
    MemFileStore recovered = open(file, "json");
    SessionData back = recovered.get("alice").orElseThrow();
    assertThat(back.getLastAccessedTime()).isEqualTo(accessed);
    assertThat(back.getMaxInactiveInterval()).isEqualTo(Duration.ofHours(3));
    assertThat(back.getAttribute("roles")).isEqualTo(List.of("a", "b", "c"));
    recovered.close();
  }

  @Test
  void theInspectorSeesATouchInAJournal() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, "json");
    store.set("alice", session("ada"));
    store.save();
    clock.advance(Duration.ofMinutes(1));
    store.touch("alice", null);
    store.simulateCrash();

    SaveFileInspector inspector = SaveFileInspector.open(file);
    List<SaveFileInspector.Session> sessions = new ArrayList<>();
    inspector.forEachSession(sessions::add);
    assertThat(sessions)
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.accessed()).isEqualTo(clock.instant());
              assertThat(s.expires()).isEqualTo(clock.instant().plus(Duration.ofMinutes(10)));
            });
    assertThat(inspector.verify().problems()).isEmpty();
  }

  @Test
  void aTouchOfAnUnknownADeletedOrAnExpiredSessionIsIgnoredOnReplay() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, "json");
    store.set("kept", session("k"));
    store.set("deleted", session("d"));
    store.set("late", session("l"));
    store.save();
    store.simulateCrash();

    // A journal written by hand: touches of an id nobody holds, of a deleted one, and one whose
    // own expiry has passed.
    Instant now = clock.instant();
    RecordEncoder encoder = new RecordEncoder(true, null);
    ByteArrayOutputStream journal = new ByteArrayOutputStream();
    encoder.header(FileFormat.JOURNAL, 1, "json", now, storeId(file), null).writeTo(journal);
    long inAnHour = now.plus(Duration.ofHours(1)).toEpochMilli();
    encoder.touch("nobody", inAnHour, now, null).writeTo(journal);
    encoder.delete("deleted").writeTo(journal);
    encoder.touch("deleted", inAnHour, now, null).writeTo(journal);
    encoder.touch("late", now.minusSeconds(1).toEpochMilli(), now, null).writeTo(journal);
    encoder.touch("kept", inAnHour, now, Duration.ofHours(1)).writeTo(journal);
    Files.write(new SaveFiles(file).journal(1), journal.toByteArray());

    MemFileStore recovered = open(file, "json");
    assertThat(recovered.ids()).containsExactly("kept");
    assertThat(recovered.get("kept").orElseThrow().getMaxInactiveInterval())
        .isEqualTo(Duration.ofHours(1));
    assertThat(recovered.stats().problem()).isNull();
    recovered.close();
  }

  @Test
  void aTouchRecordInASnapshotIsDamage() throws IOException {
    Path file = dir.resolve("s.json");
    RecordEncoder encoder = new RecordEncoder(true, null);
    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
    Instant now = clock.instant();
    encoder.header(FileFormat.SNAPSHOT, 0, "json", now, null, null).writeTo(snapshot);
    encoder.touch("x", now.plusSeconds(60).toEpochMilli(), now, null).writeTo(snapshot);
    encoder.trailer(1).writeTo(snapshot);
    Files.write(file, snapshot.toByteArray());

    SaveFileInspector.Verification v = SaveFileInspector.open(file).verify();
    assertThat(v.problems())
        .anySatisfy(p -> assertThat(p.message()).contains("journal's touch record"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"json", "java"})
  void filesOfVersion1StillLoad(String serializer) throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, serializer);
    store.set("alice", session("ada"));
    store.save();
    store.set("bob", session("bo"));
    store.simulateCrash();
    Path journal = new SaveFiles(file).journal(1);
    for (Path f : List.of(file, journal)) {
      Files.write(f, withHeaderVersion1(Files.readAllBytes(f)));
      assertThat(Files.readAllLines(f).get(0)).contains("\"version\":1,");
    }

    MemFileStore recovered = open(file, serializer);
    assertThat(recovered.ids()).containsExactlyInAnyOrder("alice", "bob");
    assertThat(recovered.get("bob").orElseThrow().getAttribute("user")).isEqualTo("bo");
    recovered.close();
    assertThat(Files.readAllLines(file).get(0)).contains("\"version\":" + FileFormat.VERSION + ",");
  }

  /** The same file with its header's version set to 1 and its checksum made to match. */
  private static byte[] withHeaderVersion1(byte[] file) throws IOException {
    int headerEnd = 0;
    while (file[headerEnd] != '\n') {
      headerEnd++;
    }
    String body =
        new String(
            file,
            ChecksummedLine.BODY_OFFSET,
            headerEnd - ChecksummedLine.BODY_OFFSET,
            StandardCharsets.UTF_8);
    byte[] older =
        body.replace("\"version\":" + FileFormat.VERSION + ",", "\"version\":1,")
            .getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ChecksummedLine.write(out, older, older.length);
    out.write(file, headerEnd + 1, file.length - headerEnd - 1);
    return out.toByteArray();
  }

  @ParameterizedTest
  @ValueSource(strings = {"json", "java"})
  void aTouchSharesTheStoredBytesAndTemplate(String name) {
    SessionSerializer serializer = SessionSerializer.named(name);
    SessionEncoding encoding =
        new SessionEncoding(
            serializer,
            new SessionEncoding.IntervalOrTtl(Duration.ofMinutes(10)),
            SessionEncoding.DEFAULT_LENGTH,
            clock);
    StoredSession stored = encoding.encode("a", session("ada"), null);
    Instant accessed = CREATED.plusSeconds(60);
    StoredSession touched = encoding.touched("a", stored, accessed, Duration.ofMinutes(20));

    assertThat(touched.bytes).isSameAs(stored.bytes);
    assertThat(touched.attributeTemplate()).isSameAs(stored.attributeTemplate());
    assertThat(touched.expiresAtMillis)
        .isEqualTo(clock.instant().plus(Duration.ofMinutes(20)).toEpochMilli());
    SessionData expected = session("ada");
    expected.setLastAccessedTime(accessed);
    expected.setMaxInactiveInterval(Duration.ofMinutes(20));
    assertThat(encoding.decode(touched)).isEqualTo(expected);
    // The bytes a file gets hold the new times, and decode to the same session.
    byte[] forFile = touched.bytesWithTimes(name.equals("json"));
    assertThat(serializer.deserialize(forFile)).isEqualTo(expected);
    assertThat(forFile).isEqualTo(serializer.serialize(expected));
  }

  @Test
  void aTouchWithACustomTtlFunctionSeesTheAttributesAndTheNewTimes() {
    List<String> seen = new ArrayList<>();
    SessionEncoding encoding =
        new SessionEncoding(
            SessionSerializer.json(),
            (s, id) -> {
              seen.add(s.getAttribute("user") + " " + s.getMaxInactiveInterval());
              return Duration.ofMinutes(1);
            },
            s -> s.getAttributeNames().size(),
            clock);
    StoredSession stored = encoding.encode("a", session("ada"), null);
    StoredSession touched =
        encoding.touched("a", stored, CREATED.plusSeconds(1), Duration.ofMinutes(7));
    assertThat(seen).containsExactly("ada null", "ada PT7M");
    assertThat(touched.weight).isEqualTo(3);
    assertThat(touched.expiresAtMillis).isEqualTo(clock.millis() + 60_000);
  }

  @Test
  void retimingAJsonSessionInAnyLayoutKeepsItsAttributes() {
    String reordered =
        "{ \"attributes\" : {\"user\":\"ada\",\"n\":[\"java.lang.Long\",3]},"
            + " \"maxInactive\":\"PT5M\", \"extra\":{\"a\":[1]}, \"accessed\":\"2026-01-01T00:00:00Z\","
            + " \"created\":\"2025-12-31T00:00:00Z\" }";
    Instant accessed = Instant.parse("2026-02-01T10:00:00.5Z");
    byte[] retimed =
        SessionTimes.retime(reordered.getBytes(StandardCharsets.UTF_8), true, accessed, null);
    SessionData back = SessionSerializer.json().deserialize(retimed);
    assertThat(back.getCreationTime()).isEqualTo(Instant.parse("2025-12-31T00:00:00Z"));
    assertThat(back.getLastAccessedTime()).isEqualTo(accessed);
    assertThat(back.getMaxInactiveInterval()).isNull();
    assertThat(back.getAttribute("n")).isEqualTo(3L);
    assertThat(back.getAttribute("user")).isEqualTo("ada");

    assertThatThrownBy(
            () ->
                SessionTimes.retime(
                    "{\"accessed\":\"x\"}".getBytes(StandardCharsets.UTF_8), true, accessed, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SessionTimes.retime(new byte[] {0, 0, 0, 1}, false, accessed, null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void retimingAJavaSessionAddsOrDropsTheInterval() {
    SessionSerializer java = SessionSerializer.java();
    SessionData withInterval = session("ada");
    withInterval.setMaxInactiveInterval(Duration.ofSeconds(90, 5));
    SessionData without = session("ada");
    Instant accessed = Instant.parse("2026-03-01T00:00:00.000000001Z");
    for (SessionData s : List.of(withInterval, without)) {
      for (Duration next : new Duration[] {null, Duration.ofDays(2)}) {
        SessionData expected = new SessionData(s);
        expected.setLastAccessedTime(accessed);
        expected.setMaxInactiveInterval(next);
        assertThat(java.deserialize(SessionTimes.retime(java.serialize(s), false, accessed, next)))
            .isEqualTo(expected);
      }
    }
  }

  /** The store id the save file's header names, which its journals must carry. */
  private static String storeId(Path saveFile) throws IOException {
    String header = Files.readAllLines(saveFile).get(0);
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"store\":\"([^\"]+)\"").matcher(header);
    assertThat(m.find()).as("the save file names its store").isTrue();
    return m.group(1);
  }
}
