package dev.memfilestore.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.memfilestore.FileDigests;
import dev.memfilestore.SessionData;
import dev.memfilestore.SessionSerializationException;
import dev.memfilestore.SessionSerializer;
import dev.memfilestore.TestClock;
import dev.memfilestore.spring.MemFileSessionRepository.MemFileSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.context.ApplicationEvent;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.session.FlushMode;
import org.springframework.session.SaveMode;
import org.springframework.session.events.AbstractSessionEvent;
import org.springframework.session.events.SessionCreatedEvent;
import org.springframework.session.events.SessionDeletedEvent;
import org.springframework.session.events.SessionExpiredEvent;

/**
 * The repository's contract, after what Spring Session's own tests check for {@code
 * MapSessionRepository} and its JDBC and Redis repositories: create, save, find, delete, expiry,
 * change of id, principal lookup, flush and save modes, and events; plus what only a persistent
 * store has: sessions, times and the index survive a restart.
 */
class MemFileSessionRepositoryTest {
  private static final String SECURITY_CONTEXT = "SPRING_SECURITY_CONTEXT";

  @TempDir Path dir;

  private final TestClock clock = new TestClock(Instant.parse("2026-11-29T08:00:00Z"));
  private final List<ApplicationEvent> events = new CopyOnWriteArrayList<>();
  private final List<MemFileSessionRepository> opened = new ArrayList<>();

  @AfterEach
  void closeAll() {
    opened.forEach(MemFileSessionRepository::destroy);
  }

  private MemFileSessionRepository repository() {
    MemFileSessionRepository r = new MemFileSessionRepository();
    r.setClock(clock);
    r.setApplicationEventPublisher(e -> events.add((ApplicationEvent) e));
    opened.add(r);
    return r;
  }

  private MemFileSessionRepository persistent() {
    MemFileSessionRepository r = repository();
    r.setSaveFile(dir.resolve("sessions.json").toString());
    r.setSerializer(SessionSerializer.java("org.springframework.security.**"));
    return r;
  }

  private <E extends AbstractSessionEvent> List<String> eventIds(Class<E> type) {
    return events.stream()
        .filter(type::isInstance)
        .map(e -> ((AbstractSessionEvent) e).getSessionId())
        .toList();
  }

  private static SecurityContextImpl loggedIn(String user) {
    return new SecurityContextImpl(
        UsernamePasswordAuthenticationToken.authenticated(
            user, null, AuthorityUtils.createAuthorityList("ROLE_USER")));
  }

  // ------------------------------------------------------------------ create, save, find

  @Test
  void aNewSessionHasAnIdTheClockTimesAndTheDefaultTimeoutAndIsNotStoredUntilSaved() {
    MemFileSessionRepository repository = repository();
    repository.setDefaultMaxInactiveInterval(Duration.ofMinutes(10));

    MemFileSession session = repository.createSession();

    assertThat(session.getId()).isNotBlank();
    assertThat(session.getCreationTime()).isEqualTo(clock.instant());
    assertThat(session.getLastAccessedTime()).isEqualTo(clock.instant());
    assertThat(session.getMaxInactiveInterval()).isEqualTo(Duration.ofMinutes(10));
    assertThat(repository.findById(session.getId())).isNull();
    assertThat(repository.createSession().getId()).isNotEqualTo(session.getId());
  }

  @Test
  void aSavedSessionIsFoundWithItsAttributesAndTimes() {
    MemFileSessionRepository repository = repository();
    MemFileSession session = repository.createSession();
    session.setAttribute("user", "ada");
    session.setAttribute("visits", 3L);
    session.setMaxInactiveInterval(Duration.ofMinutes(5));
    clock.advance(Duration.ofSeconds(7));
    session.setLastAccessedTime(clock.instant());

    repository.save(session);
    MemFileSession found = repository.findById(session.getId());

    assertThat(found.getId()).isEqualTo(session.getId());
    assertThat(found.getAttributeNames()).containsExactlyInAnyOrder("user", "visits");
    assertThat((String) found.getAttribute("user")).isEqualTo("ada");
    assertThat((Long) found.getAttribute("visits")).isEqualTo(3L);
    assertThat(found.getCreationTime()).isEqualTo(session.getCreationTime());
    assertThat(found.getLastAccessedTime()).isEqualTo(clock.instant());
    assertThat(found.getMaxInactiveInterval()).isEqualTo(Duration.ofMinutes(5));
    assertThat(found.isExpired()).isFalse();
  }

  @Test
  void aTimeoutBeyondAnyClockMeansTheSessionNeverExpires() {
    MemFileSessionRepository repository = repository();
    MemFileSession session = repository.createSession();
    session.setMaxInactiveInterval(java.time.temporal.ChronoUnit.FOREVER.getDuration());
    session.setAttribute("user", "ada");

    repository.save(session);
    clock.advance(Duration.ofDays(3650));
    MemFileSession found = repository.findById(session.getId());

    assertThat(found).isNotNull();
    assertThat(found.isExpired()).isFalse();
    assertThat((String) found.getAttribute("user")).isEqualTo("ada");
  }

  @Test
  void foundSessionsAreCopiesChangedOnlyBySave() {
    MemFileSessionRepository repository = repository();
    MemFileSession session = repository.createSession();
    session.setAttribute("n", 1L);
    repository.save(session);

    MemFileSession copy = repository.findById(session.getId());
    copy.setAttribute("n", 2L);

    assertThat((Long) repository.findById(session.getId()).getAttribute("n")).isEqualTo(1L);
    repository.save(copy);
    assertThat((Long) repository.findById(session.getId()).getAttribute("n")).isEqualTo(2L);
  }

  @Test
  void removingAnAttributeAndSettingNullBothRemoveIt() {
    MemFileSessionRepository repository = repository();
    MemFileSession session = repository.createSession();
    session.setAttribute("a", "1");
    session.setAttribute("b", "2");
    repository.save(session);

    MemFileSession found = repository.findById(session.getId());
    found.removeAttribute("a");
    found.setAttribute("b", null);
    repository.save(found);

    assertThat(repository.findById(session.getId()).getAttributeNames()).isEmpty();
  }

  @Test
  void unknownAndNullIdsAreNotFound() {
    MemFileSessionRepository repository = repository();

    assertThat(repository.findById("no-such-session")).isNull();
    assertThat(repository.findById(null)).isNull();
  }

  @Test
  void aSessionThatCannotBeSerializedIsRefusedAndTheStoredOneStays() {
    MemFileSessionRepository repository = repository();
    MemFileSession session = repository.createSession();
    session.setAttribute("n", 1L);
    repository.save(session);

    MemFileSession found = repository.findById(session.getId());
    found.setAttribute("thread", new Object());

    assertThatThrownBy(() -> repository.save(found))
        .isInstanceOf(SessionSerializationException.class);
    assertThat(repository.findById(session.getId()).getAttributeNames()).containsExactly("n");
  }

  @Test
  void aSessionThatCannotBeSerializedUnderItsNewIdStaysUnderItsOldOne() {
    MemFileSessionRepository repository = repository();
    MemFileSession session = repository.createSession();
    session.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, "ada");
    repository.save(session);

    MemFileSession found = repository.findById(session.getId());
    String newId = found.changeSessionId();
    found.setAttribute("thread", new Object());

    assertThatThrownBy(() -> repository.save(found))
        .isInstanceOf(SessionSerializationException.class);
    assertThat(repository.findById(newId)).isNull();
    assertThat(repository.findByPrincipalName("ada")).containsOnlyKeys(session.getId());
    assertThat(events).noneMatch(e -> e instanceof SessionDeletedEvent);
  }

  @Test
  void theRepositorysOwnPrincipalAttributeCannotBeSetAndIsNeverShown() {
    MemFileSessionRepository repository = repository();
    MemFileSession session = repository.createSession();
    session.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, "ada");
    repository.save(session);
    MemFileSession found = repository.findById(session.getId());

    assertThatThrownBy(
            () -> found.setAttribute(MemFileSessionRepository.PRINCIPAL_ATTRIBUTE, "mallory"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reserved");
    assertThat((Object) found.getAttribute(MemFileSessionRepository.PRINCIPAL_ATTRIBUTE)).isNull();
    assertThat(found.getAttributeNames())
        .containsExactly(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME);
  }

  // ------------------------------------------------------------------ delete and expiry

  @Test
  void deletingRemovesTheSessionAndPublishesOneDeletedEvent() {
    MemFileSessionRepository repository = repository();
    MemFileSession session = repository.createSession();
    repository.save(session);

    repository.deleteById(session.getId());
    repository.deleteById(session.getId());

    assertThat(repository.findById(session.getId())).isNull();
    assertThat(eventIds(SessionDeletedEvent.class)).containsExactly(session.getId());
  }

  @Test
  void savingASessionDeletedMeanwhileDoesNotBringItBack() {
    MemFileSessionRepository repository = repository();
    MemFileSession session = repository.createSession();
    repository.save(session);
    MemFileSession inFlight = repository.findById(session.getId());

    repository.deleteById(session.getId()); // e.g. the user logged out in another tab
    inFlight.setAttribute("late", "write");
    repository.save(inFlight);

    assertThat(repository.findById(session.getId())).isNull();
  }

  @Test
  void aSessionIsExpiredOnceItsTimeoutHasPassedSinceLastAccess() {
    MemFileSessionRepository repository = repository();
    MemFileSession session = repository.createSession();
    session.setMaxInactiveInterval(Duration.ofMinutes(30));
    repository.save(session);

    clock.advance(Duration.ofMinutes(30).minusMillis(1));
    assertThat(repository.findById(session.getId())).isNotNull();
    clock.advance(Duration.ofMillis(1));
    assertThat(repository.findById(session.getId())).isNull();
  }

  @Test
  void aNegativeTimeoutNeverExpires() {
    MemFileSessionRepository repository = repository();
    MemFileSession session = repository.createSession();
    session.setMaxInactiveInterval(Duration.ofSeconds(-1));
    repository.save(session);

    clock.advance(Duration.ofDays(400));

    assertThat(repository.findById(session.getId())).isNotNull();
    assertThat(repository.findById(session.getId()).isExpired()).isFalse();
  }

  @Test
  void expiredEventsFireForSessionsNobodyReadsAgain() {
    MemFileSessionRepository repository = repository();
    repository.setCheckPeriod(Duration.ofMillis(20));
    MemFileSession idle = repository.createSession();
    idle.setMaxInactiveInterval(Duration.ofMinutes(1));
    repository.save(idle);
    MemFileSession active = repository.createSession();
    active.setMaxInactiveInterval(Duration.ofHours(1));
    repository.save(active);

    clock.advance(Duration.ofMinutes(2));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> eventIds(SessionExpiredEvent.class).contains(idle.getId()));
    assertThat(eventIds(SessionExpiredEvent.class)).containsExactly(idle.getId());
    assertThat(eventIds(SessionDeletedEvent.class)).isEmpty();
  }

  @Test
  void aSessionEvictedByTheBoundIsReportedAsDeleted() {
    MemFileSessionRepository repository = repository();
    repository.setMax(10);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      MemFileSession s = repository.createSession();
      repository.save(s);
      ids.add(s.getId());
    }

    assertThat(repository.stats().sessions()).isLessThanOrEqualTo(10);
    assertThat(eventIds(SessionDeletedEvent.class))
        .hasSize(50 - (int) repository.stats().sessions())
        .isSubsetOf(ids);
  }

  // ------------------------------------------------------------------ events

  @Test
  void createdIsPublishedOnceAtTheFirstSave() {
    MemFileSessionRepository repository = repository();
    MemFileSession session = repository.createSession();
    assertThat(eventIds(SessionCreatedEvent.class)).isEmpty();

    repository.save(session);
    session.setAttribute("x", "y");
    repository.save(session);

    assertThat(eventIds(SessionCreatedEvent.class)).containsExactly(session.getId());
  }

  // ------------------------------------------------------------------ change of id

  @Test
  void changingTheIdMovesTheSessionOnSaveWithoutADeletedEvent() {
    MemFileSessionRepository repository = repository();
    MemFileSession session = repository.createSession();
    session.setAttribute("cart", "3 items");
    repository.save(session);
    String oldId = session.getId();

    MemFileSession found = repository.findById(oldId);
    String newId = found.changeSessionId();
    assertThat(newId).isNotEqualTo(oldId).isEqualTo(found.getId());
    assertThat(repository.findById(oldId)).isNotNull(); // until it is saved
    repository.save(found);

    assertThat(repository.findById(oldId)).isNull();
    assertThat((String) repository.findById(newId).getAttribute("cart")).isEqualTo("3 items");
    assertThat(events).noneMatch(e -> e instanceof SessionDeletedEvent);
  }

  @Test
  void changingTheIdOfANewSessionBeforeItsFirstSaveStoresOnlyTheNewId() {
    MemFileSessionRepository repository = repository();
    MemFileSession session = repository.createSession();
    String first = session.getId();
    String second = session.changeSessionId();

    repository.save(session);

    assertThat(repository.findById(first)).isNull();
    assertThat(repository.findById(second)).isNotNull();
    assertThat(repository.stats().sessions()).isEqualTo(1);
  }

  // ------------------------------------------------------------------ principal index

  @Test
  void sessionsAreFoundByPrincipalNameAttribute() {
    MemFileSessionRepository repository = repository();
    MemFileSession a = repository.createSession();
    a.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, "ada");
    repository.save(a);
    MemFileSession b = repository.createSession();
    b.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, "ada");
    repository.save(b);
    MemFileSession other = repository.createSession();
    other.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, "bob");
    repository.save(other);

    assertThat(repository.findByPrincipalName("ada")).containsOnlyKeys(a.getId(), b.getId());
    assertThat(repository.findByPrincipalName("bob")).containsOnlyKeys(other.getId());
    assertThat(repository.findByPrincipalName("eve")).isEmpty();
    assertThat(repository.findByIndexNameAndIndexValue("other-index", "ada")).isEmpty();
    assertThat(repository.findByPrincipalName("ada").get(a.getId()).getAttributeNames())
        .containsExactly(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME);
  }

  @Test
  void sessionsAreFoundByTheSpringSecurityPrincipalAndLeaveTheIndexOnLogoutDeleteAndRename() {
    MemFileSessionRepository repository = repository();
    repository.setSerializer(SessionSerializer.java("org.springframework.security.**"));
    MemFileSession session = repository.createSession();
    session.setAttribute(SECURITY_CONTEXT, loggedIn("ada"));
    repository.save(session);
    assertThat(repository.findByPrincipalName("ada")).containsOnlyKeys(session.getId());

    MemFileSession renamed = repository.findById(session.getId());
    renamed.changeSessionId(); // what Spring Security does at login
    repository.save(renamed);
    assertThat(repository.findByPrincipalName("ada")).containsOnlyKeys(renamed.getId());

    MemFileSession loggedOut = repository.findById(renamed.getId());
    loggedOut.removeAttribute(SECURITY_CONTEXT);
    repository.save(loggedOut);
    assertThat(repository.findByPrincipalName("ada")).isEmpty();

    MemFileSession again = repository.findById(renamed.getId());
    again.setAttribute(SECURITY_CONTEXT, loggedIn("ada"));
    repository.save(again);
    repository.deleteById(again.getId());
    assertThat(repository.findByPrincipalName("ada")).isEmpty();
  }

  @Test
  void aSaveThatChangedOtherAttributesKeepsThePrincipalAndACustomResolverIsAskedEveryTime() {
    MemFileSessionRepository repository = repository();
    repository.setSerializer(SessionSerializer.java("org.springframework.security.**"));
    MemFileSession session = repository.createSession();
    session.setAttribute(SECURITY_CONTEXT, loggedIn("ada"));
    repository.save(session);
    MemFileSession later = repository.findById(session.getId());
    later.setAttribute("cart", "3 items"); // the default resolver does not read this one
    repository.save(later);
    assertThat(repository.findByPrincipalName("ada")).containsOnlyKeys(session.getId());

    MemFileSessionRepository custom = repository();
    custom.setIndexResolver(
        s ->
            s.getAttribute("tenant") == null
                ? Map.of()
                : Map.of(
                    FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME,
                    (String) s.getAttribute("tenant")));
    MemFileSession tenant = custom.createSession();
    tenant.setAttribute("tenant", "acme");
    custom.save(tenant);
    MemFileSession moved = custom.findById(tenant.getId());
    moved.setAttribute("tenant", "globex");
    custom.save(moved);
    assertThat(custom.findByPrincipalName("acme")).isEmpty();
    assertThat(custom.findByPrincipalName("globex")).containsOnlyKeys(tenant.getId());
  }

  @Test
  void anExpiredSessionLeavesTheIndex() {
    MemFileSessionRepository repository = repository();
    MemFileSession session = repository.createSession();
    session.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, "ada");
    session.setMaxInactiveInterval(Duration.ofMinutes(1));
    repository.save(session);

    clock.advance(Duration.ofMinutes(2));

    assertThat(repository.findByPrincipalName("ada")).isEmpty();
  }

  // ------------------------------------------------------------------ save and flush modes

  @Test
  void onSetAttributeConcurrentRequestsKeepEachOthersChanges() {
    MemFileSessionRepository repository = repository();
    MemFileSession session = repository.createSession();
    session.setAttribute("shared", "v0");
    repository.save(session);

    MemFileSession first = repository.findById(session.getId());
    MemFileSession second = repository.findById(session.getId());
    first.setAttribute("cart", "book");
    second.setAttribute("theme", "dark");
    second.removeAttribute("shared");
    repository.save(first);
    repository.save(second);

    MemFileSession found = repository.findById(session.getId());
    assertThat(found.getAttributeNames()).containsExactlyInAnyOrder("cart", "theme");
  }

  @Test
  void requestsOnManyThreadsLoseNoChangeAndALogoutAmongThemStays() throws Exception {
    MemFileSessionRepository repository = persistent();
    MemFileSession session = repository.createSession();
    session.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, "ada");
    repository.save(session);
    String id = session.getId();
    int threads = 4;
    int perThread = 150;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < perThread; i++) {
                    MemFileSession copy = repository.findById(id);
                    copy.setAttribute("t" + thread + "-" + i, i);
                    copy.setLastAccessedTime(clock.instant());
                    repository.save(copy);
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      MemFileSession found = repository.findById(id);
      assertThat(found.getAttributeNames()).hasSize(threads * perThread + 1);
      assertThat(repository.findByPrincipalName("ada")).containsOnlyKeys(id);

      // a logout while other requests of the session save: it stays logged out
      MemFileSession inFlight = repository.findById(id);
      Future<?> saving =
          pool.submit(
              () -> {
                for (int i = 0; i < perThread; i++) {
                  inFlight.setAttribute("late", i);
                  repository.save(inFlight);
                }
              });
      repository.deleteById(id);
      saving.get(60, TimeUnit.SECONDS);
      assertThat(repository.findById(id)).isNull();
      assertThat(repository.findByPrincipalName("ada")).isEmpty();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void saveModeAlwaysWritesEveryAttributeTheRequestHoldsAndKeepsTheOthers() {
    MemFileSessionRepository repository = repository();
    repository.setSaveMode(SaveMode.ALWAYS);
    MemFileSession session = repository.createSession();
    session.setAttribute("shared", "v0");
    repository.save(session);

    MemFileSession first = repository.findById(session.getId());
    MemFileSession second = repository.findById(session.getId());
    first.setAttribute("cart", "book");
    first.setAttribute("shared", "v1");
    second.setAttribute("theme", "dark");
    repository.save(first);
    repository.save(second);

    MemFileSession found = repository.findById(session.getId());
    assertThat(found.getAttributeNames()).containsExactlyInAnyOrder("shared", "cart", "theme");
    // the second request held "shared" as it read it, and ALWAYS writes what a request holds
    assertThat((String) found.getAttribute("shared")).isEqualTo("v0");
  }

  @Test
  void onGetAttributeWritesBackValuesChangedInPlace() {
    for (SaveMode mode : List.of(SaveMode.ON_SET_ATTRIBUTE, SaveMode.ON_GET_ATTRIBUTE)) {
      MemFileSessionRepository repository = repository();
      repository.setSaveMode(mode);
      MemFileSession session = repository.createSession();
      session.setAttribute("items", new ArrayList<>(List.of("a")));
      repository.save(session);

      MemFileSession found = repository.findById(session.getId());
      List<String> items = found.getAttribute("items");
      items.add("b");
      repository.save(found);

      List<String> stored = repository.findById(session.getId()).getAttribute("items");
      assertThat(stored)
          .as("%s", mode)
          .isEqualTo(mode == SaveMode.ON_GET_ATTRIBUTE ? List.of("a", "b") : List.of("a"));
    }
  }

  @Test
  void flushModeImmediateStoresEveryChangeAtOnce() {
    MemFileSessionRepository repository = repository();
    repository.setFlushMode(FlushMode.IMMEDIATE);

    MemFileSession session = repository.createSession();
    assertThat(repository.findById(session.getId())).isNotNull();
    session.setAttribute("a", "1");
    assertThat((String) repository.findById(session.getId()).getAttribute("a")).isEqualTo("1");
    session.removeAttribute("a");
    assertThat(repository.findById(session.getId()).getAttributeNames()).isEmpty();
    session.setMaxInactiveInterval(Duration.ofMinutes(3));
    assertThat(repository.findById(session.getId()).getMaxInactiveInterval())
        .isEqualTo(Duration.ofMinutes(3));
    assertThat(eventIds(SessionCreatedEvent.class)).containsExactly(session.getId());
  }

  // ------------------------------------------------------------------ store writes

  /** Lines in the journal beside the save file: one per store write. */
  private long journalRecords() throws IOException {
    long lines = 0;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.getFileName().toString().contains(".journal.")).toList()) {
        for (byte b : Files.readAllBytes(f)) {
          lines += b == '\n' ? 1 : 0;
        }
      }
    }
    return lines;
  }

  @ParameterizedTest
  @EnumSource(SaveMode.class)
  void aPageViewWritesTheStoreOnceAndARequestThatChangedNothingNotAtAll(SaveMode mode)
      throws IOException {
    MemFileSessionRepository repository = persistent();
    repository.setSaveMode(mode);
    MemFileSession session = repository.createSession();
    session.setAttribute("visits", 1L);
    repository.save(session);
    long before = journalRecords();

    // a page view as SessionRepositoryFilter runs it: find, record the access, change an
    // attribute, then save when the response is committed and again when the request ends
    MemFileSession view = repository.findById(session.getId());
    view.setLastAccessedTime(clock.instant());
    view.setAttribute("visits", 2L);
    repository.save(view);
    repository.save(view);
    assertThat(journalRecords()).isEqualTo(before + 1);

    // a request that neither used nor changed the session: ALWAYS still writes what it holds
    MemFileSession unchanged = repository.findById(session.getId());
    repository.save(unchanged);
    repository.save(unchanged);
    assertThat(journalRecords()).isEqualTo(before + (mode == SaveMode.ALWAYS ? 2 : 1));
    assertThat((Long) repository.findById(session.getId()).getAttribute("visits")).isEqualTo(2L);
  }

  /** Counts the store's serializations, to pin down what one save costs. */
  private static final class CountingSerializer implements SessionSerializer {
    final SessionSerializer delegate = SessionSerializer.java("org.springframework.security.**");
    final AtomicInteger serialized = new AtomicInteger();
    final AtomicInteger deserialized = new AtomicInteger();

    @Override
    public byte[] serialize(SessionData session) {
      serialized.incrementAndGet();
      return delegate.serialize(session);
    }

    @Override
    public SessionData deserialize(byte[] bytes) {
      deserialized.incrementAndGet();
      return delegate.deserialize(bytes);
    }

    @Override
    public String name() {
      return delegate.name();
    }
  }

  @ParameterizedTest
  @EnumSource(SaveMode.class)
  void aSaveSerializesTheSessionOnceAndDeserializesItAtMostOnce(SaveMode mode) {
    MemFileSessionRepository repository = repository();
    CountingSerializer counting = new CountingSerializer();
    repository.setSerializer(counting);
    repository.setSaveMode(mode);
    MemFileSession session = repository.createSession();
    session.setAttribute(SECURITY_CONTEXT, loggedIn("ada")); // not a plain value: read = decode
    repository.save(session);
    MemFileSession view = repository.findById(session.getId());
    view.setLastAccessedTime(clock.instant());
    view.setAttribute("visits", 2L);
    counting.serialized.set(0);
    counting.deserialized.set(0);

    repository.save(view);
    repository.save(view);

    assertThat(counting.serialized).hasValue(1);
    assertThat(counting.deserialized).hasValue(1);
  }

  // ------------------------------------------------------------------ persistence

  @Test
  void sessionsTheirTimesAndThePrincipalIndexSurviveARestart() {
    MemFileSessionRepository first = persistent();
    MemFileSession session = first.createSession();
    session.setAttribute(SECURITY_CONTEXT, loggedIn("ada"));
    session.setAttribute("visits", 4L);
    session.setMaxInactiveInterval(Duration.ofMinutes(30));
    first.save(session);
    first.destroy();

    clock.advance(Duration.ofMinutes(20));
    MemFileSessionRepository second = persistent();
    second.afterPropertiesSet();

    MemFileSession back = second.findByPrincipalName("ada").get(session.getId());
    assertThat(back).isNotNull();
    assertThat((Long) back.getAttribute("visits")).isEqualTo(4L);
    SecurityContextImpl context = back.getAttribute(SECURITY_CONTEXT);
    assertThat(context.getAuthentication().getName()).isEqualTo("ada");
    assertThat(back.getAttributeNames()).containsExactlyInAnyOrder(SECURITY_CONTEXT, "visits");
    clock.advance(Duration.ofMinutes(10)); // the restart did not extend the session
    assertThat(second.findById(session.getId())).isNull();
  }

  @Test
  void configuringAnOpenRepositoryIsRefused() {
    MemFileSessionRepository repository = repository();
    repository.afterPropertiesSet();

    assertThatThrownBy(() -> repository.setSaveFile("other.json"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("configure the repository before use");
    assertThatThrownBy(() -> repository.setMax(-1)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aNegativeBoundIsRefusedWithAClearMessage() {
    MemFileSessionRepository repository = new MemFileSessionRepository();

    assertThatThrownBy(() -> repository.setMax(-5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("max must be 0");
  }

  @Test
  void theLoadBudgetReachesTheStore() throws IOException {
    MemFileSessionRepository first = persistent();
    for (int i = 0; i < 50; i++) {
      MemFileSession session = first.createSession();
      session.setAttribute("page", "x".repeat(10_000));
      first.save(session);
    }
    first.destroy();
    opened.remove(first);
    Map<String, String> before = FileDigests.of(dir);

    // 50 sessions of about 10 KB: estimated at about 1 MB, over a budget of 200 KB
    MemFileSessionRepository small = persistent();
    small.setLoadBudget(200_000);
    assertThatThrownBy(small::afterPropertiesSet)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("load budget of 200000 bytes");
    opened.remove(small);
    assertThat(FileDigests.of(dir)).as("the files after the refused load").isEqualTo(before);

    MemFileSessionRepository large = persistent();
    large.setLoadBudget(4_000_000);
    large.afterPropertiesSet();
    assertThat(large.stats().sessions()).isEqualTo(50);
  }

  @Test
  void aNegativeLoadBudgetIsRefusedWithAClearMessage() {
    MemFileSessionRepository repository = new MemFileSessionRepository();

    assertThatThrownBy(() -> repository.setLoadBudget(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("loadBudget must be 0 (the default: three quarters of -Xmx)");
  }
}
