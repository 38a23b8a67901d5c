package dev.memfilestore;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns sessions into bytes and back: the seed's {@code serializer} option.
 *
 * <p>The store serializes a session when it is {@code set} (so a session that cannot be stored is
 * refused at once, and the bytes are what the save file holds) and deserializes it when a copy is
 * needed. Implementations must be thread-safe, must throw {@link SessionSerializationException} on
 * failure, and must never instantiate a class that an attacker could name in a planted file: both
 * built-in serializers take an allow-list.
 *
 * <h2>Allow-list patterns</h2>
 *
 * The factories accept the application's own attribute types as patterns in the syntax of {@link
 * java.io.ObjectInputFilter}: {@code "com.example.Cart"} names one class, {@code "com.example.*"}
 * every class of a package, {@code "com.example.**"} a package and its sub-packages. Common JDK
 * value types are always allowed: strings, boxed primitives, {@code BigInteger}, {@code
 * BigDecimal}, {@code UUID}, {@code Locale}, {@code Currency}, every {@code java.time} value, the
 * {@code java.util} lists, sets and maps (including the immutable and unmodifiable ones) and arrays
 * of allowed types.
 */
public interface SessionSerializer {

  /**
   * Encodes a session.
   *
   * @param session the session to encode
   * @return its bytes
   * @throws SessionSerializationException if an attribute cannot be encoded
   */
  byte[] serialize(SessionData session);

  /**
   * Decodes a session.
   *
   * @param bytes what {@link #serialize(SessionData)} produced
   * @return a new session equal to the one serialized
   * @throws SessionSerializationException if the bytes are damaged or name a type not allowed
   */
  SessionData deserialize(byte[] bytes);

  /**
   * A short name for this encoding, written into the save file's header so that a store configured
   * with another serializer refuses the file instead of misreading it.
   *
   * @return the encoding's name; by default the implementing class's name
   */
  default String name() {
    return getClass().getName();
  }

  /**
   * The default serializer: JSON (Jackson) with each attribute value tagged with its Java type, so
   * a {@code Long} comes back as a {@code Long} and a record as that record. Only allow-listed
   * types are ever instantiated; the application adds its own (records, enums, beans with a default
   * constructor) by pattern.
   *
   * @param allowedTypes the application's attribute types, as patterns (see the class doc)
   * @return a thread-safe serializer
   * @throws IllegalArgumentException if a pattern is malformed or allows everything
   */
  static SessionSerializer json(String... allowedTypes) {
    return new JsonSessionSerializer(TypeAllowList.of(allowedTypes));
  }

  /**
   * Java serialization, for applications whose attributes are {@link java.io.Serializable} beans.
   * Reading is guarded by an {@link java.io.ObjectInputFilter} that rejects every class not on the
   * allow-list and limits depth, references and array sizes.
   *
   * @param allowedTypes the application's attribute types, as patterns (see the class doc)
   * @return a thread-safe serializer
   * @throws IllegalArgumentException if a pattern is malformed or allows everything
   */
  static SessionSerializer java(String... allowedTypes) {
    return new JavaSessionSerializer(TypeAllowList.of(allowedTypes));
  }

  /**
   * A built-in serializer by the name a configuration file gives: {@code java} ({@link
   * #java(String...)}) or {@code json} ({@link #json(String...)}), in any case. For adapters whose
   * options are strings (Tomcat's {@code context.xml}, Jetty XML, Spring properties).
   *
   * @param name {@code java} or {@code json}
   * @param allowedTypes the application's attribute types, as patterns (see the class doc); each
   *     argument may hold several, separated by commas or white space, as configuration files give
   *     them ({@code "com.example.Cart, com.example.model.**"})
   * @return a thread-safe serializer
   * @throws IllegalArgumentException if the name is neither, naming it, or a pattern is malformed
   */
  static SessionSerializer named(String name, String... allowedTypes) {
    String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    List<String> patterns = new ArrayList<>();
    for (String p : allowedTypes) {
      for (String one : (p == null ? "" : p.trim()).split("[,\\s]+")) {
        if (!one.isEmpty()) {
          patterns.add(one);
        }
      }
    }
    String[] split = patterns.toArray(String[]::new);
    switch (key) {
      case "java":
        return java(split);
      case "json":
        return json(split);
      default:
        throw new IllegalArgumentException(
            "serializer must be 'java' or 'json' but was '" + name + "'");
    }
  }
}
