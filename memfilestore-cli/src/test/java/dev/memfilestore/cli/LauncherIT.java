package dev.memfilestore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.MemFileStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real thing: {@code bin/memfilestore} running the packaged jar in a child JVM, against files a
 * store wrote, and against a save file that a store in this JVM holds locked.
 */
class LauncherIT {
  private static final Path SCRIPT = Path.of("bin", "memfilestore").toAbsolutePath();

  @TempDir Path dir;

  record Result(int code, String out, String err) {}

  private static Result memfilestore(Object... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(SCRIPT.toString());
    for (Object a : args) {
      command.add(String.valueOf(a));
    }
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().remove("MEMFILESTORE_JAR");
    Path out = Files.createTempFile("memfilestore-out", ".txt");
    Path err = Files.createTempFile("memfilestore-err", ".txt");
    try {
      Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the command finished").isTrue();
      return new Result(
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  @Test
  void theLauncherRunsTheJarWithItsExitCodes() throws Exception {
    Path file = Stores.withJournal(dir, null, null);

    Result stats = memfilestore("stats", file);
    assertThat(stats.code()).as(stats.err()).isZero();
    assertThat(stats.out()).contains("Sessions     5");
    assertThat(stats.err()).isEmpty(); // no logging noise, no progress bar off a terminal

    assertThat(memfilestore("verify", file).code()).isZero();
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 4] ^= 0x01;
    Files.write(file, bytes);
    Result damaged = memfilestore("verify", file);
    assertThat(damaged.code()).isEqualTo(1);
    assertThat(damaged.out()).contains("DAMAGED sessions.json");

    Result missing = memfilestore("list", dir.resolve("missing.json"));
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("no such file");

    assertThat(memfilestore("--version").out()).startsWith("memfilestore ");
  }

  @Test
  void aRunningApplicationsLockIsRespectedAcrossProcesses() throws Exception {
    Path file = dir.resolve("sessions.json");
    try (MemFileStore store = Stores.builder(file, Stores.NOW).build()) {
      store.set(Stores.ADA, Stores.session("ada", 1));
      store.save();
      byte[] before = Files.readAllBytes(file);

      Result compact = memfilestore("compact", file);
      assertThat(compact.code()).isEqualTo(3);
      assertThat(compact.err()).contains("stop the application first");
      assertThat(Files.readAllBytes(file)).isEqualTo(before);
      assertThat(memfilestore("list", file).out()).contains("ada-0123…");
    }
    assertThat(memfilestore("purge", "--principal", "ada", file).out()).contains("Removed 1");
  }
}
