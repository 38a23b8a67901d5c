package dev.memfilestore;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.CRC32C;
import javax.crypto.SecretKey;

/**
 * Builds the lines of save files and journals (see {@code docs/FORMAT.md}) in one reusable buffer.
 * Not thread-safe: each writer owns one.
 */
final class RecordEncoder {
  private final boolean embedJson;
  private final RecordCipher cipher;
  private final LineBuffer body = new LineBuffer();
  private final LineBuffer lineOutput = new LineBuffer();
  private boolean seal; // whether the line built last is a record to encrypt
  private FileSeal fileSeal; // the file's seal: records are sealed at their line (null: plain)
  private long lineNumber; // of the line written last, since the header
  private String store; // the header's store id, repeated in a snapshot's trailer
  private long generation; // the header's generation, likewise

  // Reused by snapshot records, so that a snapshot of a million sessions allocates little.
  private static final byte[] SNAPSHOT_ID = bytes("\"id\":\"");
  private static final byte[] SNAPSHOT_EXPIRES = bytes("\",\"expires\":");
  private static final byte[] SNAPSHOT_SESSION = bytes(",\"session\":");
  private static final byte[] SNAPSHOT_SESSION64 = bytes(",\"session64\":\"");
  private static final byte[] NULL = bytes("null");
  private static final byte[] OP_SET = bytes("\"op\":\"set\",");
  private static final byte[] ID = bytes("\"id\":");
  private static final byte[] EXPIRES = bytes(",\"expires\":");
  private static final byte[] ENC = bytes("\"enc\":\"");
  private final CRC32C crc = new CRC32C();
  private final byte[] head = new byte[ChecksummedLine.BODY_OFFSET];
  private byte[] base64 = new byte[0];
  // Instant.toString has a fixed layout for these years: yyyy-mm-ddThh:mm:ss[.SSS]Z
  private static final long YEAR_0 = -62_167_219_200_000L;
  private static final long YEAR_10000 = 253_402_300_800_000L;
  private long formattedDay = Long.MIN_VALUE;
  private final byte[] instant = new byte[24]; // yyyy-mm-ddThh:mm:ss.SSSZ

  /**
   * @param embedJson whether session bytes are JSON objects to embed as they are (else base64)
   * @param key the configured key, for the header's key check (records are sealed by the {@link
   *     FileSeal} given to {@link #header}), or null
   */
  RecordEncoder(boolean embedJson, SecretKey key) {
    this.embedJson = embedJson;
    this.cipher = key == null ? null : new RecordCipher(key);
  }

  /**
   * A header line; from here on, lines are counted and (with a seal) record lines are sealed at
   * their line number.
   *
   * @param format {@link FileFormat#SNAPSHOT} or {@link FileFormat#JOURNAL}
   * @param store the store's id, or null (a file without one, as version 1 wrote)
   * @param fileSeal the file's seal (it carries the header's salt), or null for a plain file
   */
  RecordEncoder header(
      String format,
      long generation,
      String serializer,
      Instant now,
      String store,
      FileSeal fileSeal) {
    body.reset();
    this.fileSeal = fileSeal;
    this.store = store;
    this.generation = generation;
    this.lineNumber = 0;
    ascii("\"format\":\"" + format + "\",\"version\":" + FileFormat.VERSION);
    ascii(",\"generation\":" + generation + ",\"serializer\":");
    string(serializer);
    String encoding = embedJson ? FileFormat.JSON : FileFormat.BASE64;
    ascii(",\"encoding\":\"" + encoding + "\",\"written\":\"" + now + "\"");
    if (store != null) {
      ascii(",\"store\":");
      string(store);
    }
    if (cipher != null) {
      ascii(",\"cipher\":\"" + RecordCipher.NAME + "\",\"keyCheck\":\"" + cipher.keyCheck() + "\"");
      if (fileSeal != null) {
        ascii(",\"salt\":\"" + fileSeal.salt + "\"");
      }
    }
    ascii("}");
    seal = false;
    return this;
  }

  /**
   * A session record; {@code op} is null in snapshots, {@code "set"} in journals.
   *
   * @param expiresAtMillis epoch milliseconds, or {@link FileFormat#NO_EXPIRY}
   */
  RecordEncoder session(String op, String id, long expiresAtMillis, byte[] session) {
    body.reset();
    seal = true;
    if ("set".equals(op)) {
      body.write(OP_SET, 0, OP_SET.length);
    } else if (op != null) {
      ascii("\"op\":\"" + op + "\",");
    }
    body.write(ID, 0, ID.length);
    string(id);
    expires(expiresAtMillis);
    if (embedJson) {
      body.write(SNAPSHOT_SESSION, 0, SNAPSHOT_SESSION.length);
      body.write(session, 0, session.length);
    } else {
      ascii(",\"session64\":\"");
      writeBase64(session);
      ascii("\"");
    }
    body.write('}');
    return this;
  }

  /**
   * Writes a snapshot record (as {@code session(null, …).writeTo(out)} would) from reused buffers:
   * no per-record garbage unless the record is encrypted, its id needs escaping or its expiry is
   * outside years 0–9999.
   */
  void writeSnapshotSession(OutputStream out, String id, long expiresAtMillis, byte[] session)
      throws IOException {
    if (fileSeal != null
        || !plainAscii(id)
        || (expiresAtMillis != FileFormat.NO_EXPIRY
            && (expiresAtMillis < YEAR_0 || expiresAtMillis >= YEAR_10000))) {
      session(null, id, expiresAtMillis, session).writeTo(out);
      return;
    }
    body.reset();
    seal = false;
    body.write(SNAPSHOT_ID, 0, SNAPSHOT_ID.length);
    for (int i = 0; i < id.length(); i++) {
      body.write(id.charAt(i));
    }
    body.write(SNAPSHOT_EXPIRES, 0, SNAPSHOT_EXPIRES.length);
    if (expiresAtMillis == FileFormat.NO_EXPIRY) {
      body.write(NULL, 0, NULL.length);
    } else {
      body.write('"');
      body.write(instant, 0, formatInstant(expiresAtMillis));
      body.write('"');
    }
    if (embedJson) {
      body.write(SNAPSHOT_SESSION, 0, SNAPSHOT_SESSION.length);
      body.write(session, 0, session.length);
    } else {
      body.write(SNAPSHOT_SESSION64, 0, SNAPSHOT_SESSION64.length);
      writeBase64(session);
      body.write('"');
    }
    body.write('}');
    lineNumber++;
    ChecksummedLine.write(out, body.array(), body.size(), crc, head);
  }

  private void expires(long expiresAtMillis) {
    body.write(EXPIRES, 0, EXPIRES.length);
    if (expiresAtMillis == FileFormat.NO_EXPIRY) {
      body.write(NULL, 0, NULL.length);
    } else {
      body.write('"');
      body.instant(Instant.ofEpochMilli(expiresAtMillis));
      body.write('"');
    }
  }

  /** Whether JSON needs no escape for this string, so that its chars are its UTF-8 bytes. */
  private static boolean plainAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  /**
   * Writes into {@link #instant} what {@link Instant#toString()} gives for these epoch milliseconds
   * (years 0–9999) and returns its length; the date part is kept while records fall on one day.
   */
  private int formatInstant(long epochMillis) {
    long seconds = Math.floorDiv(epochMillis, 1000L);
    int millis = (int) Math.floorMod(epochMillis, 1000L);
    long day = Math.floorDiv(seconds, 86_400L);
    int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
    if (day != formattedDay) {
      String date = Instant.ofEpochSecond(day * 86_400L).toString(); // yyyy-mm-ddT00:00:00Z
      for (int i = 0; i < 11; i++) {
        instant[i] = (byte) date.charAt(i);
      }
      formattedDay = day;
    }
    twoDigits(11, secondOfDay / 3600);
    instant[13] = ':';
    twoDigits(14, secondOfDay / 60 % 60);
    instant[16] = ':';
    twoDigits(17, secondOfDay % 60);
    if (millis == 0) {
      instant[19] = 'Z';
      return 20;
    }
    instant[19] = '.';
    instant[20] = (byte) ('0' + millis / 100);
    twoDigits(21, millis % 100);
    instant[23] = 'Z';
    return 24;
  }

  private void twoDigits(int at, int value) {
    instant[at] = (byte) ('0' + value / 10);
    instant[at + 1] = (byte) ('0' + value % 10);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * A journal's touch record: the session's new times and expiry, its attributes unchanged.
   *
   * @param expiresAtMillis epoch milliseconds, or {@link FileFormat#NO_EXPIRY}
   * @param maxInactive null when the session leaves its lifetime to the store
   */
  RecordEncoder touch(String id, long expiresAtMillis, Instant accessed, Duration maxInactive) {
    body.reset();
    seal = true;
    ascii("\"op\":\"touch\",\"id\":");
    string(id);
    expires(expiresAtMillis);
    ascii(",\"accessed\":\"");
    body.instant(accessed);
    if (maxInactive == null) {
      ascii("\",\"maxInactive\":null}");
    } else {
      ascii("\",\"maxInactive\":\"" + maxInactive + "\"}");
    }
    return this;
  }

  /**
   * A journal's patch record (json encoding only): the session's new times and expiry, the
   * attributes the change set (their values copied from the new session's {@code bytes}) and the
   * names of those it removed; every other attribute, and the creation time, are unchanged.
   *
   * @param expiresAtMillis epoch milliseconds, or {@link FileFormat#NO_EXPIRY}
   * @param maxInactive null when the session leaves its lifetime to the store
   */
  RecordEncoder patch(
      String id,
      long expiresAtMillis,
      Instant accessed,
      Duration maxInactive,
      byte[] bytes,
      StoredSession.Patch patch) {
    body.reset();
    seal = true;
    raw(PATCH_OP);
    string(id);
    expires(expiresAtMillis);
    raw(PATCH_ACCESSED);
    body.instant(accessed);
    if (maxInactive == null) {
      raw(PATCH_NO_MAX_INACTIVE);
    } else {
      raw(PATCH_MAX_INACTIVE);
      if (!maxInactive.equals(lastMaxInactive)) { // sessions mostly share one: formatted once
        lastMaxInactive = maxInactive;
        lastMaxInactiveText = bytes(maxInactive.toString());
      }
      raw(lastMaxInactiveText);
      body.write('"');
    }
    raw(PATCH_ATTRIBUTES);
    for (int i = 0; i < patch.count; i++) {
      if (i > 0) {
        body.write(',');
      }
      string(patch.names[i]);
      body.write(':');
      int start = patch.bounds[2 * i];
      body.write(bytes, start, patch.bounds[2 * i + 1] - start);
    }
    raw(PATCH_REMOVED);
    for (int i = 0; i < patch.removed.length; i++) {
      if (i > 0) {
        body.write(',');
      }
      string(patch.removed[i]);
    }
    raw(PATCH_END);
    return this;
  }

  /** The interval the last patch wrote, and its ISO-8601 text. */
  private Duration lastMaxInactive;

  private byte[] lastMaxInactiveText;

  private void raw(byte[] b) {
    body.write(b, 0, b.length);
  }

  private static final byte[] PATCH_OP = bytes("\"op\":\"patch\",\"id\":");
  private static final byte[] PATCH_ACCESSED = bytes(",\"accessed\":\"");
  private static final byte[] PATCH_NO_MAX_INACTIVE = bytes("\",\"maxInactive\":null");
  private static final byte[] PATCH_MAX_INACTIVE = bytes("\",\"maxInactive\":\"");
  private static final byte[] PATCH_ATTRIBUTES = bytes(",\"attributes\":{");
  private static final byte[] PATCH_REMOVED = bytes("},\"removed\":[");
  private static final byte[] PATCH_END = bytes("]}");

  RecordEncoder delete(String id) {
    body.reset();
    seal = true;
    ascii("\"op\":\"del\",\"id\":");
    string(id);
    ascii("}");
    return this;
  }

  /**
   * A snapshot's trailer. From version 2 on it repeats the header's generation, store id and salt
   * (so that records still open when the header is damaged), and with a seal it carries the sealed
   * count, so that records cut off the end cannot be hidden by a new trailer.
   */
  RecordEncoder trailer(long records) {
    body.reset();
    seal = false;
    String count = "\"end\":true,\"records\":" + records;
    ascii(count + ",\"generation\":" + generation);
    if (store != null) {
      ascii(",\"store\":");
      string(store);
    }
    if (fileSeal != null) {
      byte[] plain = (count + "}").getBytes(StandardCharsets.US_ASCII);
      byte[] sealed = fileSeal.seal(plain, 0, plain.length, lineNumber + 1);
      ascii(",\"salt\":\"" + fileSeal.salt + "\",\"enc\":\"");
      ascii(Base64.getEncoder().encodeToString(sealed));
      ascii("\"");
    }
    ascii("}");
    return this;
  }

  /** The body of the record built last, unsealed and without checksum, for {@link #sealedLine}. */
  ByteBuffer body() {
    return body.buffer();
  }

  /** Writes {@code data} as base64 into the body, through a buffer kept for the next record. */
  private void writeBase64(byte[] data) {
    int encodedLength = 4 * ((data.length + 2) / 3);
    if (base64.length < encodedLength) {
      base64 = new byte[Math.max(encodedLength, base64.length * 2)];
    }
    int n = Base64.getEncoder().encode(data, base64);
    body.write(base64, 0, n);
  }

  /**
   * A journal's record line sealed at its line number: what the journal does under its lock, once
   * the line number is known. The body comes from another encoder's {@link #body()}.
   */
  ByteBuffer sealedLine(ByteBuffer plain, long line) {
    byte[] sealed =
        fileSeal.seal(
            plain.array(), plain.arrayOffset() + plain.position(), plain.remaining(), line);
    body.reset();
    body.write(ENC, 0, ENC.length);
    writeBase64(sealed);
    body.write('"');
    body.write('}');
    lineOutput.reset();
    try {
      ChecksummedLine.write(lineOutput, body.array(), body.size(), crc, head);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array stream does not fail
    }
    return lineOutput.buffer();
  }

  /** The line built last, with its checksum and newline, in a buffer reused by the next one. */
  ByteBuffer line() {
    lineOutput.reset();
    try {
      writeTo(lineOutput);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array stream does not fail
    }
    return lineOutput.buffer();
  }

  /** Writes the line built last, with its checksum and newline. */
  void writeTo(OutputStream out) throws IOException {
    lineNumber++;
    if (seal && cipher != null && fileSeal == null) {
      // never a plain record in an encrypted store's file
      throw new IllegalStateException("a record of an encrypted file needs the file's seal");
    }
    if (fileSeal != null && seal) {
      // The whole record, id included, becomes {"crc":…,"enc":"<ciphertext and tag>"}.
      byte[] sealed = fileSeal.seal(body.array(), 0, body.size(), lineNumber);
      body.reset();
      ascii("\"enc\":\"" + Base64.getEncoder().encodeToString(sealed) + "\"}");
      seal = false;
    }
    ChecksummedLine.write(out, body.array(), body.size());
  }

  private void ascii(String s) {
    byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
    body.write(bytes, 0, bytes.length);
  }

  private void string(String s) {
    if (body.plainString(s)) {
      return;
    }
    body.write('"');
    byte[] quoted = JsonStringEncoder.getInstance().quoteAsUTF8(s);
    body.write(quoted, 0, quoted.length);
    body.write('"');
  }

  /** A byte buffer whose array is written without a copy. */
  private static final class LineBuffer extends ByteArrayOutputStream {
    LineBuffer() {
      super(1024);
    }

    byte[] array() {
      return buf;
    }

    ByteBuffer buffer() {
      return ByteBuffer.wrap(buf, 0, count);
    }

    /**
     * Writes {@code s} as a JSON string in one pass straight into the array (not char by char
     * through the synchronized {@code write}), if it needs no escape; else writes nothing.
     */
    boolean plainString(String s) {
      int n = s.length();
      if (count + n + 2 > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + n + 2));
      }
      int at = count;
      buf[at++] = '"';
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
          return false; // count unchanged: the bytes written are ignored
        }
        buf[at++] = (byte) c;
      }
      buf[at++] = '"';
      count = at;
      return true;
    }

    void instant(Instant t) {
      if (count + IsoInstant.MAX_LENGTH > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + IsoInstant.MAX_LENGTH));
      }
      int end = IsoInstant.write(t, buf, count);
      if (end < 0) {
        byte[] text = t.toString().getBytes(StandardCharsets.US_ASCII);
        write(text, 0, text.length);
      } else {
        count = end;
      }
    }
  }
}
