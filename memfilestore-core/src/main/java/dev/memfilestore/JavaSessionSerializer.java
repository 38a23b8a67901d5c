package dev.memfilestore;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.ObjectStreamException;
import java.io.OutputStream;
import java.io.StreamCorruptedException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Java serialization of each attribute value, read back through an {@link ObjectInputFilter} that
 * allows only allow-listed classes (for arrays, their element class) and bounds the graph.
 *
 * <p>Format 2: the session's times, then each attribute as its name and its own serialization
 * stream. One stream per value lets a tool list names and types without the application's classes
 * (see {@link #raw(byte[])}) and names the attribute that fails.
 */
final class JavaSessionSerializer implements SessionSerializer, AttributeBytes.Reusing {
  private static final int FORMAT = 2;
  private static final long MAX_DEPTH = 64;

  /** Objects and back-references in one session, all its attributes together. */
  static final long MAX_REFERENCES = 100_000;

  private static final long MAX_ARRAY_LENGTH = 16 * 1024 * 1024;

  /**
   * An array may ask for at most this many more elements than bytes remain in its stream (each
   * element takes at least one byte; the margin covers the stream's read-ahead), so a few bytes
   * cannot make the reader allocate a huge array.
   */
  private static final int ARRAY_SLACK = 4096;

  /**
   * Time one session may take to decode. Bounds what the filter's counts cannot: a few kilobytes of
   * nested hash sets sharing their elements ("SerialDOS") make hashing double per level.
   */
  static final Duration MAX_DECODE_TIME = Duration.ofSeconds(1);

  private final TypeAllowList allowList;

  JavaSessionSerializer(TypeAllowList allowList) {
    this.allowList = allowList;
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
    if (Proxy.isProxyClass(c)) {
      // a generated class: allowed when every interface it implements is (its handler, stored
      // in Proxy's field h, passes the filter on its own)
      for (Class<?> i : c.getInterfaces()) {
        if (!allowList.allows(i.getName())) {
          return false;
        }
      }
      return true;
    }
    return c.isPrimitive() || c == Proxy.class || allowList.allows(c.getName());
  }

  /**
   * The filter for one session's attribute streams: the allow-list, and a budget that all of the
   * session's streams share (depth, references, array sizes, time). What was exceeded is kept for
   * the error message, since the stream reports only "REJECTED".
   */
  private final class ReadBudget implements ObjectInputFilter {
    private final long deadline = System.nanoTime() + MAX_DECODE_TIME.toNanos();
    private long referencesBefore; // in the attributes already read
    private long references; // in the attribute being read
    private long streamLength; // of the attribute being read
    String exceeded;
    boolean timeExceeded;

    void nextStream(long length) {
      referencesBefore += references;
      references = 0;
      streamLength = length;
    }

    @Override
    public Status checkInput(FilterInfo info) {
      references = info.references();
      if (info.depth() > MAX_DEPTH) {
        return exceeded("objects nested deeper than " + MAX_DEPTH);
      }
      if (referencesBefore + info.references() > MAX_REFERENCES) {
        return exceeded("more than " + MAX_REFERENCES + " objects");
      }
      if (info.arrayLength() > MAX_ARRAY_LENGTH
          || info.arrayLength() > streamLength - info.streamBytes() + ARRAY_SLACK) {
        return exceeded("an array of " + info.arrayLength() + " elements");
      }
      // Every call: the costly steps of a hostile graph run between back-references, each of which
      // comes here; a clock read costs far less than reading the object it guards.
      if (System.nanoTime() - deadline > 0) {
        timeExceeded = true;
        return exceeded("more than " + MAX_DECODE_TIME.toMillis() + " ms to decode, twice");
      }
      Class<?> c = info.serialClass();
      if (c == null) {
        return Status.UNDECIDED;
      }
      return allowed(allowList, c) ? Status.ALLOWED : Status.REJECTED;
    }

    private Status exceeded(String what) {
      exceeded = what;
      return Status.REJECTED;
    }
  }

  @Override
  public String name() {
    return "java";
  }

  @Override
  public byte[] serialize(SessionData session) {
    return serialize(session, null).bytes();
  }

  /**
   * As {@link #serialize(SessionData)}, but a value that is the very immutable instance {@code
   * previous} encoded keeps its stream: the bytes are copied, not written again.
   */
  @Override
  public AttributeBytes.Encoded serialize(SessionData session, StoredSession previous) {
    AttributeBytes reusable = previous == null ? null : previous.attributeBytes;
    AttributeBytes written = new AttributeBytes(session.attributes().size());
    ByteArrayOutputStream bytes =
        new ByteArrayOutputStream(previous == null ? 512 : previous.bytes.length + 64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(FORMAT);
      writeInstant(out, session.getCreationTime());
      writeInstant(out, session.getLastAccessedTime());
      Duration maxInactive = session.getMaxInactiveInterval();
      out.writeBoolean(maxInactive != null);
      if (maxInactive != null) {
        out.writeLong(maxInactive.getSeconds());
        out.writeInt(maxInactive.getNano());
      }
      Map<String, Object> attributes = session.attributes();
      out.writeInt(attributes.size());
      ByteArrayOutputStream value = null;
      for (Map.Entry<String, Object> e : attributes.entrySet()) {
        out.writeUTF(e.getKey());
        Object v = e.getValue();
        if (v instanceof EncodedValue encoded && !encoded.writtenBy(this)) {
          v = encoded.decode(); // another store's: written anew
        }
        int i = reusable == null ? -1 : reusable.indexOf(v);
        int start;
        if (v instanceof EncodedValue encoded) { // never read since it was stored: as it is
          out.writeInt(encoded.length());
          start = bytes.size();
          out.write(encoded.bytes(), encoded.start(), encoded.length());
        } else if (i >= 0) {
          out.writeInt(reusable.end(i) - reusable.start(i));
          start = bytes.size(); // DataOutputStream does not buffer
          out.write(previous.bytes, reusable.start(i), reusable.end(i) - reusable.start(i));
        } else {
          if (value == null) {
            value = new ByteArrayOutputStream(256);
          }
          value.reset();
          writeValue(value, e.getKey(), v);
          out.writeInt(value.size());
          start = bytes.size();
          value.writeTo(out);
        }
        written.add(v, start, bytes.size());
      }
    } catch (IOException e) {
      throw new SessionSerializationException("cannot serialize the session: " + e, e);
    }
    return new AttributeBytes.Encoded(bytes.toByteArray(), written);
  }

  /** Writes one attribute value as its own stream, refusing what the reader would refuse. */
  private void writeValue(ByteArrayOutputStream to, String name, Object value) {
    String refused;
    try (CheckingOutputStream out = new CheckingOutputStream(to, allowList)) {
      out.writeObject(value);
      refused = out.refused;
    } catch (NotSerializableException e) {
      throw new SessionSerializationException(
          "attribute '"
              + name
              + "' holds a "
              + e.getMessage()
              + ", which is not java.io.Serializable",
          e);
    } catch (IOException | RuntimeException e) {
      throw new SessionSerializationException("cannot serialize attribute '" + name + "': " + e, e);
    }
    if (refused != null) {
      // Refused now, or every later read of this session would fail.
      throw new SessionSerializationException(
          "attribute '"
              + name
              + "' holds a "
              + refused
              + ", which is not on the serializer's allow-list, so it could not be read back."
              + " Add it with SessionSerializer.java(\""
              + refused
              + "\")",
          null);
    }
  }

  @Override
  public SessionData deserialize(byte[] bytes) {
    try {
      return deserialize(bytes, new ReadBudget());
    } catch (DecodeTimeExceeded e) {
      // Once more with a fresh budget: a garbage-collection pause or a loaded machine can make an
      // ordinary session slow once, while a hostile one is slow every time.
      try {
        return deserialize(bytes, new ReadBudget());
      } catch (DecodeTimeExceeded again) {
        throw again.failure;
      }
    }
  }

  /** The session exceeded the decoding time of its budget; {@link #failure} says so. */
  private static final class DecodeTimeExceeded extends Exception {
    private static final long serialVersionUID = 1L;
    final transient SessionSerializationException failure;

    DecodeTimeExceeded(SessionSerializationException failure) {
      super(null, null, false, false);
      this.failure = failure;
    }
  }

  private SessionData deserialize(byte[] bytes, ReadBudget budget) throws DecodeTimeExceeded {
    String attribute = null;
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
      Instant created;
      Instant accessed;
      Duration maxInactive;
      int count;
      try {
        readFormat(in);
        created = readInstant(in);
        accessed = readInstant(in);
        maxInactive = in.readBoolean() ? Duration.ofSeconds(in.readLong(), in.readInt()) : null;
        count = in.readInt();
      } catch (IOException e) {
        throw new InvalidClassException("damaged session header: " + e);
      }
      HashMap<String, Object> attributes = new HashMap<>();
      for (int i = 0; i < count; i++) {
        attribute = in.readUTF();
        byte[] value = in.readNBytes(checkedLength(in.readInt(), in));
        attributes.put(attribute, readStream(value, 0, value.length, budget));
      }
      if (in.available() > 0) {
        throw new InvalidClassException("trailing bytes after the last attribute");
      }
      return new SessionData(created, accessed, maxInactive, attributes);
    } catch (ObjectStreamException e) {
      throw refused(e, attribute, budget);
    } catch (IOException | ClassNotFoundException | RuntimeException e) {
      throw new SessionSerializationException("cannot read a session: " + e, e);
    }
  }

  @Override
  public Object decodeValue(byte[] bytes, int start, int end) {
    try {
      return decodeValue(bytes, start, end, new ReadBudget());
    } catch (DecodeTimeExceeded e) {
      try { // once more, as deserialize does
        return decodeValue(bytes, start, end, new ReadBudget());
      } catch (DecodeTimeExceeded again) {
        throw again.failure;
      }
    }
  }

  private Object decodeValue(byte[] bytes, int start, int end, ReadBudget budget)
      throws DecodeTimeExceeded {
    try {
      return readStream(bytes, start, end - start, budget);
    } catch (ObjectStreamException e) {
      throw refused(e, null, budget);
    } catch (IOException | ClassNotFoundException | RuntimeException e) {
      throw new SessionSerializationException("cannot read a session attribute: " + e, e);
    }
  }

  /** Reads one attribute's stream under the session's budget. */
  private Object readStream(byte[] bytes, int offset, int length, ReadBudget budget)
      throws IOException, ClassNotFoundException {
    budget.nextStream(length);
    try (ObjectInputStream values = new AllowListInputStream(bytes, offset, length, allowList)) {
      values.setObjectInputFilter(budget);
      return values.readObject();
    }
  }

  /** The error for a stream the filter or the stream itself refused. */
  private static SessionSerializationException refused(
      ObjectStreamException e, String attribute, ReadBudget budget) throws DecodeTimeExceeded {
    String which = attribute == null ? "" : " (attribute '" + attribute + "')";
    if (budget.exceeded != null) {
      SessionSerializationException failure =
          new SessionSerializationException(
              "refused to read a session"
                  + which
                  + ": it exceeds the decoding budget with "
                  + budget.exceeded,
              e);
      if (budget.timeExceeded) {
        throw new DecodeTimeExceeded(failure);
      }
      return failure;
    }
    return new SessionSerializationException(
        "refused to read a session"
            + which
            + ": "
            + e.getMessage()
            + " (if this is your own Serializable type, add it with SessionSerializer.java("
            + "\"com.example.YourType\"))",
        e);
  }

  /**
   * Describes a session without loading any of its attributes' classes: its times, and for each
   * attribute the class named at the head of its stream and, for strings and boxed primitives, the
   * value's text. For tools that inspect a save file without the application's classes.
   *
   * @throws SessionSerializationException if the bytes are not a session of this format
   */
  static Raw raw(byte[] bytes) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
      readFormat(in);
      Instant created = readInstant(in);
      Instant accessed = readInstant(in);
      Duration maxInactive =
          in.readBoolean() ? Duration.ofSeconds(in.readLong(), in.readInt()) : null;
      int count = in.readInt();
      Map<String, RawValue> attributes = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        String name = in.readUTF();
        byte[] value = in.readNBytes(checkedLength(in.readInt(), in));
        attributes.put(name, rawValue(value));
      }
      return new Raw(created, accessed, maxInactive, attributes);
    } catch (IOException | RuntimeException e) {
      throw new SessionSerializationException("not a java-serialized session: " + e, e);
    }
  }

  /**
   * Each attribute's own serialization stream, as written, in the session's order; nothing is
   * loaded or instantiated.
   *
   * @throws SessionSerializationException if the bytes are not a session of this format
   */
  static Map<String, byte[]> streams(byte[] bytes) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
      readFormat(in);
      readInstant(in);
      readInstant(in);
      if (in.readBoolean()) {
        in.readLong();
        in.readInt();
      }
      int count = in.readInt();
      Map<String, byte[]> streams = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        String name = in.readUTF();
        streams.put(name, in.readNBytes(checkedLength(in.readInt(), in)));
      }
      if (in.available() > 0) {
        throw new StreamCorruptedException("trailing bytes after the last attribute");
      }
      return streams;
    } catch (IOException | RuntimeException e) {
      throw new SessionSerializationException("not a java-serialized session: " + e, e);
    }
  }

  /** A session as {@link #raw(byte[])} sees it. */
  record Raw(
      Instant created, Instant accessed, Duration maxInactive, Map<String, RawValue> attributes) {}

  /**
   * One attribute as {@link #raw(byte[])} sees it.
   *
   * @param type the class named at the head of the value's stream ("null" for null, "proxy" for a
   *     proxy), as written: never loaded
   * @param text the value's text for a string or boxed primitive, else null
   * @param length the length of the value's stream in bytes
   */
  record RawValue(String type, String text, int length) {}

  private static final byte[] STREAM_HEAD = {(byte) 0xAC, (byte) 0xED, 0x00, 0x05};
  private static final byte TC_NULL = 0x70;
  private static final byte TC_CLASSDESC = 0x72;
  private static final byte TC_OBJECT = 0x73;
  private static final byte TC_STRING = 0x74;
  private static final byte TC_ARRAY = 0x75;
  private static final byte TC_LONGSTRING = 0x7C;
  private static final byte TC_PROXYCLASSDESC = 0x7D;
  private static final byte TC_ENUM = 0x7E;

  /** Only these are ever instantiated by {@link #raw(byte[])}: final JDK classes, no hooks. */
  private static final Set<String> TEXT_TYPES =
      Set.of(
          "java.lang.Boolean",
          "java.lang.Character",
          "java.lang.Byte",
          "java.lang.Short",
          "java.lang.Integer",
          "java.lang.Long",
          "java.lang.Float",
          "java.lang.Double");

  private static RawValue rawValue(byte[] value) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(value));
    byte[] head = in.readNBytes(STREAM_HEAD.length);
    if (!Arrays.equals(head, STREAM_HEAD)) {
      throw new StreamCorruptedException("an attribute value is not a Java serialization stream");
    }
    byte tag = in.readByte();
    switch (tag) {
      case TC_NULL:
        return new RawValue("null", null, value.length);
      case TC_STRING:
        return new RawValue("java.lang.String", in.readUTF(), value.length);
      case TC_LONGSTRING:
        return new RawValue("java.lang.String", null, value.length);
      case TC_OBJECT:
      case TC_ARRAY:
      case TC_ENUM:
        byte descriptor = in.readByte();
        if (descriptor == TC_PROXYCLASSDESC) {
          return new RawValue("proxy", null, value.length);
        }
        if (descriptor != TC_CLASSDESC) {
          throw new StreamCorruptedException("unexpected class descriptor " + descriptor);
        }
        String type = in.readUTF();
        String text = null;
        if (tag == TC_OBJECT && TEXT_TYPES.contains(type)) {
          text = String.valueOf(readOnly(value, TEXT_TYPES));
        }
        return new RawValue(type, text, value.length);
      default:
        throw new StreamCorruptedException("unexpected value tag " + tag);
    }
  }

  /** Reads a value whose classes must all be among {@code types} (plus Number, their super). */
  private static Object readOnly(byte[] value, Set<String> types) throws IOException {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(value))) {
      in.setObjectInputFilter(
          info -> {
            Class<?> c = info.serialClass();
            if (c == null) {
              return ObjectInputFilter.Status.UNDECIDED;
            }
            return types.contains(c.getName()) || c == Number.class
                ? ObjectInputFilter.Status.ALLOWED
                : ObjectInputFilter.Status.REJECTED;
          });
      return in.readObject();
    } catch (ClassNotFoundException e) {
      throw new InvalidClassException(e.getMessage());
    }
  }

  private static void readFormat(DataInputStream in) throws IOException {
    int format = in.readInt();
    if (format != FORMAT) {
      throw new InvalidClassException(
          "unknown session format "
              + format
              + " (this version reads format "
              + FORMAT
              + "; format 1 was written by a pre-release build)");
    }
  }

  private static int checkedLength(int length, DataInputStream in) throws IOException {
    if (length < 0 || length > in.available()) {
      throw new StreamCorruptedException("attribute length " + length + " runs past the session");
    }
    return length;
  }

  private static void writeInstant(DataOutputStream out, Instant t) throws IOException {
    out.writeLong(t.getEpochSecond());
    out.writeInt(t.getNano());
  }

  private static Instant readInstant(DataInputStream in) throws IOException {
    return Instant.ofEpochSecond(in.readLong(), in.readInt());
  }

  /**
   * Checks every class name against the allow-list before it is loaded, and loads through the
   * thread's context class loader when it has one: in a servlet container that is the web
   * application's loader, which can see the application's attribute types.
   */
  private static final class AllowListInputStream extends ObjectInputStream {
    private final TypeAllowList allowList;

    AllowListInputStream(byte[] bytes, int offset, int length, TypeAllowList allowList)
        throws IOException {
      super(new ByteArrayInputStream(bytes, offset, length));
      this.allowList = allowList;
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc)
        throws IOException, ClassNotFoundException {
      String name = desc.getName();
      if (name.equals(Proxy.class.getName())) {
        return Proxy.class; // the superclass of every proxy, read with it: no code of its own
      }
      String element = name;
      while (element.startsWith("[")) {
        element = element.substring(1);
      }
      if (element.startsWith("L") && element.endsWith(";")) {
        element = element.substring(1, element.length() - 1);
      } else if (!element.equals(name)) {
        element = "int"; // an array of a primitive type: nothing to instantiate
      }
      boolean internalArray =
          !element.equals(name)
              && (element.equals("java.lang.Object") || element.equals("java.util.Map$Entry"));
      if (!internalArray && !element.equals("int") && !allowList.allows(element)) {
        throw new InvalidClassException(name, "not on the serializer's allow-list");
      }
      ClassLoader context = Thread.currentThread().getContextClassLoader();
      if (context != null) {
        try {
          return Class.forName(name, false, context);
        } catch (ClassNotFoundException e) {
          // not visible there: the default resolution below
        }
      }
      return super.resolveClass(desc);
    }

    /** A proxy: its interfaces are checked by name first, then loaded like classes. */
    @Override
    @SuppressWarnings("deprecation") // Proxy.getProxyClass: the class, without an instance
    protected Class<?> resolveProxyClass(String[] interfaces)
        throws IOException, ClassNotFoundException {
      for (String i : interfaces) {
        if (!allowList.allows(i)) {
          throw new InvalidClassException(i, "proxy interface not on the serializer's allow-list");
        }
      }
      ClassLoader context = Thread.currentThread().getContextClassLoader();
      if (context == null) {
        return super.resolveProxyClass(interfaces);
      }
      Class<?>[] types = new Class<?>[interfaces.length];
      try {
        for (int k = 0; k < interfaces.length; k++) {
          types[k] = Class.forName(interfaces[k], false, context);
        }
        return Proxy.getProxyClass(context, types);
      } catch (ClassNotFoundException | IllegalArgumentException e) {
        return super.resolveProxyClass(interfaces);
      }
    }
  }

  /** Notes the first class written that the reading filter would refuse. */
  private static final class CheckingOutputStream extends ObjectOutputStream {
    private final TypeAllowList allowList;
    String refused;

    CheckingOutputStream(OutputStream out, TypeAllowList allowList) throws IOException {
      super(out);
      this.allowList = allowList;
    }

    @Override
    protected void annotateClass(Class<?> c) {
      if (refused == null && !allowed(allowList, c)) {
        refused = c.getName();
      }
    }

    @Override
    protected void annotateProxyClass(Class<?> c) {
      for (Class<?> i : c.getInterfaces()) {
        if (refused == null && !allowList.allows(i.getName())) {
          refused = i.getName();
        }
      }
    }
  }
}
