package dev.memfilestore.cli;

import dev.memfilestore.SaveFileInspector;
import dev.memfilestore.SessionData;
import dev.memfilestore.SessionSerializer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.session.MapSession;
import org.springframework.session.PrincipalNameIndexResolver;
import org.springframework.session.Session;
import org.springframework.transaction.CannotCreateTransactionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code migrate}: copies every live session of a save file into Spring Session's Redis or JDBC
 * store, through Spring Session's own repositories. Reads the save file only: it is never changed.
 */
// try: a Progress is opened for what its close does (it erases the bar), never referenced
@SuppressWarnings("try")
@Command(
    name = "migrate",
    description = {
      "Copy every live session into Spring Session's Redis or JDBC store, as Spring Session's own"
          + " repositories write them: same ids (cookies stay valid), remaining lifetime, last"
          + " access, timeout, attributes and principal index. Expired sessions are not copied;"
          + " sessions already in the target are skipped, so an interrupted run is simply run"
          + " again. The save file is only read. Stop the application first.",
      "java files: the attributes' Java serialization streams are written as they are (Spring"
          + " Session's default JDK serialization), without the application's classes. json"
          + " files: the values are read with the application's classes (--classpath,"
          + " --allowed-types) and written with JDK serialization."
    })
final class Migrate extends MemFileStoreCli.SaveFileCommand {
  static final String SECURITY_CONTEXT = "SPRING_SECURITY_CONTEXT";

  @Option(
      names = "--to",
      required = true,
      paramLabel = "URL",
      description =
          "redis://host:port[/db] (rediss:// for TLS) or jdbc:postgresql://host:port/database;"
              + " no password in it")
  String to;

  @Option(
      names = "--user",
      paramLabel = "NAME",
      description = "the target's user (default: $" + MigrationTarget.USER_ENV + ")")
  String user;

  @Option(
      names = "--password",
      interactive = true,
      arity = "0",
      description =
          "ask for the target's password (not echoed); else $"
              + MigrationTarget.PASSWORD_ENV
              + " is used when set")
  char[] password;

  @Option(
      names = "--redis-repository",
      paramLabel = "TYPE",
      defaultValue = "DEFAULT",
      description =
          "the layout of Spring Session's Redis repository the application will use:"
              + " ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}, as Spring Boot's"
              + " spring.session.redis.repository-type; INDEXED keeps the principal index and"
              + " expiry keys)")
  MigrationTarget.RedisRepository redisRepository;

  @Option(
      names = "--namespace",
      paramLabel = "PREFIX",
      defaultValue = "spring:session",
      description =
          "Redis key namespace (spring.session.redis.namespace; default ${DEFAULT-VALUE})")
  String namespace;

  @Option(
      names = "--table",
      paramLabel = "NAME",
      defaultValue = "SPRING_SESSION",
      description = "JDBC table (spring.session.jdbc.table-name; default ${DEFAULT-VALUE})")
  String table;

  @Option(
      names = "--create-schema",
      description =
          "create Spring Session's tables if they are missing, from spring-session-jdbc's"
              + " schema-postgresql.sql")
  boolean createSchema;

  @Option(
      names = "--classpath",
      paramLabel = "PATHS",
      description =
          "the application's classes, for json files: directories and jars separated by ':'"
              + " (dir/* for every jar in dir)")
  String classpath;

  @Option(
      names = "--allowed-types",
      paramLabel = "PATTERNS",
      split = ",",
      description =
          "the application's memfilestore.allowed-types (e.g. com.example.**), for json files")
  List<String> allowedTypes = new ArrayList<>();

  @Option(
      names = "--default-timeout",
      paramLabel = "DURATION",
      defaultValue = "PT30M",
      description =
          "timeout of sessions that name none, ISO-8601 (the application's"
              + " server.servlet.session.timeout; default ${DEFAULT-VALUE})")
  Duration defaultTimeout;

  @Option(
      names = "--dry-run",
      description =
          "read and convert every session and check the target, but write nothing; counts what"
              + " would move")
  boolean dryRun;

  /** What became of a session; the summary's lines. */
  enum Outcome {
    MOVED,
    ALREADY_IN_TARGET,
    EXPIRED,
    UNCONVERTIBLE,
    TARGET_REFUSED
  }

  private final Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
  private final List<String> failures = new ArrayList<>();
  private long notIndexed;

  @Override
  int run(SaveFileInspector inspector) throws IOException {
    for (Outcome o : Outcome.values()) {
      counts.put(o, 0L);
    }
    SaveFileInspector.Header h = inspector.header();
    String serializer = h.serializer();
    if (!"java".equals(serializer) && !"json".equals(serializer)) {
      throw new IllegalArgumentException(
          "the sessions of "
              + inspector.saveFile().getFileName()
              + " were written by "
              + (serializer == null
                  ? "an unknown serializer (header damaged)"
                  : "'" + serializer + "'")
              + ", which only the application can read: move them with the application"
              + " (memfilestore.migration.enabled in the starter)");
    }
    if (defaultTimeout.isNegative() || defaultTimeout.isZero()) {
      throw new IllegalArgumentException("--default-timeout must be positive");
    }
    WriteCommands.requireIntact(this, inspector);
    Converter converter = new Converter(inspector, "json".equals(serializer));
    Instant now = root.clock.instant();
    try (MigrationTarget target = MigrationTarget.open(targetOptions());
        URLClassLoader classes = classLoader()) {
      String created = dryRun ? null : target.check(createSchema);
      boolean empty = dryRun && !checkDry(target);
      if (created != null) {
        err().println("memfilestore: " + created);
      }
      Thread thread = Thread.currentThread();
      ClassLoader before = thread.getContextClassLoader();
      if (classes != null) {
        thread.setContextClassLoader(classes);
      }
      try (Progress p =
          Progress.start(
              progress, err(), "migrate", inspector::bytesRead, inspector.totalBytes(), 0)) {
        inspector.forEachSession(s -> copy(s, converter, empty ? null : target, now));
      } catch (MigrationTarget.Unavailable e) {
        printSummary(target, inspector, true);
        throw e;
      } finally {
        thread.setContextClassLoader(before);
      }
      printSummary(target, inspector, false);
    }
    return counts.get(Outcome.UNCONVERTIBLE) + counts.get(Outcome.TARGET_REFUSED) > 0
        ? MemFileStoreCli.SESSIONS_FAILED
        : MemFileStoreCli.OK;
  }

  /**
   * A dry run checks the target without creating anything.
   *
   * @return false if --create-schema would create its tables (so it holds no session yet)
   */
  private boolean checkDry(MigrationTarget target) {
    try {
      target.check(false);
      return true;
    } catch (MigrationTarget.Unavailable e) {
      if (!createSchema || !e.schemaMissing) {
        throw e;
      }
      err().println("memfilestore: dry run: --create-schema would create Spring Session's tables");
      return false;
    }
  }

  private MigrationTarget.Options targetOptions() {
    String u = user != null ? user : System.getenv(MigrationTarget.USER_ENV);
    char[] pw = password;
    if (pw == null || pw.length == 0) {
      String env = System.getenv(MigrationTarget.PASSWORD_ENV);
      pw = env == null || env.isEmpty() ? null : env.toCharArray();
    }
    return new MigrationTarget.Options(
        to,
        u == null || u.isBlank() ? null : u,
        pw,
        redisRepository,
        namespace,
        table,
        createSchema);
  }

  /** The application's classes for json files, or null. */
  private URLClassLoader classLoader() throws IOException {
    if (classpath == null || classpath.isBlank()) {
      return null;
    }
    List<URL> urls = new ArrayList<>();
    for (String entry : classpath.split(Pattern.quote(java.io.File.pathSeparator), -1)) {
      if (entry.isBlank()) {
        continue;
      }
      if (entry.endsWith("/*") || entry.equals("*")) {
        Path dir = Path.of(entry.substring(0, entry.length() - 1));
        try (Stream<Path> jars = Files.list(dir)) {
          for (Path jar : jars.filter(j -> j.toString().endsWith(".jar")).sorted().toList()) {
            urls.add(url(jar));
          }
        }
        continue;
      }
      Path p = Path.of(entry);
      if (!Files.exists(p)) {
        throw new IllegalArgumentException("--classpath: no such file or directory: " + p);
      }
      urls.add(url(p));
    }
    return new URLClassLoader(urls.toArray(URL[]::new), Migrate.class.getClassLoader());
  }

  private static URL url(Path p) {
    try {
      return p.toAbsolutePath().toUri().toURL();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("--classpath: " + p + " cannot be a class path entry", e);
    }
  }

  private void copy(
      SaveFileInspector.Session s, Converter converter, MigrationTarget target, Instant now) {
    if (s.isExpired(now)) {
      count(Outcome.EXPIRED);
      return;
    }
    Converted c;
    try {
      c = converter.convert(s);
    } catch (RuntimeException e) {
      fail(Outcome.UNCONVERTIBLE, s.id(), e);
      return;
    }
    if (c.notIndexed()) {
      notIndexed++;
    }
    if (target == null) {
      count(Outcome.MOVED); // a dry run into tables yet to be created
      return;
    }
    try {
      if (target.contains(s.id())) {
        count(Outcome.ALREADY_IN_TARGET);
        return;
      }
      if (!dryRun) {
        target.write(s.id(), c.maxInactive(), c.lastAccessed(), c.attributes(), c.principal());
      }
      count(Outcome.MOVED);
    } catch (RuntimeException e) {
      if (isTargetFailure(e)) {
        throw new MigrationTarget.Unavailable(
            target.description()
                + " failed while writing: "
                + reason(e)
                + ". The save file is unchanged; the sessions already moved stay in the target"
                + " and are skipped when you run the same command again",
            e);
      }
      fail(Outcome.TARGET_REFUSED, s.id(), e);
    }
  }

  private void count(Outcome o) {
    counts.merge(o, 1L, Long::sum);
  }

  private void fail(Outcome o, String id, RuntimeException e) {
    count(o);
    if (failures.size() < 20) {
      failures.add(Text.id(id, false) + ": " + reason(e));
    }
  }

  /** Whether the store failed (connection, server) rather than this one session. */
  static boolean isTargetFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DataAccessResourceFailureException
          || t instanceof TransientDataAccessException
          || t instanceof RedisConnectionFailureException
          || t instanceof CannotCreateTransactionException
          || t instanceof java.net.ConnectException
          || t instanceof java.sql.SQLTransientException
          || t instanceof java.sql.SQLNonTransientConnectionException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Why, in one line, without what a parser quotes of the input (which could be a value): the
   * message up to any "[Source:" or line break, at most 300 characters.
   */
  static String reason(Throwable e) {
    Throwable t = e;
    while (t.getMessage() == null && t.getCause() != null) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    int cut = m.indexOf("[Source:");
    if (cut >= 0) {
      m = m.substring(0, cut);
    }
    cut = m.indexOf('\n');
    if (cut >= 0) {
      m = m.substring(0, cut);
    }
    m = m.strip();
    return m.length() > 300 ? m.substring(0, 300) + "…" : m;
  }

  private void printSummary(MigrationTarget target, SaveFileInspector inspector, boolean cut) {
    PrintWriter out = out();
    long skipped = counts.get(Outcome.ALREADY_IN_TARGET) + counts.get(Outcome.EXPIRED);
    long failed = counts.get(Outcome.UNCONVERTIBLE) + counts.get(Outcome.TARGET_REFUSED);
    out.println(
        (dryRun ? "Dry run, nothing written: " : cut ? "Stopped part-way: " : "Migrated ")
            + inspector.saveFile().getFileName()
            + " into "
            + target.description());
    out.println(
        "  " + (dryRun ? "would move " : "moved    ") + Text.count(counts.get(Outcome.MOVED)));
    out.println(
        "  skipped  "
            + Text.count(skipped)
            + " (already in the target: "
            + Text.count(counts.get(Outcome.ALREADY_IN_TARGET))
            + ", expired: "
            + Text.count(counts.get(Outcome.EXPIRED))
            + ")");
    out.println(
        "  failed   "
            + Text.count(failed)
            + " (cannot be converted: "
            + Text.count(counts.get(Outcome.UNCONVERTIBLE))
            + ", refused by the target: "
            + Text.count(counts.get(Outcome.TARGET_REFUSED))
            + ")");
    for (String f : failures) {
      out.println("    " + f);
    }
    if (failed > failures.size()) {
      out.println("    … and " + Text.count(failed - failures.size()) + " more");
    }
    if (notIndexed > 0) {
      out.println(
          "  "
              + Text.plural(notIndexed, "session")
              + " with a Spring Security context but no principal name recorded in the file"
              + " (not written by memfilestore's Spring repository) moved without a principal"
              + " index entry");
    }
    out.println(
        "The save file is unchanged"
            + (dryRun || cut
                ? "."
                : ": keep it until the application runs on the target, then remove it."));
    out.flush();
  }

  /** A session as the target will store it. */
  record Converted(
      Duration maxInactive,
      Instant lastAccessed,
      Map<String, JdkStream> attributes,
      String principal,
      boolean notIndexed) {}

  /** Turns a stored session into what the target stores. */
  final class Converter {
    private final SaveFileInspector inspector;
    private final boolean json;
    private final SessionSerializer jsonSerializer;

    Converter(SaveFileInspector inspector, boolean json) {
      this.inspector = inspector;
      this.json = json;
      this.jsonSerializer =
          json ? SessionSerializer.named("json", allowedTypes.toArray(String[]::new)) : null;
    }

    Converted convert(SaveFileInspector.Session s) {
      Map<String, JdkStream> attributes = new LinkedHashMap<>();
      String principal = s.principal();
      Duration maxInactive;
      Instant accessed;
      if (json) {
        SessionData data;
        try {
          data = jsonSerializer.deserialize(s.data().getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
          throw new IllegalArgumentException(unreadable(e), e);
        }
        for (String name : data.getAttributeNames()) {
          Object value = data.getAttribute(name);
          if (value != null && !SaveFileInspector.RESOLVED_PRINCIPAL_ATTRIBUTE.equals(name)) {
            attributes.put(name, new JdkStream(jdk(name, value)));
          }
        }
        if (principal == null) {
          MapSession view = new MapSession(s.id());
          for (String name : data.getAttributeNames()) {
            view.setAttribute(name, data.getAttribute(name));
          }
          principal = new PrincipalNameIndexResolver<Session>().resolveIndexValueFor(view);
        }
        maxInactive = data.getMaxInactiveInterval();
        accessed = data.getLastAccessedTime();
      } else {
        for (Map.Entry<String, byte[]> a : inspector.javaAttributeStreams(s).entrySet()) {
          if (!isNull(a.getValue())
              && !SaveFileInspector.RESOLVED_PRINCIPAL_ATTRIBUTE.equals(a.getKey())) {
            attributes.put(a.getKey(), new JdkStream(a.getValue()));
          }
        }
        maxInactive = s.maxInactive();
        accessed = s.accessed();
      }
      Duration timeout = maxInactive == null || maxInactive.isZero() ? defaultTimeout : maxInactive;
      // the file's expiry is the truth: the copy expires when the session would have here
      Instant lastAccessed =
          s.expires() == null || timeout.isNegative()
              ? accessed
              : s.expires().minus(timeout).truncatedTo(ChronoUnit.MILLIS);
      boolean context = attributes.containsKey(SECURITY_CONTEXT);
      if (principal != null
          && !context
          && !attributes.containsKey(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME)) {
        // memfilestore resolved the name some other way: name it where Spring Session looks
        attributes.put(
            FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME,
            new JdkStream(jdk("principal", principal)));
      }
      return new Converted(
          timeout, lastAccessed, attributes, principal, principal == null && context);
    }
  }

  private static final Pattern TYPE_ID = Pattern.compile("type id '([^']+)'");

  /** Why a json session cannot be read, and what to give the command so that it can. */
  private String unreadable(RuntimeException e) {
    String m = reason(e);
    Matcher type = TYPE_ID.matcher(m);
    if (!type.find()) {
      return m;
    }
    if (m.contains("denied")) {
      return "it holds a "
          + type.group(1)
          + ", which --allowed-types does not allow: give the application's"
          + " memfilestore.allowed-types";
    }
    return "it holds a "
        + type.group(1)
        + ", a class "
        + (classpath == null
            ? "only the application has: give its classes with --classpath"
            : "not found in --classpath");
  }

  /** A JDK null stream: Spring Session has no null attributes (setting null removes one). */
  private static boolean isNull(byte[] stream) {
    return stream.length == 5 && stream[4] == 0x70;
  }

  /** What Spring Session's JDK serialization writes for a value. */
  static byte[] jdk(String name, Object value) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    } catch (NotSerializableException e) {
      throw new IllegalArgumentException(
          "attribute '"
              + name
              + "' holds a "
              + e.getMessage()
              + ", which is not java.io.Serializable: Spring Session's JDK serialization cannot"
              + " store it",
          e);
    } catch (IOException e) {
      throw new UncheckedIOException("attribute '" + name + "': " + e.getMessage(), e);
    }
    return bytes.toByteArray();
  }
}
