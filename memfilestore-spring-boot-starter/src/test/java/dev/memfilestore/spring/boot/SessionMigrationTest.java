package dev.memfilestore.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memfilestore.MemFileStore;
import dev.memfilestore.PostgresServer;
import dev.memfilestore.RedisServer;
import dev.memfilestore.SaveFileInspector;
import dev.memfilestore.SessionData;
import dev.memfilestore.SessionSerializer;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.serializer.StringRedisSerializer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.session.Session;
import org.springframework.session.SessionRepository;
import org.springframework.session.UuidSessionIdGenerator;
import org.springframework.session.data.redis.RedisIndexedSessionRepository;
import org.springframework.session.data.redis.RedisSessionRepository;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The copy against real targets: a real redis-server (Spring Session's default and indexed
 * repositories) and a real PostgreSQL (its JDBC repository), fed a save file written by the store.
 */
class SessionMigrationTest {
  private static final String ADA = "ada";
  static RedisServer redis;
  static PostgresServer postgres;
  @TempDir static Path serverDir;
  @TempDir Path dir;

  /** An application type: readable only where the application allows it. */
  record Cart(List<String> items) implements Serializable {}

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

  /**
   * Writes: a signed-in session (30 min), one with a minute left, one expired, one with an
   * application type the migration will not be allowed to read.
   */
  private Path saveFile(String prefix) throws java.io.IOException {
    Path file = dir.resolve("data/sessions.json");
    Instant now = Instant.now();
    try (MemFileStore store =
        MemFileStore.builder()
            .saveFile(file)
            .serializer(SessionSerializer.java("dev.memfilestore.spring.boot.**"))
            .build()) {
      store.set(id(prefix, "signed-in"), session(Duration.ofMinutes(30), now, ADA));
      store.set(id(prefix, "minute-left"), session(Duration.ofMinutes(1), now, null));
      SessionData cart = session(Duration.ofMinutes(30), now, null);
      cart.setAttribute("cart", new Cart(List.of("tea")));
      store.set(id(prefix, "unreadable"), cart);
    }
    // a store never keeps an expired session; a file read later holds some
    SaveFileInspector files = SaveFileInspector.open(file);
    List<SaveFileInspector.Session> all = new ArrayList<>();
    files.forEachSession(all::add);
    files.rewrite(
        s -> false,
        List.of(files.decode(id(prefix, "expired"), now.minusSeconds(5), all.get(0).data())));
    return file;
  }

  /** A session id of the length Spring Session's ids have (JDBC's schema holds 36 characters). */
  private static String id(String prefix, String name) {
    return java.util
        .UUID
        .nameUUIDFromBytes((prefix + "/" + name).getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .toString();
  }

  private static SessionData session(Duration timeout, Instant at, String principal) {
    SessionData d = new SessionData(at);
    d.setLastAccessedTime(at);
    d.setMaxInactiveInterval(timeout);
    d.setAttribute("visits", 7L);
    if (principal != null) {
      d.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, principal);
    }
    return d;
  }

  private SessionMigration migration(Path file) {
    return new SessionMigration(file, null, List.of(), Duration.ofMinutes(30), Clock.systemUTC());
  }

  private static LettuceConnectionFactory redisConnection(int port) {
    LettuceConnectionFactory f =
        new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port));
    f.afterPropertiesSet();
    f.start();
    return f;
  }

  private static RedisTemplate<String, Object> template(LettuceConnectionFactory f) {
    RedisTemplate<String, Object> t = new RedisTemplate<>();
    t.setConnectionFactory(f);
    t.setKeySerializer(new StringRedisSerializer());
    t.setHashKeySerializer(new StringRedisSerializer());
    t.afterPropertiesSet();
    return t;
  }

  /** Runs a migration and checks what every target must show afterwards. */
  private void migrateAndCheck(String prefix, SessionRepository<? extends Session> target)
      throws Exception {
    Path file = saveFile(prefix);
    Path copyOfFile = dir.resolve("before-rename.json");
    Files.copy(file, copyOfFile);
    SessionMigration m = migration(file);
    Path kept = m.run(target, UuidSessionIdGenerator::getInstance);

    assertThat(m.count(SessionMigration.Reason.MOVED)).isEqualTo(2);
    assertThat(m.count(SessionMigration.Reason.EXPIRED)).isEqualTo(1);
    assertThat(m.count(SessionMigration.Reason.UNREADABLE)).isEqualTo(1);
    assertThat(m.failures)
        .singleElement()
        .asString()
        .contains("Cart")
        .doesNotContain(id(prefix, "unreadable"));
    assertThat(file).doesNotExist();
    assertThat(kept).exists();
    try (Stream<Path> left = Files.list(file.getParent())) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.startsWith("sessions.json.journal."));
    }

    Session signedIn = target.findById(id(prefix, "signed-in"));
    assertThat(signedIn).isNotNull();
    assertThat((Long) signedIn.getAttribute("visits")).isEqualTo(7L);
    assertThat(target.findById(id(prefix, "minute-left")).getMaxInactiveInterval())
        .isEqualTo(Duration.ofMinutes(1));
    Instant expiry =
        target
            .findById(id(prefix, "minute-left"))
            .getLastAccessedTime()
            .plus(Duration.ofMinutes(1));
    assertThat(Duration.between(Instant.now(), expiry))
        .isBetween(Duration.ofSeconds(40), Duration.ofSeconds(61));
    assertThat(target.findById(id(prefix, "expired"))).isNull();
    assertThat(target.findById(id(prefix, "unreadable"))).isNull();
    if (target instanceof FindByIndexNameSessionRepository<?> indexed) {
      assertThat(indexed.findByPrincipalName(ADA)).containsKey(id(prefix, "signed-in"));
    }

    // a rerun on the same file (as after a kill -9 before the rename): nothing copied twice,
    // nothing overwritten
    Session changed = target.findById(id(prefix, "signed-in"));
    changed.setAttribute("visits", 8L);
    saveRaw(target, changed);
    Files.move(copyOfFile, file);
    SessionMigration again = migration(file);
    again.run(target, UuidSessionIdGenerator::getInstance);
    assertThat(again.count(SessionMigration.Reason.MOVED)).isZero();
    assertThat(again.count(SessionMigration.Reason.ALREADY_IN_TARGET)).isEqualTo(2);
    assertThat((Long) target.findById(id(prefix, "signed-in")).getAttribute("visits"))
        .isEqualTo(8L);
  }

  @SuppressWarnings("unchecked")
  private static void saveRaw(SessionRepository<? extends Session> target, Session s) {
    ((SessionRepository<Session>) target).save(s);
  }

  @Test
  void movesIntoRedisDefaultRepository() throws Exception {
    LettuceConnectionFactory f = redisConnection(redis.port);
    try {
      RedisTemplate<String, Object> t = template(f);
      migrateAndCheck("default", new RedisSessionRepository(t));
      // Redis itself expires the copy a minute after it was last used here
      Long ttl = t.getExpire("spring:session:sessions:" + id("default", "minute-left"));
      assertThat(ttl).isBetween(40L, 61L);
    } finally {
      f.destroy();
    }
  }

  @Test
  void movesIntoRedisIndexedRepository() throws Exception {
    LettuceConnectionFactory f = redisConnection(redis.port);
    try {
      RedisTemplate<String, Object> t = template(f);
      RedisIndexedSessionRepository repo = new RedisIndexedSessionRepository(t);
      migrateAndCheck("indexed", repo);
      Long ttl = t.getExpire("spring:session:sessions:expires:" + id("indexed", "minute-left"));
      assertThat(ttl).isBetween(40L, 61L);
    } finally {
      f.destroy();
    }
  }

  @Test
  void movesIntoJdbcRepositoryOnPostgres() throws Exception {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(postgres.jdbcUrl());
    ds.setUser("postgres");
    new ResourceDatabasePopulator(
            new ClassPathResource("org/springframework/session/jdbc/schema-postgresql.sql"))
        .execute(ds);
    JdbcTemplate jdbc = new JdbcTemplate(ds);
    JdbcIndexedSessionRepository repo =
        new JdbcIndexedSessionRepository(
            jdbc, new TransactionTemplate(new DataSourceTransactionManager(ds)));
    migrateAndCheck("jdbc", repo);
    Long expiry =
        jdbc.queryForObject(
            "SELECT EXPIRY_TIME FROM SPRING_SESSION WHERE SESSION_ID = ?",
            Long.class,
            id("jdbc", "minute-left"));
    assertThat(Duration.ofMillis(expiry - System.currentTimeMillis()))
        .isBetween(Duration.ofSeconds(40), Duration.ofSeconds(61));
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM SPRING_SESSION WHERE PRINCIPAL_NAME = 'ada'", Long.class))
        .isEqualTo(1);
  }

  @Test
  void anUnreachableTargetLeavesTheSaveFileAsItWas() throws Exception {
    Path file = saveFile("down");
    byte[] before = Files.readAllBytes(file);
    int closedPort = RedisServer.freePort();
    LettuceConnectionFactory f = redisConnection(closedPort);
    try {
      SessionMigration m = migration(file);
      assertThatThrownBy(
              () ->
                  m.run(
                      new RedisSessionRepository(template(f)), UuidSessionIdGenerator::getInstance))
          .isInstanceOf(SessionMigration.TargetUnavailableException.class)
          .hasMessageContaining("cannot be reached")
          .hasMessageContaining("memfilestore.migration.if-target-down=start");
      assertThat(Files.readAllBytes(file)).isEqualTo(before);
      assertThat(m.count(SessionMigration.Reason.MOVED)).isZero();
    } finally {
      f.destroy();
    }
  }

  @Test
  void noSaveFileMeansNothingToDo() throws Exception {
    assertThat(migration(dir.resolve("none.json")).run(null, UuidSessionIdGenerator::getInstance))
        .isNull();
  }
}
