package dev.memfilestore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.memfilestore.ChildJvm;
import dev.memfilestore.MemFileStore;
import dev.memfilestore.PostgresServer;
import dev.memfilestore.RedisServer;
import dev.memfilestore.SaveFileInspector;
import dev.memfilestore.SessionData;
import dev.memfilestore.SessionSerializer;
import dev.memfilestore.spring.MemFileSessionRepository;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Serializable;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.serializer.StringRedisSerializer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.session.Session;
import org.springframework.session.SessionRepository;
import org.springframework.session.data.redis.RedisIndexedSessionRepository;
import org.springframework.session.data.redis.RedisSessionRepository;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code migrate} against a real redis-server and a real PostgreSQL, started here, fed save files
 * written by the store; Spring Session's own repositories then read every session back.
 */
class MigrateTest {
  static RedisServer redis;
  static PostgresServer postgres;
  @TempDir static Path serverDir;
  @TempDir Path dir;

  /** An application type, readable only with the application's classes. */
  record Note(String text) implements Serializable {}

  /** An application type that JSON can store and JDK serialization cannot. */
  public static final class Sketch {
    public String lines = "";
  }

  @BeforeAll
  static void servers() throws Exception {
    redis = RedisServer.start(serverDir);
    postgres = PostgresServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (redis != null) {
      redis.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  record Run(int code, String out, String err) {}

  static Run run(Object... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    picocli.CommandLine cl = MemFileStoreCli.commandLine(Clock.systemUTC());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(Arrays.stream(args).map(String::valueOf).toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  /** What the application stored, to compare with what the target gives back. */
  record Written(
      Path file,
      Map<String, Map<String, Object>> attributes,
      Map<String, String> principals,
      Map<String, Instant> lastAccessed,
      String minuteLeft,
      String expired) {}

  /**
   * A save file written by the Spring adapter with the java serializer: {@code n} signed-in users
   * (Spring Security's context; three users share one name), one of them with a minute left, and an
   * expired session planted the way a file read later holds one.
   */
  private Written springSaveFile(int n) throws IOException {
    Path file = dir.resolve("app/sessions.json");
    MemFileSessionRepository app = new MemFileSessionRepository();
    app.setSaveFile(file.toString());
    app.setSerializer(
        SessionSerializer.java("org.springframework.security.**", "dev.memfilestore.cli.**"));
    Map<String, Map<String, Object>> attributes = new LinkedHashMap<>();
    Map<String, String> principals = new HashMap<>();
    Map<String, Instant> accessed = new HashMap<>();
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    String minuteLeft = null;
    for (int i = 0; i < n; i++) {
      MemFileSessionRepository.MemFileSession s = app.createSession();
      String user = "user-" + (i % (n - 2));
      Map<String, Object> values = new LinkedHashMap<>();
      values.put(
          "SPRING_SECURITY_CONTEXT",
          new SecurityContextImpl(
              UsernamePasswordAuthenticationToken.authenticated(
                  user, null, AuthorityUtils.createAuthorityList("ROLE_USER"))));
      values.put("visits", (long) i);
      values.put("cart", List.of("tea", "cup " + i));
      values.put("note", new Note("é\u0000✓ " + i));
      values.forEach(s::setAttribute);
      s.setMaxInactiveInterval(Duration.ofMinutes(30));
      Instant at = i == 0 ? now.minus(Duration.ofMinutes(29)) : now;
      s.setLastAccessedTime(at);
      app.save(s);
      if (i == 0) {
        minuteLeft = s.getId();
      }
      attributes.put(s.getId(), values);
      principals.put(s.getId(), user);
      accessed.put(s.getId(), at);
    }
    app.destroy(); // the application is stopped
    SaveFileInspector files = SaveFileInspector.open(file);
    List<SaveFileInspector.Session> all = new ArrayList<>();
    files.forEachSession(all::add);
    String expired = UUID.randomUUID().toString();
    files.rewrite(
        s -> false, List.of(files.decode(expired, now.minusSeconds(5), all.get(1).data())));
    // the expiry the store keeps is the truth the copy keeps; it is the last access the
    // application set, or a moment later when that was before the session's creation
    Map<String, Instant> lastAccessed = new HashMap<>();
    for (SaveFileInspector.Session s : all) {
      Instant fromExpiry = s.expires().minus(Duration.ofMinutes(30));
      assertThat(fromExpiry).isCloseTo(accessed.get(s.id()), within(1, ChronoUnit.SECONDS));
      lastAccessed.put(s.id(), fromExpiry);
    }
    return new Written(file, attributes, principals, lastAccessed, minuteLeft, expired);
  }

  private static LettuceConnectionFactory redisConnection(int db) {
    RedisStandaloneConfiguration c = new RedisStandaloneConfiguration("127.0.0.1", redis.port);
    c.setDatabase(db);
    LettuceConnectionFactory f = new LettuceConnectionFactory(c);
    f.afterPropertiesSet();
    f.start();
    return f;
  }

  /** As Spring Session configures its template: string keys, JDK serialization for values. */
  private static RedisTemplate<String, Object> template(LettuceConnectionFactory f) {
    RedisTemplate<String, Object> t = new RedisTemplate<>();
    t.setConnectionFactory(f);
    t.setKeySerializer(new StringRedisSerializer());
    t.setHashKeySerializer(new StringRedisSerializer());
    t.afterPropertiesSet();
    return t;
  }

  /** Every live session is in the target as it was stored; the expired one is not. */
  private static void assertReadBack(Written w, SessionRepository<? extends Session> repository) {
    for (Map.Entry<String, Map<String, Object>> e : w.attributes().entrySet()) {
      Session s = repository.findById(e.getKey());
      assertThat(s).as("session %s", e.getKey().substring(0, 6)).isNotNull();
      assertThat(s.getAttributeNames()).containsExactlyInAnyOrderElementsOf(e.getValue().keySet());
      e.getValue()
          .forEach((name, value) -> assertThat(s.<Object>getAttribute(name)).isEqualTo(value));
      assertThat(s.getMaxInactiveInterval()).isEqualTo(Duration.ofMinutes(30));
      assertThat(s.getLastAccessedTime()).isEqualTo(w.lastAccessed().get(e.getKey()));
    }
    assertThat(repository.findById(w.expired())).isNull();
  }

  @Test
  void intoRedisDefaultRepositorySpringSessionReadsEverySessionBack() throws Exception {
    Written w = springSaveFile(5);
    byte[] before = Files.readAllBytes(w.file());

    Run r = run("migrate", "--to", "redis://127.0.0.1:" + redis.port + "/1", w.file());

    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("Migrated sessions.json into redis://127.0.0.1:" + redis.port + "/1")
        .contains("default Redis repository")
        .contains("moved    5")
        .contains("skipped  1 (already in the target: 0, expired: 1)")
        .contains("failed   0");
    for (String id : w.attributes().keySet()) {
      assertThat(r.out() + r.err()).doesNotContain(id);
    }
    assertThat(Files.readAllBytes(w.file())).isEqualTo(before);
    LettuceConnectionFactory f = redisConnection(1);
    try {
      RedisTemplate<String, Object> t = template(f);
      assertReadBack(w, new RedisSessionRepository(t));
      long left = t.getExpire("spring:session:sessions:" + w.minuteLeft(), TimeUnit.SECONDS);
      assertThat(left).isCloseTo(60, within(10L));
      String other = w.attributes().keySet().stream().skip(1).findFirst().orElseThrow();
      assertThat(t.getExpire("spring:session:sessions:" + other, TimeUnit.SECONDS))
          .isCloseTo(1800, within(10L));
      assertThat(t.keys("spring:session:*")).hasSize(5);
    } finally {
      f.destroy();
    }

    Run again = run("migrate", "--to", "redis://127.0.0.1:" + redis.port + "/1", w.file());
    assertThat(again.code()).isZero();
    assertThat(again.out()).contains("moved    0").contains("already in the target: 5");
  }

  @Test
  void intoRedisIndexedRepositoryWithThePrincipalIndexAndExpiryKeys() throws Exception {
    Written w = springSaveFile(5);

    Run dry =
        run(
            "migrate",
            "--to",
            "redis://127.0.0.1:" + redis.port + "/2",
            "--redis-repository",
            "indexed",
            "--dry-run",
            w.file());
    assertThat(dry.code()).as(dry.out() + dry.err()).isZero();
    assertThat(dry.out()).contains("Dry run, nothing written").contains("would move 5");
    LettuceConnectionFactory f = redisConnection(2);
    try {
      RedisTemplate<String, Object> t = template(f);
      assertThat(t.keys("*")).isEmpty();

      Run r =
          run(
              "migrate",
              "--to",
              "redis://127.0.0.1:" + redis.port + "/2",
              "--redis-repository",
              "indexed",
              w.file());

      assertThat(r.code()).as(r.out() + r.err()).isZero();
      assertThat(r.out()).contains("indexed Redis repository").contains("moved    5");
      RedisIndexedSessionRepository indexed = new RedisIndexedSessionRepository(t);
      indexed.setDatabase(2);
      assertReadBack(w, indexed);
      // five sessions, three names (n - 2): two users have two sessions each
      for (String user : List.of("user-0", "user-1", "user-2")) {
        List<String> expected =
            w.principals().entrySet().stream()
                .filter(e -> e.getValue().equals(user))
                .map(Map.Entry::getKey)
                .toList();
        assertThat(
                indexed
                    .findByIndexNameAndIndexValue(
                        FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, user)
                    .keySet())
            .containsExactlyInAnyOrderElementsOf(expected);
      }
      long left =
          t.getExpire("spring:session:sessions:expires:" + w.minuteLeft(), TimeUnit.SECONDS);
      assertThat(left).isCloseTo(60, within(10L));
      // the session's hash outlives its expiry by five minutes, as the repository writes it
      assertThat(t.getExpire("spring:session:sessions:" + w.minuteLeft(), TimeUnit.SECONDS))
          .isCloseTo(60 + 300, within(10L));
    } finally {
      f.destroy();
    }
  }

  /** One connection, kept open: a connection per query would make checking thousands slow. */
  private static SingleConnectionDataSource dataSource(String database) {
    return new SingleConnectionDataSource(
        "jdbc:postgresql://127.0.0.1:" + postgres.port + "/" + database, "postgres", "", true);
  }

  private static String createDatabase() {
    String name = "m" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    SingleConnectionDataSource admin = dataSource("postgres");
    try {
      new JdbcTemplate(admin).execute("CREATE DATABASE " + name);
    } finally {
      admin.destroy();
    }
    return name;
  }

  private static JdbcIndexedSessionRepository jdbcRepository(SingleConnectionDataSource ds) {
    return new JdbcIndexedSessionRepository(
        new JdbcTemplate(ds), new TransactionTemplate(new DataSourceTransactionManager(ds)));
  }

  @Test
  void intoPostgresqlCreatingSpringSessionsSchema() throws Exception {
    Written w = springSaveFile(5);
    String db = createDatabase();
    String url = "jdbc:postgresql://127.0.0.1:" + postgres.port + "/" + db;

    Run noSchema = run("migrate", "--to", url, "--user", "postgres", w.file());
    assertThat(noSchema.code()).isEqualTo(4);
    assertThat(noSchema.err())
        .contains("the table SPRING_SESSION does not exist")
        .contains("--create-schema");

    Run r = run("migrate", "--to", url, "--user", "postgres", "--create-schema", w.file());

    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.err()).contains("created Spring Session's tables");
    assertThat(r.out())
        .contains("into " + url + " (Spring Session's JDBC repository")
        .contains("moved    5")
        .contains("expired: 1");
    SingleConnectionDataSource ds = dataSource(db);
    JdbcIndexedSessionRepository jdbc = jdbcRepository(ds);
    assertReadBack(w, jdbc);
    assertThat(
            jdbc.findByIndexNameAndIndexValue(
                FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, "user-1"))
        .containsOnlyKeys(
            w.principals().entrySet().stream()
                .filter(e -> e.getValue().equals("user-1"))
                .map(Map.Entry::getKey)
                .toList());
    Timestamp expiry =
        new JdbcTemplate(ds)
            .queryForObject(
                "SELECT EXPIRY_TIME FROM SPRING_SESSION WHERE SESSION_ID = ?",
                (rs, i) -> new Timestamp(rs.getLong(1)),
                w.minuteLeft());
    assertThat(Duration.between(Instant.now(), expiry.toInstant()).toSeconds())
        .isCloseTo(60, within(10L));

    Run again = run("migrate", "--to", url, "--user", "postgres", w.file());
    assertThat(again.code()).isZero();
    assertThat(again.out()).contains("moved    0").contains("already in the target: 5");
  }

  @Test
  void anUnreachableTargetIsAClearErrorAndTheSaveFileIsUntouched() throws Exception {
    Written w = springSaveFile(3);
    byte[] before = Files.readAllBytes(w.file());
    int closed = RedisServer.freePort();

    Run r = run("migrate", "--to", "redis://127.0.0.1:" + closed, w.file());

    assertThat(r.code()).isEqualTo(4);
    assertThat(r.err())
        .startsWith("memfilestore: cannot reach redis://127.0.0.1:" + closed + "/0")
        .contains("Nothing was written");
    Run jdbc =
        run(
            "migrate",
            "--to",
            "jdbc:postgresql://127.0.0.1:" + closed + "/postgres",
            "--user",
            "postgres",
            "--dry-run",
            w.file());
    assertThat(jdbc.code()).isEqualTo(4);
    assertThat(jdbc.err()).contains("cannot reach jdbc:postgresql://127.0.0.1:" + closed);
    assertThat(Files.readAllBytes(w.file())).isEqualTo(before);

    Run secret = run("migrate", "--to", "redis://admin:hunter2@127.0.0.1:" + closed, w.file());
    assertThat(secret.code()).isEqualTo(2);
    assertThat(secret.err()).contains("--password").doesNotContain("hunter2");
  }

  /**
   * A json file: its values are read with the application's classes and written with JDK
   * serialization; a session holding a value JDK serialization cannot store is skipped and
   * reported, the rest move.
   */
  @Test
  void anUnconvertibleSessionIsSkippedAndReportedTheRestMove() throws Exception {
    Path file = dir.resolve("json/sessions.json");
    Map<String, Note> notes = new LinkedHashMap<>();
    String sketchId = UUID.randomUUID().toString();
    try (MemFileStore store =
        MemFileStore.builder()
            .saveFile(file)
            .serializer(SessionSerializer.json("dev.memfilestore.cli.**"))
            .build()) {
      for (int i = 0; i < 4; i++) {
        String id = UUID.randomUUID().toString();
        SessionData d = new SessionData(Instant.now());
        d.setMaxInactiveInterval(Duration.ofMinutes(30));
        Note note = new Note("n" + i);
        d.setAttribute("note", note);
        d.setAttribute(SaveFileInspector.PRINCIPAL_ATTRIBUTE, "json-user");
        store.set(id, d);
        notes.put(id, note);
      }
      SessionData d = new SessionData(Instant.now());
      d.setMaxInactiveInterval(Duration.ofMinutes(30));
      d.setAttribute("sketch", new Sketch());
      store.set(sketchId, d);
    }
    String to = "redis://127.0.0.1:" + redis.port + "/3";

    Run withoutTypes = run("migrate", "--to", to, "--dry-run", file);
    assertThat(withoutTypes.code()).isEqualTo(1);
    assertThat(withoutTypes.out())
        .contains("cannot be converted: 5")
        .contains(
            ": it holds a dev.memfilestore.cli.MigrateTest$Note, which --allowed-types does not"
                + " allow");

    Run r =
        run(
            "migrate",
            "--to",
            to,
            "--redis-repository",
            "indexed",
            "--classpath",
            Path.of("target/test-classes").toAbsolutePath(),
            "--allowed-types",
            "dev.memfilestore.cli.**",
            file);

    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.out())
        .contains("moved    4")
        .contains("failed   1 (cannot be converted: 1, refused by the target: 0)")
        .contains(Text.id(sketchId, false) + ": attribute 'sketch' holds a")
        .contains("not java.io.Serializable")
        .doesNotContain(sketchId);
    LettuceConnectionFactory f = redisConnection(3);
    try {
      RedisIndexedSessionRepository indexed = new RedisIndexedSessionRepository(template(f));
      indexed.setDatabase(3);
      notes.forEach(
          (id, note) ->
              assertThat(indexed.findById(id).<Object>getAttribute("note")).isEqualTo(note));
      assertThat(indexed.findById(sketchId)).isNull();
      assertThat(
              indexed
                  .findByIndexNameAndIndexValue(
                      FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, "json-user")
                  .keySet())
          .containsExactlyInAnyOrderElementsOf(notes.keySet());
    } finally {
      f.destroy();
    }
  }

  /**
   * kill -9 of a real migrate process part-way into PostgreSQL, then the same command again: every
   * session is there once, whole (one transaction per session), none lost.
   */
  @Test
  void killedPartWayThenRunAgainEverySessionIsThereOnce() throws Exception {
    int n = 2000;
    Path file = dir.resolve("many/sessions.json");
    List<String> ids = new ArrayList<>();
    try (MemFileStore store =
        MemFileStore.builder().saveFile(file).serializer(SessionSerializer.java()).build()) {
      for (int i = 0; i < n; i++) {
        String id = UUID.randomUUID().toString();
        SessionData d = new SessionData(Instant.now());
        d.setMaxInactiveInterval(Duration.ofMinutes(30));
        d.setAttribute("visits", (long) i);
        d.setAttribute("name", "user " + i);
        d.setAttribute(SaveFileInspector.PRINCIPAL_ATTRIBUTE, "user-" + (i % 100));
        store.set(id, d);
        ids.add(id);
      }
    }
    String db = createDatabase();
    String url = "jdbc:postgresql://127.0.0.1:" + postgres.port + "/" + db;
    JdbcTemplate sql = new JdbcTemplate(dataSource(db));
    assertThat(
            run("migrate", "--to", url, "--user", "postgres", "--create-schema", "--dry-run", file)
                .code())
        .isZero();
    sql.execute(
        new String(
            new org.springframework.core.io.ClassPathResource(
                    "org/springframework/session/jdbc/schema-postgresql.sql")
                .getContentAsByteArray(),
            StandardCharsets.UTF_8));

    long atKill;
    try (ChildJvm child =
        ChildJvm.start(
            "migrate",
            List.of("-Xmx256m"),
            MemFileStoreCli.class,
            "migrate",
            "--to",
            url,
            "--user",
            "postgres",
            "--progress",
            "never",
            file.toString())) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (count(sql) < n / 20) { // kill 5% in: the rest is still to come
        assertThat(child.isAlive()).as(child.stderrTail()).isTrue();
        assertThat(System.nanoTime()).as("sessions start arriving").isLessThan(deadline);
        Thread.sleep(5);
      }
      child.kill();
      child.awaitExit(Duration.ofSeconds(30));
      atKill = count(sql);
    }
    assertThat(atKill).as("killed part-way").isBetween(1L, n - 1L);
    System.out.println("migrate was killed with " + atKill + " of " + n + " sessions moved");

    long started = System.nanoTime();
    Run again = run("migrate", "--to", url, "--user", "postgres", file);
    System.out.printf(
        "the run after the kill took %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));

    assertThat(again.code()).as(again.out() + again.err()).isZero();
    assertThat(again.out())
        .contains("moved    " + Text.count(n - atKill))
        .contains("already in the target: " + Text.count(atKill));
    assertThat(count(sql)).isEqualTo(n);
    assertThat(
            sql.queryForObject("SELECT COUNT(DISTINCT SESSION_ID) FROM SPRING_SESSION", Long.class))
        .isEqualTo(n);
    // every session whole: its three attributes
    assertThat(sql.queryForObject("SELECT COUNT(*) FROM SPRING_SESSION_ATTRIBUTES", Long.class))
        .isEqualTo(3L * n);
    JdbcIndexedSessionRepository jdbc = jdbcRepository(dataSource(db));
    for (String id : ids) {
      assertThat(jdbc.findById(id)).as("session %s", id.substring(0, 6)).isNotNull();
    }
    assertThat(
            jdbc.findByIndexNameAndIndexValue(
                FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, "user-7"))
        .hasSize(n / 100);
  }

  private static long count(JdbcTemplate sql) {
    return sql.queryForObject("SELECT COUNT(*) FROM SPRING_SESSION", Long.class);
  }
}
