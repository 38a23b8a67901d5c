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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
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
 * <h2>Saving: a request's changes, applied to what is stored now</h2>
 *
 * Sessions returned by {@link #findById} are detached copies that record what their request
 * changes. {@link #save} applies those changes, in one atomic step ({@link MemFileStore#update}),
 * to the session as it is stored at that moment, so concurrent requests of one user do not undo
 * each other's work, like Spring's JDBC and Redis repositories:
 *
 * <ul>
 *   <li>Only the attributes the request set or removed are written ({@link
 *       SaveMode#ON_SET_ATTRIBUTE}, the default); with {@link SaveMode#ON_GET_ATTRIBUTE} also those
 *       it read, with {@link SaveMode#ALWAYS} every attribute it holds. Attributes another request
 *       stored meanwhile stay.
 *   <li>The last-accessed time and the timeout are written only when the request set them, and the
 *       last-accessed time never goes backwards; the creation time is written once.
 *   <li>A session deleted meanwhile (a logout in another tab) or expired stays gone: the save
 *       writes nothing and throws nothing, as with Spring's JDBC repository. (Spring's {@code
 *       RedisSessionRepository} throws instead; that would turn every request that races a logout,
 *       and with {@link FlushMode#IMMEDIATE} every {@code setAttribute}, into an error.) The same
 *       holds after {@link Session#changeSessionId()}: the session is not re-created under its new
 *       id.
 *   <li>A save that changed nothing writes nothing ({@code SessionRepositoryFilter} saves twice per
 *       request, when the response is committed and when the request ends); any other save writes
 *       the session once (after a change of id: removes the old id, then writes the new one).
 * </ul>
 *
 * <h2>Expiry, events and the principal index</h2>
 *
 * A session expires when its timeout has passed since its last access, as in Spring's other stores;
 * the store then removes it, on the periodic check or when it is read, and a {@link
 * SessionExpiredEvent} is published, so expiry events fire for sessions nobody reads again.
 * Deleting a session publishes {@link SessionDeletedEvent}, and so does eviction by the {@code max}
 * bound; the first save of a new session publishes {@link SessionCreatedEvent}. Sessions are
 * indexed by principal name (Spring Security's concurrent-session control and Boot's {@code
 * /sessions} endpoint use it), resolved from the session as stored after the save, not from the
 * request's copy.
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

  /** Where Spring Security keeps its context, which Spring Session's resolver reads. */
  private static final String SPRING_SECURITY_CONTEXT = "SPRING_SECURITY_CONTEXT";

  private final PrincipalIndex index = new PrincipalIndex();
  // Orders the index writes of one session as the store orders its writes: see PrincipalIndex.
  private final AtomicLong indexVersions = new AtomicLong();
  // A removal this thread makes for changeSessionId: the store reports it here, not as a deletion.
  private final ThreadLocal<OwnRemoval> ownRemoval = new ThreadLocal<>();

  private String saveFile;
  private Duration savePeriod;
  private Duration checkPeriod = Duration.ofMinutes(1);
  private long max;
  private long loadBudget;
  private Durability durability;
  private SessionSerializer serializer;
  private SecretKey encryptionKey;
  private boolean encryptExistingPlainFiles;
  private Clock clock = Clock.systemUTC();
  private Consumer<MemFileStore.Builder> storeCustomizer = b -> {};
  private Duration defaultMaxInactiveInterval =
      Duration.ofSeconds(MapSession.DEFAULT_MAX_INACTIVE_INTERVAL_SECONDS);
  private FlushMode flushMode = FlushMode.ON_SAVE;
  private SaveMode saveMode = SaveMode.ON_SET_ATTRIBUTE;
  private IndexResolver<Session> indexResolver =
      new DelegatingIndexResolver<>(new PrincipalNameIndexResolver<>());
  // Spring Session's own resolver reads only these two attributes, so a save that changed neither
  // keeps the principal stored (and does not decode the security context to find it again).
  private boolean defaultIndexResolver = true;
  private SessionIdGenerator sessionIdGenerator = UuidSessionIdGenerator.getInstance();
  private ApplicationEventPublisher eventPublisher = event -> {};

  private volatile MemFileStore store;

  /**
   * A repository with the defaults: in memory only, unbounded, expired sessions checked every
   * minute.
   */
  public MemFileSessionRepository() {}

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
   * The heap the sessions loaded from the save file at start may take (the store's {@link
   * MemFileStore.Builder#loadBudget(long) loadBudget}); a file whose sessions would take more stops
   * {@link #afterPropertiesSet()} with an {@link IllegalStateException} that says so, and the files
   * are left as they were. 0 (default): the store's default, three quarters of the JVM's maximum
   * heap ({@code -Xmx}).
   *
   * @param bytes the budget in bytes, or 0 for the default
   */
  public void setLoadBudget(long bytes) {
    beforeStart();
    if (bytes < 0) {
      throw new IllegalArgumentException(
          "loadBudget must be 0 (the default: three quarters of -Xmx) or positive, was " + bytes);
    }
    this.loadBudget = bytes;
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
   * Lets a configured encryption key load plain (unencrypted) save files and journals once and
   * encrypt them: for the one start that moves an existing plain store to encryption (see the
   * core's {@code MemFileStore.Builder.encryptExistingPlainFiles}). Without it, a store with a key
   * refuses a plain file at start-up. Default: false.
   *
   * @param encrypt true to load plain files once and encrypt them
   */
  public void setEncryptExistingPlainFiles(boolean encrypt) {
    beforeStart();
    this.encryptExistingPlainFiles = encrypt;
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
   * afterwards and cannot be replaced: listen to Spring Session's events instead. The repository
   * sets a {@code ttl} function that expires a session when its timeout has passed since its last
   * access; replacing it changes when sessions leave the store (never later than that for Spring:
   * {@link #findById} finds no session past that time).
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
    this.defaultIndexResolver = false;
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
    if (loadBudget > 0) {
      b.loadBudget(loadBudget);
    }
    if (durability != null) {
      b.durability(durability);
    }
    if (serializer != null) {
      b.serializer(serializer);
    }
    if (encryptionKey != null) {
      b.encryptionKey(encryptionKey).encryptExistingPlainFiles(encryptExistingPlainFiles);
    }
    b.ttl(this::timeToLive);
    storeCustomizer.accept(b);
    b.dispose(this::onDispose);
    MemFileStore opened = b.build();
    opened.all().forEach((id, data) -> index.put(id, principalOf(data), 0));
    return opened;
  }

  // ------------------------------------------------------------------ SessionRepository

  @Override
  public MemFileSession createSession() {
    Instant now = clock.instant();
    SessionData data = new SessionData(now);
    data.setMaxInactiveInterval(defaultMaxInactiveInterval);
    MemFileSession session = new MemFileSession(sessionIdGenerator.generate(), data);
    session.isNew = true;
    if (flushMode == FlushMode.IMMEDIATE) {
      save(session);
    }
    return session;
  }

  /**
   * Stores what the session's request changed; see the class comment for the rules.
   *
   * @param session a session of this repository
   * @throws dev.memfilestore.SessionSerializationException if an attribute cannot be serialized;
   *     the stored session is then unchanged
   * @throws IllegalStateException if a new session's id is taken already (the {@link
   *     SessionIdGenerator} gave an id twice)
   */
  @Override
  public void save(MemFileSession session) {
    if (session.isNew) {
      create(session);
    } else if (!session.id.equals(session.originalId)) {
      move(session);
    } else if (session.changed()) {
      update(session);
    }
    session.markSaved();
  }

  /**
   * Returns a copy of a stored session that records its request's changes, or null if there is none
   * or it has expired (then the store removes it, if it has not yet, and publishes {@link
   * SessionExpiredEvent}).
   *
   * @param id the session id
   * @return the session, or null
   */
  @Override
  public MemFileSession findById(String id) {
    if (id == null) {
      return null;
    }
    SessionData data = store().get(id).orElse(null);
    if (data == null) {
      return null;
    }
    MemFileSession session = new MemFileSession(id, data);
    if (session.isExpired()) {
      // Past its last access plus timeout by Spring's rounding but not yet by the store's
      // (milliseconds): the store removes it within a millisecond and reports it as expired.
      return null;
    }
    if (saveMode == SaveMode.ALWAYS) {
      session.changedAttributes().addAll(session.getAttributeNames());
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
    Map<String, MemFileSession> found = new LinkedHashMap<>();
    for (String id : index.ids(indexValue)) {
      MemFileSession session = findById(id);
      // the index may name a session whose principal changed a moment ago: check what is stored
      if (session != null && indexValue.equals(principalOf(session.data))) {
        found.put(id, session);
      }
    }
    return found;
  }

  // ------------------------------------------------------------------ saving

  /** Stores a new session, unless its id is taken. */
  private void create(MemFileSession session) {
    SessionData data = session.data;
    String principal = resolvePrincipal(session.id, data);
    setPrincipal(data, principal); // hidden from the session's own attributes
    long version = indexVersions.incrementAndGet();
    if (!store().setIfAbsent(session.id, data)) {
      throw new IllegalStateException(
          "a live session has the id the SessionIdGenerator just gave a new session: the"
              + " generator must give unique ids");
    }
    indexStored(session.id, principal, version);
    publish(new SessionCreatedEvent(this, session));
  }

  /**
   * Applies a request's changes to the stored session in one atomic step; nothing if it is gone.
   */
  private void update(MemFileSession session) {
    long[] version = new long[1];
    Optional<SessionData> stored =
        store()
            .update(
                session.id,
                current -> {
                  version[0] = indexVersions.incrementAndGet();
                  return applyChanges(session, current);
                });
    if (stored.isPresent() && !session.changedAttributes().isEmpty()) {
      indexStored(session.id, principalOf(stored.get()), version[0]);
    }
  }

  /**
   * Moves a session to the id {@link Session#changeSessionId()} gave it, with the request's
   * changes. The old id is removed first, in one step that hands back what was stored there last;
   * the new id is created from that. A session deleted or expired meanwhile is not re-created.
   */
  private void move(MemFileSession session) {
    MemFileStore s = store();
    String oldId = session.originalId;
    SessionData last = removeOwn(oldId);
    if (last == null) {
      return; // deleted meanwhile (the store reported it then) or never stored
    }
    if (isExpired(last)) {
      index.remove(oldId);
      publish(new SessionExpiredEvent(this, new MemFileSession(oldId, last)));
      return;
    }
    SessionData moved = applyChanges(session, new SessionData(last));
    long version = indexVersions.incrementAndGet();
    boolean stored;
    try {
      stored = s.setIfAbsent(session.id, moved);
    } catch (RuntimeException e) {
      s.setIfAbsent(oldId, last); // the session stays under its old id, as it was
      throw e;
    }
    if (!stored) {
      s.setIfAbsent(oldId, last);
      throw new IllegalStateException(
          "a live session has the id the SessionIdGenerator just gave a changed session id: the"
              + " generator must give unique ids");
    }
    index.remove(oldId);
    indexStored(session.id, principalOf(moved), version);
  }

  /**
   * The stored session with the request's changes applied. Called inside the store's atomic update,
   * possibly more than once: it changes nothing but {@code stored}.
   */
  private SessionData applyChanges(MemFileSession session, SessionData stored) {
    Set<String> changed = session.changedAttributes();
    for (String name : changed) {
      stored.setAttribute(name, session.data.getAttribute(name)); // null: removed
    }
    if (session.lastAccessedTimeSet
        && session.data.getLastAccessedTime().isAfter(stored.getLastAccessedTime())) {
      stored.setLastAccessedTime(session.data.getLastAccessedTime());
    }
    if (session.maxInactiveIntervalSet) {
      stored.setMaxInactiveInterval(session.data.getMaxInactiveInterval());
    }
    if (!changed.isEmpty() && (!defaultIndexResolver || changesPrincipal(changed))) {
      setPrincipal(stored, resolvePrincipal(session.id, stored));
    }
    return stored;
  }

  /** Whether changing these attributes can change what Spring Session's own resolver finds. */
  private static boolean changesPrincipal(Set<String> changed) {
    return changed.contains(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME)
        || changed.contains(SPRING_SECURITY_CONTEXT);
  }

  /** Resolves the principal name of a session as it will be stored. */
  private String resolvePrincipal(String id, SessionData data) {
    return indexResolver
        .resolveIndexesFor(new MemFileSession(id, data))
        .get(PRINCIPAL_NAME_INDEX_NAME);
  }

  private static void setPrincipal(SessionData data, String principal) {
    data.setAttribute(PRINCIPAL_ATTRIBUTE, principal); // null removes it
  }

  private static String principalOf(SessionData data) {
    return (String) data.getAttribute(PRINCIPAL_ATTRIBUTE);
  }

  /**
   * Indexes a session as it was stored by the write that took {@code version}. A session removed
   * meanwhile leaves the index again: the removal may have unindexed it just before this.
   */
  private void indexStored(String id, String principal, long version) {
    index.put(id, principal, version);
    if (principal != null && store().expiresAt(id).isEmpty()) {
      index.remove(id);
    }
  }

  /** Removes a session without reporting it to Spring; returns what was stored, or null. */
  private SessionData removeOwn(String id) {
    OwnRemoval removal = new OwnRemoval(id);
    ownRemoval.set(removal);
    try {
      store().destroy(id);
    } finally {
      ownRemoval.remove();
    }
    return removal.removed;
  }

  /** What {@link #removeOwn} removed, handed over by the store's dispose listener. */
  private static final class OwnRemoval {
    final String id;
    SessionData removed;

    OwnRemoval(String id) {
      this.id = id;
    }
  }

  // ------------------------------------------------------------------ expiry and events

  /** The store's time to live: until the timeout has passed since the last access. */
  private Duration timeToLive(SessionData data, String id) {
    Duration timeout = data.getMaxInactiveInterval();
    if (timeout == null) {
      timeout = defaultMaxInactiveInterval;
    }
    if (timeout.isNegative()) {
      return timeout; // never expires by time
    }
    long deadline;
    try {
      deadline = data.getLastAccessedTime().plus(timeout).toEpochMilli();
    } catch (ArithmeticException | java.time.DateTimeException e) {
      return Duration.ofMillis(Long.MAX_VALUE); // beyond any clock: never
    }
    return Duration.ofMillis(Math.max(0, deadline - clock.millis()));
  }

  private boolean isExpired(SessionData data) {
    Duration timeout = data.getMaxInactiveInterval();
    return timeout != null && hasExpired(data.getLastAccessedTime(), timeout, clock.instant());
  }

  /** Spring Session's rule: expired once the timeout has passed since the last access. */
  private static boolean hasExpired(Instant lastAccessed, Duration timeout, Instant now) {
    if (timeout.isNegative()) {
      return false;
    }
    try {
      return !now.minus(timeout).isBefore(lastAccessed);
    } catch (java.time.DateTimeException | ArithmeticException e) {
      return false; // a timeout beyond any clock (ChronoUnit.FOREVER): never
    }
  }

  /**
   * The store reports every session that leaves it; Spring hears of those that were not moved to a
   * new id.
   */
  private void onDispose(String id, SessionData data, DisposeCause cause) {
    if (cause == DisposeCause.REPLACED) {
      return;
    }
    OwnRemoval own = ownRemoval.get();
    if (own != null && cause == DisposeCause.DESTROYED && own.id.equals(id)) {
      own.removed = data;
      return;
    }
    index.remove(id);
    MemFileSession session = new MemFileSession(id, data);
    publish(
        cause == DisposeCause.EXPIRED
            ? new SessionExpiredEvent(this, session)
            : new SessionDeletedEvent(this, session));
  }

  private void publish(ApplicationEvent event) {
    eventPublisher.publishEvent(event);
  }

  /**
   * A session of this repository: a detached copy that records what its request changes, written to
   * the store when it is saved (or at once, with {@link FlushMode#IMMEDIATE}).
   */
  public final class MemFileSession implements Session {
    private String id;
    private String originalId;
    // this copy's own session data; may hold PRINCIPAL_ATTRIBUTE, which is never shown
    private final SessionData data;
    // attributes to write on save: set, removed, or (ON_GET_ATTRIBUTE, ALWAYS) read
    private Set<String> changedAttributes;
    private boolean lastAccessedTimeSet;
    private boolean maxInactiveIntervalSet;
    private boolean isNew;

    MemFileSession(String id, SessionData data) {
      this.id = id;
      this.originalId = id;
      this.data = data;
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
      if (PRINCIPAL_ATTRIBUTE.equals(name)) {
        return null;
      }
      Object value = data.getAttribute(name);
      if (value != null && saveMode == SaveMode.ON_GET_ATTRIBUTE) {
        changedAttributes().add(name); // it may be changed in place: write it back
      }
      return (T) value;
    }

    @Override
    public Set<String> getAttributeNames() {
      Set<String> names = new HashSet<>(data.getAttributeNames());
      names.remove(PRINCIPAL_ATTRIBUTE);
      return Collections.unmodifiableSet(names);
    }

    @Override
    public void setAttribute(String name, Object value) {
      requireOwnName(name);
      data.setAttribute(name, value); // null removes
      changedAttributes().add(name);
      flushIfImmediate();
    }

    @Override
    public void removeAttribute(String name) {
      requireOwnName(name);
      data.removeAttribute(name);
      changedAttributes().add(name);
      flushIfImmediate();
    }

    @Override
    public Instant getCreationTime() {
      return data.getCreationTime();
    }

    @Override
    public void setLastAccessedTime(Instant lastAccessedTime) {
      data.setLastAccessedTime(Objects.requireNonNull(lastAccessedTime, "lastAccessedTime"));
      lastAccessedTimeSet = true;
      flushIfImmediate();
    }

    @Override
    public Instant getLastAccessedTime() {
      return data.getLastAccessedTime();
    }

    @Override
    public void setMaxInactiveInterval(Duration interval) {
      data.setMaxInactiveInterval(Objects.requireNonNull(interval, "interval"));
      maxInactiveIntervalSet = true;
      flushIfImmediate();
    }

    @Override
    public Duration getMaxInactiveInterval() {
      Duration interval = data.getMaxInactiveInterval();
      return interval == null ? defaultMaxInactiveInterval : interval;
    }

    @Override
    public boolean isExpired() {
      return hasExpired(data.getLastAccessedTime(), getMaxInactiveInterval(), clock.instant());
    }

    private Set<String> changedAttributes() {
      if (changedAttributes == null) {
        changedAttributes = new HashSet<>();
      }
      return changedAttributes;
    }

    private boolean changed() {
      return lastAccessedTimeSet
          || maxInactiveIntervalSet
          || (changedAttributes != null && !changedAttributes.isEmpty());
    }

    private void flushIfImmediate() {
      if (flushMode == FlushMode.IMMEDIATE) {
        save(this);
      }
    }

    private void markSaved() {
      isNew = false;
      originalId = id;
      lastAccessedTimeSet = false;
      maxInactiveIntervalSet = false;
      if (changedAttributes != null) {
        changedAttributes.clear();
      }
    }
  }

  private static void requireOwnName(String name) {
    Objects.requireNonNull(name, "attribute name");
    if (PRINCIPAL_ATTRIBUTE.equals(name)) {
      throw new IllegalArgumentException(
          "the attribute name "
              + name
              + " is reserved for the repository's principal index; use another name (the"
              + " principal comes from PRINCIPAL_NAME_INDEX_NAME or Spring Security's context)");
    }
  }
}
