package dev.memfilestore;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.DatabindContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.deser.std.StdDelegatingDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.jsontype.PolymorphicTypeValidator;
import com.fasterxml.jackson.databind.jsontype.TypeIdResolver;
import com.fasterxml.jackson.databind.jsontype.impl.ClassNameIdResolver;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.type.TypeFactory;
import com.fasterxml.jackson.databind.util.StdConverter;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;

/**
 * JSON with a Java type tag on every attribute value that JSON alone cannot type exactly.
 *
 * <p>A session is {@code {"created":…, "accessed":…, "maxInactive":…, "attributes":{…}}}; an
 * attribute value is plain JSON for strings, booleans, {@code Integer} and {@code Double}, and
 * {@code ["java.lang.Long", 5]} (Jackson's wrapper-array typing) for everything else. The type
 * names are checked against the allow-list both when writing (so a session that could not be read
 * back is refused by {@code set}) and when reading, by name, before any class is loaded.
 */
final class JsonSessionSerializer implements SessionSerializer, AttributeBytes.Reusing {
  private final ObjectWriter valueWriter;
  private final ObjectReader valueReader;
  private final ObjectMapper mapper;

  /**
   * JSON tokens in one session. With the save file's line limit this bounds the time and memory one
   * record can cost: 15 million one-letter strings would otherwise take 800 MB of heap.
   */
  static final long MAX_TOKENS = 1_000_000;

  /** Nesting of JSON arrays and objects; each typed value adds a level of its own. */
  static final int MAX_NESTING = 256;

  JsonSessionSerializer(TypeAllowList allowList) {
    PolymorphicTypeValidator validator = new AllowListValidator(allowList);
    JsonFactory budgeted =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxTokenCount(MAX_TOKENS)
                    .maxNestingDepth(MAX_NESTING)
                    .build())
            .build();
    mapper =
        new ObjectMapper(budgeted)
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .enable(SerializationFeature.WRITE_DATES_WITH_ZONE_ID)
            .disable(SerializationFeature.FLUSH_AFTER_WRITE_VALUE)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    mapper.registerModule(
        new SimpleModule("memfilestore-keys").addKeySerializer(Object.class, new StringKeysOnly()));
    mapper.registerModule(jdkCollections());
    mapper.setDefaultTyping(
        new CheckedTyping(validator, allowList)
            .init(JsonTypeInfo.Id.CLASS, null)
            .inclusion(JsonTypeInfo.As.WRAPPER_ARRAY));
    valueWriter = mapper.writerFor(Object.class);
    valueReader = mapper.readerFor(Object.class);
  }

  @Override
  public String name() {
    return "json";
  }

  @Override
  public byte[] serialize(SessionData session) {
    return serialize(session, null).bytes();
  }

  /**
   * Writes the session object by hand and each attribute value with Jackson, unless it is the very
   * immutable instance {@code previous} encoded: then its bytes are copied. The output is the JSON
   * Jackson would write for the whole object.
   */
  @Override
  public AttributeBytes.Encoded serialize(SessionData session, StoredSession previous) {
    Map<String, Object> attributes = session.attributes();
    AttributeBytes reusable = previous == null ? null : previous.attributeBytes;
    AttributeBytes written = new AttributeBytes(attributes.size());
    Output out = Output.take();
    byte[] result;
    JsonGenerator g = null;
    String attribute = null;
    try {
      out.ascii("{\"created\":\"");
      out.instant(session.getCreationTime());
      out.ascii("\",\"accessed\":\"");
      out.instant(session.getLastAccessedTime());
      out.write('"');
      if (session.getMaxInactiveInterval() != null) {
        out.ascii(",\"maxInactive\":\"");
        out.ascii(session.getMaxInactiveInterval().toString());
        out.write('"');
      }
      out.ascii(",\"attributes\":{");
      boolean first = true;
      for (Map.Entry<String, Object> e : attributes.entrySet()) {
        attribute = e.getKey();
        Object value = e.getValue();
        if (!first) {
          out.write(',');
        }
        first = false;
        out.write('"');
        if (plainAscii(attribute)) {
          out.ascii(attribute);
        } else {
          out.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(attribute));
        }
        out.ascii("\":");
        int start = out.size();
        if (value instanceof EncodedValue encoded && !encoded.writtenBy(this)) {
          value = encoded.decode(); // another store's: written anew
        }
        int i = reusable == null ? -1 : reusable.indexOf(value);
        if (value instanceof EncodedValue encoded) { // never read since it was stored: as it is
          out.write(encoded.bytes(), encoded.start(), encoded.length());
        } else if (i >= 0) {
          out.write(previous.bytes, reusable.start(i), reusable.end(i) - reusable.start(i));
        } else if (!writeCommonValue(out, value)) {
          if (g == null) {
            g = mapper.getFactory().createGenerator(out);
            g.setRootValueSeparator(null); // values follow the bytes written here, nothing between
          }
          valueWriter.writeValue(g, value);
          g.flush();
        }
        written.add(value, start, out.size());
      }
      out.ascii("}}");
      if (g != null) {
        g.close();
      }
      result = out.toByteArray();
    } catch (IOException | RuntimeException e) {
      Object value = attribute == null ? null : session.getAttribute(attribute);
      throw new SessionSerializationException(
          "attribute '"
              + attribute
              + "' of type "
              + (value == null ? "?" : value.getClass().getName())
              + " cannot be stored as JSON: "
              + rootMessage(e)
              + ". Use JDK value types, records or enums, add the type to the allow-list with"
              + " SessionSerializer.json(\"com.example.YourType\"), or use"
              + " SessionSerializer.java(...)",
          e);
    } finally {
      out.giveBack();
    }
    return new AttributeBytes.Encoded(result, written);
  }

  /**
   * Writes the commonest values as Jackson would, without setting Jackson up for one value: a
   * string that needs no escape, a {@code Long} (with its type tag), an {@code Integer}, a {@code
   * Boolean}. Returns false for anything else, which Jackson writes.
   */
  private static boolean writeCommonValue(Output out, Object value) {
    Class<?> type = value.getClass();
    if (type == String.class && plainAscii((String) value)) {
      out.write('"');
      out.ascii((String) value);
      out.write('"');
    } else if (type == Long.class) {
      out.ascii("[\"java.lang.Long\",");
      out.ascii(Long.toString((Long) value));
      out.write(']');
    } else if (type == Integer.class) {
      out.ascii(Integer.toString((Integer) value));
    } else if (type == Boolean.class) {
      out.ascii(((Boolean) value) ? "true" : "false");
    } else {
      return false;
    }
    return true;
  }

  /** Whether JSON needs no escape for this string, so that its chars are its UTF-8 bytes. */
  static boolean plainAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  /**
   * A byte array stream that takes ASCII text and instants directly; one per thread is reused, so a
   * save allocates only its result.
   */
  private static final class Output extends ByteArrayOutputStream {
    private static final ThreadLocal<Output> FREE = new ThreadLocal<>();

    /** A buffer larger than this is not kept for the next save. */
    private static final int KEEP = 64 * 1024;

    Output(int size) {
      super(size);
    }

    /** This thread's buffer, empty (a new one if a serialize is already under way here). */
    static Output take() {
      Output out = FREE.get();
      if (out == null) {
        return new Output(1024);
      }
      FREE.set(null);
      out.reset();
      return out;
    }

    void giveBack() {
      if (buf.length <= KEEP) {
        FREE.set(this);
      }
    }

    // Unsynchronized: each buffer is used by one thread (ByteArrayOutputStream's methods lock).
    @Override
    public void write(int b) {
      ensure(1);
      buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, buf, count, len);
      count += len;
    }

    @Override
    public void writeBytes(byte[] b) {
      write(b, 0, b.length);
    }

    @Override
    public int size() {
      return count;
    }

    @Override
    public byte[] toByteArray() {
      return Arrays.copyOf(buf, count);
    }

    @Override
    public void reset() {
      count = 0;
    }

    void instant(Instant t) {
      ensure(IsoInstant.MAX_LENGTH);
      int end = IsoInstant.write(t, buf, count);
      if (end < 0) {
        ascii(t.toString());
      } else {
        count = end;
      }
    }

    void ascii(String s) {
      int n = s.length();
      ensure(n);
      for (int i = 0; i < n; i++) {
        buf[count++] = (byte) s.charAt(i);
      }
    }

    private void ensure(int more) {
      if (count + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
      }
    }
  }

  @Override
  public SessionData deserialize(byte[] bytes) {
    try (JsonParser p = mapper.getFactory().createParser(bytes)) {
      expect(p.nextToken(), JsonToken.START_OBJECT);
      Instant created = null;
      Instant accessed = null;
      Duration maxInactive = null;
      HashMap<String, Object> attributes = new HashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "created" -> created = Instant.parse(text(p, value));
          case "accessed" -> accessed = Instant.parse(text(p, value));
          case "maxInactive" ->
              maxInactive = value == JsonToken.VALUE_NULL ? null : Duration.parse(p.getText());
          case "attributes" -> {
            expect(value, JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String name = p.currentName();
              p.nextToken();
              Object attribute = valueReader.readValue(p);
              if (attribute == null) {
                throw new IOException("attribute '" + name + "' has no value");
              }
              attributes.put(name, attribute);
            }
          }
          default -> p.skipChildren(); // written by a newer version: ignore
        }
      }
      if (created == null || accessed == null) {
        throw new IOException("session JSON lacks 'created' or 'accessed'");
      }
      return new SessionData(created, accessed, maxInactive, attributes);
    } catch (IOException | DateTimeParseException | IllegalArgumentException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof StreamConstraintsException) { // thrown by the parser, wrapped by databind
          throw new SessionSerializationException(
              "refused to read a session: it exceeds the decoding budget: " + t.getMessage(), e);
        }
      }
      throw new SessionSerializationException(
          "cannot read a session from JSON: " + rootMessage(e), e);
    }
  }

  @Override
  public Object decodeValue(byte[] bytes, int start, int end) {
    try (JsonParser p = mapper.getFactory().createParser(bytes, start, end - start)) {
      p.nextToken();
      Object value = valueReader.readValue(p);
      if (value == null) {
        throw new IOException("an attribute has no value");
      }
      return value;
    } catch (IOException | IllegalArgumentException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof StreamConstraintsException) {
          throw new SessionSerializationException(
              "refused to read a session attribute: it exceeds the decoding budget: "
                  + t.getMessage(),
              e);
        }
      }
      throw new SessionSerializationException(
          "cannot read a session attribute from JSON: " + rootMessage(e), e);
    }
  }

  private static String text(JsonParser p, JsonToken value) throws IOException {
    if (value != JsonToken.VALUE_STRING) {
      throw new IOException("'" + p.currentName() + "' is " + value + ", not a string");
    }
    return p.getText();
  }

  private static void expect(JsonToken actual, JsonToken expected) throws IOException {
    if (actual != expected) {
      throw new IOException("expected " + expected + " but found " + actual);
    }
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m.split("\n", 2)[0];
  }

  /** Whether a Jackson class id (a binary name or an array descriptor) is allowed. */
  static boolean allowsTypeId(TypeAllowList allowList, String id) {
    if (!id.startsWith("[")) {
      return allowList.allows(id);
    }
    String element = id.replaceFirst("^\\[+", "");
    if (element.length() == 1) {
      return "ZBCSIJFD".contains(element); // an array of primitives
    }
    return element.startsWith("L")
        && element.endsWith(";")
        && allowList.allows(element.substring(1, element.length() - 1));
  }

  /** Decides on type ids by name alone, so a refused class is never loaded. */
  private static final class AllowListValidator extends PolymorphicTypeValidator.Base {
    private static final long serialVersionUID = 1L;
    private final TypeAllowList allowList;

    AllowListValidator(TypeAllowList allowList) {
      this.allowList = allowList;
    }

    @Override
    public Validity validateSubClassName(
        MapperConfig<?> config, JavaType baseType, String subClassName) {
      return allowsTypeId(allowList, subClassName) ? Validity.ALLOWED : Validity.DENIED;
    }

    @Override
    public Validity validateSubType(MapperConfig<?> config, JavaType baseType, JavaType subType) {
      return allowsTypeId(allowList, subType.getRawClass().getName())
          ? Validity.ALLOWED
          : Validity.DENIED;
    }
  }

  /**
   * Types every value (as Jackson's deprecated {@code EVERYTHING} does, the only mode that keeps a
   * {@code Long} a {@code Long}) and refuses to write a type id the reader would refuse.
   */
  @SuppressWarnings("deprecation") // EVERYTHING is deprecated for Jackson 3; we need exact types
  private static final class CheckedTyping extends ObjectMapper.DefaultTypeResolverBuilder {
    private static final long serialVersionUID = 1L;
    private final TypeAllowList allowList;

    CheckedTyping(PolymorphicTypeValidator validator, TypeAllowList allowList) {
      super(ObjectMapper.DefaultTyping.EVERYTHING, validator);
      this.allowList = allowList;
    }

    @Override
    protected TypeIdResolver idResolver(
        MapperConfig<?> config,
        JavaType baseType,
        PolymorphicTypeValidator subtypeValidator,
        Collection<NamedType> subtypes,
        boolean forSer,
        boolean forDeser) {
      return new CheckedIdResolver(
          baseType, config.getTypeFactory(), subtypes, subtypeValidator, allowList);
    }
  }

  private static final class CheckedIdResolver extends ClassNameIdResolver {
    private final TypeAllowList allowList;

    CheckedIdResolver(
        JavaType baseType,
        TypeFactory typeFactory,
        Collection<NamedType> subtypes,
        PolymorphicTypeValidator validator,
        TypeAllowList allowList) {
      super(baseType, typeFactory, subtypes, validator);
      this.allowList = allowList;
    }

    @Override
    public String idFromValue(Object value) {
      return checked(value, super.idFromValue(value));
    }

    @Override
    public String idFromValueAndType(Object value, Class<?> type) {
      return checked(value, super.idFromValueAndType(value, type));
    }

    /**
     * Jackson resolves a generic id ({@code java.util.ArrayList<com.x.Y>}) by loading every class
     * it names before the validator sees it. This serializer never writes one, so refuse it unread.
     */
    @Override
    public JavaType typeFromId(DatabindContext context, String id) throws IOException {
      if (id.indexOf('<') >= 0) {
        throw InvalidTypeIdException.from(
            null,
            "type id '" + id + "': generic type ids are never written and are not read",
            _baseType,
            id);
      }
      return super.typeFromId(context, id);
    }

    private String checked(Object value, String id) {
      if ((value instanceof SortedMap<?, ?> map && map.comparator() != null)
          || (value instanceof SortedSet<?> set && set.comparator() != null)) {
        // JSON holds no comparator: it would come back sorted another way, silently.
        throw new IllegalArgumentException(
            "a "
                + id
                + " with a comparator cannot be stored as JSON, which keeps no comparator: it"
                + " would come back in natural order. Store it without a comparator (or as a"
                + " LinkedHashMap/LinkedHashSet in the order you want), or use"
                + " SessionSerializer.java(...), which keeps a Serializable comparator");
      }
      if (!allowsTypeId(allowList, id)) {
        throw new IllegalArgumentException("type " + id + " is not on the serializer's allow-list");
      }
      return id;
    }
  }

  /** JSON object keys are strings: a map with other keys would come back changed, so refuse it. */
  private static final class StringKeysOnly extends StdSerializer<Object> {
    private static final long serialVersionUID = 1L;

    StringKeysOnly() {
      super(Object.class);
    }

    @Override
    public void serialize(Object key, JsonGenerator g, SerializerProvider provider)
        throws IOException {
      if (!(key instanceof String)) {
        throw JsonMappingException.from(
            g, "map keys must be Strings, found a " + key.getClass().getName());
      }
      g.writeFieldName((String) key);
    }
  }

  /**
   * Reads the JDK's immutable and fixed-size collections back as the same kind (Jackson would make
   * a mutable ArrayList of a List.of, an unmodifiable wrapper of a Set.of or Map.of).
   */
  private static SimpleModule jdkCollections() {
    SimpleModule m = new SimpleModule("memfilestore-jdk-collections");
    readAs(m, "java.util.ImmutableCollections$ListN", new ToImmutableList());
    readAs(m, "java.util.ImmutableCollections$List12", new ToImmutableList());
    readAs(m, "java.util.ImmutableCollections$SetN", new ToImmutableSet());
    readAs(m, "java.util.ImmutableCollections$Set12", new ToImmutableSet());
    readAs(m, "java.util.ImmutableCollections$MapN", new ToImmutableMap());
    readAs(m, "java.util.ImmutableCollections$Map1", new ToImmutableMap());
    readAs(m, "java.util.Arrays$ArrayList", new ToFixedSizeList());
    readAs(m, "java.util.Collections$UnmodifiableList", new ToUnmodifiableSequentialList());
    return m;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void readAs(SimpleModule m, String jdkClass, StdConverter<?, ?> converter) {
    try {
      Class type = Class.forName(jdkClass, false, null);
      m.addDeserializer(type, new StdDelegatingDeserializer<>(converter));
    } catch (ClassNotFoundException e) {
      // another JDK's implementation class: Jackson's default applies
    }
  }

  private static final class ToImmutableList extends StdConverter<ArrayList<Object>, List<Object>> {
    @Override
    public List<Object> convert(ArrayList<Object> list) {
      return list.contains(null) ? Collections.unmodifiableList(list) : List.copyOf(list);
    }
  }

  private static final class ToImmutableSet
      extends StdConverter<LinkedHashSet<Object>, Set<Object>> {
    @Override
    public Set<Object> convert(LinkedHashSet<Object> set) {
      return Set.copyOf(set);
    }
  }

  private static final class ToImmutableMap
      extends StdConverter<LinkedHashMap<String, Object>, Map<String, Object>> {
    @Override
    public Map<String, Object> convert(LinkedHashMap<String, Object> map) {
      return Map.copyOf(map);
    }
  }

  private static final class ToFixedSizeList extends StdConverter<ArrayList<Object>, List<Object>> {
    @Override
    public List<Object> convert(ArrayList<Object> list) {
      return Arrays.asList(list.toArray());
    }
  }

  private static final class ToUnmodifiableSequentialList
      extends StdConverter<ArrayList<Object>, List<Object>> {
    @Override
    public List<Object> convert(ArrayList<Object> list) {
      return Collections.unmodifiableList(new LinkedList<>(list));
    }
  }
}
