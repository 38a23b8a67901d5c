package dev.memfilestore.spring.boot;

import dev.memfilestore.SaveFileInspector;
import dev.memfilestore.SessionData;
import dev.memfilestore.SessionSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;
import javax.crypto.SecretKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.BeanWrapperImpl;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.session.Session;
import org.springframework.session.SessionIdGenerator;
import org.springframework.session.SessionRepository;

/**
 * Copies the live sessions of a save file into another Spring Session repository through its own
 * public API (so its serializer, key layout and principal index are used), then renames the save
 * file and its journals aside. Sessions already in the target are left as they are, so a copy cut
 * short (a crash, a kill) is simply run again.
 */
final class SessionMigration {
  private static final Logger log = LoggerFactory.getLogger(SessionMigration.class);
  static final String SECURITY_CONTEXT_ATTRIBUTE = "SPRING_SECURITY_CONTEXT";

  /** Why a session was not moved; the tag values of the {@code memfilestore.migration} counter. */
  enum Reason {
    MOVED("moved", "none"),
    ALREADY_IN_TARGET("skipped", "already-in-target"),
    EXPIRED("skipped", "expired"),
    UNREADABLE("failed", "unreadable"),
    TARGET_REFUSED("failed", "target-refused");

    final String outcome;
    final String tag;

    Reason(String outcome, String tag) {
      this.outcome = outcome;
      this.tag = tag;
    }
  }

  /** The target could not be reached or failed while writing: nothing was renamed. */
  static final class TargetUnavailableException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    TargetUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Counts per reason, live (the Micrometer counters read them). */
  final Map<Reason, AtomicLong> counts = new LinkedHashMap<>();

  /** Why each failed session failed: abbreviated id and message. */
  final List<String> failures = new ArrayList<>();

  private final Path saveFile;
  private final SecretKey key;
  private final List<String> allowedTypes;
  private final Duration defaultTimeout;
  private final Clock clock;

  SessionMigration(
      Path saveFile,
      SecretKey key,
      List<String> allowedTypes,
      Duration defaultTimeout,
      Clock clock) {
    this.saveFile = saveFile.toAbsolutePath();
    this.key = key;
    this.allowedTypes = List.copyOf(allowedTypes);
    this.defaultTimeout = defaultTimeout;
    this.clock = clock;
    for (Reason r : Reason.values()) {
      counts.put(r, new AtomicLong());
    }
  }

  long count(Reason reason) {
    return counts.get(reason).get();
  }

  /**
   * Runs the copy.
   *
   * @param target the repository to fill
   * @param ids the id generator to leave on the target afterwards
   * @return where the save file was moved, or null if there was no save file
   * @throws TargetUnavailableException if the target cannot be reached; the files are untouched
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  Path run(SessionRepository<? extends Session> target, Supplier<SessionIdGenerator> ids)
      throws IOException {
    SaveFileInspector files;
    try {
      files = SaveFileInspector.open(saveFile, key);
    } catch (NoSuchFileException e) {
      log.info(
          "memfilestore migration: no save file at {} (nothing to move, or moved already)",
          saveFile);
      return null;
    }
    SessionRepository<Session> repository = (SessionRepository) target;
    probe(repository);
    SessionSerializer serializer = serializer(files.header().serializer());
    boolean json = "json".equals(files.header().encoding());
    PendingId pending = new PendingId(ids.get());
    BeanWrapperImpl targetBean = new BeanWrapperImpl(repository);
    if (!targetBean.isWritableProperty("sessionIdGenerator")) {
      throw new IllegalStateException(
          repository.getClass().getName()
              + " cannot be given a session id (it has no setSessionIdGenerator): memfilestore"
              + " can move sessions into Spring Session's Redis and JDBC repositories");
    }
    targetBean.setPropertyValue("sessionIdGenerator", pending);
    Instant now = clock.instant();
    try {
      files.forEachSession(s -> copy(s, serializer, json, now, repository, pending));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    } finally {
      targetBean.setPropertyValue("sessionIdGenerator", ids.get());
    }
    return renameAside(files);
  }

  private void copy(
      SaveFileInspector.Session stored,
      SessionSerializer serializer,
      boolean json,
      Instant now,
      SessionRepository<Session> target,
      PendingId pending) {
    String shortId = abbreviate(stored.id());
    if (stored.isExpired(now)) {
      counts.get(Reason.EXPIRED).incrementAndGet();
      return;
    }
    SessionData data;
    try {
      byte[] bytes =
          json
              ? stored.data().getBytes(StandardCharsets.UTF_8)
              : Base64.getDecoder().decode(stored.data());
      data = serializer.deserialize(bytes);
    } catch (RuntimeException e) {
      fail(Reason.UNREADABLE, shortId, e);
      return;
    }
    try {
      if (target.findById(stored.id()) != null) {
        counts.get(Reason.ALREADY_IN_TARGET).incrementAndGet();
        return;
      }
      Session copy;
      pending.next = stored.id();
      try {
        copy = target.createSession();
      } finally {
        pending.next = null;
      }
      if (!stored.id().equals(copy.getId())) {
        throw new IllegalStateException("the target did not take the session's id");
      }
      Duration timeout = data.getMaxInactiveInterval();
      if (timeout == null || timeout.isZero()) {
        timeout = defaultTimeout;
      }
      copy.setMaxInactiveInterval(timeout);
      // the file's expiry is the truth: the copy expires when the session would have here
      copy.setLastAccessedTime(
          stored.expires() == null
              ? data.getLastAccessedTime()
              : stored.expires().minus(timeout).truncatedTo(ChronoUnit.MILLIS));
      String principal = stored.principal();
      for (String name : data.getAttributeNames()) {
        if (!SaveFileInspector.RESOLVED_PRINCIPAL_ATTRIBUTE.equals(name)) {
          copy.setAttribute(name, data.getAttribute(name));
        }
      }
      if (principal != null
          && copy.getAttribute(SECURITY_CONTEXT_ATTRIBUTE) == null
          && copy.getAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME)
              == null) {
        // memfilestore resolved a principal some other way; name it so the target indexes it
        copy.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, principal);
      }
      target.save(copy);
      counts.get(Reason.MOVED).incrementAndGet();
    } catch (RuntimeException e) {
      if (isTargetFailure(e)) {
        throw new TargetUnavailableException(
            "memfilestore migration stopped: the target store failed while writing ("
                + e.getMessage()
                + "); the save file is left as it was, and sessions already copied are kept"
                + " there: start again when it is back",
            e);
      }
      fail(Reason.TARGET_REFUSED, shortId, e);
    }
  }

  private void fail(Reason reason, String shortId, RuntimeException e) {
    counts.get(reason).incrementAndGet();
    String why = shortId + ": " + e.getClass().getSimpleName() + ": " + e.getMessage();
    synchronized (failures) {
      failures.add(why);
    }
    log.warn("memfilestore migration: session {} not moved ({}): {}", shortId, reason.tag, why);
  }

  private static void probe(SessionRepository<Session> target) {
    try {
      target.findById("memfilestore-migration-probe");
    } catch (RuntimeException e) {
      throw new TargetUnavailableException(
          "memfilestore migration: the target session store ("
              + target.getClass().getSimpleName()
              + ") cannot be reached: "
              + e.getMessage()
              + ". The save file is left as it was. Check the target's connection settings, or set"
              + " memfilestore.migration.if-target-down=start to start without it",
          e);
    }
  }

  /** Whether the failure is the target's store (connection, server) rather than the session's. */
  static boolean isTargetFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      for (Class<?> c = t.getClass(); c != null; c = c.getSuperclass()) {
        String name = c.getName();
        if (name.equals("org.springframework.dao.DataAccessResourceFailureException")
            || name.equals("org.springframework.dao.TransientDataAccessException")
            || name.equals("org.springframework.data.redis.RedisConnectionFailureException")
            || name.equals("java.net.ConnectException")
            || name.equals("java.sql.SQLTransientException")
            || name.equals("java.sql.SQLNonTransientConnectionException")) {
          return true;
        }
      }
    }
    return false;
  }

  private SessionSerializer serializer(String name) {
    if (name == null) {
      throw new IllegalStateException(
          saveFile + " names no serializer in its header: run `memfilestore verify` on it");
    }
    List<String> allowed = new ArrayList<>(allowedTypes);
    if ("java".equals(name)) {
      allowed.add("org.springframework.security.**");
    }
    return SessionSerializer.named(name, allowed.toArray(String[]::new));
  }

  /** Renames the save file and its journals to {@code <name>.migrated-<time>[.journal.<n>]}. */
  private Path renameAside(SaveFileInspector files) throws IOException {
    String stamp =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(java.time.ZoneOffset.UTC)
            .format(clock.instant());
    String name = saveFile.getFileName().toString();
    Path kept = saveFile.resolveSibling(name + ".migrated-" + stamp);
    for (int n = 2; Files.exists(kept); n++) {
      kept = saveFile.resolveSibling(name + ".migrated-" + stamp + "-" + n);
    }
    List<Path> journals;
    try (Stream<Path> siblings = Files.list(saveFile.getParent())) {
      journals =
          siblings.filter(p -> p.getFileName().toString().startsWith(name + ".journal.")).toList();
    }
    // journals first: a crash in between leaves the save file, and the copy runs again
    for (Path j : journals) {
      String suffix = j.getFileName().toString().substring(name.length());
      Files.move(j, kept.resolveSibling(kept.getFileName() + suffix));
    }
    if (Files.exists(saveFile)) {
      Files.move(saveFile, kept);
    }
    return kept;
  }

  static String abbreviate(String id) {
    return id.length() <= 6 ? id : id.substring(0, 6) + "…";
  }

  /** Hands the target the id of the session being copied, else the application's own ids. */
  private static final class PendingId implements SessionIdGenerator {
    private final SessionIdGenerator fallback;
    volatile String next;

    PendingId(SessionIdGenerator fallback) {
      this.fallback = fallback;
    }

    @Override
    public String generate() {
      String id = next;
      return id != null ? id : fallback.generate();
    }
  }
}
