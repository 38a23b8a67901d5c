package dev.memfilestore.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.ChildJvm;
import dev.memfilestore.PostgresServer;
import dev.memfilestore.RedisServer;
import dev.memfilestore.spring.boot.app.LoginApp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The move end to end: a real Spring Boot application with form login signs a user in on
 * MemFileStore, is stopped, and is started again on Redis (then on PostgreSQL) with {@code
 * memfilestore.migration.enabled}: the same cookie is still signed in, with its attributes, the
 * principal index finds the session, its remaining lifetime is kept, and the save file is kept
 * aside.
 */
class MigrationIT {
  private static final Duration START = Duration.ofSeconds(90);
  @TempDir Path dir;
  private final LoginRestartIT client = new LoginRestartIT();

  private ChildJvm start(String name, String... extra) throws IOException {
    List<String> args = new ArrayList<>();
    args.add("--server.port=0");
    args.add("--memfilestore.save-file=" + dir.resolve("data/sessions.json"));
    args.add("--management.endpoints.web.exposure.include=sessions");
    args.add("--spring.main.banner-mode=off");
    args.addAll(List.of(extra));
    return ChildJvm.start(name, List.of("-Xmx256m"), LoginApp.class, args.toArray(String[]::new));
  }

  private static int port(ChildJvm app) {
    try {
      String line = app.awaitPrefix("READY port=", START);
      return Integer.parseInt(line.substring("READY port=".length()).trim());
    } catch (AssertionError e) {
      List<String> out = app.stdout();
      throw new AssertionError(
          e.getMessage()
              + "\n--- last stdout lines of the child ---\n"
              + String.join("\n", out.subList(Math.max(0, out.size() - 40), out.size())),
          e);
    }
  }

  /** Signs ada in on MemFileStore with a one-minute session timeout; returns her cookie. */
  private String signInOnMemFileStore() throws Exception {
    String cookie;
    try (ChildJvm app = start("before-move", "--spring.session.timeout=1m")) {
      int port = port(app);
      cookie = client.logIn(port);
      assertThat(client.get(port, "/visits", cookie).body()).isEqualTo("ada 1");
      app.terminate();
      app.awaitExit(Duration.ofSeconds(30));
    }
    assertThat(dir.resolve("data/sessions.json")).exists();
    return cookie;
  }

  private void assertMovedAndKeptAside(ChildJvm app, int port, String cookie) throws Exception {
    assertThat(app.stdout())
        .anySatisfy(l -> assertThat(l).contains("memfilestore migration into").contains("1 moved"));
    assertThat(client.get(port, "/visits", cookie).body()).isEqualTo("ada 2");
    assertThat(client.get(port, "/actuator/sessions?username=ada", null).body())
        .contains(LoginRestartIT.sessionId(cookie));
    assertThat(dir.resolve("data/sessions.json")).doesNotExist();
    try (Stream<Path> files = Files.list(dir.resolve("data"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .anyMatch(n -> n.startsWith("sessions.json.migrated-"));
    }
  }

  @Test
  void aSignedInUserStaysSignedInWhenTheApplicationMovesToRedis() throws Exception {
    String cookie = signInOnMemFileStore();
    String id = LoginRestartIT.sessionId(cookie);
    try (RedisServer redis = RedisServer.start(dir);
        ChildJvm app =
            start(
                "on-redis",
                // Redis, not PostgreSQL: both are on the tests' classpath
                "--spring.autoconfigure.exclude="
                    + "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
                "--memfilestore.migration.enabled=true",
                "--spring.data.redis.host=127.0.0.1",
                "--spring.data.redis.port=" + redis.port,
                "--spring.session.data.redis.repository-type=indexed")) {
      int port = port(app);
      LettuceConnectionFactory f =
          new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", redis.port));
      f.afterPropertiesSet();
      f.start();
      try {
        // the session had about a minute left on MemFileStore; it has about a minute in Redis,
        // not the 30 minutes of a new session
        Long ttl = new StringRedisTemplate(f).getExpire("spring:session:sessions:expires:" + id);
        assertThat(ttl).isBetween(20L, 61L);
      } finally {
        f.destroy();
      }
      assertMovedAndKeptAside(app, port, cookie);
    }
  }

  @Test
  void aSignedInUserStaysSignedInWhenTheApplicationMovesToPostgres() throws Exception {
    String cookie = signInOnMemFileStore();
    String id = LoginRestartIT.sessionId(cookie);
    try (PostgresServer postgres = PostgresServer.start();
        ChildJvm app =
            start(
                "on-postgres",
                "--spring.autoconfigure.exclude="
                    + "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration,"
                    + "org.springframework.boot.session.data.redis.autoconfigure"
                    + ".SessionDataRedisAutoConfiguration",
                "--memfilestore.migration.enabled=true",
                "--spring.datasource.url=" + postgres.jdbcUrl(),
                "--spring.datasource.username=postgres",
                "--spring.session.jdbc.initialize-schema=always")) {
      int port = port(app);
      try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", "");
          Statement s = c.createStatement();
          ResultSet r =
              s.executeQuery(
                  "SELECT EXPIRY_TIME, MAX_INACTIVE_INTERVAL FROM SPRING_SESSION WHERE SESSION_ID = '"
                      + id
                      + "'")) {
        assertThat(r.next()).isTrue();
        assertThat(r.getInt(2)).isEqualTo(60);
        assertThat(Duration.ofMillis(r.getLong(1) - System.currentTimeMillis()))
            .isBetween(Duration.ofSeconds(20), Duration.ofSeconds(61));
      }
      assertMovedAndKeptAside(app, port, cookie);
    }
  }
}
