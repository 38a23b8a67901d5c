package dev.memfilestore;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
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

  /**
   * @param embedJson whether session bytes are JSON objects to embed as they are (else base64)
   * @param key the key to encrypt records with, or null
   */
  RecordEncoder(boolean embedJson, SecretKey key) {
    this.embedJson = embedJson;
    this.cipher = key == null ? null : new RecordCipher(key);
  }

  /**
   * A header line.
   *
   * @param format {@link FileFormat#SNAPSHOT} or {@link FileFormat#JOURNAL}
   */
  RecordEncoder header(String format, long generation, String serializer, Instant now) {
    body.reset();
    ascii("\"format\":\"" + format + "\",\"version\":" + FileFormat.VERSION);
    ascii(",\"generation\":" + generation + ",\"serializer\":");
    string(serializer);
    String encoding = embedJson ? FileFormat.JSON : FileFormat.BASE64;
    ascii(",\"encoding\":\"" + encoding + "\",\"written\":\"" + now + "\"");
    if (cipher != null) {
      ascii(",\"cipher\":\"" + RecordCipher.NAME + "\",\"keyCheck\":\"" + cipher.keyCheck() + "\"");
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
    if (op != null) {
      ascii("\"op\":\"" + op + "\",");
    }
    ascii("\"id\":");
    string(id);
    ascii(",\"expires\":");
    if (expiresAtMillis == FileFormat.NO_EXPIRY) {
      ascii("null");
    } else {
      body.write('"');
      body.instant(Instant.ofEpochMilli(expiresAtMillis));
      body.write('"');
    }
    if (embedJson) {
      ascii(",\"session\":");
      body.write(session, 0, session.length);
    } else {
      ascii(",\"session64\":\"");
      byte[] encoded = Base64.getEncoder().encode(session);
      body.write(encoded, 0, encoded.length);
      ascii("\"");
    }
    ascii("}");
    return this;
  }

  RecordEncoder delete(String id) {
    body.reset();
    seal = true;
    ascii("\"op\":\"del\",\"id\":");
    string(id);
    ascii("}");
    return this;
  }

  RecordEncoder trailer(long records) {
    body.reset();
    seal = false;
    ascii("\"end\":true,\"records\":" + records + "}");
    return this;
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
    if (cipher != null && seal) {
      // The whole record, id included, becomes {"crc":…,"enc":"<nonce, ciphertext, tag>"}.
      byte[] sealed = cipher.seal(body.array(), body.size());
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
