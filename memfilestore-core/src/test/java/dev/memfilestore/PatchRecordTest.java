package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A save that changed a few attributes of a stored json session journals a {@code patch} record
 * (format version 3) holding only those; replay applies it to the session the id holds at that
 * point (from the snapshot or earlier records), across touches, snapshots, restarts and seals, and
 * a patch that finds no session is reported and not applied.
 */
class PatchRecordTest {
  @TempDir Path dir;
  private final TestClock clock = new TestClock();

  private static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");

  private MemFileStore open(Path file, String serializer, SecretKey key) {
    MemFileStore.Builder b =
        MemFileStore.builder()
            .clock(clock)
            .saveFile(file)
            .durability(Durability.JOURNAL)
            .serializer(SessionSerializer.named(serializer))
            .ttl(Duration.ofMinutes(10));
    if (key != null) {
      b.encryptionKey(key);
    }
    return b.build();
  }

  private MemFileStore open(Path file) {
    return open(file, "json", null);
  }

  private static SecretKey key() {
    byte[] bytes = new byte[32];
    Arrays.fill(bytes, (byte) 7);
    return new SecretKeySpec(bytes, "AES");
  }

  private static SessionData session(String user) {
    SessionData s = new SessionData(CREATED);
    s.setAttribute("user", user);
    s.setAttribute("visits", 3L);
    s.setAttribute("roles", new ArrayList<>(List.of("a", "b")));
    s.setAttribute("secret", "do-not-repeat-me");
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

  private String lastJournalLine() throws IOException {
    List<String> lines = journalLines();
    return lines.get(lines.size() - 1);
  }

  /** What a request does: read the session, change what it changes, save it. */
  private void change(MemFileStore store, String id, Map<String, Object> set, String... removed) {
    SessionData s = store.get(id).orElseThrow();
    set.forEach(s::setAttribute);
    for (String name : removed) {
      s.removeAttribute(name);
    }
    s.setLastAccessedTime(clock.instant());
    store.set(id, s);
  }

  @Test
  void aSaveThatChangedOneAttributeJournalsOnlyItAndACrashKeepsIt() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file);
    store.set("alice", session("ada"));
    clock.advance(Duration.ofMinutes(1));
    change(store, "alice", Map.of("visits", 4L));

    String patch = lastJournalLine();
    assertThat(patch)
        .contains("\"op\":\"patch\"", "\"attributes\":{\"visits\":[\"java.lang.Long\",4]}")
        .contains("\"removed\":[]")
        .doesNotContain("do-not-repeat-me", "ada", "session");
    assertThat(journalLines().get(0)).contains("\"version\":3,");
    SessionData expected = store.get("alice").orElseThrow();
    store.simulateCrash();

    MemFileStore recovered = open(file);
    assertThat(recovered.get("alice")).contains(expected);
    assertThat(recovered.get("alice").orElseThrow().getAttribute("visits")).isEqualTo(4L);
    recovered.close();
  }

  @Test
  void theJavaSerializerStillJournalsWholeSessions() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, "java", null);
    store.set("alice", session("ada"));
    change(store, "alice", Map.of("visits", 4L));
    assertThat(lastJournalLine()).contains("\"op\":\"set\"");
    store.simulateCrash();
    MemFileStore recovered = open(file, "java", null);
    assertThat(recovered.get("alice").orElseThrow().getAttribute("visits")).isEqualTo(4L);
    recovered.close();
  }

  @Test
  void patchesReplayInOrderOverTouchesSnapshotsAndRemovals() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file);
    store.set("alice", session("ada"));
    change(store, "alice", Map.of("visits", 4L));
    change(store, "alice", Map.of("visits", 5L, "cart", "book"));
    store.save(); // the base is now the snapshot's
    change(store, "alice", Map.of("visits", 6L), "roles");
    assertThat(lastJournalLine()).contains("\"removed\":[\"roles\"]");
    clock.advance(Duration.ofMinutes(2));
    store.touch("alice", null); // a touch after a patch
    clock.advance(Duration.ofMinutes(2));
    change(store, "alice", Map.of("visits", 7L)); // a patch after a touch
    change(store, "alice", Map.of("roles", List.of("c")), "cart"); // set again what was removed
    change(store, "alice", Map.of("visits", 8L));
    assertThat(journalLines()).filteredOn(l -> l.contains("\"op\":\"patch\"")).hasSize(4);
    SessionData expected = store.get("alice").orElseThrow();
    store.simulateCrash();

    clock.advance(Duration.ofMinutes(8)); // the first set's 10 minutes are over, the last's not
    MemFileStore recovered = open(file);
    SessionData back = recovered.get("alice").orElseThrow();
    assertThat(back).isEqualTo(expected);
    assertThat(back.getAttributeNames())
        .containsExactlyInAnyOrder("user", "visits", "roles", "secret");
    assertThat(back.getAttribute("roles")).isEqualTo(List.of("c"));
    assertThat(back.getAttribute("visits")).isEqualTo(8L);
    assertThat(back.getCreationTime()).isEqualTo(CREATED);
    recovered.close();
  }

  @Test
  void aPatchAfterARestartBuildsOnTheLoadedSessionAndSurvivesTheNextRestart() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file);
    store.set("alice", session("ada"));
    store.set("bob", session("bo"));
    store.close();

    MemFileStore second = open(file);
    change(second, "alice", Map.of("visits", 9L));
    assertThat(lastJournalLine()).contains("\"op\":\"patch\"");
    second.destroy("bob");
    SessionData expected = second.get("alice").orElseThrow();
    second.simulateCrash(); // the journal holds a patch and a delete only

    MemFileStore third = open(file);
    assertThat(third.ids()).containsExactly("alice");
    assertThat(third.get("alice")).contains(expected);
    third.close();
  }

  @Test
  void aSealedPatchReplays() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, "json", key());
    store.set("alice", session("ada"));
    change(store, "alice", Map.of("visits", 4L));
    store.save();
    change(store, "alice", Map.of("visits", 5L), "secret");
    assertThat(lastJournalLine()).contains("\"enc\":").doesNotContain("patch", "visits");
    SessionData expected = store.get("alice").orElseThrow();
    store.simulateCrash();

    MemFileStore recovered = open(file, "json", key());
    assertThat(recovered.get("alice")).contains(expected);
    assertThat(recovered.get("alice").orElseThrow().getAttributeNames()).doesNotContain("secret");
    recovered.close();
  }

  @Test
  void aCorruptPatchLineIsDamageAndNothingAfterItIsReplayed() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file);
    store.set("alice", session("ada"));
    store.save();
    change(store, "alice", Map.of("visits", 4L));
    change(store, "alice", Map.of("visits", 5L));
    store.simulateCrash();
    Path journal = new SaveFiles(file).journal(1);
    String text =
        new String(
            MappedJournals.withoutMappedTail(Files.readAllBytes(journal)), StandardCharsets.UTF_8);
    Files.writeString(
        journal, text.replaceFirst("\\[\"java.lang.Long\",4\\]", "[\"java.lang.Long\",6]"));

    MemFileStore recovered = open(file);
    // The damaged patch and the one after it are not applied: the snapshot's session stands.
    assertThat(recovered.get("alice").orElseThrow().getAttribute("visits")).isEqualTo(3L);
    recovered.close();
  }

  @Test
  void aPatchWithoutASessionIsReportedAndResurrectsNothing() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file);
    store.set("kept", session("k"));
    store.set("deleted", session("d"));
    store.save();
    store.simulateCrash();

    Instant now = clock.instant();
    long inAnHour = now.plus(Duration.ofHours(1)).toEpochMilli();
    byte[] bytes = "{\"x\":1}".getBytes(StandardCharsets.UTF_8);
    StoredSession.Patch patch =
        new StoredSession.Patch(null, new String[] {"planted"}, new int[] {5, 6}, 1, new String[0]);
    RecordEncoder encoder = new RecordEncoder(true, null);
    ByteArrayOutputStream journal = new ByteArrayOutputStream();
    encoder.header(FileFormat.JOURNAL, 1, "json", now, storeId(file), null).writeTo(journal);
    encoder.patch("nobody-at-all", inAnHour, now, null, bytes, patch).writeTo(journal);
    encoder.delete("deleted").writeTo(journal);
    encoder.patch("deleted", inAnHour, now, null, bytes, patch).writeTo(journal);
    encoder.patch("kept", inAnHour, now, Duration.ofHours(1), bytes, patch).writeTo(journal);
    Files.write(new SaveFiles(file).journal(1), journal.toByteArray());

    SaveFileInspector.Verification v = SaveFileInspector.open(file).verify();
    assertThat(v.problems())
        .extracting(SaveFileInspector.Problem::message)
        .anySatisfy(m -> assertThat(m).contains("patch of session nobo…", "not applied"))
        .anySatisfy(m -> assertThat(m).contains("patch of session dele…"))
        .allSatisfy(m -> assertThat(m).doesNotContain("nobody-at-all"));

    MemFileStore recovered = open(file);
    assertThat(recovered.ids()).containsExactly("kept");
    SessionData kept = recovered.get("kept").orElseThrow();
    assertThat(kept.getAttribute("planted")).isEqualTo(1);
    assertThat(kept.getAttribute("user")).isEqualTo("k");
    assertThat(kept.getMaxInactiveInterval()).isEqualTo(Duration.ofHours(1));
    recovered.close();
  }

  @Test
  void aPatchRecordInASnapshotIsDamage() throws IOException {
    Path file = dir.resolve("s.json");
    Instant now = clock.instant();
    byte[] bytes = "{\"x\":1}".getBytes(StandardCharsets.UTF_8);
    StoredSession.Patch patch =
        new StoredSession.Patch(null, new String[] {"x"}, new int[] {5, 6}, 1, new String[0]);
    RecordEncoder encoder = new RecordEncoder(true, null);
    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
    encoder.header(FileFormat.SNAPSHOT, 0, "json", now, null, null).writeTo(snapshot);
    encoder
        .patch("x-session", now.plusSeconds(60).toEpochMilli(), now, null, bytes, patch)
        .writeTo(snapshot);
    encoder.trailer(1).writeTo(snapshot);
    Files.write(file, snapshot.toByteArray());

    SaveFileInspector.Verification v = SaveFileInspector.open(file).verify();
    assertThat(v.problems())
        .anySatisfy(p -> assertThat(p.message()).contains("journal's patch record"));
    MemFileStore store = open(file);
    assertThat(store.ids()).isEmpty();
    store.close();
  }

  @Test
  void theInspectorAppliesPatches() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file);
    store.set("alice", session("ada"));
    store.save();
    change(store, "alice", Map.of("visits", 4L), "roles");
    store.simulateCrash();

    SaveFileInspector inspector = SaveFileInspector.open(file);
    List<SaveFileInspector.Session> sessions = new ArrayList<>();
    inspector.forEachSession(sessions::add);
    assertThat(sessions).hasSize(1);
    assertThat(sessions.get(0).attributes())
        .extracting(SaveFileInspector.Attribute::name)
        .containsExactlyInAnyOrder("user", "visits", "secret");
    assertThat(sessions.get(0).data()).contains("\"visits\":[\"java.lang.Long\",4]");
    assertThat(inspector.verify().problems()).isEmpty();
  }

  @Test
  void filesOfVersion2StillLoad() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file);
    store.set("alice", session("ada"));
    store.save();
    store.set("bob", session("bo")); // new sessions: whole records, as version 2 wrote them
    store.touch("alice", null);
    store.simulateCrash();
    Path journal = new SaveFiles(file).journal(1);
    for (Path f : List.of(file, journal)) {
      Files.write(f, withHeaderVersion(Files.readAllBytes(f), 2));
      assertThat(Files.readAllLines(f).get(0)).contains("\"version\":2,");
    }

    MemFileStore recovered = open(file);
    assertThat(recovered.ids()).containsExactlyInAnyOrder("alice", "bob");
    assertThat(recovered.get("bob").orElseThrow().getAttribute("user")).isEqualTo("bo");
    recovered.close();
    assertThat(Files.readAllLines(file).get(0)).contains("\"version\":3,");
  }

  /**
   * Two threads save the same session at once, each changing its own attribute: when another save
   * comes between a save's encoding and its update, its patch would build on the wrong session, so
   * it journals the whole session instead. Whatever the interleaving, a restart finds the session
   * the store held.
   */
  @Test
  void concurrentSavesOfOneSessionReplayToWhatTheStoreHeld() throws Exception {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file);
    store.set("alice", session("ada"));
    Thread[] threads = new Thread[2];
    for (int t = 0; t < threads.length; t++) {
      String name = "by-thread-" + t;
      threads[t] =
          new Thread(
              () -> {
                for (int i = 0; i < 3000; i++) {
                  change(store, "alice", Map.of(name, (long) i));
                }
              });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    SessionData expected = store.get("alice").orElseThrow();
    assertThat(journalLines()).anySatisfy(l -> assertThat(l).contains("\"op\":\"patch\""));
    store.simulateCrash();

    MemFileStore recovered = open(file);
    assertThat(recovered.get("alice")).contains(expected);
    recovered.close();
  }

  /**
   * Random sequences of sets (of changed copies, and of new sessions), attribute removals, touches,
   * destroys, snapshots and crashes; after each restart the store holds what a plain map of the
   * same changes holds.
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 42, 1234})
  void randomChangesAndRestartsMatchAModel(long seed) throws IOException {
    Random random = new Random(seed);
    Path file = dir.resolve("s.json");
    boolean sealed = seed % 2 == 0;
    MemFileStore store = open(file, "json", sealed ? key() : null);
    Map<String, SessionData> model = new TreeMap<>();
    String[] ids = {"a-session", "b-session", "c-session", "d-session"};
    String[] names = {"n0", "n1", "n2", "n3", "n4", "ünï"};
    for (int step = 0; step < 400; step++) {
      String id = ids[random.nextInt(ids.length)];
      int op = random.nextInt(100);
      clock.advance(Duration.ofMillis(random.nextInt(500)));
      if (op < 10 || !model.containsKey(id)) {
        SessionData s = new SessionData(clock.instant());
        s.setAttribute(names[random.nextInt(names.length)], "v" + step);
        store.set(id, s);
        model.put(id, store.get(id).orElseThrow());
      } else if (op < 60) {
        SessionData s = store.get(id).orElseThrow();
        int changes = 1 + random.nextInt(3);
        for (int c = 0; c < changes; c++) {
          String name = names[random.nextInt(names.length)];
          switch (random.nextInt(4)) {
            case 0 -> s.removeAttribute(name);
            case 1 -> s.setAttribute(name, (long) step);
            case 2 -> s.setAttribute(name, List.of("x" + step, "y"));
            default -> s.setAttribute(name, Map.of("k", step));
          }
        }
        s.setLastAccessedTime(clock.instant());
        if (random.nextInt(10) == 0) {
          s.setMaxInactiveInterval(Duration.ofMinutes(5 + random.nextInt(20)));
        }
        store.set(id, s);
        model.put(id, store.get(id).orElseThrow());
      } else if (op < 75) {
        store.touch(id, null);
        model.put(id, store.get(id).orElseThrow());
      } else if (op < 82) {
        store.destroy(id);
        model.remove(id);
      } else if (op < 88) {
        store.save();
      } else if (op < 94) {
        store.simulateCrash();
        store = open(file, "json", sealed ? key() : null);
        assertThat(contents(store)).as("seed %d, step %d", seed, step).isEqualTo(model);
      } else {
        store.close();
        store = open(file, "json", sealed ? key() : null);
        assertThat(contents(store)).as("seed %d, step %d", seed, step).isEqualTo(model);
      }
    }
    store.simulateCrash();
    store = open(file, "json", sealed ? key() : null);
    assertThat(contents(store)).isEqualTo(model);
    assertThat(store.stats().problem()).isNull();
    store.close();
  }

  private static Map<String, SessionData> contents(MemFileStore store) {
    Map<String, SessionData> all = new HashMap<>();
    for (String id : store.ids()) {
      all.put(id, store.get(id).orElseThrow());
    }
    return new TreeMap<>(all);
  }

  private static String storeId(Path file) throws IOException {
    String header = Files.readAllLines(file).get(0);
    int at = header.indexOf("\"store\":\"") + 9;
    return header.substring(at, header.indexOf('"', at));
  }

  /** The same file with its header's version set to {@code version}, its checksum made to match. */
  private static byte[] withHeaderVersion(byte[] file, int version) throws IOException {
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
        body.replace("\"version\":" + FileFormat.VERSION + ",", "\"version\":" + version + ",")
            .getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ChecksummedLine.write(out, older, older.length);
    out.write(file, headerEnd + 1, file.length - headerEnd - 1);
    return out.toByteArray();
  }
}
