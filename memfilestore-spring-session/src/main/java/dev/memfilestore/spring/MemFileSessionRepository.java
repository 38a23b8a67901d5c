package dev.memfilestore.spring;

import dev.memfilestore.DisposeCause;
import dev.memfilestore.Durability;
import dev.memfilestore.MemFileStore;
import dev.memfilestore.SaveFileInspector;
import dev.memfilestore.SessionData;
import dev.memfilestore.SessionSerializer;
import dev.memfilestore.StoreStats;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import javax.crypto.SecretKey;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationEventPublisherAware;
import org.springframework.session.DelegatingIndexResolver;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.session.FlushMode;
import org.springframework.session.IndexResolver;
import org.springframework.session.MapSession;
import org.springframework.session.PrincipalNameIndexResolver;
import org.springframework.session.SaveMode;
import org.springframework.session.Session;
import org.springframework.session.SessionIdGenerator;
import org.springframework.session.UuidSessionIdGenerator;
import org.springframework.session.events.SessionCreatedEvent;
import org.springframework.session.events.SessionDeletedEvent;
import org.springframework.session.events.SessionExpiredEvent;

/**
 * A Spring Session repository whose sessions live in a {@link MemFileStore}: bounded, expiring, and
 * (with a save file) persisted with a journal, so users stay logged in across restarts and crashes.
 *
 * <p>Configure it with the setters, then let Spring call {@link #afterPropertiesSet()} (or call it
 * yourself) to open the store; {@link #destroy()} closes it, which writes a final snapshot. With
 * the Spring Boot starter none of this is needed: it builds the repository from {@code
 * memfilestore.*} properties.
 *
 * <p>Like Spring's JDBC and Redis repositories it supports {@link FlushMode} and {@link SaveMode}:
 * with the default {@link SaveMode#ON_SET_ATTRIBUTE}, saving a session writes only the attributes
 * this request set or removed on top of what is stored now, so two concurrent requests of one user
 * do not undo each other's changes. It indexes sessions by principal name (Spring Security's
 * concurrent-session control and Boot's {@code /sessions} endpoint use that) and publishes {@link
 * SessionCreatedEvent}, {@link SessionDeletedEvent} and {@link SessionExpiredEvent}; expiry events
 * come from the store's periodic check, so they fire for sessions nobody reads again. A session
 * evicted by the {@code max} bound is reported as deleted.
 */
public class MemFileSessionRepository
    implements FindByIndexNameSessionRepository<MemFileSessionRepository.MemFileSession>,
        ApplicationEventPublisherAware,
        InitializingBean,
        DisposableBean {

  /**
   * The session attribute under which the resolved principal name is stored, as a plain string, so
   * the index can be rebuilt at start and tools can find a user's sessions without the
   * application's classes. It never shows among the session's own attributes.
   */
  static final String PRINCIPAL_ATTRIBUTE = SaveFileInspector.RESOLVED_PRINCIPAL_ATTRIBUTE;

  private static final int LOCK_STRIPES = 64;

  private final Object[] locks = new Object[LOCK_STRIPES];
  private final Map<String, Set<String>> idsByPrincipal = new ConcurrentHashMap<>();
  private final Map<String, String> principalById = new ConcurrentHashMap<>();
  // Ids being renamed by changeSessionId: their removal is not a deletion.
  private final Set<String> renaming = ConcurrentHashMap.newKeySet();

  private String saveFile;
  private Duration savePeriod;
  private Duration checkPeriod = Duration.ofMinutes(1);
  private long max;
  private Durability durability;
  private SessionSerializer serializer;
  private SecretKey encryptionKey;
  private Clock clock = Clock.systemUTC();
  private Consumer<MemFileStore.Builder> storeCustomizer = b -> {};
  private Duration defaultMaxInactiveInterval =
      Duration.ofSeconds(MapSession.DEFAULT_MAX_INACTIVE_INTERVAL_SECONDS);
  private FlushMode flushMode = FlushMode.ON_SAVE;
  private SaveMode saveMode = SaveMode.ON_SET_ATTRIBUTE;
  private IndexResolver<Session> indexResolver =
      new DelegatingIndexResolver<>(new PrincipalNameIndexResolver<>());
  private SessionIdGenerator sessionIdGenerator = UuidSessionIdGenerator.getInstance();
  private ApplicationEventPublisher eventPublisher = event -> {};

  private volatile MemFileStore store;

  /**
   * A repository with the defaults: in memory only, unbounded, expired sessions checked every
   * minute.
   */
  public MemFileSessionRepository() {
    for (int i = 0; i < LOCK_STRIPES; i++) {
      locks[i] = new Object();
    }
  }

  // ------------------------------------------------------------------ configuration

  /**
   * The file the sessions are saved to and loaded from at start (the journal and lock live beside
   * it). Unset: sessions live in memory only.
   *
   * @param saveFile a path; missing directories are created owner-only
   */
  public void setSaveFile(String saveFile) {
    beforeStart();
    this.saveFile = saveFile;
  }

  /**
   * How often a snapshot is written (with a journal, this bounds the journal's length).
   *
   * @param savePeriod the period, or null for snapshots only at close and when the journal rotates
   */
  public void setSavePeriod(Duration savePeriod) {
    beforeStart();
    this.savePeriod = savePeriod;
  }

  /**
   * How often expired sessions are removed (and {@link SessionExpiredEvent}s published). Default
   * one minute; null turns the check off (sessions still expire when read).
   *
   * @param checkPeriod the period, or null
   */
  public void setCheckPeriod(Duration checkPeriod) {
    beforeStart();
    this.checkPeriod = checkPeriod;
  }

  /**
   * The most sessions kept; beyond it the least valuable (W-TinyLFU) are evicted. 0 (default): no
   * bound.
   *
   * @param max the bound, or 0
   */
  public void setMax(long max) {
    beforeStart();
    if (max < 0) {
      throw new IllegalArgumentException("max must be 0 (no bound) or positive, was " + max);
    }
    this.max = max;
  }

  /**
   * How changes reach the disk; by default {@link Durability#JOURNAL} when there is a save file.
   *
   * @param durability the mode, or null for the store's default
   */
  public void setDurability(Durability durability) {
    beforeStart();
    this.durability = durability;
  }

  /**
   * How sessions are encoded; by default the store's JSON serializer with no application types.
   *
   * @param serializer the serializer, or null for the default
   */
  public void setSerializer(SessionSerializer serializer) {
    beforeStart();
    this.serializer = serializer;
  }

  /**
   * Encrypts the save file and journal with AES-GCM.
   *
   * @param encryptionKey an AES key, or null for plain files
   */
  public void setEncryptionKey(SecretKey encryptionKey) {
    beforeStart();
    this.encryptionKey = encryptionKey;
  }

  /**
   * The clock for session times and expiry (tests use a movable one).
   *
   * @param clock the clock
   */
  public void setClock(Clock clock) {
    beforeStart();
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Adjusts the store's builder after this repository has configured it, for options without a
   * setter here ({@code length}, {@code stale}, …). The repository's own dispose listener is set
   * afterwards and cannot be replaced: listen to Spring Session's events instead.
   *
   * @param storeCustomizer receives the builder before the store is built
   */
  public void setStoreCustomizer(Consumer<MemFileStore.Builder> storeCustomizer) {
    beforeStart();
    this.storeCustomizer = Objects.requireNonNull(storeCustomizer, "storeCustomizer");
  }

  /**
   * The inactivity timeout of new sessions; default 30 minutes. Negative: they never expire by time
   * (still bounded by {@code max}).
   *
   * @param interval the timeout
   */
  public void setDefaultMaxInactiveInterval(Duration interval) {
    this.defaultMaxInactiveInterval = Objects.requireNonNull(interval, "interval");
  }

  /**
   * When sessions are written: at the end of the request ({@link FlushMode#ON_SAVE}, default) or at
   * every change ({@link FlushMode#IMMEDIATE}).
   *
   * @param flushMode the mode
   */
  public void setFlushMode(FlushMode flushMode) {
    this.flushMode = Objects.requireNonNull(flushMode, "flushMode");
  }

  /**
   * Which attributes a save writes: those set ({@link SaveMode#ON_SET_ATTRIBUTE}, default), those
   * read too ({@link SaveMode#ON_GET_ATTRIBUTE}) or all ({@link SaveMode#ALWAYS}).
   *
   * @param saveMode the mode
   */
  public void setSaveMode(SaveMode saveMode) {
    this.saveMode = Objects.requireNonNull(saveMode, "saveMode");
  }

  /**
   * Resolves the principal name a session is indexed under; by default from the {@code
   * PRINCIPAL_NAME_INDEX_NAME} attribute or Spring Security's context.
   *
   * @param indexResolver the resolver
   */
  public void setIndexResolver(IndexResolver<Session> indexResolver) {
    this.indexResolver = Objects.requireNonNull(indexResolver, "indexResolver");
  }

  /**
   * Generates the ids of new sessions and of {@link Session#changeSessionId()}.
   *
   * @param sessionIdGenerator the generator
   */
  public void setSessionIdGenerator(SessionIdGenerator sessionIdGenerator) {
    this.sessionIdGenerator = Objects.requireNonNull(sessionIdGenerator, "sessionIdGenerator");
  }

  @Override
  public void setApplicationEventPublisher(ApplicationEventPublisher eventPublisher) {
    this.eventPublisher = Objects.requireNonNull(eventPublisher, "eventPublisher");
  }

  private void beforeStart() {
    if (store != null) {
      throw new IllegalStateException("the store is open: configure the repository before use");
    }
  }

  // ------------------------------------------------------------------ life cycle

  /**
   * Opens the store: loads the save file and its journal and indexes the sessions by principal.
   * Called by Spring; otherwise the first use opens it.
   *
   * @throws IllegalArgumentException if the save file cannot be used (the message says why)
   */
  @Override
  public void afterPropertiesSet() {
    store();
  }

  /** Closes the store, which writes a final snapshot. */
  @Override
  public void destroy() {
    MemFileStore s;
    synchronized (this) {
      s = store;
    }
    if (s != null) {
      s.close();
    }
  }

  /**
   * What the store holds and how its persistence is doing, for metrics and health checks.
   *
   * @return the store's statistics
   */
  public StoreStats stats() {
    return store().stats();
  }

  private MemFileStore store() {
    MemFileStore s = store;
    if (s == null) {
      synchronized (this) {
        s = store;
        if (s == null) {
          s = open();
          store = s;
        }
      }
    }
    return s;
  }

  private MemFileStore open() {
    MemFileStore.Builder b = MemFileStore.builder().clock(clock).noDisposeOnSet(true);
    if (saveFile != null) {
      b.saveFile(Path.of(saveFile));
    }
    if (savePeriod != null) {
      b.savePeriod(savePeriod);
    }
    if (checkPeriod != null) {
      b.checkPeriod(checkPeriod);
    }
    if (max > 0) {
      b.max(max);
    }
    if (durability != null) {
      b.durability(durability);
    }
    if (serializer != null) {
      b.serializer(serializer);
    }
    if (encryptionKey != null) {
      b.encryptionKey(encryptionKey);
    }
    storeCustomizer.accept(b);
    b.dispose(this::onDispose);
    MemFileStore opened = b.build();
    opened.all().forEach((id, data) -> index(id, (String) data.getAttribute(PRINCIPAL_ATTRIBUTE)));
    return opened;
  }

  // ------------------------------------------------------------------ SessionRepository

  @Override
  public MemFileSession createSession() {
    Instant now = clock.instant();
    MemFileSession session =
        new MemFileSession(
            sessionIdGenerator.generate(), now, now, defaultMaxInactiveInterval, new HashMap<>());
    session.isNew = true;
    if (flushMode == FlushMode.IMMEDIATE) {
      save(session);
    }
    return session;
  }

  @Override
  public void save(MemFileSession session) {
    MemFileStore s = store();
    String id = session.getId();
    String originalId = session.originalId;
    boolean created = session.isNew;
    synchronized (lock(originalId)) {
      SessionData data;
      if (created || saveMode == SaveMode.ALWAYS) {
        data = new SessionData(session.creationTime);
        session.attributes.forEach(data::setAttribute);
      } else {
        data = s.get(originalId).orElse(null);
        if (data == null) {
          // deleted or expired since this request read it: saving would bring it back
          session.markSaved();
          return;
        }
        session.delta.forEach(
            (name, value) -> {
              if (value == null) {
                data.removeAttribute(name);
              } else {
                data.setAttribute(name, value);
              }
            });
        data.setCreationTime(session.creationTime);
      }
      data.setLastAccessedTime(session.lastAccessedTime);
      data.setMaxInactiveInterval(session.maxInactiveInterval);
      String principal = indexResolver.resolveIndexesFor(session).get(PRINCIPAL_NAME_INDEX_NAME);
      if (principal == null) {
        data.removeAttribute(PRINCIPAL_ATTRIBUTE);
      } else {
        data.setAttribute(PRINCIPAL_ATTRIBUTE, principal);
      }
      s.set(id, data); // throws, changing nothing, if the session cannot be serialized
      if (!id.equals(originalId) && !created) {
        renaming.add(originalId);
        try {
          s.destroy(originalId);
        } finally {
          renaming.remove(originalId);
        }
        unindex(originalId);
      }
      index(id, principal);
      session.markSaved();
    }
    if (created) {
      publish(new SessionCreatedEvent(this, session));
    }
  }

  @Override
  public MemFileSession findById(String id) {
    if (id == null) {
      return null;
    }
    SessionData data = store().get(id).orElse(null);
    if (data == null) {
      return null;
    }
    MemFileSession session = toSession(id, data);
    if (session.isExpired()) {
      deleteById(id); // the store's clock and Spring's rounding can differ by a millisecond
      return null;
    }
    return session;
  }

  @Override
  public void deleteById(String id) {
    if (id != null) {
      store().destroy(id);
    }
  }

  @Override
  public Map<String, MemFileSession> findByIndexNameAndIndexValue(
      String indexName, String indexValue) {
    if (!PRINCIPAL_NAME_INDEX_NAME.equals(indexName) || indexValue == null) {
      return Collections.emptyMap();
    }
    Set<String> ids = idsByPrincipal.get(indexValue);
    if (ids == null) {
      return Collections.emptyMap();
    }
    Map<String, MemFileSession> found = new LinkedHashMap<>();
    for (String id : Set.copyOf(ids)) {
      MemFileSession session = findById(id);
      if (session != null) {
        found.put(id, session);
      }
    }
    return found;
  }

  // ------------------------------------------------------------------ internals

  private Object lock(String id) {
    return locks[(id.hashCode() & 0x7fffffff) % LOCK_STRIPES];
  }

  private void index(String id, String principal) {
    String previous =
        principal == null ? principalById.remove(id) : principalById.put(id, principal);
    if (previous != null && !previous.equals(principal)) {
      removeFromPrincipal(previous, id);
    }
    if (principal != null) {
      idsByPrincipal.computeIfAbsent(principal, p -> ConcurrentHashMap.newKeySet()).add(id);
    }
  }

  private void unindex(String id) {
    String previous = principalById.remove(id);
    if (previous != null) {
      removeFromPrincipal(previous, id);
    }
  }

  private void removeFromPrincipal(String principal, String id) {
    idsByPrincipal.computeIfPresent(
        principal,
        (p, ids) -> {
          ids.remove(id);
          return ids.isEmpty() ? null : ids;
        });
  }

  /**
   * The store reports every session that leaves it; Spring hears of those that were not renamed.
   */
  private void onDispose(String id, SessionData data, DisposeCause cause) {
    if (cause == DisposeCause.REPLACED || renaming.contains(id)) {
      return;
    }
    unindex(id);
    MemFileSession session = toSession(id, data);
    publish(
        cause == DisposeCause.EXPIRED
            ? new SessionExpiredEvent(this, session)
            : new SessionDeletedEvent(this, session));
  }

  private void publish(ApplicationEvent event) {
    eventPublisher.publishEvent(event);
  }

  private MemFileSession toSession(String id, SessionData data) {
    Map<String, Object> attributes = new HashMap<>();
    for (String name : data.getAttributeNames()) {
      if (!PRINCIPAL_ATTRIBUTE.equals(name)) {
        attributes.put(name, data.getAttribute(name));
      }
    }
    Duration maxInactive = data.getMaxInactiveInterval();
    return new MemFileSession(
        id,
        data.getCreationTime(),
        data.getLastAccessedTime(),
        maxInactive == null ? defaultMaxInactiveInterval : maxInactive,
        attributes);
  }

  /**
   * A session of this repository: a detached copy, changed in the store when it is saved (or at
   * once, with {@link FlushMode#IMMEDIATE}).
   */
  public final class MemFileSession implements Session {
    private String id;
    private String originalId;
    private Instant creationTime;
    private Instant lastAccessedTime;
    private Duration maxInactiveInterval;
    private final Map<String, Object> attributes;
    // attributes to write on save (null value: removed), under SaveMode.ON_SET/GET_ATTRIBUTE
    private final Map<String, Object> delta = new HashMap<>();
    private boolean isNew;

    MemFileSession(
        String id,
        Instant creationTime,
        Instant lastAccessedTime,
        Duration maxInactiveInterval,
        Map<String, Object> attributes) {
      this.id = id;
      this.originalId = id;
      this.creationTime = creationTime;
      this.lastAccessedTime = lastAccessedTime;
      this.maxInactiveInterval = maxInactiveInterval;
      this.attributes = attributes;
    }

    @Override
    public String getId() {
      return id;
    }

    @Override
    public String changeSessionId() {
      id = sessionIdGenerator.generate();
      return id;
    }

    @Override
    @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"})
    public <T> T getAttribute(String name) {
      Object value = attributes.get(name);
      if (value != null && saveMode == SaveMode.ON_GET_ATTRIBUTE) {
        delta.put(name, value); // it may be changed in place: write it back
      }
      return (T) value;
    }

    @Override
    public Set<String> getAttributeNames() {
      return Collections.unmodifiableSet(new HashSet<>(attributes.keySet()));
    }

    @Override
    public void setAttribute(String name, Object value) {
      if (value == null) {
        removeAttribute(name);
        return;
      }
      attributes.put(name, value);
      delta.put(name, value);
      flushIfImmediate();
    }

    @Override
    public void removeAttribute(String name) {
      attributes.remove(name);
      delta.put(name, null);
      flushIfImmediate();
    }

    @Override
    public Instant getCreationTime() {
      return creationTime;
    }

    @Override
    public void setLastAccessedTime(Instant lastAccessedTime) {
      this.lastAccessedTime = Objects.requireNonNull(lastAccessedTime, "lastAccessedTime");
      flushIfImmediate();
    }

    @Override
    public Instant getLastAccessedTime() {
      return lastAccessedTime;
    }

    @Override
    public void setMaxInactiveInterval(Duration interval) {
      this.maxInactiveInterval = Objects.requireNonNull(interval, "interval");
      flushIfImmediate();
    }

    @Override
    public Duration getMaxInactiveInterval() {
      return maxInactiveInterval;
    }

    @Override
    public boolean isExpired() {
      if (maxInactiveInterval.isNegative()) {
        return false;
      }
      return !clock.instant().minus(maxInactiveInterval).isBefore(lastAccessedTime);
    }

    private void flushIfImmediate() {
      if (flushMode == FlushMode.IMMEDIATE) {
        save(this);
      }
    }

    private void markSaved() {
      isNew = false;
      originalId = id;
      delta.clear();
    }
  }
}
