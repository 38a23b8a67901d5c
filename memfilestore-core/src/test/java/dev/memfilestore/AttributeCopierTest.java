package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Copies made without deserializing must be exactly what deserializing would give. */
class AttributeCopierTest {
  private static final SessionSerializer JSON = SessionSerializer.json();

  record Point(int x, int y) {}

  record Holder(List<String> items) {}

  static Stream<Arguments> copyable() {
    return Stream.<Object>of(
            "text",
            42L,
            Instant.parse("2026-01-01T00:00:00Z"),
            List.of("immutable", "list"),
            new ArrayList<>(List.of("a", "b")),
            new LinkedList<>(List.of(1L, 2L)),
            new HashSet<>(Set.of("x", "y")),
            new LinkedHashSet<>(List.of(3, 1, 2)),
            new TreeSet<>(Set.of("b", "a")),
            new HashMap<>(Map.of("k", new ArrayList<>(List.of(1L)))),
            new LinkedHashMap<>(Map.of("k", "v")),
            new TreeMap<>(Map.of("b", 2, "a", 1)),
            new byte[] {1, 2, 3},
            new long[] {4L},
            new String[] {"s"},
            new ArrayList<>(Arrays.asList("with", null, "null")),
            new ArrayList<>(List.of(new HashMap<>(Map.of("deep", new ArrayList<>(List.of("x")))))))
        .map(v -> Arguments.of(v)); // one argument each, arrays included
  }

  @ParameterizedTest
  @MethodSource("copyable")
  void aCopyIsWhatDeserializingGives(Object value) {
    SessionData session = new SessionData(Instant.parse("2026-01-01T00:00:00Z"));
    session.setAttribute("value", value);
    Map<String, Object> template = AttributeCopier.template(session.attributes());
    assertThat(template).as("copyable: %s", value.getClass()).isNotNull();

    Object copied = AttributeCopier.copy(template).get("value");
    Object deserialized = JSON.deserialize(JSON.serialize(session)).getAttribute("value");
    assertSameShape(copied, deserialized);
  }

  @Test
  void copiesAreIndependentOfTheTemplateAndOfTheCallersObjects() {
    List<String> roles = new ArrayList<>(List.of("user"));
    Map<String, Object> attributes = new HashMap<>(Map.of("roles", roles));
    Map<String, Object> template = AttributeCopier.template(attributes);
    roles.add("admin"); // the caller changes its own list after set

    @SuppressWarnings("unchecked")
    List<String> first = (List<String>) AttributeCopier.copy(template).get("roles");
    first.add("root");
    @SuppressWarnings("unchecked")
    List<String> second = (List<String>) AttributeCopier.copy(template).get("roles");
    assertThat(second).containsExactly("user");
  }

  static Stream<Arguments> notCopyable() {
    List<Object> selfContaining = new ArrayList<>();
    selfContaining.add(selfContaining);
    Object deep = "bottom";
    for (int i = 0; i < 20; i++) {
      deep = new ArrayList<>(List.of(deep));
    }
    return Stream.<Object>of(
            new Holder(new ArrayList<>(List.of("a"))), // a record holding a mutable list
            new TreeSet<>(Comparator.reverseOrder()),
            new HashMap<>(Map.of(1L, "a")), // a key JSON cannot keep
            new StringBuilder("mutable"),
            new Object[] {1},
            selfContaining,
            deep,
            List.of(new ArrayList<>(List.of("mutable inside an immutable list"))))
        .map(v -> Arguments.of(v));
  }

  @ParameterizedTest
  @MethodSource("notCopyable")
  void otherValuesAreLeftToTheSerializer(Object value) {
    assertThat(AttributeCopier.template(Map.of("value", value))).isNull();
  }

  @Test
  void recordsOfImmutableValuesAreShared() {
    Point p = new Point(1, 2);
    Map<String, Object> template = AttributeCopier.template(Map.of("p", p));
    assertThat(AttributeCopier.copy(template).get("p")).isSameAs(p);
    assertThat(AttributeCopier.holdsContainers(template)).isFalse();
  }

  /** Equal, and of the same classes all the way down. */
  private static void assertSameShape(Object actual, Object expected) {
    if (expected == null) {
      assertThat(actual).isNull();
      return;
    }
    assertThat(actual).isNotNull();
    assertThat(actual.getClass()).isEqualTo(expected.getClass());
    if (expected instanceof Map<?, ?> e) {
      Map<?, ?> a = (Map<?, ?>) actual;
      assertThat(a.keySet()).isEqualTo(e.keySet());
      e.forEach((k, v) -> assertSameShape(a.get(k), v));
    } else if (expected instanceof List<?> e) {
      Iterator<?> a = ((List<?>) actual).iterator();
      for (Object v : e) {
        assertSameShape(a.next(), v);
      }
      assertThat(a.hasNext()).isFalse();
    } else if (expected.getClass().isArray()) {
      assertThat(actual).isEqualTo(expected);
    } else {
      assertThat(actual).isEqualTo(expected);
    }
  }
}
