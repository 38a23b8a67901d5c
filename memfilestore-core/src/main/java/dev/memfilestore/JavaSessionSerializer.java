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

  private final TypeAllowList allowList;
  private final ObjectInputFilter filter;

  JavaSessionSerializer(TypeAllowList allowList) {
    this.allowList = allowList;
    this.filter = info -> check(allowList, info);
  }

  /** Whether a class may appear in a session's stream: allow-listed, or an array of such. */
  private static boolean allowed(TypeAllowList allowList, Class<?> type) {
    Class<?> c = type;
    while (c.isArray()) {
      c = c.getComponentType();
    }
    // ArrayList, HashMap and List.of read their elements into Object[] and Map.Entry[]: creating
    // an array runs no code, and each element still passes the filter on its own.
    if (type.isArray() && (c == Object.class || c == Map.Entry.class)) {
      return true;
    }
    return c.isPrimitive() || allowList.allows(c.getName());
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
    return allowed(allowList, c)
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
    String refused;
    try (CheckingOutputStream out = new CheckingOutputStream(bytes, allowList)) {
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
      refused = out.refused;
    } catch (NotSerializableException e) {
      throw new SessionSerializationException(
          "an attribute holds a " + e.getMessage() + ", which is not java.io.Serializable", e);
    } catch (IOException | RuntimeException e) {
      throw new SessionSerializationException("cannot serialize the session: " + e, e);
    }
    if (refused != null) {
      // Refused now, or every later read of this session would fail.
      throw new SessionSerializationException(
          "an attribute holds a "
              + refused
              + ", which is not on the serializer's allow-list, so it could not be read back."
              + " Add it with SessionSerializer.java(\""
              + refused
              + "\")",
          null);
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
      HashMap<String, Object> copy = new HashMap<>();
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
    } catch (IOException | ClassNotFoundException | RuntimeException e) {
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

  /** Notes the first class written that the reading filter would refuse. */
  private static final class CheckingOutputStream extends ObjectOutputStream {
    private final TypeAllowList allowList;
    String refused;

    CheckingOutputStream(ByteArrayOutputStream out, TypeAllowList allowList) throws IOException {
      super(out);
      this.allowList = allowList;
    }

    @Override
    protected void annotateClass(Class<?> c) {
      if (refused == null && !allowed(allowList, c)) {
        refused = c.getName();
      }
    }
  }
}
