package dev.memfilestore.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.convert.support.GenericConversionService;
import org.springframework.core.serializer.support.SerializingConverter;
import org.springframework.data.redis.serializer.JdkSerializationRedisSerializer;
import org.springframework.data.redis.serializer.RedisSerializer;

/**
 * An attribute value as the Java serialization stream Spring Session's JDK serialization stores,
 * handed to the target repository unread: its serializer passes it through as it is and serializes
 * everything else (times, ids) as it always does, so the layout stays the repository's own. What it
 * reads back is never instantiated: only the numbers of its own fields are, and any other stream
 * comes back as a {@code JdkStream}.
 */
final class JdkStream {
  private static final Set<String> NUMBERS =
      Set.of("java.lang.Number", "java.lang.Long", "java.lang.Integer");

  private final byte[] bytes;

  JdkStream(byte[] bytes) {
    this.bytes = bytes.clone();
  }

  byte[] bytes() {
    return bytes.clone();
  }

  /** The Redis value serializer of the target's template. */
  static RedisSerializer<Object> redisSerializer() {
    JdkSerializationRedisSerializer jdk = new JdkSerializationRedisSerializer();
    return new RedisSerializer<>() {
      @Override
      public byte[] serialize(Object value) {
        if (value instanceof JdkStream s) {
          return s.bytes();
        }
        if (value instanceof Map<?, ?> delta) {
          // the indexed repository's "session created" message: the attributes' streams cannot be
          // nested in another stream, so the message carries the session's times only
          Map<Object, Object> times = new HashMap<>();
          delta.forEach(
              (k, v) -> {
                if (!(v instanceof JdkStream)) {
                  times.put(k, v);
                }
              });
          return jdk.serialize(times);
        }
        return jdk.serialize(value);
      }

      @Override
      public Object deserialize(byte[] stored) {
        return stored == null ? null : read(stored);
      }
    };
  }

  /** The JDBC repository's conversion service: Object to bytes and back, as its default does. */
  static ConversionService conversionService() {
    GenericConversionService conversions = new GenericConversionService();
    SerializingConverter jdk = new SerializingConverter();
    conversions.addConverter(
        Object.class, byte[].class, v -> v instanceof JdkStream s ? s.bytes() : jdk.convert(v));
    conversions.addConverter(byte[].class, Object.class, JdkStream::new);
    return conversions;
  }

  /** A number the repository stored for itself, or else the stream, unread. */
  private static Object read(byte[] stored) {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(stored))) {
      in.setObjectInputFilter(
          info ->
              info.serialClass() == null || NUMBERS.contains(info.serialClass().getName())
                  ? ObjectInputFilter.Status.UNDECIDED
                  : ObjectInputFilter.Status.REJECTED);
      Object value = in.readObject();
      return value instanceof Number || value instanceof String ? value : new JdkStream(stored);
    } catch (IOException | ClassNotFoundException | RuntimeException e) {
      return new JdkStream(stored);
    }
  }
}
