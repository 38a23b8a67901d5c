package dev.memfilestore.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.memfilestore.Durability;
import dev.memfilestore.MemFileStore;
import dev.memfilestore.SessionData;
import dev.memfilestore.spring.MemFileSessionRepository;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.catalina.Context;
import org.apache.catalina.Manager;
import org.apache.catalina.session.FileStore;
import org.apache.catalina.session.PersistentManager;
import org.apache.catalina.session.StandardManager;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.session.DefaultSessionCache;
import org.eclipse.jetty.session.FileSessionDataStore;
import org.eclipse.jetty.session.ManagedSession;
import org.eclipse.jetty.session.SessionHandler;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.session.MapSession;
import org.springframework.session.MapSessionRepository;
import org.springframework.session.Session;
import org.springframework.session.SessionRepository;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * One session store seen through the four things a request does to it. Each contender keeps its own
 * table of ids (a store that makes its own ids, or a delete-and-create, changes them).
 *
 * <ul>
 *   <li>{@link #find}: look the session up (what every request with a cookie does first);
 *   <li>{@link #findAndSave}: a request that changed its session: find, change one attribute and
 *       the access time, save;
 *   <li>{@link #touch}: a request that changed nothing: find, then record the access time the way
 *       the framework does after such a request;
 *   <li>{@link #deleteAndCreate}: log out (delete) and a new visitor (create and save a session).
 * </ul>
 */
abstract class Contender implements AutoCloseable {
  /** The contender names, as the benchmark's {@code contender} parameter takes them. */
  static final String MFS_NONE = "memfilestore-nofile";

  static final String MFS_SNAPSHOT = "memfilestore-SNAPSHOT";
  static final String MFS_JOURNAL = "memfilestore-JOURNAL";
  static final String MFS_JOURNAL_SYNC = "memfilestore-JOURNAL_SYNC";
  static final String MFS_SPRING = "memfilestore-spring-JOURNAL";
  static final String SPRING_MAP = "spring-MapSessionRepository";
  static final String SPRING_JDBC = "spring-jdbc-h2";
  static final String JETTY_FILE = "jetty-DefaultCache+FileStore";
  static final String TOMCAT_STANDARD = "tomcat-StandardManager";
  static final String TOMCAT_FILE = "tomcat-PersistentManager+FileStore";
  static final String CAFFEINE = "caffeine-bytes";

  final AtomicReferenceArray<String> ids = new AtomicReferenceArray<>(Workload.SESSIONS);

  /** Builds the named contender, its files (if any) under {@code dir}. */
  static Contender create(String name, Path dir) throws Exception {
    return switch (name) {
      case MFS_NONE -> new Core(null, null);
      case MFS_SNAPSHOT -> new Core(dir, Durability.SNAPSHOT);
      case MFS_JOURNAL -> new Core(dir, Durability.JOURNAL);
      case MFS_JOURNAL_SYNC -> new Core(dir, Durability.JOURNAL_SYNC);
      case MFS_SPRING -> Spring.memFile(dir);
      case SPRING_MAP -> new Spring<>(new MapSessionRepository(new ConcurrentHashMap<>()), null);
      case SPRING_JDBC -> Spring.jdbc(dir);
      case JETTY_FILE -> new Jetty(dir);
      case TOMCAT_STANDARD -> new Tomcat11(dir, false);
      case TOMCAT_FILE -> new Tomcat11(dir, true);
      case CAFFEINE -> new CaffeineBytes();
      default -> throw new IllegalArgumentException("unknown contender " + name);
    };
  }

  /** Stores session {@code i} of the workload (immutable shape) and remembers its id. */
  final void preload() throws Exception {
    for (int i = 0; i < Workload.SESSIONS; i++) {
      ids.set(i, create(i));
    }
  }

  /** Creates and saves a new session with the attributes of workload session {@code i}. */
  abstract String create(int i) throws Exception;

  abstract Object find(int i) throws Exception;

  abstract Object findAndSave(int i, long counter) throws Exception;

  abstract Object touch(int i) throws Exception;

  abstract void delete(int i) throws Exception;

  final void deleteAndCreate(int i) throws Exception {
    delete(i);
    ids.set(i, create(i));
  }

  static Map<String, Object> attributes(int i) {
    return Workload.attributes(Workload.IMMUTABLE, i);
  }

  /** The core store, used directly. */
  static final class Core extends Contender {
    final MemFileStore store;

    Core(Path dir, Durability durability) {
      MemFileStore.Builder builder = MemFileStore.builder();
      if (durability != null) {
        builder.saveFile(dir.resolve("sessions.json")).durability(durability);
        if (durability == Durability.SNAPSHOT) {
          builder.savePeriod(Duration.ofSeconds(5));
        }
      }
      store = builder.build();
    }

    @Override
    String create(int i) {
      String id = Workload.IDS[i];
      store.set(id, Workload.session(Workload.IMMUTABLE, i));
      return id;
    }

    @Override
    Object find(int i) {
      return store.get(ids.get(i)).orElse(null);
    }

    @Override
    Object findAndSave(int i, long counter) {
      String id = ids.get(i);
      SessionData s = store.get(id).orElseThrow();
      s.setAttribute("counter", counter);
      s.setLastAccessedTime(Instant.now());
      store.set(id, s);
      return s;
    }

    @Override
    Object touch(int i) {
      String id = ids.get(i);
      SessionData s = store.get(id).orElseThrow();
      s.setLastAccessedTime(Instant.now());
      store.touch(id, s);
      return s;
    }

    @Override
    void delete(int i) {
      store.destroy(ids.get(i));
    }

    @Override
    public void close() {
      store.close();
    }
  }

  /**
   * A Spring Session repository: {@code findById}, then {@code setLastAccessedTime} and {@code
   * save} as {@code SessionRepositoryFilter} does at the end of every request.
   */
  static final class Spring<S extends Session> extends Contender {
    final SessionRepository<S> repository;
    final AutoCloseable resource;

    Spring(SessionRepository<S> repository, AutoCloseable resource) {
      this.repository = repository;
      this.resource = resource;
    }

    static Spring<?> memFile(Path dir) {
      MemFileSessionRepository repository = new MemFileSessionRepository();
      repository.setSaveFile(dir.resolve("sessions.json").toString());
      repository.setDurability(Durability.JOURNAL);
      repository.setDefaultMaxInactiveInterval(Workload.MAX_INACTIVE);
      repository.afterPropertiesSet();
      return new Spring<>(repository, repository::destroy);
    }

    static Spring<?> jdbc(Path dir) {
      HikariConfig config = new HikariConfig();
      // H2's defaults: the MVStore writes in the background (no force per commit)
      config.setJdbcUrl("jdbc:h2:file:" + dir.resolve("sessions").toAbsolutePath());
      config.setUsername("sa");
      config.setPassword("");
      config.setMaximumPoolSize(4);
      HikariDataSource dataSource = new HikariDataSource(config);
      new ResourceDatabasePopulator(
              new ClassPathResource("org/springframework/session/jdbc/schema-h2.sql"))
          .execute(dataSource);
      JdbcIndexedSessionRepository repository =
          new JdbcIndexedSessionRepository(
              new JdbcTemplate(dataSource),
              new TransactionTemplate(new DataSourceTransactionManager(dataSource)));
      repository.setDefaultMaxInactiveInterval(Workload.MAX_INACTIVE);
      return new Spring<>(repository, dataSource);
    }

    @Override
    String create(int i) {
      S s = repository.createSession();
      if (s instanceof MapSession m) {
        m.setId(Workload.IDS[i]);
      }
      s.setMaxInactiveInterval(Workload.MAX_INACTIVE);
      attributes(i).forEach(s::setAttribute);
      repository.save(s);
      return s.getId();
    }

    @Override
    Object find(int i) {
      return repository.findById(ids.get(i));
    }

    @Override
    Object findAndSave(int i, long counter) {
      S s = repository.findById(ids.get(i));
      s.setAttribute("counter", counter);
      s.setLastAccessedTime(Instant.now());
      repository.save(s);
      return s;
    }

    @Override
    Object touch(int i) {
      S s = repository.findById(ids.get(i));
      s.setLastAccessedTime(Instant.now());
      repository.save(s);
      return s;
    }

    @Override
    void delete(int i) {
      repository.deleteById(ids.get(i));
    }

    @Override
    public void close() throws Exception {
      if (resource != null) {
        resource.close();
      }
    }
  }

  /**
   * Jetty 12's stock persistent sessions: a {@link DefaultSessionCache} (sessions in memory) over a
   * {@link FileSessionDataStore} (one file per session, written when the last request using the
   * session releases it and the session changed), driven through the cache's {@code get} / {@code
   * release} as Jetty's {@code SessionHandler} does around a request. No HTTP involved.
   */
  static final class Jetty extends Contender {
    final Server server = new Server();
    final SessionHandler handler = new SessionHandler();
    final DefaultSessionCache cache;

    Jetty(Path dir) throws Exception {
      FileSessionDataStore store = new FileSessionDataStore();
      File storeDir = dir.resolve("jetty").toFile();
      if (!storeDir.mkdirs()) {
        throw new IOException("cannot create " + storeDir);
      }
      store.setStoreDir(storeDir);
      cache = new DefaultSessionCache(handler);
      cache.setSessionDataStore(store);
      handler.setSessionCache(cache);
      handler.setMaxInactiveInterval((int) Workload.MAX_INACTIVE.toSeconds());
      ContextHandler context = new ContextHandler("/");
      context.setHandler(handler);
      server.setHandler(context);
      server.start();
    }

    @Override
    String create(int i) throws Exception {
      String id = Workload.IDS[i];
      long now = System.currentTimeMillis();
      ManagedSession s = cache.newSession(id, now, Workload.MAX_INACTIVE.toMillis());
      cache.add(id, s);
      attributes(i).forEach(s::setAttribute);
      cache.release(s);
      return id;
    }

    @Override
    Object find(int i) throws Exception {
      ManagedSession s = cache.get(ids.get(i));
      if (s != null) {
        cache.release(s);
      }
      return s;
    }

    @Override
    Object findAndSave(int i, long counter) throws Exception {
      ManagedSession s = cache.get(ids.get(i));
      s.access(System.currentTimeMillis());
      s.setAttribute("counter", counter);
      cache.release(s);
      return s;
    }

    @Override
    Object touch(int i) throws Exception {
      ManagedSession s = cache.get(ids.get(i));
      s.access(System.currentTimeMillis());
      cache.release(s);
      return s;
    }

    @Override
    void delete(int i) throws Exception {
      cache.delete(ids.get(i));
    }

    @Override
    public void close() throws Exception {
      server.stop();
    }
  }

  /**
   * Tomcat 11's session managers in an embedded Tomcat with no connector: {@code StandardManager}
   * (memory; a file only at stop) or {@code PersistentManager} + {@code FileStore} (every session
   * changed since its last backup is written to its file by the background thread, here once a
   * second). Driven as Tomcat's request processing does: {@code findSession}, {@code access},
   * {@code endAccess}.
   */
  static final class Tomcat11 extends Contender {
    /** Held so that the level set on it stays: Tomcat logs every start and stop at INFO. */
    private static final java.util.logging.Logger TOMCAT_LOG =
        java.util.logging.Logger.getLogger("org.apache");

    final Tomcat tomcat = new Tomcat();
    final Manager manager;

    Tomcat11(Path dir, boolean persistent) throws Exception {
      TOMCAT_LOG.setLevel(java.util.logging.Level.SEVERE);
      tomcat.setBaseDir(dir.resolve("tomcat").toString());
      File docBase = dir.resolve("docs").toFile();
      if (!docBase.mkdirs()) {
        throw new IOException("cannot create " + docBase);
      }
      Context context = tomcat.addContext("", docBase.getAbsolutePath());
      if (persistent) {
        PersistentManager pm = new PersistentManager();
        FileStore store = new FileStore();
        store.setDirectory(dir.resolve("tomcat-sessions").toAbsolutePath().toString());
        pm.setStore(store);
        pm.setMaxIdleBackup(0);
        pm.setProcessExpiresFrequency(1);
        context.setManager(pm);
        tomcat.getEngine().setBackgroundProcessorDelay(1);
      } else {
        context.setManager(new StandardManager());
      }
      context.setSessionTimeout((int) Workload.MAX_INACTIVE.toMinutes());
      tomcat.start();
      manager = context.getManager();
    }

    @Override
    String create(int i) {
      org.apache.catalina.Session s = manager.createSession(Workload.IDS[i]);
      s.access();
      attributes(i).forEach(s.getSession()::setAttribute);
      s.endAccess();
      return s.getId();
    }

    @Override
    Object find(int i) throws IOException {
      return manager.findSession(ids.get(i));
    }

    @Override
    Object findAndSave(int i, long counter) throws IOException {
      org.apache.catalina.Session s = manager.findSession(ids.get(i));
      s.access();
      s.getSession().setAttribute("counter", counter);
      s.endAccess();
      return s;
    }

    @Override
    Object touch(int i) throws IOException {
      org.apache.catalina.Session s = manager.findSession(ids.get(i));
      s.access();
      s.endAccess();
      return s;
    }

    @Override
    void delete(int i) throws IOException {
      org.apache.catalina.Session s = manager.findSession(ids.get(i));
      if (s != null) {
        s.expire();
      }
    }

    @Override
    public void close() throws Exception {
      tomcat.stop();
      tomcat.destroy();
    }
  }

  /**
   * The floor for a bounded in-memory store: a Caffeine cache (bounded, W-TinyLFU) of sessions as
   * plain Jackson JSON bytes (no type tags: a {@code Long} comes back an {@code Integer}).
   */
  static final class CaffeineBytes extends Contender {
    /** A session as the floor stores it. */
    public static final class PlainSession {
      public Instant created;
      public Instant accessed;
      public Duration maxInactive;
      public Map<String, Object> attributes;
    }

    final Cache<String, byte[]> cache = Caffeine.newBuilder().maximumSize(1_000_000).build();
    final ObjectReader reader;
    final ObjectWriter writer;

    CaffeineBytes() {
      ObjectMapper mapper =
          new ObjectMapper()
              .registerModule(new JavaTimeModule())
              .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
              .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS);
      reader = mapper.readerFor(PlainSession.class);
      writer = mapper.writerFor(PlainSession.class);
    }

    @Override
    String create(int i) {
      PlainSession s = new PlainSession();
      s.created = Instant.now();
      s.accessed = s.created;
      s.maxInactive = Workload.MAX_INACTIVE;
      s.attributes = attributes(i);
      cache.put(Workload.IDS[i], write(s));
      return Workload.IDS[i];
    }

    @Override
    Object find(int i) {
      return read(cache.getIfPresent(ids.get(i)));
    }

    @Override
    Object findAndSave(int i, long counter) {
      String id = ids.get(i);
      PlainSession s = read(cache.getIfPresent(id));
      s.attributes.put("counter", counter);
      s.accessed = Instant.now();
      cache.put(id, write(s));
      return s;
    }

    @Override
    Object touch(int i) {
      String id = ids.get(i);
      PlainSession s = read(cache.getIfPresent(id));
      s.accessed = Instant.now();
      cache.put(id, write(s));
      return s;
    }

    @Override
    void delete(int i) {
      cache.invalidate(ids.get(i));
    }

    private PlainSession read(byte[] bytes) {
      try {
        return bytes == null ? null : reader.readValue(bytes);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private byte[] write(PlainSession s) {
      try {
        return writer.writeValueAsBytes(s);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() {
      cache.invalidateAll();
    }
  }
}
