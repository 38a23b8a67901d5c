package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.memfilestore.fixtures.Cart;
import dev.memfilestore.fixtures.LineItem;
import dev.memfilestore.fixtures.Money;
import dev.memfilestore.fixtures.Plan;
import dev.memfilestore.fixtures.Visit;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StoreSerializationTest {
  private static final String APP_TYPES = "dev.memfilestore.fixtures.**";
  private static final String ID = "9f3c2a7e-session";
  private final Instant created =
      Instant.now()
          .minus(Duration.ofMinutes(5))
          .truncatedTo(ChronoUnit.SECONDS)
          .plusNanos(123_456_789);

  @TempDir Path dir;

  /** What the dispose listener was told, in order. */
  private final List<String> disposed = Collections.synchronizedList(new ArrayList<>());

  private MemFileStore.Builder builder() {
    return MemFileStore.builder()
        .serializer(SessionSerializer.json(APP_TYPES))
        .dispose((id, session, cause) -> disposed.add(id + ":" + cause));
  }

  /** Only deeply immutable values: String, Long, Instant, an enum and a record of those. */
  private SessionData immutableSession() {
    SessionData s = new SessionData(created);
    s.setLastAccessedTime(created.plusNanos(1));
    s.setAttribute("user", "ada");
    s.setAttribute("visits", 42L);
    s.setAttribute("since", Instant.parse("2020-02-02T02:02:02.000000002Z"));
    s.setAttribute("plan", Plan.PRO);
    s.setAttribute(
        "last", new Visit("/cart", 3L, Instant.parse("2021-01-01T00:00:00Z"), Plan.FREE));
    return s;
  }

  /** Immutable values mixed with mutable collections, arrays and a record holding a list. */
  private SessionData mixedSession() {
    SessionData s = immutableSession();
    s.setMaxInactiveInterval(Duration.ofMinutes(30));
    s.setAttribute("count", 7);
    s.setAttribute("ids", new ArrayList<>(List.of(1L, 2L, 3L)));
    Map<String, Object> prefs = new HashMap<>();
    prefs.put("theme", "dark");
    prefs.put("recent", new ArrayList<>(List.of(LocalDate.of(2024, 1, 1))));
    s.setAttribute("prefs", prefs);
    s.setAttribute("sorted", new TreeSet<>(List.of("b", "a")));
    s.setAttribute("digest", new byte[] {1, 2, 3});
    s.setAttribute("total", new BigDecimal("12.50"));
    s.setAttribute(
        "meeting", ZonedDateTime.of(2024, 7, 1, 9, 0, 0, 0, ZoneId.of("America/New_York")));
    Money price = new Money(new BigDecimal("2.50"), Currency.getInstance("EUR"));
    s.setAttribute(
        "cart",
        new Cart("ada", new ArrayList<>(List.of(new LineItem("A", 5, price))), new HashMap<>()));
    return s;
  }

  private static void assertExactTypes(SessionData back, SessionData expected) {
    assertThat(back).isEqualTo(expected);
    assertThat(back.getCreationTime()).isEqualTo(expected.getCreationTime());
    assertThat(back.getLastAccessedTime()).isEqualTo(expected.getLastAccessedTime());
    assertThat(back.getMaxInactiveInterval()).isEqualTo(expected.getMaxInactiveInterval());
    for (String name : expected.getAttributeNames()) {
      assertThat(back.getAttribute(name))
          .as("attribute %s", name)
          .isExactlyInstanceOf(expected.getAttribute(name).getClass());
    }
  }

  // ------------------------------------------------------------------ a refused set

  static Stream<Arguments> unserializableValues() {
    return Stream.of(
        arguments("plain mutable class", new NotSerializableBean()),
        arguments("Thread", Thread.currentThread()),
        arguments("Optional", Optional.of("x")),
        arguments("Object", new Object()),
        arguments(
            "list holding a plain class", new ArrayList<>(List.of(new NotSerializableBean()))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unserializableValues")
  void refusedSetLeavesThePreviousSessionAndCallsNoListener(String label, Object bad) {
    try (MemFileStore store = builder().build()) {
      store.set(ID, mixedSession());
      SessionData replacement = immutableSession();
      replacement.setAttribute("user", "eve");
      replacement.setAttribute("bad", bad);

      assertThatThrownBy(() -> store.set(ID, replacement))
          .isInstanceOf(SessionSerializationException.class)
          .hasMessageContaining("'bad'");

      SessionData kept = store.get(ID).orElseThrow();
      assertThat(kept.getAttribute("user")).isEqualTo("ada");
      assertThat(kept.getAttributeNames()).doesNotContain("bad");
      assertExactTypes(kept, mixedSession());
      assertThat(store.length()).isEqualTo(1);
      assertThat(store.ids()).containsExactly(ID);
      assertThat(disposed).isEmpty();
    }
  }

  @Test
  void refusedSetOfAnImmutableOnlySessionLeavesThePreviousOne() {
    try (MemFileStore store =
        MemFileStore.builder().dispose((i, s, c) -> disposed.add(i)).build()) {
      SessionData old = new SessionData(created);
      old.setAttribute("user", "ada");
      store.set(ID, old);
      SessionData replacement = new SessionData(created);
      replacement.setAttribute("user", "eve");
      replacement.setAttribute("plan", Plan.PRO); // an enum the default serializer does not allow

      assertThatThrownBy(() -> store.set(ID, replacement))
          .isInstanceOf(SessionSerializationException.class);

      assertThat(store.get(ID).orElseThrow().getAttribute("user")).isEqualTo("ada");
      assertThat(store.get(ID).orElseThrow().getAttributeNames()).containsExactly("user");
      assertThat(disposed).isEmpty();
    }
  }

  @Test
  void refusedSetUnderANewIdStoresNothing() {
    try (MemFileStore store = builder().build()) {
      SessionData s = immutableSession();
      s.setAttribute("bad", new NotSerializableBean());

      assertThatThrownBy(() -> store.set(ID, s)).isInstanceOf(SessionSerializationException.class);

      assertThat(store.get(ID)).isEmpty();
      assertThat(store.length()).isZero();
      assertThat(store.ids()).isEmpty();
      assertThat(store.all()).isEmpty();
      assertThat(disposed).isEmpty();
    }
  }

  @Test
  void refusedSetIsNotWrittenToTheSaveFile() {
    Path file = dir.resolve("sessions.json");
    try (MemFileStore store = builder().saveFile(file).build()) {
      store.set(ID, immutableSession());
      SessionData bad = immutableSession();
      bad.setAttribute("user", "eve");
      bad.setAttribute("bad", Thread.currentThread());
      assertThatThrownBy(() -> store.set(ID, bad))
          .isInstanceOf(SessionSerializationException.class);
    }

    try (MemFileStore store = builder().saveFile(file).build()) {
      assertExactTypes(store.get(ID).orElseThrow(), immutableSession());
    }
    assertThat(disposed).isEmpty();
  }

  // ------------------------------------------------------------------ get returns a copy

  @Test
  void changingWhatGetReturnedChangesNothingStoredForAnImmutableOnlySession() {
    try (MemFileStore store = builder().build()) {
      store.set(ID, immutableSession());

      SessionData first = store.get(ID).orElseThrow();
      first.setAttribute("user", "eve");
      first.removeAttribute("visits");
      first.setAttribute("extra", 1L);
      first.setCreationTime(Instant.EPOCH);
      first.setLastAccessedTime(Instant.EPOCH);
      first.setMaxInactiveInterval(Duration.ofSeconds(1));

      SessionData second = store.get(ID).orElseThrow();
      assertThat(second).isNotSameAs(first);
      assertExactTypes(second, immutableSession());
      assertThat(second.getAttributeNames()).doesNotContain("extra");
    }
  }

  @Test
  void changingWhatGetReturnedChangesNothingStoredForAMixedSession() {
    try (MemFileStore store = builder().build()) {
      store.set(ID, mixedSession());

      SessionData first = store.get(ID).orElseThrow();
      @SuppressWarnings("unchecked")
      List<Long> ids = (List<Long>) first.getAttribute("ids");
      ids.add(99L);
      @SuppressWarnings("unchecked")
      Map<String, Object> prefs = (Map<String, Object>) first.getAttribute("prefs");
      prefs.put("theme", "light");
      @SuppressWarnings("unchecked")
      List<Object> recent = (List<Object>) prefs.get("recent");
      recent.clear();
      ((byte[]) first.getAttribute("digest"))[0] = 9;
      ((Cart) first.getAttribute("cart")).items().clear();
      first.setAttribute("user", "eve");

      SessionData second = store.get(ID).orElseThrow();
      assertThat(second.getAttribute("ids")).isNotSameAs(ids).isEqualTo(List.of(1L, 2L, 3L));
      assertThat(second.getAttribute("prefs")).isNotSameAs(prefs);
      assertExactTypes(second, mixedSession());
    }
  }

  @Test
  void changingTheSessionPassedToSetChangesNothingStored() {
    try (MemFileStore store = builder().build()) {
      SessionData immutable = immutableSession();
      SessionData mixed = mixedSession();
      store.set("immutable-1", immutable);
      store.set("mixed-0001", mixed);

      immutable.setAttribute("user", "eve");
      @SuppressWarnings("unchecked")
      List<Long> ids = (List<Long>) mixed.getAttribute("ids");
      ids.add(99L);
      mixed.removeAttribute("user");

      assertExactTypes(store.get("immutable-1").orElseThrow(), immutableSession());
      assertExactTypes(store.get("mixed-0001").orElseThrow(), mixedSession());
    }
  }

  @Test
  void allReturnsCopiesToo() {
    try (MemFileStore store = builder().build()) {
      store.set(ID, mixedSession());

      SessionData copy = store.all().get(ID);
      @SuppressWarnings("unchecked")
      List<Long> ids = (List<Long>) copy.getAttribute("ids");
      ids.clear();

      assertExactTypes(store.get(ID).orElseThrow(), mixedSession());
    }
  }

  // ------------------------------------------------------------------ exact types

  @Test
  void immutableOnlySessionComesBackWithExactTypesFromGet() {
    try (MemFileStore store = builder().build()) {
      store.set(ID, immutableSession());

      SessionData back = store.get(ID).orElseThrow();

      assertExactTypes(back, immutableSession());
      assertThat(back.getAttribute("plan")).isSameAs(Plan.PRO);
    }
  }

  @Test
  void mixedSessionComesBackWithExactTypesFromGet() {
    try (MemFileStore store = builder().build()) {
      store.set(ID, mixedSession());

      SessionData back = store.get(ID).orElseThrow();

      assertExactTypes(back, mixedSession());
      assertThat((List<?>) back.getAttribute("ids"))
          .allSatisfy(id -> assertThat(id).isExactlyInstanceOf(Long.class));
      assertThat(((BigDecimal) back.getAttribute("total")).scale()).isEqualTo(2);
      assertThat(((ZonedDateTime) back.getAttribute("meeting")).getZone())
          .isEqualTo(ZoneId.of("America/New_York"));
    }
  }

  @Test
  void defaultStoreKeepsJdkTypesExactly() {
    try (MemFileStore store = MemFileStore.builder().build()) {
      SessionData s = new SessionData(created);
      s.setAttribute("long", 1L);
      s.setAttribute("int", 1);
      s.setAttribute("list", new ArrayList<>(List.of(1L, 1)));
      store.set(ID, s);

      assertExactTypes(store.get(ID).orElseThrow(), s);
    }
  }

  // ------------------------------------------------------------------ save and reload

  @Test
  void sessionsSurviveSaveAndReloadWithExactTypes() {
    Path file = dir.resolve("data").resolve("sessions.json");
    SessionData forever = immutableSession();
    forever.setMaxInactiveInterval(Duration.ofSeconds(-1));
    try (MemFileStore store = builder().saveFile(file).build()) {
      store.set("immutable-1", immutableSession());
      store.set("mixed-0001", mixedSession());
      store.set("forever-01", forever);
    }

    try (MemFileStore reloaded = builder().saveFile(file).build()) {
      assertThat(reloaded.ids())
          .containsExactlyInAnyOrder("immutable-1", "mixed-0001", "forever-01");
      assertExactTypes(reloaded.get("immutable-1").orElseThrow(), immutableSession());
      assertExactTypes(reloaded.get("mixed-0001").orElseThrow(), mixedSession());
      SessionData back = reloaded.get("forever-01").orElseThrow();
      assertExactTypes(back, forever);
      assertThat(back.getMaxInactiveInterval()).isNegative();

      // What the reloaded store hands out is a copy as well.
      SessionData copy = reloaded.get("mixed-0001").orElseThrow();
      @SuppressWarnings("unchecked")
      List<Long> ids = (List<Long>) copy.getAttribute("ids");
      ids.add(4L);
      copy.setAttribute("user", "eve");
      assertExactTypes(reloaded.get("mixed-0001").orElseThrow(), mixedSession());
    }
    assertThat(disposed).isEmpty();
  }

  @Test
  void reloadAfterReloadKeepsTheSameSessions() {
    Path file = dir.resolve("sessions.json");
    try (MemFileStore store = builder().saveFile(file).build()) {
      store.set(ID, mixedSession());
    }
    try (MemFileStore store = builder().saveFile(file).build()) {
      assertExactTypes(store.get(ID).orElseThrow(), mixedSession());
    }

    try (MemFileStore store = builder().saveFile(file).build()) {
      assertExactTypes(store.get(ID).orElseThrow(), mixedSession());
    }
  }

  @Test
  void javaSerializerSessionsSurviveSaveAndReload() {
    Path file = dir.resolve("java-sessions.bin");
    SessionSerializer java = SessionSerializer.java(APP_TYPES);
    try (MemFileStore store = MemFileStore.builder().serializer(java).saveFile(file).build()) {
      store.set("immutable-1", immutableSession());
      store.set("mixed-0001", mixedSession());
    }

    try (MemFileStore store = MemFileStore.builder().serializer(java).saveFile(file).build()) {
      assertExactTypes(store.get("immutable-1").orElseThrow(), immutableSession());
      assertExactTypes(store.get("mixed-0001").orElseThrow(), mixedSession());
    }
  }

  @Test
  void javaSerializerStoreRefusesAtSetWhatItCouldNotReadBack() {
    try (MemFileStore store =
        MemFileStore.builder().serializer(SessionSerializer.java(APP_TYPES)).build()) {
      SessionData s = immutableSession();
      s.setAttribute("trap", new ReadObjectTrap("store"));

      assertThatThrownBy(() -> store.set(ID, s)).isInstanceOf(SessionSerializationException.class);
      assertThat(store.get(ID)).isEmpty();
    }
  }
}
