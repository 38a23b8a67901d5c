package dev.memfilestore;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * Rewrites the times in a built-in serializer's session bytes without touching its attributes: a
 * {@code touch} keeps the stored bytes and records only the new times, which a snapshot (or a
 * replay of a journal's {@code touch} record) then writes into a copy of the bytes. The attributes'
 * bytes are copied as they are, never decoded, so no attribute class is loaded.
 */
final class SessionTimes {
  private static final JsonFactory JSON = new JsonFactory();

  private static final byte[] CREATED = ascii("{\"created\":\"");
  private static final byte[] ACCESSED = ascii("\",\"accessed\":\"");
  private static final byte[] MAX_INACTIVE = ascii("\",\"maxInactive\":\"");
  private static final byte[] ATTRIBUTES = ascii("\",\"attributes\":");

  /** The java serializer's format number, the first int of its bytes. */
  private static final int JAVA_FORMAT = 2;

  /** Bytes before the java format's max-inactive flag: format, created, accessed. */
  private static final int JAVA_FLAG_AT = 4 + 12 + 12;

  private SessionTimes() {}

  /** Whether a serializer's bytes can be retimed here, so a touch need not re-encode them. */
  static boolean supports(SessionSerializer serializer) {
    return serializer instanceof JsonSessionSerializer
        || serializer instanceof JavaSessionSerializer;
  }

  /**
   * A copy of a session's bytes with the given last-accessed time and max-inactive interval.
   *
   * @param json whether the bytes are the json serializer's (else the java serializer's)
   * @throws IllegalArgumentException if the bytes are not a session of that serializer
   */
  static byte[] retime(byte[] bytes, boolean json, Instant accessed, Duration maxInactive) {
    return json ? json(bytes, accessed, maxInactive) : java(bytes, accessed, maxInactive);
  }

  // ------------------------------------------------------------------ java

  private static byte[] java(byte[] bytes, Instant accessed, Duration maxInactive) {
    if (bytes.length < JAVA_FLAG_AT + 1 + 4
        || readInt(bytes, 0) != JAVA_FORMAT
        || (bytes[JAVA_FLAG_AT] != 0 && bytes[JAVA_FLAG_AT] != 1)) {
      throw new IllegalArgumentException("not a session of the java serializer's format 2");
    }
    int rest = JAVA_FLAG_AT + 1 + (bytes[JAVA_FLAG_AT] == 1 ? 12 : 0);
    if (rest > bytes.length) {
      throw new IllegalArgumentException("the java serializer's session is cut short");
    }
    int head = JAVA_FLAG_AT + 1 + (maxInactive == null ? 0 : 12);
    byte[] out = new byte[head + bytes.length - rest];
    System.arraycopy(bytes, 0, out, 0, 16); // format and created
    writeLong(out, 16, accessed.getEpochSecond());
    writeInt(out, 24, accessed.getNano());
    out[JAVA_FLAG_AT] = (byte) (maxInactive == null ? 0 : 1);
    if (maxInactive != null) {
      writeLong(out, JAVA_FLAG_AT + 1, maxInactive.getSeconds());
      writeInt(out, JAVA_FLAG_AT + 9, maxInactive.getNano());
    }
    System.arraycopy(bytes, rest, out, head, bytes.length - rest);
    return out;
  }

  private static int readInt(byte[] b, int at) {
    return (b[at] & 0xff) << 24
        | (b[at + 1] & 0xff) << 16
        | (b[at + 2] & 0xff) << 8
        | (b[at + 3] & 0xff);
  }

  private static void writeInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }

  private static void writeLong(byte[] b, int at, long v) {
    writeInt(b, at, (int) (v >>> 32));
    writeInt(b, at + 4, (int) v);
  }

  // ------------------------------------------------------------------ json

  /**
   * The json serializer writes {@code {"created":"…","accessed":"…"[,"maxInactive":"…"],
   * "attributes":{…}}}; bytes of that exact layout are rewritten by their head alone, anything else
   * (a file edited by hand or by {@code jq}) is parsed and written in that layout.
   */
  private static byte[] json(byte[] bytes, Instant accessed, Duration maxInactive) {
    int createdStart = CREATED.length;
    if (startsWith(bytes, 0, CREATED) && bytes[bytes.length - 1] == '}') {
      int createdEnd = quote(bytes, createdStart);
      if (createdEnd > 0 && startsWith(bytes, createdEnd, ACCESSED)) {
        int at = quote(bytes, createdEnd + ACCESSED.length);
        if (at > 0 && startsWith(bytes, at, MAX_INACTIVE)) {
          at = quote(bytes, at + MAX_INACTIVE.length);
        }
        if (at > 0 && startsWith(bytes, at, ATTRIBUTES)) {
          // What follows is kept byte for byte: the attributes and anything after them.
          return write(
              bytes,
              createdStart,
              createdEnd,
              at + ATTRIBUTES.length,
              bytes.length - 1,
              accessed,
              maxInactive);
        }
      }
    }
    return parsed(bytes, accessed, maxInactive);
  }

  /** The layout the json serializer writes, from the given slices of {@code bytes}. */
  private static byte[] write(
      byte[] bytes,
      int createdStart,
      int createdEnd,
      int attributesStart,
      int attributesEnd,
      Instant accessed,
      Duration maxInactive) {
    ByteArrayOutputStream out =
        new ByteArrayOutputStream(bytes.length + IsoInstant.MAX_LENGTH + 32);
    out.write(CREATED, 0, CREATED.length);
    out.write(bytes, createdStart, createdEnd - createdStart);
    out.write(ACCESSED, 0, ACCESSED.length);
    byte[] instant = new byte[IsoInstant.MAX_LENGTH];
    int end = IsoInstant.write(accessed, instant, 0);
    if (end < 0) {
      instant = ascii(accessed.toString());
      end = instant.length;
    }
    out.write(instant, 0, end);
    if (maxInactive != null) {
      out.write(MAX_INACTIVE, 0, MAX_INACTIVE.length);
      byte[] text = ascii(maxInactive.toString());
      out.write(text, 0, text.length);
    }
    out.write(ATTRIBUTES, 0, ATTRIBUTES.length);
    out.write(bytes, attributesStart, attributesEnd - attributesStart);
    out.write('}');
    return out.toByteArray();
  }

  /** Any JSON session object: its created time and attributes, cut out by a parser. */
  private static byte[] parsed(byte[] bytes, Instant accessed, Duration maxInactive) {
    int createdStart = -1;
    int createdEnd = -1;
    int attributesStart = -1;
    int attributesEnd = -1;
    try (JsonParser p = JSON.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("a json session is not an object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if ("created".equals(name) && t == JsonToken.VALUE_STRING) {
          // The text is an ISO instant: no escapes, so its bytes lie between the quotes.
          createdStart = (int) p.currentTokenLocation().getByteOffset() + 1;
          createdEnd = createdStart + p.getTextLength();
        } else if ("attributes".equals(name) && t == JsonToken.START_OBJECT) {
          attributesStart = (int) p.currentTokenLocation().getByteOffset();
          p.skipChildren();
          attributesEnd = (int) p.currentLocation().getByteOffset();
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("a json session does not parse: " + e.getMessage(), e);
    }
    if (createdStart < 0 || attributesStart < 0 || bytes[createdEnd] != '"') {
      throw new IllegalArgumentException("a json session lacks 'created' or 'attributes'");
    }
    return write(
        bytes, createdStart, createdEnd, attributesStart, attributesEnd, accessed, maxInactive);
  }

  private static boolean startsWith(byte[] bytes, int at, byte[] prefix) {
    return at + prefix.length <= bytes.length
        && Arrays.equals(bytes, at, at + prefix.length, prefix, 0, prefix.length);
  }

  /** The index of the next quote from {@code at}, or -1 if a backslash or the end comes first. */
  private static int quote(byte[] bytes, int at) {
    for (int i = at; i < bytes.length; i++) {
      if (bytes[i] == '"') {
        return i;
      }
      if (bytes[i] == '\\') {
        return -1;
      }
    }
    return -1;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
