package dev.memfilestore.cli;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.SocketOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.springframework.core.io.ClassPathResource;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.jdbc.datasource.init.ScriptUtils;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.session.IndexResolver;
import org.springframework.session.Session;
import org.springframework.session.SessionIdGenerator;
import org.springframework.session.SessionRepository;
import org.springframework.session.data.redis.RedisIndexedSessionRepository;
import org.springframework.session.data.redis.RedisSessionRepository;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The store {@code migrate --to} names, written through Spring Session's own repository for it
 * (Redis default or indexed, JDBC), so keys, tables, expiry and the principal index are laid out
 * exactly as an application on that store expects. Attribute values arrive as {@link JdkStream}s;
 * the session's id and principal name are handed to the repository through its own extension points
 * ({@link SessionIdGenerator}, {@link IndexResolver}).
 */
final class MigrationTarget implements AutoCloseable {
  static final String USER_ENV = "MEMFILESTORE_TARGET_USER";
  static final String PASSWORD_ENV = "MEMFILESTORE_TARGET_PASSWORD";

  /** Spring Session's Redis repositories; Boot's {@code spring.session.redis.repository-type}. */
  enum RedisRepository {
    DEFAULT,
    INDEXED
  }

  /** The target cannot be reached, lacks its schema, or failed while writing. */
  static final class Unavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Whether what is missing is Spring Session's tables (which --create-schema creates). */
    final boolean schemaMissing;

    Unavailable(String message, Throwable cause) {
      this(message, cause, false);
    }

    Unavailable(String message, Throwable cause, boolean schemaMissing) {
      super(message, cause);
      this.schemaMissing = schemaMissing;
    }
  }

  /** How to reach the target; the password is never part of a message (nor of toString). */
  @SuppressWarnings("ArrayRecordComponent") // a password is kept out of Strings where it can be
  record Options(
      String url,
      String user,
      char[] password,
      RedisRepository redisRepository,
      String namespace,
      String table,
      boolean createSchema) {
    @Override
    public String toString() {
      return "Options[" + url + ", user " + user + "]";
    }
  }

  private final String description;
  private final SessionRepository<Session> repository;
  private final Runnable connection;
  private final Check check;
  private final PendingSession pending = new PendingSession();

  /** Connects and checks the target; {@code create} creates what is missing (JDBC's schema). */
  private interface Check {
    String run(boolean create);
  }

  /** Sets the expiry of keys the repository wrote with a TTL counted from now. */
  private interface Expiry {
    void at(String id, Instant expires);
  }

  private final Expiry expiry;

  @SuppressWarnings({"unchecked", "rawtypes"})
  private MigrationTarget(
      String description,
      SessionRepository<?> repository,
      Runnable connection,
      Check check,
      Expiry expiry) {
    this.description = description;
    this.repository = (SessionRepository) repository;
    this.connection = connection;
    this.check = check;
    this.expiry = expiry;
  }

  /**
   * Opens (without connecting) the target a URL names.
   *
   * @throws IllegalArgumentException if the URL is not one this command writes to, or holds a
   *     password
   */
  static MigrationTarget open(Options o) {
    String url = o.url().trim();
    String scheme = url.toLowerCase(Locale.ROOT);
    if (scheme.startsWith("redis://") || scheme.startsWith("rediss://")) {
      return redis(url, o);
    }
    if (scheme.startsWith("jdbc:postgresql:")) {
      return jdbc(url, o);
    }
    throw new IllegalArgumentException(
        "--to must be redis://host:port[/db], rediss://… or jdbc:postgresql://host:port/database"
            + (scheme.startsWith("jdbc:")
                ? " (other databases: use the starter's in-application migration,"
                    + " memfilestore.migration.enabled, which uses the application's driver)"
                : ""));
  }

  private static MigrationTarget redis(String url, Options o) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("--to is not a valid redis:// URL: " + e.getReason(), e);
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "--to holds credentials: give the user with --user and the password with --password"
              + " or "
              + PASSWORD_ENV
              + " (a URL shows in the process list)");
    }
    String host = uri.getHost() == null ? "localhost" : uri.getHost();
    int port = uri.getPort() < 0 ? 6379 : uri.getPort();
    int db = 0;
    String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
    if (!path.isEmpty()) {
      try {
        db = Integer.parseInt(path);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--to: the path of a redis URL is the database number, e.g. redis://host:6379/0", e);
      }
    }
    boolean tls = uri.getScheme().equalsIgnoreCase("rediss");
    RedisStandaloneConfiguration server = new RedisStandaloneConfiguration(host, port);
    server.setDatabase(db);
    if (o.user() != null) {
      server.setUsername(o.user());
    }
    if (o.password() != null) {
      server.setPassword(o.password());
    }
    LettuceClientConfiguration.LettuceClientConfigurationBuilder client =
        LettuceClientConfiguration.builder()
            .commandTimeout(Duration.ofSeconds(30))
            .clientOptions(
                ClientOptions.builder()
                    .autoReconnect(false)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .socketOptions(
                        SocketOptions.builder().connectTimeout(Duration.ofSeconds(10)).build())
                    .build());
    if (tls) {
      client.useSsl();
    }
    LettuceConnectionFactory factory = new LettuceConnectionFactory(server, client.build());
    factory.afterPropertiesSet();
    factory.start();
    // Spring Session's own template: string keys and hash keys, JDK serialization for values
    RedisTemplate<String, Object> template = new RedisTemplate<>();
    template.setConnectionFactory(factory);
    template.setKeySerializer(RedisSerializer.string());
    template.setHashKeySerializer(RedisSerializer.string());
    template.setDefaultSerializer(JdkStream.redisSerializer());
    template.afterPropertiesSet();
    String description =
        (tls ? "rediss://" : "redis://")
            + host
            + ":"
            + port
            + "/"
            + db
            + " (Spring Session's "
            + (o.redisRepository() == RedisRepository.INDEXED ? "indexed" : "default")
            + " Redis repository, namespace "
            + o.namespace()
            + ")";
    Check check =
        create -> {
          String pong = template.execute(c -> c.ping(), true);
          if (!"PONG".equalsIgnoreCase(pong)) {
            throw new IllegalStateException("the server answered PING with " + pong);
          }
          return null;
        };
    MigrationTarget target;
    if (o.redisRepository() == RedisRepository.INDEXED) {
      RedisIndexedSessionRepository r = new RedisIndexedSessionRepository(template);
      r.setRedisKeyNamespace(o.namespace());
      r.setDatabase(db);
      r.setDefaultSerializer(JdkStream.redisSerializer());
      String prefix = o.namespace().trim() + ":sessions:";
      // The indexed repository counts its keys' TTLs from the save, taking the last access for
      // now; they are set as a save at the session's last access would have set them.
      Expiry expiry =
          (id, at) -> {
            template.expireAt(prefix + "expires:" + id, at);
            template.expireAt(prefix + id, at.plus(Duration.ofMinutes(5)));
          };
      target = new MigrationTarget(description, r, factory::destroy, check, expiry);
      r.setSessionIdGenerator(target.pending);
      r.setIndexResolver(target.pending);
    } else {
      RedisSessionRepository r = new RedisSessionRepository(template);
      r.setRedisKeyNamespace(o.namespace());
      target = new MigrationTarget(description, r, factory::destroy, check, null);
      r.setSessionIdGenerator(target.pending);
    }
    return target;
  }

  private static MigrationTarget jdbc(String url, Options o) {
    String lower = url.toLowerCase(Locale.ROOT);
    if (lower.contains("password=")) {
      throw new IllegalArgumentException(
          "--to holds a password: give it with --password or "
              + PASSWORD_ENV
              + " (a URL shows in the process list)");
    }
    int query = url.indexOf('?');
    String shown = query < 0 ? url : url.substring(0, query);
    Properties login = new Properties();
    if (o.user() != null) {
      login.setProperty("user", o.user());
    }
    if (o.password() != null) {
      login.setProperty("password", new String(o.password()));
    }
    login.setProperty("connectTimeout", "10");
    login.setProperty("socketTimeout", "60");
    SingleConnectionDataSource data = new SingleConnectionDataSource();
    data.setDriverClassName("org.postgresql.Driver");
    data.setUrl(url);
    data.setConnectionProperties(login);
    data.setSuppressClose(true);
    JdbcTemplate jdbc = new JdbcTemplate(data);
    TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(data));
    JdbcIndexedSessionRepository r = new JdbcIndexedSessionRepository(jdbc, tx);
    r.setTableName(o.table());
    r.setConversionService(JdkStream.conversionService());
    Check check =
        create -> {
          try (Connection c = data.getConnection()) {
            if (tableExists(c, o.table())) {
              return null;
            }
          } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
          }
          if (!o.table().equalsIgnoreCase(JdbcIndexedSessionRepository.DEFAULT_TABLE_NAME)) {
            throw new Unavailable(
                "the table "
                    + o.table()
                    + " does not exist in "
                    + shown
                    + ": create it and "
                    + o.table()
                    + "_ATTRIBUTES from spring-session-jdbc's schema-postgresql.sql (with the"
                    + " table names changed)",
                null);
          }
          if (!create) {
            throw new Unavailable(
                "the table "
                    + o.table()
                    + " does not exist in "
                    + shown
                    + ": create Spring Session's schema (spring-session-jdbc's"
                    + " schema-postgresql.sql, or spring.session.jdbc.initialize-schema=always"
                    + " in the application), or run again with --create-schema",
                null,
                true);
          }
          try (Connection c = data.getConnection()) {
            ScriptUtils.executeSqlScript(
                c, new ClassPathResource("org/springframework/session/jdbc/schema-postgresql.sql"));
          } catch (SQLException | DataAccessException e) {
            throw new IllegalStateException(
                "cannot create Spring Session's schema: " + e.getMessage(), e);
          }
          return "created Spring Session's tables "
              + o.table()
              + " and "
              + o.table()
              + "_ATTRIBUTES";
        };
    MigrationTarget target =
        new MigrationTarget(
            shown + " (Spring Session's JDBC repository, table " + o.table() + ")",
            r,
            data::destroy,
            check,
            null);
    r.setSessionIdGenerator(target.pending);
    r.setIndexResolver(target.pending);
    return target;
  }

  private static boolean tableExists(Connection c, String table) throws SQLException {
    DatabaseMetaData meta = c.getMetaData();
    for (String name :
        new String[] {table, table.toLowerCase(Locale.ROOT), table.toUpperCase(Locale.ROOT)}) {
      try (ResultSet rs = meta.getTables(null, null, name, new String[] {"TABLE"})) {
        if (rs.next()) {
          return true;
        }
      }
    }
    return false;
  }

  /** Where the sessions go, for messages: no credentials, no query parameters. */
  String description() {
    return description;
  }

  /**
   * Connects and checks that the target can take sessions.
   *
   * @param createSchema create JDBC's tables if they are missing
   * @return what was created, or null
   * @throws Unavailable if it cannot be reached or lacks its schema
   */
  String check(boolean createSchema) {
    try {
      return check.run(createSchema);
    } catch (Unavailable e) {
      throw e;
    } catch (RuntimeException e) {
      throw new Unavailable(
          "cannot reach " + description + ": " + Migrate.reason(e) + ". Nothing was written", e);
    }
  }

  /** Whether the target holds a live session of this id. */
  boolean contains(String id) {
    return repository.findById(id) != null;
  }

  /**
   * Creates the session in the target through its repository.
   *
   * @param lastAccessed chosen so that the target's expiry is the save file's
   * @param principal the name to index it under, or null
   */
  void write(
      String id,
      Duration maxInactive,
      Instant lastAccessed,
      Map<String, JdkStream> attributes,
      String principal) {
    pending.id = id;
    pending.principal = principal;
    try {
      Session s = repository.createSession();
      if (!id.equals(s.getId())) {
        throw new IllegalStateException("the repository did not take the session's id");
      }
      s.setMaxInactiveInterval(maxInactive);
      s.setLastAccessedTime(lastAccessed);
      attributes.forEach(s::setAttribute);
      repository.save(s);
      if (expiry != null && !maxInactive.isNegative()) {
        expiry.at(id, lastAccessed.plus(maxInactive));
      }
    } finally {
      pending.id = null;
      pending.principal = null;
    }
  }

  @Override
  public void close() {
    connection.run();
  }

  /**
   * The id of the session being copied, for the repository's {@code createSession}, and its
   * principal name, for the repository's index: the value FindByIndexNameSessionRepository's
   * resolver found when the session was stored, since the attributes stay unread.
   */
  private static final class PendingSession implements SessionIdGenerator, IndexResolver<Session> {
    String id;
    String principal;

    @Override
    public String generate() {
      if (id == null) {
        throw new IllegalStateException("migrate creates sessions only with their own ids");
      }
      return id;
    }

    @Override
    public Map<String, String> resolveIndexesFor(Session session) {
      if (principal != null && session.getId().equals(id)) {
        return Map.of(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, principal);
      }
      return Map.of();
    }
  }
}
