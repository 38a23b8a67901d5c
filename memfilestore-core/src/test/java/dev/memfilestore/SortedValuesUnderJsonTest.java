package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, item 12: JSON keeps no comparator, so a sorted map or set with one would come back in
 * natural order after a restart. The json serializer refuses it at {@code set}, saying what to do;
 * without a comparator it round-trips; the java serializer keeps a serializable comparator.
 */
class SortedValuesUnderJsonTest {
  @TempDir Path dir;

  @Test
  void aTreeMapWithAComparatorIsRefusedAtSetAndTheStoreIsUnchanged() {
    try (MemFileStore store = MemFileStore.builder().build()) {
      SessionData before = new SessionData();
      before.setAttribute("n", 1);
      store.set("s", before);
      TreeMap<String, Integer> reversed = new TreeMap<>(Comparator.reverseOrder());
      reversed.put("a", 1);
      reversed.put("b", 2);
      for (Object value :
          List.of(
              reversed,
              Collections.unmodifiableSortedMap(reversed),
              List.of(reversed), // nested
              new TreeSet<>(String.CASE_INSENSITIVE_ORDER))) {
        SessionData session = new SessionData();
        session.setAttribute("sorted", value);
        assertThatThrownBy(() -> store.set("s", session))
            .isInstanceOf(SessionSerializationException.class)
            .hasMessageContaining("attribute 'sorted'")
            .hasMessageContaining("with a comparator cannot be stored as JSON")
            .hasMessageContaining("SessionSerializer.java(...)");
      }
      assertThat(store.get("s").orElseThrow().getAttribute("n")).isEqualTo(1);
    }
  }

  @Test
  void sortedValuesInNaturalOrderRoundTripThroughTheFile() {
    Path file = dir.resolve("s.json");
    try (MemFileStore store = MemFileStore.builder().saveFile(file).build()) {
      SessionData session = new SessionData();
      session.setAttribute("map", new TreeMap<>(Map.of("b", 2, "a", 1)));
      session.setAttribute("set", new TreeSet<>(List.of("y", "x")));
      store.set("s", session);
    }
    try (MemFileStore store = MemFileStore.builder().saveFile(file).build()) {
      SessionData session = store.get("s").orElseThrow();
      assertThat(session.getAttribute("map")).isInstanceOf(TreeMap.class);
      assertThat(List.copyOf(((TreeMap<?, ?>) session.getAttribute("map")).keySet()))
          .isEqualTo(List.of("a", "b"));
      assertThat(List.copyOf((TreeSet<?>) session.getAttribute("set")))
          .isEqualTo(List.of("x", "y"));
    }
  }

  @Test
  void theJavaSerializerKeepsASerializableComparator() {
    Path file = dir.resolve("s.bin");
    TreeMap<String, Integer> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.put("B", 2);
    headers.put("a", 1);
    try (MemFileStore store =
        MemFileStore.builder().saveFile(file).serializer(SessionSerializer.java()).build()) {
      SessionData session = new SessionData();
      session.setAttribute("headers", headers);
      store.set("s", session);
    }
    try (MemFileStore store =
        MemFileStore.builder().saveFile(file).serializer(SessionSerializer.java()).build()) {
      TreeMap<?, ?> back = (TreeMap<?, ?>) store.get("s").orElseThrow().getAttribute("headers");
      assertThat(List.copyOf(back.keySet())).isEqualTo(List.of("a", "B"));
      assertThat(back.comparator()).isNotNull();
    }
  }
}
