package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A session read from the store shares the store's attributes until it is changed or a mutable
 * value is read: these tests try every way a caller could reach the shared values and check that
 * the stored session never changes.
 */
class CopyOnReadTest {
  private final TestClock clock = new TestClock();
  private final MemFileStore store = MemFileStore.builder().clock(clock).build();

  private static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");

  private static SessionData original() {
    SessionData s = new SessionData(CREATED);
    s.setAttribute("user", "ada");
    s.setAttribute("roles", new ArrayList<>(List.of("a", "b")));
    Map<String, Object> nested = new HashMap<>();
    nested.put("list", new ArrayList<>(List.of(1L)));
    s.setAttribute("nested", nested);
    s.setAttribute("bytes", new byte[] {1, 2, 3});
    s.setAttribute("fixed", List.of("x"));
    return s;
  }

  private SessionData stored() {
    return store.get("a").orElseThrow();
  }

  @Test
  @SuppressWarnings("unchecked")
  void changingWhatAReadHandsOutNeverChangesTheStore() {
    store.set("a", original());
    SessionData got = stored();
    ((List<String>) got.getAttribute("roles")).add("admin");
    ((List<Long>) ((Map<String, Object>) got.getAttribute("nested")).get("list")).add(2L);
    ((Map<String, Object>) got.getAttribute("nested")).put("more", "x");
    ((byte[]) got.getAttribute("bytes"))[0] = 9;
    got.setAttribute("user", "eve");
    got.removeAttribute("fixed");
    got.setLastAccessedTime(CREATED.plusSeconds(5));

    assertThat(stored()).isEqualTo(original());
    // The caller's session keeps its own changes, reads again give them back.
    assertThat(got.getAttribute("roles")).isEqualTo(List.of("a", "b", "admin"));
    assertThat((byte[]) got.getAttribute("bytes")).containsExactly(9, 2, 3);
    assertThat(got.getAttribute("user")).isEqualTo("eve");
    assertThat(got.getAttributeNames()).doesNotContain("fixed");
  }

  @Test
  @SuppressWarnings("unchecked")
  void aValueReadBeforeTheSessionIsChangedStaysTheCallersOwn() {
    store.set("a", original());
    SessionData got = stored();
    List<String> roles = (List<String>) got.getAttribute("roles"); // read while still shared
    got.setAttribute("user", "eve"); // the map is copied now
    roles.add("admin");
    assertThat(got.getAttribute("roles")).isSameAs(roles).isEqualTo(List.of("a", "b", "admin"));
    assertThat(stored()).isEqualTo(original());
  }

  @Test
  @SuppressWarnings("unchecked")
  void twoReadsAndACopyOfAReadAreIndependent() {
    store.set("a", original());
    SessionData first = stored();
    SessionData second = stored();
    SessionData copy = new SessionData(first);
    ((List<String>) first.getAttribute("roles")).add("first");
    ((List<String>) copy.getAttribute("roles")).add("copy");
    assertThat(second.getAttribute("roles")).isEqualTo(List.of("a", "b"));
    assertThat(first.getAttribute("roles")).isEqualTo(List.of("a", "b", "first"));
    assertThat(copy.getAttribute("roles")).isEqualTo(List.of("a", "b", "copy"));
    assertThat(stored()).isEqualTo(original());
  }

  @Test
  @SuppressWarnings("unchecked")
  void savingAReadAndChangingItsValuesAfterwardsDoesNotReachTheStore() {
    store.set("a", original());
    SessionData got = stored();
    List<String> roles = (List<String>) got.getAttribute("roles");
    got.setAttribute("user", "bob");
    store.set("a", got);
    store.set("b", got); // the same read saved under a second id
    roles.add("after the save");
    ((Map<String, Object>) got.getAttribute("nested")).put("after", "the save");

    SessionData expected = original();
    expected.setAttribute("user", "bob");
    assertThat(stored()).isEqualTo(expected);
    assertThat(store.get("b").orElseThrow()).isEqualTo(expected);
  }

  @Test
  @SuppressWarnings("unchecked")
  void anUnchangedReadSavedAgainUnderAnotherIdStaysSeparateFromTheFirst() {
    store.set("a", original());
    store.set("b", stored()); // shares a's attributes: neither may reach the other
    ((List<String>) store.get("b").orElseThrow().getAttribute("roles")).add("b");
    SessionData b = store.get("b").orElseThrow();
    b.setAttribute("user", "bee");
    ((List<String>) b.getAttribute("roles")).add("b2");
    store.set("b", b);
    assertThat(stored()).isEqualTo(original());
    assertThat(store.get("b").orElseThrow().getAttribute("roles"))
        .isEqualTo(List.of("a", "b", "b2"));
  }

  @Test
  void attributeNamesAreALiveViewThatCannotChangeTheSession() {
    store.set("a", original());
    SessionData got = stored();
    Set<String> names = got.getAttributeNames();
    assertThat(names).containsExactlyInAnyOrder("user", "roles", "nested", "bytes", "fixed");
    got.setAttribute("added", "x");
    got.removeAttribute("user");
    assertThat(names).contains("added").doesNotContain("user").hasSize(5);
    assertThatThrownBy(() -> names.remove("roles"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> names.iterator().remove())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(new LinkedHashSet<>(stored().getAttributeNames()))
        .containsExactlyInAnyOrder("user", "roles", "nested", "bytes", "fixed");
  }

  @Test
  @SuppressWarnings("unchecked")
  void functionsGivenAStoredSessionByATouchCannotChangeIt() {
    AtomicBoolean meddle = new AtomicBoolean();
    MemFileStore withFunctions =
        MemFileStore.builder()
            .clock(clock)
            .ttl(
                (s, id) -> {
                  if (!meddle.get()) {
                    return Duration.ofMinutes(5);
                  }
                  Object roles = s.getAttribute("roles");
                  if (roles != null) {
                    ((List<String>) roles).add("by the ttl function");
                  }
                  s.setAttribute("user", "by the ttl function");
                  return Duration.ofMinutes(5);
                })
            .length(
                s -> {
                  if (meddle.get()) {
                    s.removeAttribute("nested");
                  }
                  return 1;
                })
            .build();
    withFunctions.set("a", original());
    meddle.set(true);
    withFunctions.touch("a", null);
    meddle.set(false);
    SessionData got = withFunctions.get("a").orElseThrow();
    assertThat(got.getAttribute("roles")).isEqualTo(List.of("a", "b"));
    assertThat(got.getAttribute("user")).isEqualTo("ada");
    assertThat(got.getAttribute("nested")).isNotNull();
  }

  @Test
  @SuppressWarnings("unchecked")
  void disposeListenersAndUpdateGetTheirOwnCopies() {
    List<SessionData> disposed = new ArrayList<>();
    MemFileStore listened =
        MemFileStore.builder().clock(clock).dispose((id, s, cause) -> disposed.add(s)).build();
    listened.set("a", original());
    listened.update(
        "a",
        s -> {
          ((List<String>) s.getAttribute("roles")).add("in update");
          return s;
        });
    ((List<String>) disposed.get(0).getAttribute("roles")).add("by the listener");
    assertThat(listened.get("a").orElseThrow().getAttribute("roles"))
        .isEqualTo(List.of("a", "b", "in update"));
  }
}
