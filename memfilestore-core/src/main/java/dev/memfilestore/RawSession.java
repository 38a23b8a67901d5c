package dev.memfilestore;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a session's bytes say without deserializing them: its times and, where that is possible
 * without loading a single attribute class, each attribute's name, type name and text. Used by
 * {@link SaveFileInspector}, which must read files of applications whose classes it does not have,
 * and must never instantiate a type a planted file names.
 *
 * @param attributes null when the encoding does not reveal them without the application's classes
 */
record RawSession(
    Instant created,
    Instant accessed,
    Duration maxInactive,
    List<SaveFileInspector.Attribute> attributes) {
  private static final JsonFactory JSON = new JsonFactory();

  /** The format number the Java serializer writes first (the layout of the times that follow). */
  private static final int JAVA_FORMAT_1 = 1;

  /**
   * Decodes a session.
   *
   * @param json whether the bytes are the JSON serializer's object (else a Java-serialized stream)
   * @return null if the bytes are not a session of that encoding
   */
  static RawSession decode(byte[] bytes, boolean json) {
    return json ? json(bytes) : java(bytes);
  }

  private static RawSession json(byte[] bytes) {
    Instant created = null;
    Instant accessed = null;
    Duration maxInactive = null;
    List<SaveFileInspector.Attribute> attributes = null;
    try (JsonParser p = JSON.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "created" -> created = Instant.parse(p.getText());
          case "accessed" -> accessed = Instant.parse(p.getText());
          case "maxInactive" ->
              maxInactive = t == JsonToken.VALUE_NULL ? null : Duration.parse(p.getText());
          case "attributes" -> {
            if (t != JsonToken.START_OBJECT) {
              return null;
            }
            attributes = new ArrayList<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String attribute = p.currentName();
              p.nextToken();
              attributes.add(jsonAttribute(attribute, p, bytes));
            }
          }
          default -> p.skipChildren();
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        return null;
      }
    } catch (IOException | RuntimeException e) {
      return null; // not JSON, or a time that does not parse: not a session this store wrote
    }
    if (created == null || accessed == null || attributes == null) {
      return null;
    }
    return new RawSession(created, accessed, maxInactive, List.copyOf(attributes));
  }

  /**
   * One attribute value in the JSON serializer's form: bare for strings, booleans, {@code Integer}
   * and {@code Double}; {@code ["type.Name", value]} for everything else.
   */
  private static SaveFileInspector.Attribute jsonAttribute(String name, JsonParser p, byte[] bytes)
      throws IOException {
    JsonToken t = p.currentToken();
    switch (t) {
      case VALUE_STRING:
        return new SaveFileInspector.Attribute(name, "java.lang.String", p.getText());
      case VALUE_TRUE:
      case VALUE_FALSE:
        return new SaveFileInspector.Attribute(name, "java.lang.Boolean", p.getText());
      case VALUE_NUMBER_INT:
        return new SaveFileInspector.Attribute(name, "java.lang.Integer", p.getText());
      case VALUE_NUMBER_FLOAT:
        return new SaveFileInspector.Attribute(name, "java.lang.Double", p.getText());
      case VALUE_NULL:
        return new SaveFileInspector.Attribute(name, null, null);
      case START_ARRAY:
        if (p.nextToken() != JsonToken.VALUE_STRING) {
          throw new IOException("attribute " + name + " is an array without a type name");
        }
        String type = p.getText();
        JsonToken value = p.nextToken();
        String text = valueText(p, value, bytes);
        if (p.nextToken() != JsonToken.END_ARRAY) {
          throw new IOException("attribute " + name + " has more than a type and a value");
        }
        return new SaveFileInspector.Attribute(name, type, text);
      default:
        // An object without a type tag: the serializer does not write one, but show it as it is.
        return new SaveFileInspector.Attribute(name, null, valueText(p, t, bytes));
    }
  }

  /** Scalars as their text, structures as their JSON, cut from the session's bytes. */
  private static String valueText(JsonParser p, JsonToken t, byte[] bytes) throws IOException {
    if (t == JsonToken.START_ARRAY || t == JsonToken.START_OBJECT) {
      int start = (int) p.currentTokenLocation().getByteOffset();
      p.skipChildren();
      int end = (int) p.currentLocation().getByteOffset();
      return new String(Arrays.copyOfRange(bytes, start, end), StandardCharsets.UTF_8);
    }
    if (t == JsonToken.VALUE_NULL || t == null) {
      return null;
    }
    return p.getText();
  }

  /**
   * The Java serializer's stream: a format number and the times are primitive block data, read
   * without resolving any class; the attribute map that follows is an object graph, so it is left
   * unread (a filter that rejects every class makes sure of it).
   */
  private static RawSession java(byte[] bytes) {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      in.setObjectInputFilter(info -> ObjectInputFilter.Status.REJECTED);
      int format = in.readInt();
      if (format != JAVA_FORMAT_1) {
        return null;
      }
      Instant created = Instant.ofEpochSecond(in.readLong(), in.readInt());
      Instant accessed = Instant.ofEpochSecond(in.readLong(), in.readInt());
      Duration maxInactive =
          in.readBoolean() ? Duration.ofSeconds(in.readLong(), in.readInt()) : null;
      return new RawSession(created, accessed, maxInactive, null);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
