package dev.memfilestore;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * One record of a save file: a JSON object on one line whose first member is the CRC-32C of the
 * rest of the line, {@code {"crc":"1a2b3c4d","id":…}\n}. The prefix has a fixed width, so the
 * checksum covers exactly the bytes after it, and every line stays valid JSON for {@code jq}.
 */
final class ChecksummedLine {
  private static final byte[] PREFIX = "{\"crc\":\"".getBytes(StandardCharsets.US_ASCII);

  /** Bytes before the body: the prefix, eight hex digits and {@code ",}. */
  static final int BODY_OFFSET = PREFIX.length + 8 + 2;

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private ChecksummedLine() {}

  /**
   * Writes one line.
   *
   * @param body the object's members after the checksum, ending with the closing brace, e.g. {@code
   *     "id":"x"}} — it must not contain a newline
   */
  static void write(OutputStream out, byte[] body, int length) throws IOException {
    write(out, body, length, new CRC32C(), new byte[BODY_OFFSET]);
  }

  /**
   * As {@link #write(OutputStream, byte[], int)}, with a checksum and a head buffer ({@link
   * #BODY_OFFSET} bytes) that the caller reuses from line to line.
   */
  static void write(OutputStream out, byte[] body, int length, CRC32C crc, byte[] head)
      throws IOException {
    crc.reset();
    crc.update(body, 0, length);
    long value = crc.getValue();
    System.arraycopy(PREFIX, 0, head, 0, PREFIX.length);
    for (int i = 0; i < 8; i++) {
      head[PREFIX.length + i] = HEX[(int) (value >>> (28 - 4 * i)) & 0xf];
    }
    head[BODY_OFFSET - 2] = '"';
    head[BODY_OFFSET - 1] = ',';
    out.write(head);
    out.write(body, 0, length);
    out.write('\n');
  }

  /** Whether a line (without its newline) carries a checksum that matches its body. */
  static boolean isIntact(byte[] line, int length) {
    return isIntact(line, 0, length);
  }

  /** As {@link #isIntact(byte[], int)}, for a line at {@code bytes[offset..offset+length)}. */
  static boolean isIntact(byte[] bytes, int offset, int length) {
    int o = offset;
    if (length <= BODY_OFFSET
        || !Arrays.equals(bytes, o, o + PREFIX.length, PREFIX, 0, PREFIX.length)
        || bytes[o + BODY_OFFSET - 2] != '"'
        || bytes[o + BODY_OFFSET - 1] != ',') {
      return false;
    }
    long expected = 0;
    for (int i = o + PREFIX.length; i < o + PREFIX.length + 8; i++) {
      int digit = Character.digit(bytes[i], 16);
      if (digit < 0 || Character.isUpperCase(bytes[i])) {
        return false;
      }
      expected = (expected << 4) | digit;
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, o + BODY_OFFSET, length - BODY_OFFSET);
    return crc.getValue() == expected;
  }

  /** Reads lines of bounded length from a stream, holding at most one line in memory. */
  static final class Reader {
    private final InputStream in;
    private final int maxLength;
    private final byte[] buffer = new byte[1 << 16];
    private int position;
    private int limit;
    private byte[] line = new byte[8192];
    private int length;
    private long rawLength;
    private boolean terminated;

    /**
     * @param in an unbuffered stream is fine: this reader buffers
     * @param maxLength lines longer than this are read to their end but kept only in part
     */
    Reader(InputStream in, int maxLength) {
      this.in = in;
      this.maxLength = maxLength;
    }

    /**
     * Reads the next line.
     *
     * @return false at the end of the stream
     */
    boolean next() throws IOException {
      length = 0;
      rawLength = 0;
      terminated = false;
      while (true) {
        if (position == limit) {
          limit = in.read(buffer);
          position = 0;
          if (limit <= 0) {
            limit = 0;
            return rawLength > 0;
          }
        }
        int start = position;
        int end = start;
        while (end < limit && buffer[end] != '\n') {
          end++;
        }
        append(start, end - start);
        if (end < limit) {
          position = end + 1;
          rawLength++;
          terminated = true;
          return true;
        }
        position = limit;
      }
    }

    private void append(int offset, int count) {
      rawLength += count;
      int keep = Math.min(count, maxLength - length);
      if (keep <= 0) {
        return;
      }
      if (length + keep > line.length) {
        line = Arrays.copyOf(line, Math.min(maxLength, Math.max(length + keep, line.length * 2)));
      }
      System.arraycopy(buffer, offset, line, length, keep);
      length += keep;
    }

    byte[] bytes() {
      return line;
    }

    int length() {
      return length;
    }

    /** Bytes the line took in the stream, its newline included. */
    long rawLength() {
      return rawLength;
    }

    /** Whether the line ended with a newline (the last line of a torn file does not). */
    boolean terminated() {
      return terminated;
    }

    /** Whether the line was longer than the limit and so was cut short. */
    boolean tooLong() {
      return rawLength - (terminated ? 1 : 0) > length;
    }
  }
}
