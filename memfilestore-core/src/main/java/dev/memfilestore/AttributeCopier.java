package dev.memfilestore;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Hands out copies of stored attributes without deserializing them, when that gives exactly what
 * deserializing would: values of immutable types are shared, and the JDK's mutable lists, sets,
 * maps and arrays holding such values are copied deeply. Anything else (a bean, a record holding a
 * list) makes the store deserialize the session's bytes instead, so copy semantics hold for every
 * session and reads of common ones cost what {@code MapSessionRepository}'s do.
 */
final class AttributeCopier {
  /** Deeper structures are deserialized; this also stops at a structure that holds itself. */
  private static final int MAX_DEPTH = 16;

  private static final Set<Class<?>> LISTS = Set.of(ArrayList.class, LinkedList.class);
  private static final Set<Class<?>> SETS = Set.of(HashSet.class, LinkedHashSet.class);
  private static final Set<Class<?>> MAPS = Set.of(HashMap.class, LinkedHashMap.class);
  private static final Set<Class<?>> ARRAYS =
      Set.of(
          byte[].class,
          short[].class,
          int[].class,
          long[].class,
          float[].class,
          double[].class,
          char[].class,
          boolean[].class,
          String[].class);

  private AttributeCopier() {}

  /**
   * A private deep copy of the attributes to keep beside the bytes, or null if some value cannot be
   * copied this way.
   */
  static Map<String, Object> template(Map<String, Object> attributes) {
    for (Object value : attributes.values()) {
      if (!copyable(value, 0)) {
        return null;
      }
    }
    return copy(attributes);
  }

  /**
   * What the store keeps of a session's attributes beside its freshly encoded {@code bytes}: values
   * of immutable types themselves, the JDK's containers of such values as deep copies, and any
   * other value as an {@link EncodedValue} over its slice of the bytes (decoded when a caller reads
   * it). Values that are still the instances of the template the session was read from are shared
   * (nobody changes those). Returns null if some value is of none of these kinds because the
   * serializer does not say where values lie ({@code encoded} null): then reads deserialize.
   *
   * <p>Call it right after encoding, before anything else can touch the session: value {@code i} of
   * {@code encoded} is the session's {@code i}-th attribute in iteration order.
   */
  static Map<String, Object> template(
      SessionData session,
      byte[] bytes,
      AttributeBytes encoded,
      AttributeBytes.Reusing serializer) {
    Map<String, Object> attributes = session.attributes();
    HashMap<String, Object> template = new HashMap<>(Math.max(4, attributes.size() * 2));
    int i = 0;
    for (Map.Entry<String, Object> e : attributes.entrySet()) {
      Object value = e.getValue();
      Object kept;
      if (value instanceof EncodedValue
          || !(session.isTemplateValue(e.getKey(), value) || copyable(value, 0))) {
        if (encoded == null) {
          return null;
        }
        // re-pointed at the new bytes, so that older bytes are not kept alive through it
        kept = new EncodedValue(bytes, encoded.start(i), encoded.end(i), serializer);
      } else {
        kept = session.isTemplateValue(e.getKey(), value) ? value : copyValue(value);
      }
      template.put(e.getKey(), kept);
      i++;
    }
    return template;
  }

  /** Whether a template holds values kept only as bytes (see {@link EncodedValue}). */
  static boolean holdsEncodedValues(Map<String, Object> template) {
    for (Object value : template.values()) {
      if (value instanceof EncodedValue) {
        return true;
      }
    }
    return false;
  }

  /** Whether a template holds any mutable container, so that a get must copy deeply. */
  static boolean holdsContainers(Map<String, Object> template) {
    for (Object value : template.values()) {
      if (!ImmutableTypes.isImmutable(value)) {
        return true;
      }
    }
    return false;
  }

  /** A deep copy of a template's attributes, for one caller to change freely. */
  static HashMap<String, Object> copy(Map<String, Object> attributes) {
    HashMap<String, Object> copy = new HashMap<>(Math.max(4, attributes.size() * 2));
    for (Map.Entry<String, Object> e : attributes.entrySet()) {
      copy.put(e.getKey(), copyValue(e.getValue()));
    }
    return copy;
  }

  private static boolean copyable(Object value, int depth) {
    if (value == null || ImmutableTypes.isImmutable(value)) {
      return true;
    }
    if (depth >= MAX_DEPTH) {
      return false;
    }
    Class<?> type = value.getClass();
    if (ARRAYS.contains(type)) {
      return true;
    }
    if (isJdkImmutableCollection(type)) {
      return holdsOnlyImmutables(value); // then it is shared, not copied
    }
    if (LISTS.contains(type) || SETS.contains(type)) {
      return allCopyable((Collection<?>) value, depth);
    }
    if (type == TreeSet.class) {
      return ((SortedSet<?>) value).comparator() == null
          && allCopyable((Collection<?>) value, depth);
    }
    if (MAPS.contains(type) || type == TreeMap.class) {
      Map<?, ?> map = (Map<?, ?>) value;
      if (type == TreeMap.class && ((SortedMap<?, ?>) map).comparator() != null) {
        return false;
      }
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof String) || !copyable(e.getValue(), depth + 1)) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  /** List.of, Set.of, Map.of and their kin, which deserializing gives back as such. */
  private static boolean isJdkImmutableCollection(Class<?> type) {
    return type.getName().startsWith("java.util.ImmutableCollections$");
  }

  private static boolean holdsOnlyImmutables(Object collection) {
    Collection<?> values =
        collection instanceof Map<?, ?> map ? map.values() : (Collection<?>) collection;
    if (collection instanceof Map<?, ?> map) {
      for (Object key : map.keySet()) {
        if (!(key instanceof String)) {
          return false;
        }
      }
    }
    for (Object v : values) {
      if (!ImmutableTypes.isImmutable(v)) {
        return false;
      }
    }
    return true;
  }

  private static boolean allCopyable(Collection<?> values, int depth) {
    for (Object v : values) {
      if (!copyable(v, depth + 1)) {
        return false;
      }
    }
    return true;
  }

  /** A deep copy of a copyable value; immutable values are the value itself. */
  @SuppressWarnings("unchecked") // each container is rebuilt as its own class
  static Object copyValue(Object value) {
    if (value == null
        || ImmutableTypes.isImmutable(value)
        || isJdkImmutableCollection(value.getClass())) {
      return value;
    }
    Class<?> type = value.getClass();
    if (type == ArrayList.class) {
      List<Object> list = (List<Object>) value;
      List<Object> copy = new ArrayList<>(list.size());
      list.forEach(v -> copy.add(copyValue(v)));
      return copy;
    }
    if (type == LinkedList.class) {
      List<Object> copy = new LinkedList<>();
      ((List<Object>) value).forEach(v -> copy.add(copyValue(v)));
      return copy;
    }
    if (type == HashSet.class || type == LinkedHashSet.class || type == TreeSet.class) {
      Set<Object> copy =
          type == HashSet.class
              ? new HashSet<>()
              : type == LinkedHashSet.class ? new LinkedHashSet<>() : new TreeSet<>();
      ((Set<Object>) value).forEach(v -> copy.add(copyValue(v)));
      return copy;
    }
    if (type == HashMap.class || type == LinkedHashMap.class || type == TreeMap.class) {
      Map<Object, Object> copy =
          type == HashMap.class
              ? new HashMap<>()
              : type == LinkedHashMap.class ? new LinkedHashMap<>() : new TreeMap<>();
      ((Map<Object, Object>) value).forEach((k, v) -> copy.put(k, copyValue(v)));
      return copy;
    }
    return cloneArray(value);
  }

  private static Object cloneArray(Object array) {
    if (array instanceof byte[] a) {
      return a.clone();
    } else if (array instanceof short[] a) {
      return a.clone();
    } else if (array instanceof int[] a) {
      return a.clone();
    } else if (array instanceof long[] a) {
      return a.clone();
    } else if (array instanceof float[] a) {
      return a.clone();
    } else if (array instanceof double[] a) {
      return a.clone();
    } else if (array instanceof char[] a) {
      return a.clone();
    } else if (array instanceof boolean[] a) {
      return a.clone();
    }
    return ((String[]) array).clone();
  }
}
