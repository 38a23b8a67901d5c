package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.SaveFileInspector.ProblemKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 13, items 4b and 5: with a key, a sealed record opens only at its own line of its own file,
 * so a record re-appended, reordered, moved from another generation or taken from another store's
 * journal is detected and not applied; and with or without a key another store's journal is told
 * apart by the store id in its header. A crash's torn tail still loads, and files of format version
 * 1 still load.
 */
class SealedOrderTest {
  @TempDir Path dir;

  private static SecretKey key(int seed) {
    byte[] bytes = new byte[32];
    Arrays.fill(bytes, (byte) seed);
    return new SecretKeySpec(bytes, "AES");
  }

  private static MemFileStore open(Path file, SecretKey key) {
    MemFileStore.Builder b = MemFileStore.builder().saveFile(file);
    if (key != null) {
      b.encryptionKey(key);
    }
    return b.build();
  }

  private static SessionData session(String user) {
    SessionData s = new SessionData();
    s.setAttribute("user", user);
    return s;
  }

  private static String user(MemFileStore store, String id) {
    return store.get(id).map(s -> (String) s.getAttribute("user")).orElse(null);
  }

  /** The one journal beside the file, after a simulated kill. */
  private static Path onlyJournal(Path file) throws IOException {
    List<Long> generations = new SaveFiles(file).generations();
    assertThat(generations).hasSize(1);
    return new SaveFiles(file).journal(generations.get(0));
  }

  /** A file's lines, each with its newline. */
  private static List<byte[]> lines(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    List<byte[]> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        lines.add(Arrays.copyOfRange(bytes, start, i + 1));
        start = i + 1;
      }
    }
    return lines;
  }

  private static void write(Path file, List<byte[]> lines) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] line : lines) {
      out.write(line);
    }
    Files.write(file, out.toByteArray());
  }

  private static List<SaveFileInspector.Problem> problems(Path file, SecretKey key)
      throws IOException {
    return SaveFileInspector.open(file, key).verify().problems();
  }

  private List<String> keptAside() throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString())
          .filter(n -> n.contains(".damaged-"))
          .toList();
    }
  }

  // ---------------------------------------------------------------- replay within a journal

  @Test
  void anOldSealedLineReappendedAfterALogoutDoesNotBringTheSessionBack() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, key(1));
    store.set("victim", session("alice")); // journal line 2
    store.set("other", session("bob")); // line 3
    store.destroy("victim"); // line 4: the logout
    store.simulateCrash();
    Path journal = onlyJournal(file);
    List<byte[]> lines = lines(journal);
    assertThat(lines).hasSize(4);
    lines.add(lines.get(1)); // the attacker re-appends the old sealed set
    write(journal, lines);

    assertThat(problems(file, key(1)))
        .as("the inspector names the replayed line")
        .anySatisfy(
            p -> {
              assertThat(p.file()).isEqualTo(journal);
              assertThat(p.line()).isEqualTo(5);
              assertThat(p.type()).isEqualTo(ProblemKind.DECRYPT);
            });
    try (MemFileStore reopened = open(file, key(1))) {
      assertThat(reopened.get("victim")).as("the destroyed session stays destroyed").isEmpty();
      assertThat(user(reopened, "other")).isEqualTo("bob");
    }
    assertThat(keptAside())
        .as("the journal is kept aside, not cut as a torn tail")
        .anyMatch(n -> n.startsWith(journal.getFileName() + ".damaged-"));
  }

  @Test
  void swappedLinesAreNotApplied() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, key(1));
    store.set("a", session("first")); // line 2
    store.set("a", session("second")); // line 3
    store.set("b", session("kept")); // line 4
    store.simulateCrash();
    Path journal = onlyJournal(file);
    List<byte[]> lines = lines(journal);
    byte[] second = lines.get(2);
    lines.set(2, lines.get(1));
    lines.set(1, second); // "second" then "first": a stale value would win
    write(journal, lines);

    try (MemFileStore reopened = open(file, key(1))) {
      assertThat(user(reopened, "a")).as("no reordered record is applied").isNull();
      assertThat(reopened.get("b")).as("nor anything after it").isEmpty();
    }
    assertThat(keptAside()).anyMatch(n -> n.startsWith(journal.getFileName() + ".damaged-"));
  }

  @Test
  void aDroppedLineStopsReplayThere() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, key(1));
    store.set("a", session("one")); // line 2
    store.destroy("a"); // line 3: dropped by the attacker
    store.set("b", session("two")); // line 4
    store.simulateCrash();
    Path journal = onlyJournal(file);
    List<byte[]> lines = lines(journal);
    lines.remove(2);
    write(journal, lines);

    assertThat(problems(file, key(1)))
        .anySatisfy(p -> assertThat(p.type()).isEqualTo(ProblemKind.DECRYPT))
        .anySatisfy(p -> assertThat(p.line()).isEqualTo(3));
    try (MemFileStore reopened = open(file, key(1))) {
      assertThat(user(reopened, "a")).as("what precedes the gap is applied").isEqualTo("one");
      assertThat(reopened.get("b")).as("what follows it is not").isEmpty();
    }
  }

  // ---------------------------------------------------------------- across generations and stores

  @Test
  void aLineFromAnotherGenerationIsNotApplied() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, key(1));
    store.set("victim", session("alice"));
    Path older = onlyJournal(file);
    byte[] oldSet = lines(older).get(1);
    store.save(); // a snapshot holds the victim; the next generation starts
    store.destroy("victim"); // line 2 of the new generation
    store.simulateCrash();
    Path journal = onlyJournal(file);
    assertThat(journal).isNotEqualTo(older);
    List<byte[]> lines = lines(journal);
    lines.add(oldSet);
    write(journal, lines);

    try (MemFileStore reopened = open(file, key(1))) {
      assertThat(reopened.get("victim")).isEmpty();
    }
    assertThat(keptAside()).anyMatch(n -> n.startsWith(journal.getFileName() + ".damaged-"));
  }

  @Test
  void anotherStoresJournalWithTheSameKeyIsKeptAside() throws IOException {
    foreignJournal(key(1));
  }

  @Test
  void anotherStoresJournalIsKeptAsideWithoutAKeyToo() throws IOException {
    foreignJournal(null);
  }

  private void foreignJournal(SecretKey key) throws IOException {
    Path file = dir.resolve("s.json");
    Path[] journals = twoStoresJournals(file, key);
    Files.copy(journals[1], journals[0], java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    assertThat(problems(file, key))
        .anySatisfy(
            p -> {
              assertThat(p.type()).isEqualTo(ProblemKind.HEADER);
              assertThat(p.message()).contains("another store");
            });
    try (MemFileStore reopened = open(file, key)) {
      assertThat(reopened.ids()).as("nothing of the other store").containsExactly("mine");
    }
    assertThat(keptAside()).anyMatch(n -> n.startsWith(journals[0].getFileName() + ".damaged-"));
  }

  /** This store's journal and another store's journal of the same generation, both killed. */
  private Path[] twoStoresJournals(Path file, SecretKey key) throws IOException {
    Path otherFile = Files.createDirectory(dir.resolve("other")).resolve("s.json");
    try (MemFileStore mine = open(file, key)) {
      mine.set("mine", session("me"));
    }
    try (MemFileStore other = open(otherFile, key)) {
      other.set("theirs", session("them"));
    }
    MemFileStore mine = open(file, key);
    mine.set("later", session("me"));
    mine.simulateCrash();
    MemFileStore other = open(otherFile, key);
    other.set("forged", session("them"));
    other.simulateCrash();
    Path journal = onlyJournal(file);
    Path foreign = onlyJournal(otherFile);
    assertThat(journal.getFileName()).as("the same generation").isEqualTo(foreign.getFileName());
    return new Path[] {journal, foreign};
  }

  @Test
  void aForeignJournalWhoseHeaderClaimsThisStoreDoesNotOpen() throws IOException {
    Path file = dir.resolve("s.json");
    Path[] journals = twoStoresJournals(file, key(1));
    // The attacker copies the other store's journal and writes this store's id in its header.
    String myStore = SaveFileReader.firstLine(file, FileFormat.SNAPSHOT).header().store();
    String theirStore = SaveFileReader.firstLine(journals[1], FileFormat.JOURNAL).header().store();
    assertThat(myStore).isNotEqualTo(theirStore);
    List<byte[]> lines = lines(journals[1]);
    String header = new String(lines.get(0), StandardCharsets.UTF_8);
    String body = header.substring(ChecksummedLine.BODY_OFFSET, header.length() - 1);
    byte[] forged = body.replace(theirStore, myStore).getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ChecksummedLine.write(out, forged, forged.length);
    lines.set(0, out.toByteArray());
    write(journals[0], lines);

    assertThat(problems(file, key(1)))
        .anySatisfy(p -> assertThat(p.type()).isEqualTo(ProblemKind.DECRYPT));
    try (MemFileStore reopened = open(file, key(1))) {
      assertThat(reopened.get("forged")).as("its records do not open as this store's").isEmpty();
      assertThat(reopened.ids()).containsExactly("mine");
    }
    assertThat(keptAside()).anyMatch(n -> n.startsWith(journals[0].getFileName() + ".damaged-"));
  }

  // ---------------------------------------------------------------- snapshots

  @Test
  void aRecordOfAnOlderSnapshotInsertedIntoTheCurrentOneIsRefused() throws IOException {
    Path file = dir.resolve("s.json");
    try (MemFileStore store = open(file, key(1))) {
      store.set("victim", session("alice"));
      store.set("other", session("bob"));
    }
    List<byte[]> older = lines(file);
    try (MemFileStore store = open(file, key(1))) {
      store.destroy("victim");
    }
    List<byte[]> current = lines(file);
    assertThat(current).hasSize(3); // header, other, trailer
    for (byte[] line : older.subList(1, older.size() - 1)) {
      current.add(current.size() - 1, line); // both old records, before the trailer
    }
    write(file, current);

    try (MemFileStore reopened = open(file, key(1))) {
      assertThat(reopened.get("victim")).isEmpty();
      assertThat(user(reopened, "other")).isEqualTo("bob");
    }
    assertThat(keptAside()).anyMatch(n -> n.startsWith("s.json.damaged-"));
  }

  @Test
  void aSnapshotCutShortBehindAnOldTrailerIsDamage() throws IOException {
    Path file = dir.resolve("s.json");
    try (MemFileStore store = open(file, key(1))) {
      store.set("a", session("one"));
    }
    byte[] oldTrailer = lines(file).get(2); // "records":1 at line 3
    try (MemFileStore store = open(file, key(1))) {
      store.set("b", session("two"));
    }
    List<byte[]> lines = lines(file);
    assertThat(lines).hasSize(4);
    lines.subList(2, 4).clear(); // drop a record and the trailer,
    lines.add(oldTrailer); // and put a trailer that counts one record at line 3
    write(file, lines);

    assertThat(problems(file, key(1)))
        .anySatisfy(p -> assertThat(p.type()).isEqualTo(ProblemKind.DECRYPT))
        .anySatisfy(p -> assertThat(p.type()).isEqualTo(ProblemKind.NO_TRAILER));
  }

  // ---------------------------------------------------------------- what must still load

  @Test
  void aCrashTruncatedTailStillLoads() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, key(1));
    store.set("a", session("one"));
    store.set("b", session("two"));
    store.set("c", session("three"));
    store.simulateCrash();
    Path journal = onlyJournal(file);
    int end = MappedJournals.contentEnd(Files.readAllBytes(journal));
    try (var channel =
        java.nio.channels.FileChannel.open(journal, java.nio.file.StandardOpenOption.WRITE)) {
      channel.truncate(end - 40); // in the middle of the last record
    }

    try (MemFileStore reopened = open(file, key(1))) {
      assertThat(reopened.ids()).containsExactlyInAnyOrder("a", "b");
    }
    assertThat(keptAside()).as("a torn tail is cut, not kept aside").isEmpty();
    try (MemFileStore reopened = open(file, key(1))) {
      assertThat(reopened.ids()).containsExactlyInAnyOrder("a", "b");
    }
  }

  @Test
  void aTailCutAtALineBoundaryStillLoads() throws IOException {
    Path file = dir.resolve("s.json");
    MemFileStore store = open(file, key(1));
    store.set("a", session("one"));
    store.set("b", session("two"));
    store.simulateCrash();
    Path journal = onlyJournal(file);
    List<byte[]> lines = lines(journal);
    write(journal, lines.subList(0, 2));

    try (MemFileStore reopened = open(file, key(1))) {
      assertThat(reopened.ids()).containsExactly("a");
    }
    assertThat(keptAside()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(
      value = Durability.class,
      names = {"JOURNAL", "JOURNAL_SYNC"})
  void recordsSealedByConcurrentWritersAllOpenInOrder(Durability durability) throws Exception {
    Path file = dir.resolve("s.json");
    MemFileStore store =
        MemFileStore.builder().saveFile(file).encryptionKey(key(1)).durability(durability).build();
    int threads = 6;
    int each = 300;
    List<Thread> writers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int writer = t;
      Thread w =
          new Thread(
              () -> {
                for (int i = 0; i < each; i++) {
                  store.set("w" + writer + "-" + (i % 50), session("v" + i));
                  if (i % 7 == 0) {
                    store.destroy("w" + writer + "-" + ((i + 25) % 50));
                  }
                }
              });
      w.start();
      writers.add(w);
    }
    for (Thread w : writers) {
      w.join();
    }
    Map<String, String> expected = users(store);
    store.simulateCrash();

    assertThat(problems(file, key(1))).as("every sealed line opens at its line").isEmpty();
    try (MemFileStore reopened = open(file, key(1))) {
      assertThat(users(reopened)).isEqualTo(expected);
    }
    assertThat(keptAside()).isEmpty();
  }

  @Test
  void encryptedFilesOfFormatVersion1StillLoadAndAreRewrittenInVersion2() throws IOException {
    Path file = copyFixture("encrypted");
    assertThat(SaveFileInspector.open(file, key(7)).verify().problems()).isEmpty();
    try (MemFileStore store = open(file, key(7))) {
      assertThat(users(store))
          .containsExactly(
              Map.entry("v1-session-1", "user-1"),
              Map.entry("v1-session-2", "user-2"),
              Map.entry("v1-session-3", "journaled"));
      store.save();
    }
    assertThat(SaveFileReader.firstLine(file, FileFormat.SNAPSHOT).header().version())
        .isEqualTo(FileFormat.VERSION);
    try (MemFileStore store = open(file, key(7))) {
      assertThat(users(store)).hasSize(3).containsEntry("v1-session-3", "journaled");
    }
    assertThat(keptAside()).isEmpty();
  }

  @Test
  void plainFilesOfFormatVersion1StillLoad() throws IOException {
    Path file = copyFixture("plain");
    try (MemFileStore store = open(file, null)) {
      assertThat(users(store)).hasSize(3).containsEntry("v1-session-3", "journaled");
    }
    try (MemFileStore store = open(file, null)) {
      assertThat(users(store)).hasSize(3).doesNotContainKey("v1-session-0");
    }
  }

  @Test
  void aVersion1JournalBesideVersion2FilesIsAnotherStores() throws IOException {
    Path file = dir.resolve("s.json");
    try (MemFileStore store = open(file, null)) {
      store.set("mine", session("me"));
    }
    assertThat(SaveFileReader.firstLine(file, FileFormat.SNAPSHOT).header().generation())
        .isEqualTo(1);
    Path fixtures = Files.createDirectory(dir.resolve("fixtures"));
    Path v1 = copyFixture("plain", fixtures);
    Files.copy(new SaveFiles(v1).journal(1), new SaveFiles(file).journal(1));

    try (MemFileStore store = open(file, null)) {
      assertThat(store.ids()).containsExactly("mine");
    }
    assertThat(keptAside()).anyMatch(n -> n.startsWith("s.json.journal.1.damaged-"));
  }

  private static Map<String, String> users(MemFileStore store) {
    Map<String, String> users = new TreeMap<>();
    for (String id : store.ids()) {
      users.put(id, user(store, id));
    }
    return users;
  }

  private Path copyFixture(String kind) throws IOException {
    return copyFixture(kind, dir);
  }

  private static Path copyFixture(String kind, Path dir) throws IOException {
    for (String name : List.of("v1.json", "v1.json.journal.1")) {
      try (InputStream in =
          SealedOrderTest.class.getResourceAsStream("/format-v1/" + kind + "/" + name)) {
        assertThat(in).as(name).isNotNull();
        Files.copy(in, dir.resolve(name));
      }
      SaveFiles.tightenToOwner(dir.resolve(name));
    }
    return dir.resolve("v1.json");
  }
}
