package dev.memfilestore.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.memfilestore.ChildJvm;
import dev.memfilestore.FileDigests;
import dev.memfilestore.MemFileStore;
import dev.memfilestore.SessionData;
import dev.memfilestore.SessionSerializer;
import dev.memfilestore.spring.MemFileSessionRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;

/**
 * Each misconfiguration, in a real Spring Boot application started with {@link SpringApplication}:
 * start-up fails with Boot's short "APPLICATION FAILED TO START" report, which names the {@code
 * memfilestore.*} property to change, and no stack trace.
 */
@ExtendWith(OutputCaptureExtension.class)
class MemFileStoreFailureAnalyzerTest {
  @TempDir Path dir;

  /** An application with nothing but auto-configuration, the starter's included. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}

  /** Description and action, a line each, under Boot's headings. */
  private static final int REPORT_LINES = 6;

  /**
   * Starts the application with these properties and returns the failure report it printed, which
   * has at most {@link #REPORT_LINES} lines of text.
   */
  private String report(CapturedOutput output, String... properties) {
    return report(output, REPORT_LINES, properties);
  }

  private String report(CapturedOutput output, int maxLines, String... properties) {
    int start = output.getAll().length();
    List<String> args = new ArrayList<>();
    args.add("--server.port=0");
    args.add("--spring.main.banner-mode=off");
    if (List.of(properties).stream().noneMatch(p -> p.startsWith("--memfilestore.save-file="))) {
      args.add("--memfilestore.save-file=" + dir.resolve("sessions.json"));
    }
    args.addAll(List.of(properties));
    SpringApplication app = new SpringApplication(App.class);
    app.setWebApplicationType(WebApplicationType.SERVLET);
    assertThatThrownBy(() -> app.run(args.toArray(String[]::new)).close())
        .as("start-up fails")
        .isInstanceOf(Exception.class);
    String printed = output.getAll().substring(start);
    assertThat(printed)
        .as("no stack trace, only the report")
        .contains("APPLICATION FAILED TO START")
        .doesNotContain("\tat ");
    String report = printed.substring(printed.indexOf("APPLICATION FAILED TO START"));
    assertThat(report).contains("Description:").contains("Action:");
    assertThat(report.lines().filter(l -> !l.isBlank()).count())
        .as("a short report:\n" + report)
        .isLessThanOrEqualTo(maxLines);
    return report;
  }

  @Test
  void aNegativeMax(CapturedOutput output) {
    assertThat(report(output, "--memfilestore.max=-1"))
        .contains("memfilestore.max is -1, but it must be 0 (no bound) or positive")
        .contains("Set memfilestore.max to");
  }

  @Test
  void aZeroCheckPeriod(CapturedOutput output) {
    assertThat(report(output, "--memfilestore.check-period=0s"))
        .contains("memfilestore.check-period is 0s, but it must be a positive duration");
  }

  @Test
  void anEncryptionKeyThatIsNotBase64OrNotAnAesKey(CapturedOutput output) {
    String notBase64 = report(output, "--memfilestore.encryption-key=not base64!");
    assertThat(notBase64)
        .contains("memfilestore.encryption-key is not base64")
        .contains("Set memfilestore.encryption-key to the base64 of a 16, 24 or 32-byte key")
        .doesNotContain("not base64!"); // a key, even a wrong one, is not printed
    String tenBytes = Base64.getEncoder().encodeToString(new byte[10]);
    assertThat(report(output, "--memfilestore.encryption-key=" + tenBytes))
        .contains(
            "memfilestore.encryption-key decodes to 10 bytes, but an AES key has 16, 24 or 32")
        .doesNotContain(tenBytes);
  }

  @Test
  void aFileEncryptedWithAnotherKeyOrWithoutOne(CapturedOutput output) {
    byte[] key = new byte[32];
    key[0] = 1;
    writeSaveFile(SessionSerializer.java(), new SecretKeySpec(key, "AES"));
    String otherKey = Base64.getEncoder().encodeToString(new byte[32]);
    assertThat(report(output, "--memfilestore.encryption-key=" + otherKey))
        .contains("was encrypted with another key than memfilestore.encryption-key")
        .contains("Set memfilestore.encryption-key to the key that wrote the file");
    assertThat(report(output))
        .contains("is encrypted, but memfilestore.encryption-key is not set")
        .contains("Set memfilestore.encryption-key to the key that wrote the file");
  }

  @Test
  void aPlainFileWithAKeyIsRefusedUntilTheSwitchEncryptsIt(CapturedOutput output)
      throws IOException {
    writeSaveFile(SessionSerializer.java(), null);
    Map<String, String> before = FileDigests.of(dir);
    String key =
        "--memfilestore.encryption-key=" + Base64.getEncoder().encodeToString(new byte[32]);
    assertThat(report(output, key))
        .contains(dir.resolve("sessions.json") + " is not encrypted")
        .contains("memfilestore.encrypt-existing-plain-files=true");
    assertThat(FileDigests.of(dir)).as("the files were left as they were").isEqualTo(before);

    String[] args = {
      "--server.port=0",
      "--spring.main.banner-mode=off",
      "--memfilestore.save-file=" + dir.resolve("sessions.json"),
      key,
      "--memfilestore.encrypt-existing-plain-files=true"
    };
    SpringApplication app = new SpringApplication(App.class);
    app.setWebApplicationType(WebApplicationType.SERVLET);
    app.run(args).close();
    assertThat(Files.readAllLines(dir.resolve("sessions.json")).get(0))
        .as("encrypted by that start")
        .contains("\"cipher\":\"AES-GCM\"");
  }

  @Test
  void aSaveFileInUseByAnotherProcess(CapturedOutput output) throws Exception {
    Path file = dir.resolve("sessions.json");
    try (ChildJvm other =
        ChildJvm.start("holder", List.of(), SaveFileHolderMain.class, file.toString())) {
      other.awaitPrefix("READY", Duration.ofSeconds(60));
      assertThat(report(output))
          .contains("memfilestore.save-file=" + file + " is in use by another process")
          .contains("Stop the other application, or give this one a file of its own with")
          .doesNotContain("saveFile");
    }
  }

  @Test
  void aSaveFileOfAnotherSerializer(CapturedOutput output) {
    writeSaveFile(SessionSerializer.json(), null);
    assertThat(report(output))
        .contains("was written with the 'json' serializer, but memfilestore.serializer is 'java'")
        .contains("Set memfilestore.serializer=json to keep its sessions");
  }

  @Test
  void aDirectoryThatCannotBeUsed(CapturedOutput output) throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("data"), "a file, not a directory");
    assertThat(report(output, "--memfilestore.save-file=" + notADirectory.resolve("sessions.json")))
        .contains(
            "The session store cannot use memfilestore.save-file="
                + notADirectory.resolve("sessions.json")
                + ": "
                + notADirectory
                + " is a file, not a directory.")
        .doesNotContain("saveFile")
        .contains("Point memfilestore.save-file at a file in a directory that the user");
    // a directory no one may write, root included
    assertThat(report(output, "--memfilestore.save-file=/proc/memfilestore/sessions.json"))
        .contains(
            "The session store cannot read and write"
                + " memfilestore.save-file=/proc/memfilestore/sessions.json: /proc/memfilestore:")
        .contains("or make /proc/memfilestore so");
  }

  @Test
  void aSaveFileOverTheLoadBudgetStopsStartUpAndALargerBudgetLoadsIt(CapturedOutput output)
      throws Exception {
    Path file = dir.resolve("sessions.json");
    // 50 sessions of about 10 KB, estimated at about 1 MB to load
    try (MemFileStore store =
        MemFileStore.builder().saveFile(file).serializer(SessionSerializer.java()).build()) {
      for (int i = 0; i < 50; i++) {
        SessionData session = new SessionData();
        session.setAttribute("page", "x".repeat(10_000));
        store.set("session-" + i + "-0123456789abcdef0123456789", session);
      }
    }
    Map<String, String> before = FileDigests.of(dir);

    assertThat(report(output, "--memfilestore.load-budget=200KB"))
        .contains(
            "The sessions in memfilestore.save-file="
                + file
                + " would take more heap than the session store may use to load them")
        .contains("the next would go past 204800 bytes (memfilestore.load-budget=200KB)")
        .contains("The files were left as they were.")
        .contains("Raise -Xmx or memfilestore.load-budget")
        .contains("move the file and its journals away")
        .doesNotContain("loadBudget");
    assertThat(FileDigests.of(dir)).as("the files after the refused start").isEqualTo(before);

    SpringApplication app = new SpringApplication(App.class);
    app.setWebApplicationType(WebApplicationType.SERVLET);
    try (ConfigurableApplicationContext context =
        app.run(
            "--server.port=0",
            "--spring.main.banner-mode=off",
            "--memfilestore.save-file=" + file,
            "--memfilestore.load-budget=4MB")) {
      assertThat(context.getBean(MemFileSessionRepository.class).stats().sessions()).isEqualTo(50);
    }
  }

  @Test
  void withoutTheSettingTheReportNamesTheDefaultAndTheHeap() {
    Path file = dir.resolve("sessions.json");
    writeSaveFile(SessionSerializer.java(), null);
    // the core's own exception, as the starter's repository bean would fail with it
    IllegalStateException overBudget =
        catchThrowableOfType(
            IllegalStateException.class,
            () ->
                MemFileStore.builder()
                    .saveFile(file)
                    .serializer(SessionSerializer.java())
                    .loadBudget(100)
                    .build());
    MemFileStoreFailureAnalyzer analyzer =
        new MemFileStoreFailureAnalyzer(new StandardEnvironment());
    FailureAnalysis analysis =
        analyzer.analyze(
            new BeanCreationException(
                MemFileSessionAutoConfiguration.class.getName(),
                "sessionRepository",
                "Invocation of init method failed",
                overBudget));

    long heap = Runtime.getRuntime().maxMemory();
    assertThat(analysis.getDescription())
        .contains("after 0 sessions, the next would go past 100 bytes")
        .contains(
            "(three quarters of the maximum heap of "
                + MemFileStoreFailureAnalyzer.size(heap)
                + ", as memfilestore.load-budget is not set)");
    assertThat(analysis.getAction()).startsWith("Raise -Xmx or memfilestore.load-budget");
    assertThat(MemFileStoreFailureAnalyzer.size(204_800)).isEqualTo("204800 bytes");
    assertThat(MemFileStoreFailureAnalyzer.size(805_306_368)).isEqualTo("805306368 bytes (768 MB)");
  }

  @Test
  void aZeroLoadBudget(CapturedOutput output) {
    assertThat(report(output, "--memfilestore.load-budget=0B"))
        .contains("memfilestore.load-budget is 0B, but it must be at least 1 byte")
        .contains("Set memfilestore.load-budget to the heap the saved sessions may take at start");
  }

  @Test
  void aBogusDurabilityIsReportedByBootsBinder(CapturedOutput output) {
    // Boot's own report lists the valid values
    assertThat(report(output, 14, "--memfilestore.durability=bogus"))
        .contains("memfilestore.durability")
        .contains("bogus");
  }

  @Test
  void otherFailuresAreLeftToOtherAnalyzers() {
    MemFileStoreFailureAnalyzer analyzer =
        new MemFileStoreFailureAnalyzer(new StandardEnvironment());
    assertThat(analyzer.analyze(new IllegalStateException("already used by another process")))
        .isNull();
    assertThat(
            analyzer.analyze(
                new BeanCreationException(
                    "sessionRepository", "the application's own", new IllegalStateException())))
        .isNull();
  }

  private void writeSaveFile(SessionSerializer serializer, SecretKey key) {
    MemFileStore.Builder builder =
        MemFileStore.builder().saveFile(dir.resolve("sessions.json")).serializer(serializer);
    if (key != null) {
      builder.encryptionKey(key);
    }
    try (MemFileStore store = builder.build()) {
      SessionData session = new SessionData();
      session.setAttribute("visits", 1L);
      store.set("0123456789abcdef0123456789abcdef", session);
    }
  }
}
