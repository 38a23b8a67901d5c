package dev.memfilestore;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Parses the lines of save files and journals whose checksum has already been verified. Anything
 * malformed yields {@code null}: the caller counts it as damage.
 */
final class RecordDecoder {
  private static final JsonFactory JSON = new JsonFactory();

  /**
   * What a header says.
   *
   * @param written when the file was started, or null if the header does not say (informative)
   * @param store the store's id (version 2), or null
   * @param salt the salt of the file's record key (version 2, encrypted), or null
   */
  record Header(
      String format,
      long version,
      long generation,
      String serializer,
      String encoding,
      String cipher,
      String keyCheck,
      Instant written,
      String store,
      String salt) {
    /** Whether records are sealed at their line (version 2 and later, encrypted). */
    boolean sealsLines() {
      return cipher != null && version >= 2;
    }

    /**
     * The seal that opens this file's records, or null if they are not sealed per line or the salt
     * is unusable (then none opens).
     */
    FileSeal fileSeal(javax.crypto.SecretKey key) {
      if (key == null || !sealsLines()) {
        return null;
      }
      byte kind = FileFormat.JOURNAL.equals(format) ? FileSeal.JOURNAL : FileSeal.SNAPSHOT;
      return FileSeal.of(key, kind, store, generation, salt);
    }
  }

  /**
   * One record. {@code op} is {@code "set"} for session records (snapshots have none), {@code
   * "del"}, (journals of version 2) {@code "touch"}, or (journals of version 3) {@code "patch"};
   * for {@code "del"} and {@code "touch"} there is no session, and a patch's {@code session} is the
   * JSON object of the attributes it sets.
   *
   * @param expiresAtMillis epoch milliseconds, or {@link FileFormat#NO_EXPIRY}
   * @param json whether the record embedded its session as a JSON object rather than as base64
   * @param accessed a touch's or patch's new last-accessed time (else null)
   * @param maxInactive a touch's or patch's new max-inactive interval (null also for one that has
   *     none)
   * @param removed the names of the attributes a patch removes (else empty)
   */
  @SuppressWarnings("ArrayRecordComponent") // internal; never compared or hashed
  record Entry(
      String op,
      String id,
      long expiresAtMillis,
      byte[] session,
      boolean json,
      Instant accessed,
      Duration maxInactive,
      List<String> removed) {
    Entry(String op, String id, long expiresAtMillis, byte[] session, boolean json) {
      this(op, id, expiresAtMillis, session, json, null, null, List.of());
    }

    boolean isDelete() {
      return "del".equals(op);
    }

    boolean isTouch() {
      return TOUCH.equals(op);
    }

    boolean isPatch() {
      return PATCH.equals(op);
    }

    /** Whether this record changes a session that an earlier record holds (a touch or patch). */
    boolean needsBase() {
      return isTouch() || isPatch();
    }

    /**
     * The session this touch or patch leaves of {@code base} (a session record of the same id): its
     * attributes (a patch's set and removed ones changed), with this record's times and expiry.
     *
     * @throws IllegalArgumentException if the base's bytes are not a built-in serializer's session
     *     (for a patch: the json serializer's)
     */
    Entry appliedTo(Entry base) {
      if (isPatch()) {
        return new Entry(
            base.op, id, expiresAtMillis, SessionPatch.apply(base.session, this), base.json);
      }
      byte[] retimed = SessionTimes.retime(base.session, base.json, accessed, maxInactive);
      return new Entry(base.op, id, expiresAtMillis, retimed, base.json);
    }

    /**
     * This touch or patch after {@code earlier}, a record of the same id that is not a delete: a
     * session record if that is one, else the touch or patch that does what both do.
     *
     * @throws IllegalArgumentException as {@link #appliedTo}
     */
    Entry after(Entry earlier) {
      if (!earlier.needsBase()) {
        return appliedTo(earlier);
      }
      if (isPatch() && earlier.isPatch()) {
        return SessionPatch.merge(earlier, this);
      }
      if (isTouch() && earlier.isPatch()) { // the patch's attributes, the touch's times
        return new Entry(
            PATCH,
            id,
            expiresAtMillis,
            earlier.session,
            true,
            accessed,
            maxInactive,
            earlier.removed);
      }
      return this; // after a touch: this record's times are the session's
    }
  }

  static final String TOUCH = "touch";

  static final String PATCH = "patch";

  private RecordDecoder() {}

  /** Returns the header on this line, or null if the line is no header of the given format. */
  static Header header(byte[] line, int length, String expectedFormat) {
    String format = null;
    long version = -1;
    long generation = 0;
    String serializer = null;
    String encoding = null;
    String cipher = null;
    String keyCheck = null;
    Instant written = null;
    String store = null;
    String salt = null;
    try (JsonParser p = JSON.createParser(line, 0, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "format" -> format = p.getValueAsString();
          case "version" -> version = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
          case "generation" -> generation = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : 0;
          case "serializer" -> serializer = p.getValueAsString();
          case "encoding" -> encoding = p.getValueAsString();
          case "cipher" -> cipher = p.getValueAsString();
          case "keyCheck" -> keyCheck = p.getValueAsString();
          case "written" -> written = instant(p.getValueAsString());
          case "store" -> store = p.getValueAsString();
          case "salt" -> salt = p.getValueAsString();
          default -> p.skipChildren();
        }
      }
    } catch (IOException e) {
      return null;
    }
    if (!expectedFormat.equals(format)
        || !(FileFormat.JSON.equals(encoding) || FileFormat.BASE64.equals(encoding))) {
      return null;
    }
    return new Header(
        format, version, generation, serializer, encoding, cipher, keyCheck, written, store, salt);
  }

  /**
   * What a version 2 snapshot's trailer repeats of its header (generation, store id, salt), as a
   * header with no serializer or encoding (either is then accepted), or null if this line is no
   * such trailer. Used only when the header itself is damaged.
   */
  static Header trailerHeader(byte[] line, int length) {
    if (trailer(line, length) < 0) {
      return null;
    }
    long generation = -1;
    String store = null;
    String salt = null;
    try (JsonParser p = JSON.createParser(line, 0, length)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "generation" -> generation = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
          case "store" -> store = p.getValueAsString();
          case "salt" -> salt = p.getValueAsString();
          default -> p.skipChildren();
        }
      }
    } catch (IOException e) {
      return null;
    }
    if (generation < 0 || store == null) {
      return null; // a version 1 trailer
    }
    return new Header(
        FileFormat.SNAPSHOT,
        2,
        generation,
        null,
        null,
        salt == null ? null : RecordCipher.NAME,
        null,
        null,
        store,
        salt);
  }

  /** Whether a sealed trailer's count opens at its line and matches the count it shows. */
  static boolean trailerAuthentic(byte[] line, int length, FileSeal seal, long lineNumber) {
    long count = trailer(line, length);
    byte[] plain = open(sealedMember(line, length), seal, lineNumber);
    return count >= 0
        && plain != null
        && new String(plain, java.nio.charset.StandardCharsets.US_ASCII)
            .equals("\"end\":true,\"records\":" + count + "}");
  }

  /** An informative time, or null if it does not parse. */
  private static Instant instant(String text) {
    try {
      return text == null ? null : Instant.parse(text);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Returns the plain record of an encrypted line of version 1 as a JSON object, or null if the
   * line is not an encrypted record or fails to decrypt (damaged, or sealed with another key).
   */
  static byte[] decrypt(byte[] line, int length, RecordCipher cipher) {
    String sealed = sealedMember(line, length);
    if (sealed == null) {
      return null;
    }
    byte[] plain;
    try {
      plain = cipher.open(Base64.getDecoder().decode(sealed));
    } catch (IllegalArgumentException e) {
      return null;
    }
    return plain == null ? null : object(plain);
  }

  /** The {@code enc} member of a line, or null. */
  private static String sealedMember(byte[] line, int length) {
    String sealed = null;
    try (JsonParser p = JSON.createParser(line, 0, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if ("enc".equals(name) && t == JsonToken.VALUE_STRING) {
          sealed = p.getText();
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException e) {
      return null;
    }
    return sealed;
  }

  /** Opens a version 2 sealed member at its line, or returns null. */
  private static byte[] open(String sealed, FileSeal seal, long lineNumber) {
    if (sealed == null || seal == null) {
      return null;
    }
    try {
      return seal.open(Base64.getDecoder().decode(sealed), lineNumber);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static byte[] object(byte[] plain) {
    byte[] object = new byte[plain.length + 1];
    object[0] = '{';
    System.arraycopy(plain, 0, object, 1, plain.length);
    return object;
  }

  /** Returns the record count of a trailer line, or -1 if the line is not a trailer. */
  static long trailer(byte[] line, int length) {
    int b = ChecksummedLine.BODY_OFFSET;
    if (length >= b + 4
        && line[b] == '"'
        && line[b + 1] == 'i'
        && line[b + 2] == 'd'
        && line[b + 3] == '"') {
      return -1; // a record (its "id" comes first): what the parse below finds, without parsing
    }
    try (JsonParser p = JSON.createParser(line, 0, length)) {
      p.nextToken();
      boolean end = false;
      long count = -1;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if ("end".equals(name)) {
          end = t == JsonToken.VALUE_TRUE;
        } else if ("records".equals(name) && t == JsonToken.VALUE_NUMBER_INT) {
          count = p.getLongValue();
        } else if ("id".equals(name)) {
          return -1;
        } else {
          p.skipChildren();
        }
      }
      return end ? count : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  /**
   * Returns the record on a line of a file with this header, decrypting it when the file is
   * encrypted (or its header is lost and a key is configured), or null if it is malformed or does
   * not decrypt.
   *
   * @param header the file's header, or null if it is lost
   * @param decryptor the configured key's cipher, or null
   * @param seal the file's seal (version 2, encrypted), or null
   * @param lineNumber the line's number in its file, 1-based: where a version 2 record was sealed
   */
  static Entry entry(
      byte[] line,
      int length,
      Header header,
      RecordCipher decryptor,
      FileSeal seal,
      long lineNumber) {
    if (header != null && header.sealsLines()) {
      // Sealed at its line: it opens here, with this file's key, or not at all.
      byte[] plain = open(sealedMember(line, length), seal, lineNumber);
      return plain == null ? null : entry(object(plain), plain.length + 1, header.encoding());
    }
    String encoding = header == null ? null : header.encoding();
    boolean encrypted = header != null && header.cipher() != null;
    if (decryptor != null && (encrypted || header == null)) {
      byte[] plain = decrypt(line, length, decryptor);
      if (plain != null) {
        return entry(plain, plain.length, encoding);
      }
      if (encrypted) {
        return null;
      }
    }
    return entry(line, length, encoding);
  }

  private static final byte[] CRC = bytes("{\"crc\":\"");
  private static final byte[] ID = bytes(",\"id\":\"");
  private static final byte[] EXPIRES = bytes(",\"expires\":");
  private static final byte[] NULL = bytes("null");
  private static final byte[] SESSION = bytes(",\"session\":");

  private static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  /**
   * A JSON snapshot record in exactly the form {@link RecordEncoder} writes it (checksum, id and
   * expiry as plain ASCII strings, the session last and {@link JsonObjectScan} sure of it), read
   * without Jackson; or null for any other line, which the caller then parses with Jackson. For
   * such a line Jackson finds the same members, so the outcome is the same.
   */
  private static Entry asWritten(byte[] line, int length) {
    int i = expect(line, 0, length, CRC);
    i = i < 0 ? -1 : expect(line, plainString(line, i, length), length, ID);
    int idEnd = i < 0 ? -1 : plainString(line, i, length);
    int j = expect(line, idEnd, length, EXPIRES);
    if (j < 0) {
      return null;
    }
    long expires;
    int k = expect(line, j, length, NULL);
    if (k >= 0) {
      expires = FileFormat.NO_EXPIRY;
    } else if (j < length && line[j] == '"') {
      k = plainString(line, j + 1, length);
      if (k < 0 || k - j > 64) {
        return null;
      }
      char[] text = new char[k - j - 2];
      for (int c = 0; c < text.length; c++) {
        text[c] = (char) line[j + 1 + c];
      }
      expires = IsoInstant.parseMillis(text, 0, text.length);
      if (expires == IsoInstant.NOT_PARSED) {
        return null;
      }
    } else {
      return null;
    }
    int start = expect(line, k, length, SESSION);
    int end = start < 0 ? -1 : JsonObjectScan.object(line, start, length);
    if (end < 0 || end >= length || line[end] != '}') {
      return null;
    }
    String id = new String(line, i, idEnd - 1 - i, java.nio.charset.StandardCharsets.US_ASCII);
    if (!SessionEncoding.isPlausibleId(id)) {
      return null;
    }
    return new Entry("set", id, expires, Arrays.copyOfRange(line, start, end), true);
  }

  /** The index after {@code word} at {@code i}, or -1 if it is not there. */
  private static int expect(byte[] line, int i, int length, byte[] word) {
    if (i < 0 || i + word.length > length) {
      return -1;
    }
    for (int k = 0; k < word.length; k++) {
      if (line[i + k] != word[k]) {
        return -1;
      }
    }
    return i + word.length;
  }

  /**
   * The index after the closing quote of a string whose content starts at {@code i}, if it is plain
   * printable ASCII (no escapes), else -1.
   */
  private static int plainString(byte[] line, int i, int length) {
    if (i < 0) {
      return -1;
    }
    for (; i < length; i++) {
      byte c = line[i];
      if (c == '"') {
        return i + 1;
      }
      if (c < 0x20 || c > 0x7E || c == '\\') {
        return -1;
      }
    }
    return -1;
  }

  /** The epoch milliseconds of the current string token, an instant. */
  private static long expiry(JsonParser p) throws IOException {
    long millis =
        IsoInstant.parseMillis(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    return millis != IsoInstant.NOT_PARSED ? millis : Instant.parse(p.getText()).toEpochMilli();
  }

  /**
   * Returns the record on this line, or null if it is malformed.
   *
   * @param encoding the header's {@code json} or {@code base64}, or null if the header is lost:
   *     then either form is accepted, and the serializer refuses what it cannot read
   */
  static Entry entry(byte[] line, int length, String encoding) {
    return entry(line, length, encoding, true);
  }

  /**
   * As {@link #entry(byte[], int, String)}; {@code quickCheck} false checks the session with
   * Jackson's walk alone, as the differential test's reference.
   */
  static Entry entry(byte[] line, int length, String encoding, boolean quickCheck) {
    if (quickCheck && !FileFormat.BASE64.equals(encoding)) {
      Entry written = asWritten(line, length);
      if (written != null) {
        return written;
      }
    }
    String op = "set";
    String id = null;
    long expires = Long.MIN_VALUE;
    byte[] session = null;
    boolean json = false;
    Instant accessed = null;
    Duration maxInactive = null;
    byte[] patched = null;
    List<String> removed = null;
    try (JsonParser p = JSON.createParser(line, 0, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      fields:
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "op" -> op = t == JsonToken.VALUE_STRING ? p.getText() : null;
          case "id" -> id = t == JsonToken.VALUE_STRING ? p.getText() : null;
          case "expires" -> expires = t == JsonToken.VALUE_NULL ? FileFormat.NO_EXPIRY : expiry(p);
          case "session" -> {
            if (FileFormat.BASE64.equals(encoding) || t != JsonToken.START_OBJECT) {
              return null;
            }
            json = true;
            int start = (int) p.currentTokenLocation().getByteOffset();
            int quickEnd = quickCheck ? JsonObjectScan.object(line, start, length) : -1;
            if (quickEnd != JsonObjectScan.UNSURE && quickEnd < length && line[quickEnd] == '}') {
              // A well-formed session that closes the record, as records are written: what
              // Jackson's walk would find, with the record's end after it (nothing after it is
              // read then either).
              session = Arrays.copyOfRange(line, start, quickEnd);
              break fields;
            }
            p.skipChildren();
            int end = (int) p.currentLocation().getByteOffset();
            session = Arrays.copyOfRange(line, start, end);
          }
          case "accessed" -> accessed = Instant.parse(p.getText());
          case "maxInactive" ->
              maxInactive = t == JsonToken.VALUE_NULL ? null : Duration.parse(p.getText());
          case "attributes" -> { // a patch's
            if (t != JsonToken.START_OBJECT) {
              return null;
            }
            int start = (int) p.currentTokenLocation().getByteOffset();
            p.skipChildren();
            patched = Arrays.copyOfRange(line, start, (int) p.currentLocation().getByteOffset());
          }
          case "removed" -> {
            if (t != JsonToken.START_ARRAY) {
              return null;
            }
            removed = new ArrayList<>();
            while (p.nextToken() == JsonToken.VALUE_STRING) {
              removed.add(p.getText());
            }
            if (p.currentToken() != JsonToken.END_ARRAY) {
              return null;
            }
          }
          case "session64" -> {
            if (FileFormat.JSON.equals(encoding) || t != JsonToken.VALUE_STRING) {
              return null;
            }
            json = false;
            session = p.getBinaryValue();
          }
          default -> p.skipChildren();
        }
      }
    } catch (IOException | RuntimeException e) {
      return null; // a line whose checksum matches but whose content does not parse
    }
    if (!SessionEncoding.isPlausibleId(id)) {
      return null; // an id that set() refuses (blank, too long, not text) was never stored
    }
    if ("del".equals(op)) {
      return new Entry(op, id, 0, null, false);
    }
    if (TOUCH.equals(op)) {
      if (expires == Long.MIN_VALUE || accessed == null || session != null) {
        return null;
      }
      return new Entry(op, id, expires, null, false, accessed, maxInactive, List.of());
    }
    if (PATCH.equals(op)) {
      if (expires == Long.MIN_VALUE
          || accessed == null
          || session != null
          || patched == null
          || removed == null
          || FileFormat.BASE64.equals(encoding)) {
        return null;
      }
      return new Entry(op, id, expires, patched, true, accessed, maxInactive, List.copyOf(removed));
    }
    if (!"set".equals(op) || expires == Long.MIN_VALUE || session == null) {
      return null;
    }
    return new Entry(op, id, expires, session, json);
  }
}
