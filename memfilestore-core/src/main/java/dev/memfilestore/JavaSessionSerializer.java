package dev.memfilestore;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Java serialization of the attribute map, read back through an {@link ObjectInputFilter} that
 * allows only allow-listed classes (for arrays, their element class) and bounds the graph.
 */
final class JavaSessionSerializer implements SessionSerializer {
  private static final int FORMAT = 1;
  private static final long MAX_DEPTH = 64;
  private static final long MAX_REFERENCES = 1_000_000;
  private static final long MAX_ARRAY_LENGTH = 16 * 1024 * 1024;

  private final ObjectInputFilter filter;

  JavaSessionSerializer(TypeAllowList allowList) {
    this.filter = info -> check(allowList, info);
  }

  private static ObjectInputFilter.Status check(
      TypeAllowList allowList, ObjectInputFilter.FilterInfo info) {
    if (info.depth() > MAX_DEPTH
        || info.references() > MAX_REFERENCES
        || info.arrayLength() > MAX_ARRAY_LENGTH) {
      return ObjectInputFilter.Status.REJECTED;
    }
    Class<?> c = info.serialClass();
    if (c == null) {
      return ObjectInputFilter.Status.UNDECIDED;
    }
    boolean array = c.isArray();
    while (c.isArray()) {
      c = c.getComponentType();
    }
    // ArrayList and HashMap read their elements into Object[] and Map.Entry[]: creating an
    // array runs no code, and each element still passes this filter on its own.
    return c.isPrimitive()
            || allowList.allows(c.getName())
            || (array && (c == Object.class || c == Map.Entry.class))
        ? ObjectInputFilter.Status.ALLOWED
        : ObjectInputFilter.Status.REJECTED;
  }

  @Override
  public String name() {
    return "java";
  }

  @Override
  public byte[] serialize(SessionData session) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeInt(FORMAT);
      writeInstant(out, session.getCreationTime());
      writeInstant(out, session.getLastAccessedTime());
      Duration maxInactive = session.getMaxInactiveInterval();
      out.writeBoolean(maxInactive != null);
      if (maxInactive != null) {
        out.writeLong(maxInactive.getSeconds());
        out.writeInt(maxInactive.getNano());
      }
      out.writeObject(new HashMap<>(session.attributes()));
    } catch (NotSerializableException e) {
      throw new SessionSerializationException(
          "an attribute holds a " + e.getMessage() + ", which is not java.io.Serializable", e);
    } catch (IOException e) {
      throw new SessionSerializationException("cannot serialize the session: " + e, e);
    }
    return bytes.toByteArray();
  }

  @Override
  public SessionData deserialize(byte[] bytes) {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      in.setObjectInputFilter(filter);
      int format = in.readInt();
      if (format != FORMAT) {
        throw new InvalidClassException("unknown session format " + format);
      }
      Instant created = readInstant(in);
      Instant accessed = readInstant(in);
      Duration maxInactive =
          in.readBoolean() ? Duration.ofSeconds(in.readLong(), in.readInt()) : null;
      Object attributes = in.readObject();
      if (!(attributes instanceof Map)) {
        throw new InvalidClassException("session attributes are not a map");
      }
      Map<String, Object> copy = new HashMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) attributes).entrySet()) {
        copy.put((String) e.getKey(), e.getValue());
      }
      return new SessionData(created, accessed, maxInactive, copy);
    } catch (ObjectStreamException e) {
      throw new SessionSerializationException(
          "refused to read a session: "
              + e.getMessage()
              + " (if this is your own Serializable type, add it with SessionSerializer.java("
              + "\"com.example.YourType\"))",
          e);
    } catch (IOException | ClassNotFoundException | ClassCastException e) {
      throw new SessionSerializationException("cannot read a session: " + e, e);
    }
  }

  private static void writeInstant(ObjectOutputStream out, Instant t) throws IOException {
    out.writeLong(t.getEpochSecond());
    out.writeInt(t.getNano());
  }

  private static Instant readInstant(ObjectInputStream in) throws IOException {
    return Instant.ofEpochSecond(in.readLong(), in.readInt());
  }
}
