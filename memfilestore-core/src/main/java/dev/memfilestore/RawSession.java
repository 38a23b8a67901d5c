package dev.memfilestore;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
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
 * @param created null for a custom serializer's session (so too {@code accessed})
 * @param attributes null for a custom serializer's session
 */
record RawSession(
    Instant created,
    Instant accessed,
    Duration maxInactive,
    List<SaveFileInspector.Attribute> attributes) {
  private static final JsonFactory JSON = new JsonFactory();

  /** What is shown of a custom serializer's session: nothing but its size. */
  private static final RawSession OPAQUE = new RawSession(null, null, null, null);

  /**
   * Decodes a session.
   *
   * @param json whether the bytes are the JSON serializer's object (else base64 in the file)
   * @param serializer the serializer's name, or null if unknown
   * @return null if the bytes are not a session of that serializer; a session without times or
   *     attributes for a custom serializer, whose bytes only it can read
   */
  static RawSession decode(byte[] bytes, boolean json, String serializer) {
    if (json) {
      return json(bytes);
    }
    if ("java".equals(serializer)) {
      return java(bytes);
    }
    if (serializer == null) {
      RawSession java = java(bytes); // the header is lost: the java serializer is likeliest
      return java == null ? OPAQUE : java;
    }
    return OPAQUE;
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
   * The Java serializer's format: the times, then each attribute's name and own stream, whose head
   * names its class without loading it (see {@link JavaSessionSerializer#raw(byte[])}).
   */
  private static RawSession java(byte[] bytes) {
    JavaSessionSerializer.Raw raw;
    try {
      raw = JavaSessionSerializer.raw(bytes);
    } catch (SessionSerializationException e) {
      return null;
    }
    List<SaveFileInspector.Attribute> attributes = new ArrayList<>();
    raw.attributes()
        .forEach(
            (name, value) ->
                attributes.add(
                    new SaveFileInspector.Attribute(
                        name, "null".equals(value.type()) ? null : value.type(), value.text())));
    return new RawSession(
        raw.created(), raw.accessed(), raw.maxInactive(), List.copyOf(attributes));
  }
}
