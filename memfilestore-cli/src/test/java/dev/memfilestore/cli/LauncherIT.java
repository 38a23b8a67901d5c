package dev.memfilestore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.MemFileStore;
import dev.memfilestore.RedisServer;
import dev.memfilestore.SaveFileInspector;
import dev.memfilestore.SessionData;
import dev.memfilestore.SessionSerializer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.serializer.StringRedisSerializer;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.session.data.redis.RedisIndexedSessionRepository;

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

  /** The shaded jar carries Spring Session, Lettuce and the PostgreSQL driver, and works. */
  @Test
  void theJarMigratesIntoRedis() throws Exception {
    Path file = dir.resolve("app/sessions.json");
    List<String> ids = new ArrayList<>();
    try (MemFileStore store =
        MemFileStore.builder().saveFile(file).serializer(SessionSerializer.java()).build()) {
      for (int i = 0; i < 3; i++) {
        SessionData d = new SessionData(Instant.now());
        d.setMaxInactiveInterval(Duration.ofMinutes(30));
        d.setAttribute("visits", (long) i);
        d.setAttribute(SaveFileInspector.PRINCIPAL_ATTRIBUTE, "ada");
        String id = UUID.randomUUID().toString();
        store.set(id, d);
        ids.add(id);
      }
    }
    Path serverDir = Files.createDirectories(dir.resolve("redis"));
    try (RedisServer redis = RedisServer.start(serverDir)) {
      Result moved =
          memfilestore(
              "migrate",
              "--to",
              "redis://127.0.0.1:" + redis.port,
              "--redis-repository",
              "indexed",
              file);
      assertThat(moved.code()).as(moved.err()).isZero();
      assertThat(moved.out()).contains("moved    3");
      assertThat(moved.err()).isEmpty(); // no logging from the drivers

      LettuceConnectionFactory f =
          new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", redis.port));
      f.afterPropertiesSet();
      f.start();
      try {
        RedisTemplate<String, Object> t = new RedisTemplate<>();
        t.setConnectionFactory(f);
        t.setKeySerializer(new StringRedisSerializer());
        t.setHashKeySerializer(new StringRedisSerializer());
        t.afterPropertiesSet();
        RedisIndexedSessionRepository sessions = new RedisIndexedSessionRepository(t);
        assertThat(
                sessions
                    .findByIndexNameAndIndexValue(
                        FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, "ada")
                    .keySet())
            .containsExactlyInAnyOrderElementsOf(ids);
      } finally {
        f.destroy();
      }
    }
    Result down =
        memfilestore("migrate", "--to", "redis://127.0.0.1:" + RedisServer.freePort(), file);
    assertThat(down.code()).isEqualTo(4);
    assertThat(down.err()).contains("cannot reach redis://127.0.0.1:");
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
