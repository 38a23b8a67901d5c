package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal: what a crash leaves, what damage does to it, and what failing disks do. */
class JournalTest {
  @TempDir Path dir;
  private final TestClock clock = new TestClock();

  private MemFileStore open(Path file, Durability durability) {
    return MemFileStore.builder().clock(clock).saveFile(file).durability(durability).build();
  }

  private static SessionData session(long value) {
    SessionData s = new SessionData(java.time.Instant.parse("2026-01-01T00:00:00Z"));
    s.setAttribute("value", value);
    return s;
  }

  /** A session whose record takes about 4 KiB, to fill the journal's mapped chunk quickly. */
  private static SessionData padded(long value) {
    SessionData s = session(value);
    s.setAttribute("padding", "p".repeat(4096));
    return s;
  }

  private static Map<String, Object> values(MemFileStore store) {
    Map<String, Object> values = new HashMap<>();
    store.all().forEach((id, s) -> values.put(id, s.getAttribute("value")));
    return values;
  }

  private List<Path> filesNamed(String part) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().contains(part)).toList();
    }
  }

  @Test
  void aCrashLosesNothingThatReturnedAndALogoutStaysALogout() {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, Durability.JOURNAL);
    store.set("alice", session(1));
    store.set("bob", session(2));
    store.set("alice", session(3));
    store.destroy("bob"); // a logout
    store.touch("alice", session(0));
    store.simulateCrash();

    MemFileStore recovered = open(file, Durability.JOURNAL);
    assertThat(values(recovered)).containsExactly(Map.entry("alice", 3L));
    recovered.close();
  }

  @Test
  void aSnapshotFoldsTheJournalInAndStartsANewGeneration() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, Durability.JOURNAL);
    store.set("a", session(1));
    assertThat(filesNamed(".journal.")).hasSize(1);
    Path first = filesNamed(".journal.").get(0);

    store.save();
    assertThat(filesNamed(".journal.")).hasSize(1).doesNotContain(first);
    assertThat(first.getFileName().toString()).endsWith(".journal.0");
    assertThat(filesNamed(".journal.").get(0).getFileName().toString()).endsWith(".journal.1");
    assertThat(Files.readAllLines(file).get(0)).contains("\"generation\":1");
    store.set("b", session(2));
    store.simulateCrash();

    MemFileStore recovered = open(file, Durability.JOURNAL);
    assertThat(values(recovered)).containsOnly(Map.entry("a", 1L), Map.entry("b", 2L));
    recovered.close();
    assertThat(filesNamed(".journal.")).as("an empty last journal is removed on close").isEmpty();
    assertThat(filesNamed(".damaged")).isEmpty();
  }

  @Test
  void switchingToSnapshotModeFoldsAnOldJournalIn() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, Durability.JOURNAL);
    store.set("a", session(1));
    store.simulateCrash();

    MemFileStore snapshotOnly = open(file, Durability.SNAPSHOT);
    assertThat(values(snapshotOnly)).containsExactly(Map.entry("a", 1L));
    assertThat(filesNamed(".journal.")).isEmpty();
    snapshotOnly.close();
  }

  /** Writes a journal of known content and returns the expected state after each record. */
  private List<Map<String, Object>> writeJournal(Path file) {
    List<Map<String, Object>> states = new ArrayList<>();
    Map<String, Object> state = new HashMap<>();
    states.add(Map.copyOf(state));
    MemFileStore store = open(file, Durability.JOURNAL);
    Random random = new Random(7);
    for (int i = 0; i < 12; i++) {
      String id = "id-" + random.nextInt(4);
      if (random.nextInt(4) == 0) {
        if (state.remove(id) == null) {
          continue; // destroying an absent session writes nothing
        }
        store.destroy(id);
      } else {
        store.set(id, session(i));
        state.put(id, (long) i);
      }
      states.add(Map.copyOf(state));
    }
    store.simulateCrash();
    return states;
  }

  @Test
  void aJournalCutAtEveryByteRecoversExactlyTheRecordsBeforeTheCut() throws IOException {
    Path file = dir.resolve("s.json");
    List<Map<String, Object>> states = writeJournal(file);
    Path journal = filesNamed(".journal.").get(0);
    byte[] full = Files.readAllBytes(journal);
    List<Integer> lineEnds = new ArrayList<>();
    for (int i = 0; i < full.length; i++) {
      if (full[i] == '\n') {
        lineEnds.add(i + 1);
      }
    }
    assertThat(lineEnds).hasSize(states.size()); // a header, then one line per change
    // The zeros of the mapping after the last line are another test's (SaveFileReaderTest).
    full = java.util.Arrays.copyOf(full, lineEnds.get(lineEnds.size() - 1));

    for (int cut = 0; cut <= full.length; cut++) {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.write(journal, java.util.Arrays.copyOf(full, cut));
      int complete = 0;
      while (complete < lineEnds.size() && lineEnds.get(complete) <= cut) {
        complete++;
      }
      Map<String, Object> expected = complete == 0 ? Map.of() : states.get(complete - 1);

      MemFileStore store = open(file, Durability.JOURNAL);
      assertThat(values(store)).as("journal cut at byte %d", cut).isEqualTo(expected);
      assertThat(filesNamed(".damaged")).as("a torn tail is no damage (cut %d)", cut).isEmpty();
      store.simulateCrash();
      MemFileStore again = open(file, Durability.JOURNAL);
      assertThat(values(again)).as("recovering twice (cut %d)", cut).isEqualTo(expected);
      again.close();
    }
  }

  @Test
  void corruptionStopsReplayAtTheFirstBadRecordAndKeepsTheJournalAside() throws IOException {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    Path file = dir.resolve("s.json");
    for (int round = 0; round < 60; round++) {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      List<Map<String, Object>> states = writeJournal(file);
      Path journal = filesNamed(".journal.").get(0);
      // the zeros of the mapping after the last line: a flip there is another test's
      byte[] bytes = MappedJournals.withoutMappedTail(Files.readAllBytes(journal));
      int at = random.nextInt(bytes.length);
      bytes[at] ^= (byte) (1 + random.nextInt(255));
      Files.write(journal, bytes);
      int line = 0;
      for (int i = 0; i < at; i++) {
        line += bytes[i] == '\n' ? 1 : 0;
      }
      int newlinesFromFlip = 0;
      for (int i = at; i < bytes.length; i++) {
        newlinesFromFlip += bytes[i] == '\n' ? 1 : 0;
      }
      // The damaged line is the file's last when only its own newline follows: also when the flip
      // turned the newline before the last record into another byte, joining the two lines. Then
      // nothing intact follows it, which reads as a torn tail (seed 310448587575833550, round 35).
      boolean lastLine = newlinesFromFlip <= 1;
      Map<String, Object> expected = line == 0 ? Map.of() : states.get(line - 1);

      MemFileStore store = open(file, Durability.JOURNAL);
      String context = "seed " + seed + ", round " + round + ", byte " + at + ", line " + line;
      assertThat(values(store)).as(context).isEqualTo(expected);
      if (!lastLine) {
        assertThat(filesNamed(".damaged")).as(context).hasSize(1);
      }
      store.close();
    }
  }

  @Test
  void journalModeKeepsServingWhenTheDiskFailsAndRecoversWhenItWorksAgain() {
    FaultyFileChannel.Faults faults = new FaultyFileChannel.Faults();
    Path file = dir.resolve("s.json");
    MemFileStore store =
        MemFileStore.builder().clock(clock).saveFile(file).channelOpener(faults.opener()).build();
    store.set("before", session(1));

    faults.failWrites.set(true);
    faults.writeHalfFirst.set(true);
    faults.failOpens.set(true);
    // Appends copy into the mapped chunk; the disk is written when the journal needs a new one.
    Map<String, Object> expected = new HashMap<>(Map.of("before", 1L));
    for (int i = 0; i < 100 && store.stats().healthy(); i++) {
      store.set("during-" + i, padded(2)); // degrades: in memory, not journaled
      expected.put("during-" + i, 2L);
    }
    assertThat(store.get("during-0")).isPresent();
    assertThat(store.stats().healthy()).isFalse();
    assertThat(store.stats().problem()).contains(".journal.").contains("No space left");

    faults.failWrites.set(false);
    faults.failOpens.set(false);
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> store.stats().healthy()); // the retried snapshot holds "during"
    store.set("after", session(3));
    store.simulateCrash();

    MemFileStore recovered = open(file, Durability.JOURNAL);
    expected.put("after", 3L);
    assertThat(values(recovered)).isEqualTo(expected);
    recovered.close();
  }

  @Test
  void journalSyncRefusesChangesItCannotMakeDurable() {
    FaultyFileChannel.Faults faults = new FaultyFileChannel.Faults();
    Path file = dir.resolve("s.json");
    MemFileStore store =
        MemFileStore.builder()
            .clock(clock)
            .saveFile(file)
            .durability(Durability.JOURNAL_SYNC)
            .channelOpener(faults.opener())
            .build();
    store.set("a", session(1));

    faults.failWrites.set(true);
    faults.writeHalfFirst.set(true);
    faults.failOpens.set(true);
    // Appends copy into the mapped chunk; the disk is written when the journal needs a new one.
    long value = 1;
    UncheckedIOException refused = null;
    for (int i = 0; i < 100 && refused == null; i++) {
      try {
        store.set("a", padded(value + 1));
        value++;
      } catch (UncheckedIOException e) {
        refused = e;
      }
    }
    assertThat(refused)
        .isNotNull()
        .hasMessageContaining("was not changed")
        .hasMessageContaining("No space left");
    assertThatThrownBy(() -> store.destroy("a")).isInstanceOf(UncheckedIOException.class);
    assertThat(store.get("a").orElseThrow().getAttribute("value")).isEqualTo(value);

    faults.failWrites.set(false);
    faults.failOpens.set(false);
    await().atMost(Duration.ofSeconds(15)).until(() -> store.stats().healthy());
    store.set("a", session(3));
    store.simulateCrash();

    MemFileStore recovered = open(file, Durability.JOURNAL_SYNC);
    assertThat(values(recovered)).containsExactly(Map.entry("a", 3L));
    recovered.close();
  }

  @Test
  void journalSyncReportsAFailedForce() {
    FaultyFileChannel.Faults faults = new FaultyFileChannel.Faults();
    MemFileStore store =
        MemFileStore.builder()
            .clock(clock)
            .saveFile(dir.resolve("s.json"))
            .durability(Durability.JOURNAL_SYNC)
            .channelOpener(faults.opener())
            .build();
    faults.failForces.set(true);
    assertThatThrownBy(() -> store.set("a", session(1)))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("could not be forced");
    assertThat(store.stats().healthy()).isFalse();
    faults.failForces.set(false);
    store.close();
  }

  @Test
  void callersWaitingOnAForceAreAllCoveredByOneMoreForce() throws Exception {
    FaultyFileChannel.Faults faults = new FaultyFileChannel.Faults();
    FileFormat format = new FileFormat("json", true, null);
    Path path = dir.resolve("s.json.journal.1");
    try (Journal journal = Journal.create(path, 1, format, clock.instant(), faults.opener())) {
      Semaphore disk = new Semaphore(0);
      faults.forceGate = disk; // every force now waits until the test lets it through
      int forcesBefore = faults.forces.get();
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      List<Thread> callers = new ArrayList<>();
      for (int i = 0; i < 9; i++) {
        long end =
            journal.append(ByteBuffer.wrap(("line " + i + "\n").getBytes(StandardCharsets.UTF_8)));
        journal.done();
        Thread caller =
            new Thread(
                () -> {
                  try {
                    journal.sync(end);
                  } catch (IOException | RuntimeException e) {
                    failures.add(e);
                  }
                });
        caller.start();
        callers.add(caller);
        if (i == 0) {
          await().until(disk::hasQueuedThreads); // the first caller is forcing line 0 only
        }
      }
      await().until(() -> callers.stream().allMatch(t -> t.getState() == Thread.State.WAITING));
      disk.release(Integer.MAX_VALUE);
      for (Thread caller : callers) {
        caller.join(10_000);
        assertThat(caller.isAlive()).as("a caller still waiting for its force").isFalse();
      }
      assertThat(failures).isEmpty();
      assertThat(faults.forces.get() - forcesBefore)
          .as("one force for the first caller, one more for the eight that waited on it")
          .isEqualTo(2);
    }
  }

  @Test
  void aJournalGrowsItsMappingInChunksAndSealingCutsItToItsLastRecord() throws IOException {
    FileFormat format = new FileFormat("json", true, null);
    Path path = dir.resolve("s.json.journal.1");
    StringBuilder written = new StringBuilder();
    try (Journal journal =
        Journal.create(path, 1, format, clock.instant(), SaveFiles::openOwnerOnly)) {
      written.append(
          new String(Files.readAllBytes(path), StandardCharsets.UTF_8),
          0,
          (int) journal.headerSize());
      assertThat(Files.size(path))
          .as("the first chunk, zero-filled")
          .isEqualTo(Journal.FIRST_CHUNK);
      // Lines of awkward lengths, across several chunk boundaries (64 KiB, 128 KiB, 256 KiB...).
      for (int i = 0; i < 300; i++) {
        String line = i + ":" + "x".repeat(1 + (i * 7919) % 3000) + "\n";
        long end = journal.append(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
        journal.done();
        written.append(line);
        assertThat(end).isEqualTo(written.length());
      }
      assertThat(Files.size(path))
          .as("zeros ahead of the last line")
          .isGreaterThan(written.length());
      byte[] live = Files.readAllBytes(path);
      assertThat(new String(live, 0, written.length(), StandardCharsets.UTF_8))
          .as("what a reader sees while the store runs: every line, in the page cache")
          .isEqualTo(written.toString());
      for (int i = written.length(); i < live.length; i++) {
        assertThat(live[i]).as("byte %d after the last line", i).isZero();
      }
      journal.seal();
      assertThat(journal.append(ByteBuffer.wrap("late\n".getBytes(StandardCharsets.UTF_8))))
          .isEqualTo(-1);
    }
    assertThat(new String(Files.readAllBytes(path), StandardCharsets.UTF_8))
        .as("sealed: cut to its last record")
        .isEqualTo(written.toString());
  }

  @Test
  void aFullDiskFailsTheAppendThatNeedsANewChunkAndNeverFaults() throws Exception {
    try (Tmpfs fs = Tmpfs.mount(dir, "1m")) {
      FileFormat format = new FileFormat("json", true, null);
      Path path = fs.root.resolve("s.json.journal.1");
      byte[] line = ("x".repeat(1023) + "\n").getBytes(StandardCharsets.UTF_8);
      try (Journal journal =
          Journal.create(path, 1, format, clock.instant(), SaveFiles::openOwnerOnly)) {
        fs.fill();
        long appended = 0;
        IOException full = null;
        for (int i = 0; i < 2_000 && full == null; i++) {
          try {
            journal.append(ByteBuffer.wrap(line));
            journal.done();
            appended++;
          } catch (IOException e) {
            full = e;
          }
        }
        assertThat(full).as("an append on a full disk").isNotNull();
        assertThat(full.getMessage()).contains("No space left");
        assertThat(appended)
            .as("lines that fit in the first chunk, already on the file system")
            .isBetween(1L, (long) Journal.FIRST_CHUNK / line.length);
        assertThatThrownBy(() -> journal.append(ByteBuffer.wrap(line)))
            .as("a failed journal takes no more")
            .hasMessageContaining("failed earlier");
        fs.free();
        long newlines = 0;
        for (byte b : Files.readAllBytes(path)) {
          newlines += b == '\n' ? 1 : 0;
        }
        // The failed append may have copied the start of its line: a torn tail, not a record.
        assertThat(newlines - 1)
            .as("every line that was appended is in the file")
            .isEqualTo(appended);
      }
    }
  }

  @Test
  void journalModesNeedASaveFile() {
    assertThatThrownBy(() -> MemFileStore.builder().durability(Durability.JOURNAL).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("saveFile");
  }

  @Test
  void aJournalOfAnotherSerializerIsRefusedAndLeftAlone() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, Durability.JOURNAL);
    store.set("a", session(1));
    store.simulateCrash();
    Path journal = filesNamed(".journal.").get(0);
    byte[] before = Files.readAllBytes(journal);

    assertThatThrownBy(
            () ->
                MemFileStore.builder().saveFile(file).serializer(SessionSerializer.java()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(journal.toString())
        .hasMessageContaining("'json'");
    assertThat(Files.readAllBytes(journal)).isEqualTo(before);
  }

  @Test
  void theDecoderSurvivesRandomInput() {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    byte[] valid =
        ("{\"crc\":\"00000000\",\"op\":\"set\",\"id\":\"x\",\"expires\":\"2026-01-01T00:00:00Z\","
                + "\"session\":{\"created\":\"2026-01-01T00:00:00Z\",\"attributes\":{}}}")
            .getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < 20_000; i++) {
      byte[] line = valid.clone();
      int edits = 1 + random.nextInt(4);
      for (int e = 0; e < edits; e++) {
        line[random.nextInt(line.length)] = (byte) random.nextInt(256);
      }
      int length = random.nextInt(line.length + 1);
      String context = "seed " + seed + ", input " + i;
      try {
        ChecksummedLine.isIntact(line, length);
        RecordDecoder.entry(line, length, random.nextBoolean() ? "json" : null);
        RecordDecoder.trailer(line, length);
        RecordDecoder.header(line, length, FileFormat.JOURNAL);
      } catch (RuntimeException e) {
        throw new AssertionError(context, e);
      }
    }
  }
}
