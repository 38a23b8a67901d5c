package dev.memfilestore.cli;

import static dev.memfilestore.cli.Stores.ADA;
import static dev.memfilestore.cli.Stores.BOB;
import static dev.memfilestore.cli.Stores.CY;
import static dev.memfilestore.cli.Stores.NOW;
import static dev.memfilestore.cli.Stores.OLD;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memfilestore.MappedJournals;
import dev.memfilestore.MemFileStore;
import dev.memfilestore.SaveFileInspector;
import dev.memfilestore.SessionSerializer;
import dev.memfilestore.spring.MemFileSessionRepository;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextImpl;
import picocli.CommandLine;

/** Every command, in-process, against real files written by MemFileStore. */
class CliTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path dir;

  record Run(int code, String out, String err) {
    JsonNode json() throws IOException {
      return MAPPER.readTree(out);
    }
  }

  static Run run(Object... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = MemFileStoreCli.commandLine(Clock.fixed(NOW, ZoneOffset.UTC));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(Arrays.stream(args).map(String::valueOf).toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  private Path journaled() throws IOException {
    return Stores.withJournal(dir, null, null);
  }

  private static List<String> idsIn(Path file) {
    try (MemFileStore store = Stores.builder(file, NOW).build()) {
      return store.ids();
    }
  }

  @Test
  void statsCountsSnapshotAndJournalTogether() throws IOException {
    Path file = journaled();
    Run r = run("stats", file);
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("Sessions     5 (1 expired, 4 live)")
        .contains("serializer json, not encrypted")
        .contains("in 2 files (the snapshot and 1 journal)")
        .contains("4 attributes")
        .containsPattern("user +5");
    assertThat(r.out()).doesNotContain(ADA); // ids are abbreviated

    JsonNode json = run("stats", "--json", file).json();
    assertThat(json.get("sessions").asLong()).isEqualTo(5);
    assertThat(json.get("expired").asLong()).isEqualTo(1);
    assertThat(json.get("journals")).hasSize(1);
    assertThat(json.get("attributes").get(0).get("sessions").asLong()).isEqualTo(5);
    assertThat(json.get("largest")).hasSize(5);
  }

  @Test
  void listAbbreviatesIdsUnlessRevealed() throws IOException {
    Path file = journaled();
    Run r = run("list", file);
    assertThat(r.code()).isZero();
    assertThat(r.out().lines()).hasSize(1 + 5);
    assertThat(r.out()).contains(ADA.substring(0, 8) + "…").doesNotContain(ADA).contains("expired");
    assertThat(r.out()).doesNotContain("book"); // no values

    assertThat(run("list", "--reveal", file).out()).contains(ADA, BOB, CY, OLD);
    JsonNode json = run("list", "--json", "--expired", file).json();
    assertThat(json).hasSize(1);
    assertThat(json.get(0).get("id").asText()).isEqualTo(OLD.substring(0, 8) + "…");
    assertThat(json.get(0).get("expired").asBoolean()).isTrue();
  }

  @Test
  void showMasksValuesUnlessRevealedAndSaysWhereTheSessionIs() throws IOException {
    Path file = journaled();
    Run r = run("show", file, BOB);
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("Session      " + BOB)
        .contains("user")
        .contains("*** (String, 3 chars)")
        .contains("*** (Long)")
        .contains("sessions.json.journal.")
        .doesNotContain("\"bob\"")
        .doesNotContain("book");

    Run revealed = run("show", "--reveal", file, BOB.substring(0, 8) + "…");
    assertThat(revealed.out()).contains("\"bob\" (String)").contains("3 (Long)").contains("book");

    JsonNode json = run("show", "--json", "--reveal", file, CY).json();
    assertThat(json.get("id").asText()).isEqualTo(CY);
    assertThat(json.get("maxInactive").asText()).isEqualTo("PT1H");
  }

  @Test
  void showSaysWhenThereIsNoSuchSessionOrThePrefixIsAmbiguous() throws IOException {
    Path file = journaled();
    Run missing = run("show", file, "nobody");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("no session");
    Run ambiguous = run("show", file, "ada-");
    assertThat(ambiguous.code()).isEqualTo(2);
    assertThat(ambiguous.err()).contains("matches 2 sessions");
  }

  @Test
  void verifyPassesIntactFilesAndNamesTheDamagedLineOtherwise() throws IOException {
    Path file = journaled();
    Run ok = run("verify", file);
    assertThat(ok.code()).isZero();
    assertThat(ok.out())
        .contains("Checked 2 files (the snapshot and 1 journal): 9 lines, 6 intact records")
        .contains("OK: no damage found");

    byte[] bytes = Files.readAllBytes(file);
    int secondLine = indexOf(bytes, (byte) '\n') + 1;
    bytes[secondLine + 30] ^= 0x20;
    Files.write(file, bytes);
    Run damaged = run("verify", file);
    assertThat(damaged.code()).isEqualTo(1);
    assertThat(damaged.out())
        .contains("DAMAGED sessions.json line 2 (byte " + secondLine + ") [checksum]")
        .contains("[count]");
    JsonNode json = run("verify", "--json", file).json();
    assertThat(json.get("intact").asBoolean()).isFalse();
    assertThat(json.get("problems").get(0).get("offset").asLong()).isEqualTo(secondLine);
  }

  @Test
  void verifyFindsATruncatedFileAndATornJournal() throws IOException {
    Path file = journaled();
    Path journal = journalOf(file);
    byte[] j = Files.readAllBytes(journal);
    // the zeros after a mapped journal's last line, which verify takes as its end
    int end = MappedJournals.contentEnd(j);
    assertThat(run("verify", file).code()).as("a journal that ends in zeros").isZero();
    Files.write(journal, Arrays.copyOf(j, end - 7));
    Run torn = run("verify", file);
    assertThat(torn.code()).isEqualTo(1);
    assertThat(torn.out()).contains("[torn-tail]");

    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
    Run truncated = run("verify", file);
    assertThat(truncated.out()).contains("[truncated]").contains("[no-trailer]");
  }

  @Test
  void compactFoldsTheJournalInAndTheStoreLoadsTheSameSessions() throws IOException {
    Path file = journaled();
    String before = run("list", "--json", "--reveal", file).out();
    Run r = run("compact", file);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("5 sessions, 1 journal folded in");
    assertThat(journals(file)).isEmpty();
    assertThat(run("verify", file).code()).isZero();
    List<JsonNode> expected = new java.util.ArrayList<>();
    MAPPER.readTree(before).forEach(expected::add);
    assertThat(run("list", "--json", "--reveal", file).json())
        .containsExactlyInAnyOrderElementsOf(expected); // the same sessions, byte for byte
    assertThat(idsIn(file))
        .containsExactlyInAnyOrder(ADA, BOB, CY, "ada-2-0123456789abcdef0123456789ab");
    if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
    }
  }

  @Test
  void commandsThatWriteRefuseWhileTheApplicationRuns() throws IOException {
    Path file = dir.resolve("running.json");
    try (MemFileStore store = Stores.builder(file, NOW).build()) {
      store.set(ADA, Stores.session("ada", 1));
      store.save();
      byte[] before = Files.readAllBytes(file);
      for (Object[] args :
          List.of(
              new Object[] {"compact", file},
              new Object[] {"purge", "--expired", file},
              new Object[] {"purge", "--principal", "ada", file})) {
        Run r = run(args);
        assertThat(r.code()).as(Arrays.toString(args)).isEqualTo(3);
        assertThat(r.err()).contains("stop the application first");
      }
      assertThat(Files.readAllBytes(file)).isEqualTo(before);
      assertThat(run("stats", file).code()).isZero(); // reading is fine
    }
  }

  @Test
  void commandsThatWriteRefuseDamagedFiles() throws IOException {
    Path file = journaled();
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 5] ^= 0x01; // the trailer
    Files.write(file, bytes);
    Run r = run("compact", file);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("refusing to change damaged files").contains("DAMAGED");
    assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
  }

  @Test
  void purgeRemovesExpiredSessionsOrEverySessionOfOneUser() throws IOException {
    Path file = journaled();
    Run dry = run("purge", "--principal", "ada", "--dry-run", file);
    assertThat(dry.out()).contains("Would remove 2 sessions of principal ada (of 5 sessions)");
    assertThat(run("list", "--reveal", file).out())
        .contains(ADA, OLD); // the dry run changed nothing

    Run expired = run("purge", "--expired", file);
    assertThat(expired.code()).as(expired.err()).isZero();
    assertThat(expired.out()).contains("Removed 1 expired session; 4 sessions kept");
    assertThat(run("list", "--reveal", file).out()).doesNotContain(OLD);

    Run ada = run("purge", "--principal", "ada", file);
    assertThat(ada.code()).isZero();
    assertThat(ada.out()).contains("Removed 2 sessions of principal ada; 2 sessions kept");
    assertThat(idsIn(file)).containsExactlyInAnyOrder(BOB, CY);
  }

  @Test
  void purgeNeedsExactlyOneSelection() throws IOException {
    Path file = journaled();
    assertThat(run("purge", file).code()).isEqualTo(2);
    Run both = run("purge", "--expired", "--principal", "ada", file);
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("mutually exclusive");
  }

  @Test
  void exportThenImportRoundTripsAndRefusesDuplicatesUnlessReplace() throws IOException {
    Path source = journaled();
    Path export = dir.resolve("export.json");
    Run exported = run("export", "-o", export, source);
    assertThat(exported.code()).as(exported.err()).isZero();
    assertThat(exported.err()).contains("Exported 5 sessions");
    if (Files.getFileStore(export).supportsFileAttributeView("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(export)))
          .isEqualTo("rw-------");
    }
    JsonNode json = MAPPER.readTree(export.toFile());
    assertThat(json.get("format").asText()).isEqualTo("memfilestore-export");
    assertThat(json.get("sessions")).hasSize(5);

    Path target = dir.resolve("other").resolve("sessions.json");
    Files.createDirectories(target.getParent());
    try (MemFileStore store = Stores.builder(target, NOW).build()) {
      store.set("zed-0123456789abcdef", Stores.session("zed", 9));
    }
    Run imported = run("import", target, export);
    assertThat(imported.code()).as(imported.err()).isZero();
    assertThat(imported.out())
        .contains("Imported 5 sessions into sessions.json (0 replaced a session with the same id);")
        .contains("1 other session kept");
    try (MemFileStore store = Stores.builder(target, NOW).build()) {
      assertThat(store.ids()).hasSize(5); // 4 live imported + zed; OLD is expired
      assertThat(store.get(BOB).orElseThrow().getAttribute("visits")).isEqualTo(3L);
      assertThat(store.get(ADA).orElseThrow().getAttribute("cart"))
          .isEqualTo(List.of("book", "pen"));
    }

    Run again = run("import", target, export);
    assertThat(again.code()).isEqualTo(2);
    // 4, not 5: opening the store above dropped the expired one
    assertThat(again.err()).contains("4 of its 5 sessions are already in").contains("--replace");
    assertThat(run("import", "--replace", target, export).code()).isZero();
    assertThat(run("export", "-o", export, source).code()).isEqualTo(2); // never overwritten
  }

  @Test
  void importRefusesAnotherSerializerAndWhatIsNoExport() throws IOException {
    Path json = journaled();
    Path java = Stores.withJournal(dir.resolve("java"), SessionSerializer.java(), null);
    Path export = dir.resolve("java-export.json");
    assertThat(run("export", "-o", export, java).code()).isZero();
    byte[] before = Files.readAllBytes(json);
    Run other = run("import", json, export);
    assertThat(other.code()).isEqualTo(2);
    assertThat(other.err()).contains("of the 'java' serializer but sessions.json uses 'json'");

    Path notExport = dir.resolve("package.json");
    Files.writeString(notExport, "{\"name\":\"app\",\"version\":\"1.0.0\"}");
    Run foreign = run("import", json, notExport);
    assertThat(foreign.code()).isEqualTo(2);
    assertThat(foreign.err()).contains("is not a memfilestore export");
    assertThat(Files.readAllBytes(json)).isEqualTo(before);
  }

  @Test
  void javaSerializedSessionsShowTheirStringsWhenRevealed() throws IOException {
    Path file = Stores.withJournal(dir, SessionSerializer.java(), null);
    Run r = run("show", "--reveal", file, ADA);
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("\"ada\" (String)")
        .contains("1 (Long)")
        .contains("(CollSer, not readable without the application's classes)");
    assertThat(run("purge", "--principal", "bob", file).out())
        .contains("Removed 1 session of principal bob; 4 sessions kept");
    assertThat(run("verify", file).code()).isZero();
  }

  @Test
  void encryptedFilesNeedTheKeyFile() throws IOException {
    byte[] raw = new byte[32];
    raw[3] = 7;
    Path keyFile = dir.resolve("key.bin");
    Files.write(keyFile, raw);
    Path file = Stores.withJournal(dir, null, new SecretKeySpec(raw, "AES"));

    Run noKey = run("stats", file);
    assertThat(noKey.code()).isEqualTo(2);
    assertThat(noKey.err()).contains("is encrypted");
    Path wrongKey = dir.resolve("wrong.bin");
    Files.write(wrongKey, new byte[32]);
    assertThat(run("stats", "--key-file", wrongKey, file).err()).contains("another key");
    Path shortKey = dir.resolve("short.bin");
    Files.write(shortKey, new byte[5]);
    assertThat(run("stats", "--key-file", shortKey, file).err()).contains("holds no AES key");

    assertThat(run("stats", "--key-file", keyFile, file).out()).contains("5 (1 expired");
    assertThat(run("verify", "--key-file", keyFile, file).code()).isZero();
    assertThat(run("purge", "--expired", "--key-file", keyFile, file).code()).isZero();
    assertThat(Files.readString(file)).doesNotContain("\"user\"").contains("AES-GCM");
  }

  @Test
  void verifyNamesASealedRecordAppendedAgainToAJournal() throws IOException {
    byte[] raw = new byte[32];
    raw[3] = 7;
    Path keyFile = dir.resolve("key.bin");
    Files.write(keyFile, raw);
    Path file = Stores.withJournal(dir, null, new SecretKeySpec(raw, "AES"));
    Path journal = journalOf(file);
    byte[] j = MappedJournals.withoutMappedTail(Files.readAllBytes(journal));
    int secondLine = indexOf(j, (byte) '\n') + 1;
    int thirdLine =
        secondLine + indexOf(Arrays.copyOfRange(j, secondLine, j.length), (byte) '\n') + 1;
    byte[] replayed = Arrays.copyOf(j, j.length + thirdLine - secondLine);
    System.arraycopy(j, secondLine, replayed, j.length, thirdLine - secondLine);
    Files.write(journal, replayed); // bob's change appended again, after cy's and ada's

    Run r = run("verify", "--key-file", keyFile, file);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).contains(journal.getFileName() + " line 5").contains("[decrypt]");
  }

  @Test
  void filesOfFormatVersion1AreReadWithAndWithoutAKey() throws IOException {
    Path plain = fixture("plain");
    Run verify = run("verify", plain);
    assertThat(verify.code()).isZero();
    assertThat(verify.out()).contains("OK: no damage found");
    assertThat(run("list", "--reveal", plain).out())
        .contains("v1-session-1", "v1-session-2", "v1-session-3")
        .doesNotContain("v1-session-0");

    Path encrypted = fixture("encrypted");
    byte[] raw = new byte[32];
    Arrays.fill(raw, (byte) 7);
    Path keyFile = dir.resolve("v1-key.bin");
    Files.write(keyFile, raw);
    assertThat(run("stats", encrypted).err()).contains("is encrypted");
    assertThat(run("verify", "--key-file", keyFile, encrypted).code()).isZero();
    assertThat(run("show", "--reveal", "--key-file", keyFile, encrypted, "v1-session-3").out())
        .contains("journaled");
    assertThat(run("list", "--reveal", "--key-file", keyFile, encrypted).out())
        .contains("v1-session-1", "v1-session-2", "v1-session-3")
        .doesNotContain("v1-session-0");
  }

  /** A copy of the files of format version 1 in {@code src/test/resources/format-v1/<kind>}. */
  private Path fixture(String kind) throws IOException {
    Path target = Files.createDirectories(dir.resolve("v1-" + kind));
    for (String name : List.of("v1.json", "v1.json.journal.1")) {
      try (var in = CliTest.class.getResourceAsStream("/format-v1/" + kind + "/" + name)) {
        assertThat(in).as(name).isNotNull();
        Files.copy(in, target.resolve(name));
      }
      Files.setPosixFilePermissions(
          target.resolve(name), PosixFilePermissions.fromString("rw-------"));
    }
    return target.resolve("v1.json");
  }

  @Test
  void missingEmptyAndForeignFilesAreRefusedWithAReason() throws IOException {
    Run missing = run("stats", dir.resolve("nope.json"));
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("no such file").contains("nope.json");

    Path empty = Files.createFile(dir.resolve("empty.json"));
    for (String command : List.of("stats", "list", "verify", "compact", "export")) {
      Run r = run(command, empty);
      assertThat(r.code()).as(command).isEqualTo(2);
      assertThat(r.err()).as(command).contains("is empty");
    }

    Path foreign = dir.resolve("package.json");
    Files.writeString(
        foreign, "{\"name\":\"app\",\"version\":\"1.0.0\"}\n", StandardCharsets.UTF_8);
    Run r = run("verify", foreign);
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("is not a MemFileStore save file");
    assertThat(run("purge", "--expired", foreign).code()).isEqualTo(2);
    assertThat(Files.readString(foreign)).startsWith("{\"name\"");
  }

  @Test
  void aStoreThatNeverWroteASnapshotIsReadFromItsJournal() throws IOException {
    Path file = Stores.journalOnly(dir); // only the journal, as a store left it
    Run r = run("stats", file);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("(not written yet: the first snapshot writes it)")
        .contains("in 1 file (1 journal; no snapshot yet)")
        .contains("Sessions     3");
    assertThat(run("stats", "--json", file).json().get("snapshot").asBoolean()).isFalse();
    Run verify = run("verify", file);
    assertThat(verify.code()).isZero();
    assertThat(verify.out()).startsWith("Checked 1 file (1 journal; no snapshot yet): ");
  }

  @Test
  void badUsageExitsWithTwo() {
    assertThat(run("frobnicate").code()).isEqualTo(2);
    assertThat(run("stats").code()).isEqualTo(2);
    assertThat(run("stats", "--bogus", "x").code()).isEqualTo(2);
  }

  @Test
  void theProgressBarGoesToStandardErrorOnly() throws IOException {
    Path file = journaled();
    Run r = run("verify", "--progress", "ALWAYS", file);
    assertThat(r.code()).isZero();
    assertThat(r.out()).doesNotContain("[#");
    assertThat(r.err()).contains("verify [").contains("%");
    assertThat(run("verify", file).err()).isEmpty(); // no terminal here: no bar
    assertThat(Progress.render("x", 50, 100))
        .contains("###############...............")
        .contains(" 50%");
  }

  @Test
  void everyCommandHasHelp() {
    for (String command :
        List.of("stats", "list", "show", "verify", "export", "compact", "import", "purge")) {
      for (String option : List.of("-h", "--help")) {
        Run r = run(command, option);
        assertThat(r.code()).as(command + " " + option + ": " + r.err()).isZero();
        assertThat(r.out()).startsWith("Usage: memfilestore " + command).contains("FILE");
        assertThat(r.err()).isEmpty();
      }
    }
    assertThat(run("help", "export").out()).startsWith("Usage: memfilestore export");
  }

  @Test
  void exportWritesSecretsToStandardOutputOnlyWhenAsked() throws IOException {
    Path file = journaled();
    Run refused = run("export", file);
    assertThat(refused.code()).isEqualTo(2);
    assertThat(refused.out()).isEmpty();
    assertThat(refused.err()).contains("-o FILE").contains("--stdout").doesNotContain(ADA);

    for (Object[] args :
        List.of(
            new Object[] {"export", "--stdout", file}, new Object[] {"export", "-o", "-", file})) {
      Run r = run(args);
      assertThat(r.code()).as(Arrays.toString(args)).isZero();
      assertThat(r.json().get("sessions")).hasSize(5);
      assertThat(r.out()).contains(ADA);
    }
    assertThat(run("export", "--stdout", "-o", dir.resolve("x.json"), file).code()).isEqualTo(2);
    assertThat(dir.resolve("x.json")).doesNotExist();
    Run json = run("export", "--json", "-o", dir.resolve("y.json"), file);
    assertThat(json.code()).isEqualTo(2); // there is no other format, so no --json
    assertThat(json.err()).contains("--json");
  }

  @Test
  void statsAndListShowWhatTheyCanReadButWarnOfDamageAndExitOne() throws IOException {
    Path file = journaled();
    assertThat(run("stats", file).err()).isEmpty();
    assertThat(run("list", file).err()).isEmpty();
    byte[] bytes = Files.readAllBytes(file);
    int secondLine = indexOf(bytes, (byte) '\n') + 1;
    // bob's second save was journaled as a patch of this snapshot's record of bob
    boolean bobDamaged = lineAt(bytes, secondLine).contains(BOB);
    bytes[secondLine + 30] ^= 0x20;
    Files.write(file, bytes);

    for (String command : List.of("stats", "list")) {
      Run r = run(command, file);
      assertThat(r.code()).as(command).isEqualTo(1);
      assertThat(r.out()).as(command).contains(CY.substring(0, 8));
      assertThat(r.err())
          .as(command)
          .contains(
              // The damaged record, the trailer's count, and the journal's patch of bob's
              // session, which finds nothing to apply to if bob's was the record damaged.
              "warning: sessions.json is damaged ("
                  + (bobDamaged ? 3 : 2)
                  + " problems; the first: sessions.json line 2)")
          .contains("memfilestore verify " + file);
      Run json = run(command, "--json", file);
      assertThat(json.code()).isEqualTo(1);
      assertThat(json.json()).isNotEmpty(); // stdout stays valid JSON
      assertThat(json.err()).contains("is damaged");
    }
  }

  @Test
  void oneOfAThingIsSingular() throws IOException {
    Path file = dir.resolve("one/sessions.json");
    try (MemFileStore store = Stores.builder(file, NOW).build()) {
      store.set(ADA, Stores.session("ada", 1));
      store.save();
      store.set(ADA, Stores.session("ada", 2));
      Path copy = Files.createDirectories(dir.resolve("copy"));
      for (Path f : List.of(file, journalOf(file))) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
      file = copy.resolve("sessions.json");
    }
    assertThat(run("stats", file).out())
        .contains("Sessions     1 (0 expired, 1 live)")
        .contains("4 attributes");
    assertThat(run("compact", file).out())
        .contains("Compacted sessions.json: 1 session, 1 journal folded in");
    assertThat(run("verify", file).out())
        .startsWith("Checked 1 file (the snapshot): 3 lines, 1 intact record");
    Path export = dir.resolve("one.json");
    assertThat(run("export", "-o", export, file).err()).contains("Exported 1 session to");
    Run again = run("import", file, export);
    assertThat(again.err()).contains("its only session is already in sessions.json");
    assertThat(run("import", "--replace", file, export).out())
        .contains("Imported 1 session into sessions.json (1 replaced a session with the same id);")
        .contains("0 other sessions kept");
    assertThat(run("purge", "--expired", "--dry-run", file).out())
        .contains("Would remove 0 expired sessions (of 1 session)");
    assertThat(run("purge", "--principal", "ada", file).out())
        .contains("Removed 1 session of principal ada; 0 sessions kept");
  }

  @Test
  void springsLongAttributeNamesAreCutToTheirLastPart() {
    assertThat(
            Text.name(
                "org.springframework.security.web.csrf.HttpSessionCsrfTokenRepository.CSRF_TOKEN"))
        .isEqualTo("…CSRF_TOKEN");
    assertThat(Text.name(SaveFileInspector.PRINCIPAL_ATTRIBUTE))
        .isEqualTo("…PRINCIPAL_NAME_INDEX_NAME");
    assertThat(Text.name("SPRING_SECURITY_CONTEXT")).isEqualTo("SPRING_SECURITY_CONTEXT");
    assertThat(Text.name("user.name")).isEqualTo("user.name");
    assertThat(Text.name("cart")).isEqualTo("cart");
  }

  private static Path journalOf(Path file) throws IOException {
    return journals(file).get(0);
  }

  private static List<Path> journals(Path file) throws IOException {
    try (Stream<Path> files = Files.list(file.getParent())) {
      return files.filter(f -> f.getFileName().toString().contains(".journal.")).toList();
    }
  }

  private static String lineAt(byte[] bytes, int start) {
    int end = start;
    while (bytes[end] != '\n') {
      end++;
    }
    return new String(bytes, start, end - start, StandardCharsets.UTF_8);
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void purgePrincipalLogsOutAUserTheSpringAdapterIndexedFromSpringSecurity() throws Exception {
    Path file = dir.resolve("spring/sessions.json");
    MemFileSessionRepository app = new MemFileSessionRepository();
    app.setSaveFile(file.toString());
    app.setSerializer(SessionSerializer.java("org.springframework.security.**"));
    List<String> adas = new ArrayList<>();
    for (String user : List.of("ada", "bob", "ada")) {
      MemFileSessionRepository.MemFileSession session = app.createSession();
      session.setAttribute(
          "SPRING_SECURITY_CONTEXT",
          new SecurityContextImpl(
              UsernamePasswordAuthenticationToken.authenticated(
                  user, null, AuthorityUtils.createAuthorityList("ROLE_USER"))));
      app.save(session);
      if (user.equals("ada")) {
        adas.add(session.getId());
      }
    }
    app.destroy(); // the application is stopped

    Run purge = run("purge", "--principal", "ada", file);

    assertThat(purge.code()).as(purge.err()).isZero();
    assertThat(purge.out()).contains("Removed 2 sessions of principal ada");
    MemFileSessionRepository restarted = new MemFileSessionRepository();
    restarted.setSaveFile(file.toString());
    restarted.setSerializer(SessionSerializer.java("org.springframework.security.**"));
    try {
      assertThat(restarted.findByPrincipalName("ada")).isEmpty();
      assertThat(restarted.stats().sessions()).as(run("list", "--reveal", file).out()).isEqualTo(1);
      assertThat(restarted.findByPrincipalName("bob")).hasSize(1);
      assertThat(adas).allSatisfy(id -> assertThat(restarted.findById(id)).isNull());
    } finally {
      restarted.destroy();
    }
  }
}
