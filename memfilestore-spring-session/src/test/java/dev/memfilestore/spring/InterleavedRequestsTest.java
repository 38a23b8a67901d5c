package dev.memfilestore.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.SessionSerializer;
import dev.memfilestore.TestClock;
import dev.memfilestore.spring.MemFileSessionRepository.MemFileSession;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.context.ApplicationEvent;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.session.SaveMode;
import org.springframework.session.events.AbstractSessionEvent;
import org.springframework.session.events.SessionDeletedEvent;
import org.springframework.session.events.SessionExpiredEvent;

/**
 * Two requests of one user, each with its own copy of the session, saved in both orders, in every
 * {@link SaveMode}, with and without a restart of the application (the store closed and opened
 * again on the same save file) between the two saves: what Spring Session's own stores guarantee
 * (issue 17). A save applies its request's changes to what is stored now; a logout stays; times and
 * timeout change only when a request set them; the principal index follows the stored session;
 * expiry counts from the last access and is reported as expiry.
 */
class InterleavedRequestsTest {
  private static final String SECURITY_CONTEXT = "SPRING_SECURITY_CONTEXT";
  private static final Instant START = Instant.parse("2026-11-29T08:00:00Z");

  @TempDir Path dir;

  private final TestClock clock = new TestClock(START);
  private final List<ApplicationEvent> events = new CopyOnWriteArrayList<>();
  private final List<MemFileSessionRepository> opened = new ArrayList<>();
  private MemFileSessionRepository repository;
  private SaveMode mode;
  private boolean restart;

  /** Which of the two requests saves first. */
  enum Order {
    FIRST_SAVES_FIRST,
    SECOND_SAVES_FIRST
  }

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (SaveMode mode : SaveMode.values()) {
      for (boolean restart : new boolean[] {false, true}) {
        for (Order order : Order.values()) {
          cases.add(Arguments.of(mode, restart, order));
        }
      }
    }
    return cases.stream();
  }

  @AfterEach
  void closeAll() {
    opened.forEach(MemFileSessionRepository::destroy);
  }

  private void setUp(SaveMode mode, boolean restart) {
    this.mode = mode;
    this.restart = restart;
    this.repository = open();
  }

  private MemFileSessionRepository open() {
    MemFileSessionRepository r = new MemFileSessionRepository();
    r.setClock(clock);
    r.setSaveFile(dir.resolve("sessions.json").toString());
    r.setSerializer(SessionSerializer.java("org.springframework.security.**"));
    r.setSaveMode(mode);
    r.setApplicationEventPublisher(e -> events.add((ApplicationEvent) e));
    r.afterPropertiesSet();
    opened.add(r);
    return r;
  }

  /** Closes the store and opens it again on the same file, if this case restarts. */
  private void maybeRestart() {
    if (restart) {
      repository.destroy();
      repository = open();
    }
  }

  /** Runs the two requests' saves in the given order, with the case's restart between them. */
  private void inOrder(Order order, Runnable first, Runnable second) {
    (order == Order.FIRST_SAVES_FIRST ? first : second).run();
    maybeRestart();
    (order == Order.FIRST_SAVES_FIRST ? second : first).run();
  }

  private String storedSession(Runnable setUp) {
    MemFileSession session = repository.createSession();
    session.setAttribute("shared", "v0");
    repository.save(session);
    setUp.run();
    return session.getId();
  }

  private List<String> eventIds(Class<? extends AbstractSessionEvent> type) {
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

  // ------------------------------------------------------------------ item 1: a logout stays

  @ParameterizedTest(name = "{0}, restart {1}, {2}")
  @MethodSource("cases")
  void aLogoutInOneRequestIsNotUndoneByTheOthersSave(SaveMode mode, boolean restart, Order order) {
    setUp(mode, restart);
    String id = storedSession(() -> {});
    MemFileSession working = repository.findById(id);
    working.setAttribute("late", "write");
    clock.advance(Duration.ofSeconds(1));
    working.setLastAccessedTime(clock.instant());

    inOrder(order, () -> repository.deleteById(id), () -> repository.save(working));
    maybeRestart();

    assertThat(repository.findById(id)).isNull();
    assertThat(repository.stats().sessions()).isZero();
    assertThat(eventIds(SessionDeletedEvent.class)).containsExactly(id);
  }

  @ParameterizedTest(name = "{0}, restart {1}, {2}")
  @MethodSource("cases")
  void aLogoutIsNotUndoneUnderTheNewIdOfAChangedSessionId(
      SaveMode mode, boolean restart, Order order) {
    setUp(mode, restart);
    String id = storedSession(() -> {});
    MemFileSession loggingIn = repository.findById(id);
    String newId = loggingIn.changeSessionId();
    loggingIn.setAttribute(SECURITY_CONTEXT, loggedIn("ada"));

    inOrder(order, () -> repository.deleteById(id), () -> repository.save(loggingIn));
    maybeRestart();

    assertThat(repository.findById(id)).isNull();
    if (order == Order.FIRST_SAVES_FIRST) {
      // the logout came first: the login's save must not bring the session back under its new id
      assertThat(repository.findById(newId)).isNull();
      assertThat(repository.findByPrincipalName("ada")).isEmpty();
      assertThat(repository.stats().sessions()).isZero();
    } else {
      // the login moved the session first; the logout then named an id that no longer exists
      assertThat(repository.findByPrincipalName("ada")).containsOnlyKeys(newId);
    }
  }

  // ------------------------------------------------------------------ item 1: attributes

  @ParameterizedTest(name = "{0}, restart {1}, {2}")
  @MethodSource("cases")
  void attributesAnotherRequestStoredMeanwhileStay(SaveMode mode, boolean restart, Order order) {
    setUp(mode, restart);
    String id = storedSession(() -> {});
    MemFileSession first = repository.findById(id);
    MemFileSession second = repository.findById(id);
    first.setAttribute("cart", "book");
    first.removeAttribute("shared");
    second.setAttribute("theme", "dark");

    inOrder(order, () -> repository.save(first), () -> repository.save(second));
    maybeRestart();

    MemFileSession found = repository.findById(id);
    assertThat((String) found.getAttribute("cart")).isEqualTo("book");
    assertThat((String) found.getAttribute("theme")).isEqualTo("dark");
    // only ALWAYS writes back what the second request held, and only when it saves last
    boolean sharedBack = mode == SaveMode.ALWAYS && order == Order.FIRST_SAVES_FIRST;
    assertThat(found.getAttributeNames().contains("shared")).isEqualTo(sharedBack);
  }

  // ------------------------------------------------------------------ item 2: times and timeout

  @ParameterizedTest(name = "{0}, restart {1}, {2}")
  @MethodSource("cases")
  void aTimeoutSetByOneRequestIsNotUndoneByTheOthersSave(
      SaveMode mode, boolean restart, Order order) {
    setUp(mode, restart);
    String id = storedSession(() -> {});
    Instant created = repository.findById(id).getCreationTime();
    MemFileSession first = repository.findById(id);
    MemFileSession second = repository.findById(id);
    first.setMaxInactiveInterval(Duration.ofHours(2));
    clock.advance(Duration.ofSeconds(5));
    second.setLastAccessedTime(clock.instant());
    second.setAttribute("theme", "dark");

    inOrder(order, () -> repository.save(first), () -> repository.save(second));
    maybeRestart();

    MemFileSession found = repository.findById(id);
    assertThat(found.getMaxInactiveInterval()).isEqualTo(Duration.ofHours(2));
    assertThat(found.getLastAccessedTime()).isEqualTo(clock.instant());
    assertThat(found.getCreationTime()).isEqualTo(created);
    clock.advance(Duration.ofMinutes(90)); // past the old timeout, within the new one
    assertThat(repository.findById(id)).isNotNull();
  }

  @ParameterizedTest(name = "{0}, restart {1}, {2}")
  @MethodSource("cases")
  void theLastAccessedTimeNeverGoesBackwards(SaveMode mode, boolean restart, Order order) {
    setUp(mode, restart);
    String id = storedSession(() -> {});
    MemFileSession earlier = repository.findById(id);
    clock.advance(Duration.ofMinutes(1));
    earlier.setLastAccessedTime(clock.instant());
    MemFileSession later = repository.findById(id);
    clock.advance(Duration.ofMinutes(1));
    Instant lastAccess = clock.instant();
    later.setLastAccessedTime(lastAccess);
    clock.advance(Duration.ofMinutes(1)); // both requests still running

    inOrder(order, () -> repository.save(earlier), () -> repository.save(later));
    maybeRestart();

    assertThat(repository.findById(id).getLastAccessedTime()).isEqualTo(lastAccess);
  }

  // ------------------------------------------------------------------ item 3: principal index

  @ParameterizedTest(name = "{0}, restart {1}, {2}")
  @MethodSource("cases")
  void aStaleAnonymousCopyDoesNotTakeASignedInSessionOutOfTheIndex(
      SaveMode mode, boolean restart, Order order) {
    setUp(mode, restart);
    String id = storedSession(() -> {});
    MemFileSession signingIn = repository.findById(id);
    MemFileSession anonymous = repository.findById(id);
    signingIn.setAttribute(SECURITY_CONTEXT, loggedIn("ada"));
    anonymous.setAttribute("theme", "dark");
    anonymous.setLastAccessedTime(clock.instant());

    inOrder(order, () -> repository.save(signingIn), () -> repository.save(anonymous));

    assertThat(repository.findByPrincipalName("ada")).containsOnlyKeys(id);
    maybeRestart();
    assertThat(repository.findByPrincipalName("ada")).containsOnlyKeys(id);
    SecurityContextImpl stored = repository.findById(id).getAttribute(SECURITY_CONTEXT);
    assertThat(stored.getAuthentication().getName()).isEqualTo("ada");
  }

  @ParameterizedTest(name = "{0}, restart {1}, {2}")
  @MethodSource("cases")
  void aStaleSignedInCopyDoesNotPutASignedOutSessionBackInTheIndex(
      SaveMode mode, boolean restart, Order order) {
    setUp(mode, restart);
    String id = storedSession(() -> {});
    MemFileSession signIn = repository.findById(id);
    signIn.setAttribute(SECURITY_CONTEXT, loggedIn("ada"));
    repository.save(signIn);
    MemFileSession signingOut = repository.findById(id);
    MemFileSession stale = repository.findById(id);
    signingOut.removeAttribute(SECURITY_CONTEXT);
    stale.setAttribute("theme", "dark");

    inOrder(order, () -> repository.save(signingOut), () -> repository.save(stale));
    maybeRestart();

    boolean contextBack = mode == SaveMode.ALWAYS && order == Order.FIRST_SAVES_FIRST;
    // the index names the session under ada exactly when the stored session is signed in
    assertThat(repository.findById(id).getAttributeNames().contains(SECURITY_CONTEXT))
        .isEqualTo(contextBack);
    assertThat(repository.findByPrincipalName("ada").keySet())
        .isEqualTo(contextBack ? java.util.Set.of(id) : java.util.Set.of());
  }

  // ------------------------------------------------------------------ item 4: expiry

  @ParameterizedTest(name = "{0}, restart {1}, {2}")
  @MethodSource("cases")
  void expiryCountsFromTheLastAccessNotTheSaveAndIsReportedAsExpiry(
      SaveMode mode, boolean restart, Order order) {
    setUp(mode, restart);
    String id = storedSession(() -> {});
    MemFileSession first = repository.findById(id);
    clock.advance(Duration.ofMinutes(1));
    first.setLastAccessedTime(clock.instant());
    MemFileSession second = repository.findById(id);
    clock.advance(Duration.ofMinutes(1));
    Instant lastAccess = clock.instant();
    second.setLastAccessedTime(lastAccess);
    second.setAttribute("theme", "dark");
    clock.advance(Duration.ofMinutes(10)); // slow requests: they save long after the access

    inOrder(order, () -> repository.save(first), () -> repository.save(second));
    maybeRestart();

    Instant expiry = lastAccess.plus(Duration.ofMinutes(30));
    clock.advance(Duration.between(clock.instant(), expiry).minusMillis(1));
    assertThat(repository.findById(id)).isNotNull();
    clock.advance(Duration.ofMillis(1));
    assertThat(repository.findById(id)).isNull();
    assertThat(eventIds(SessionExpiredEvent.class)).containsExactly(id);
    assertThat(eventIds(SessionDeletedEvent.class)).isEmpty();
  }
}
