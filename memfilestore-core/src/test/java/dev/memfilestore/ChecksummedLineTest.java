package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class ChecksummedLineTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BUFFER = 1 << 16; // the reader's buffer size

  // ---------------------------------------------------------------- write / isIntact

  @Test
  void writtenLineIsIntactValidJsonAndCarriesTheCrcOfItsBody() throws IOException {
    for (String body :
        List.of(
            "\"id\":\"x\"}",
            "\"id\":\"s\\u00e9ssion \\\"quoted\\\"\",\"n\":[1,2,{\"a\":null}]}",
            "\"text\":\"" + "é€😀".repeat(200) + "\"}")) {
      byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
      byte[] written = write(bodyBytes, bodyBytes.length);

      assertThat(written[written.length - 1]).as(body).isEqualTo((byte) '\n');
      assertThat(count(written, (byte) '\n')).as("one newline, at the end").isEqualTo(1);
      int length = written.length - 1;
      assertThat(ChecksummedLine.isIntact(written, length)).as(body).isTrue();
      assertThat(Arrays.copyOfRange(written, ChecksummedLine.BODY_OFFSET, length))
          .as("the body follows the checksum unchanged")
          .isEqualTo(bodyBytes);

      JsonNode node = JSON.readTree(Arrays.copyOf(written, length));
      assertThat(node.fieldNames().next()).isEqualTo("crc");
      assertThat(node.get("crc").asText()).isEqualTo(crcHex(bodyBytes));
    }
  }

  @Test
  void writesOnlyTheGivenLengthOfTheBodyArray() throws IOException {
    byte[] buffer = "\"id\":\"x\"}GARBAGE\n{".getBytes(StandardCharsets.US_ASCII);
    int length = "\"id\":\"x\"}".length();
    byte[] written = write(buffer, length);

    assertThat(new String(written, StandardCharsets.US_ASCII))
        .isEqualTo("{\"crc\":\"" + crcHex(Arrays.copyOf(buffer, length)) + "\",\"id\":\"x\"}\n");
    assertThat(ChecksummedLine.isIntact(written, written.length - 1)).isTrue();
  }

  @Test
  void checksumsWithLeadingZerosKeepTheirEightDigits() throws IOException {
    // Find a body whose CRC-32C is below 0x10000000, so its hex form starts with a zero.
    byte[] body = null;
    for (int i = 0; body == null; i++) {
      byte[] candidate = ("\"n\":" + i + "}").getBytes(StandardCharsets.US_ASCII);
      if (crc(candidate) < 0x1000_0000L) {
        body = candidate;
      }
    }
    byte[] written = write(body, body.length);

    assertThat(new String(written, StandardCharsets.US_ASCII)).startsWith("{\"crc\":\"0");
    assertThat(written).hasSize(ChecksummedLine.BODY_OFFSET + body.length + 1);
    assertThat(ChecksummedLine.isIntact(written, written.length - 1)).isTrue();
  }

  @Test
  void everySingleBitFlipMakesTheLineDamaged() throws IOException {
    byte[] body =
        "\"id\":\"4f9c2a\",\"expires\":\"2026-01-01T00:10:00Z\",\"session\":{\"created\":\"2026-01-01T00:00:00Z\",\"attributes\":{\"user\":\"ada\"}}}"
            .getBytes(StandardCharsets.US_ASCII);
    byte[] line = write(body, body.length);
    int length = line.length - 1; // without the newline
    assertThat(ChecksummedLine.isIntact(line, length)).isTrue();

    int checked = 0;
    for (int i = 0; i < length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] flipped = line.clone();
        flipped[i] ^= (byte) (1 << bit);
        assertThat(ChecksummedLine.isIntact(flipped, length))
            .as("bit %d of byte %d ('%c') flipped", bit, i, (char) line[i])
            .isFalse();
        checked++;
      }
    }
    assertThat(checked).isEqualTo(length * 8);
  }

  @Test
  void refusesLinesThatAreNotChecksummedLines() throws IOException {
    byte[] body = "\"id\":\"x\"}".getBytes(StandardCharsets.US_ASCII);
    byte[] line = write(body, body.length);
    int length = line.length - 1;

    String text = new String(line, 0, length, StandardCharsets.US_ASCII);
    String hex = text.substring(8, 16);
    String upper = text.replace(hex, hex.toUpperCase(Locale.ROOT));
    if (!upper.equals(text)) {
      assertThat(intact(upper)).as("upper-case hex digits").isFalse();
    }
    assertThat(intact("")).isFalse();
    assertThat(intact(text.substring(0, ChecksummedLine.BODY_OFFSET))).as("no body").isFalse();
    assertThat(intact(text.substring(0, length - 1))).as("cut short").isFalse();
    assertThat(intact(text + " ")).as("a byte more").isFalse();
    assertThat(intact(" " + text)).as("shifted").isFalse();
    assertThat(intact("{\"id\":\"x\"}")).as("no checksum").isFalse();
    assertThat(intact(text.replace("{\"crc\"", "{\"CRC\""))).as("other member name").isFalse();
    assertThat(intact(text.replace("\",\"id\"", "\" \"id\""))).as("no comma").isFalse();
    assertThat(intact("{\"crc\":\"zzzzzzzz\",\"id\":\"x\"}")).as("not hex").isFalse();

    // isIntact looks at the given length only: bytes after it (a reader's stale buffer) do not
    // count
    byte[] padded = Arrays.copyOf(line, line.length + 50);
    Arrays.fill(padded, length, padded.length, (byte) 'x');
    assertThat(ChecksummedLine.isIntact(padded, length)).isTrue();
  }

  // ---------------------------------------------------------------- Reader

  @Test
  void readsLinesAcrossTheBufferBoundary() throws IOException {
    List<byte[]> lines = new ArrayList<>();
    lines.add(filled(BUFFER - 1, 'a')); // its newline is the last byte of the first buffer
    lines.add(filled(BUFFER, 'b')); // fills the second buffer; its newline starts the third
    lines.add(filled(10, 'c'));
    lines.add(filled(3 * BUFFER + 17, 'd')); // spans four buffers
    lines.add(new byte[0]);
    java.util.SplittableRandom random = new java.util.SplittableRandom(42);
    for (int i = 0; i < 2000; i++) {
      lines.add(filled(random.nextInt(0, 400), (char) ('e' + i % 20)));
    }
    byte[] tail = filled(BUFFER / 2 + 3, 'z'); // a final line without a newline
    byte[] content = join(lines, tail);
    assertThat(content.length).isGreaterThan(6 * BUFFER);

    for (InputStream in :
        List.of(
            new ByteArrayInputStream(content),
            new ChunkedInputStream(content, 1),
            new ChunkedInputStream(content, 7),
            new ChunkedInputStream(content, BUFFER - 1),
            new ChunkedInputStream(content, BUFFER + 1))) {
      String source = in.toString();
      ChecksummedLine.Reader reader = new ChecksummedLine.Reader(in, Integer.MAX_VALUE);
      long total = 0;
      for (int i = 0; i < lines.size(); i++) {
        assertThat(reader.next()).as("%s: line %d", source, i).isTrue();
        assertThat(Arrays.copyOf(reader.bytes(), reader.length()))
            .as("%s: line %d", source, i)
            .isEqualTo(lines.get(i));
        assertThat(reader.rawLength())
            .as("%s: line %d", source, i)
            .isEqualTo(lines.get(i).length + 1L);
        assertThat(reader.terminated()).as("%s: line %d", source, i).isTrue();
        assertThat(reader.tooLong()).as("%s: line %d", source, i).isFalse();
        total += reader.rawLength();
      }
      assertThat(reader.next()).as("%s: the unterminated tail", source).isTrue();
      assertThat(Arrays.copyOf(reader.bytes(), reader.length())).isEqualTo(tail);
      assertThat(reader.terminated()).isFalse();
      assertThat(reader.tooLong()).isFalse();
      assertThat(reader.rawLength()).isEqualTo(tail.length);
      total += reader.rawLength();
      assertThat(total).as("%s: every byte is accounted for", source).isEqualTo(content.length);
      assertThat(reader.next()).as("%s: end of stream", source).isFalse();
      assertThat(reader.next()).as("%s: still the end", source).isFalse();
    }
  }

  @Test
  void finalLineWithoutNewlineIsReadButNotTerminated() throws IOException {
    ChecksummedLine.Reader reader = reader("first\nsecond", 1000);

    assertThat(reader.next()).isTrue();
    assertThat(text(reader)).isEqualTo("first");
    assertThat(reader.terminated()).isTrue();
    assertThat(reader.rawLength()).isEqualTo(6);

    assertThat(reader.next()).isTrue();
    assertThat(text(reader)).isEqualTo("second");
    assertThat(reader.terminated()).isFalse();
    assertThat(reader.rawLength()).isEqualTo(6);
    assertThat(reader.tooLong()).isFalse();

    assertThat(reader.next()).isFalse();
  }

  @Test
  void emptyLinesAreLinesAndAnEmptyStreamHasNone() throws IOException {
    ChecksummedLine.Reader reader = reader("\n\n\nx\n\n", 1000);
    List<String> seen = new ArrayList<>();
    List<Long> raw = new ArrayList<>();
    while (reader.next()) {
      assertThat(reader.terminated()).isTrue();
      assertThat(reader.tooLong()).isFalse();
      seen.add(text(reader));
      raw.add(reader.rawLength());
    }
    assertThat(seen).containsExactly("", "", "", "x", "");
    assertThat(raw).containsExactly(1L, 1L, 1L, 2L, 1L);

    assertThat(reader("", 1000).next()).isFalse();
  }

  @Test
  void overLongLinesAreCutShortButCountEveryByte() throws IOException {
    String longLine = "0123456789".repeat(10);
    ChecksummedLine.Reader reader =
        reader(longLine + "\nshort\n" + "exactly16bytes!!\n" + longLine, 16);

    assertThat(reader.next()).isTrue();
    assertThat(text(reader)).isEqualTo(longLine.substring(0, 16));
    assertThat(reader.tooLong()).isTrue();
    assertThat(reader.terminated()).isTrue();
    assertThat(reader.rawLength()).isEqualTo(101);

    assertThat(reader.next()).as("the line after an over-long one").isTrue();
    assertThat(text(reader)).isEqualTo("short");
    assertThat(reader.tooLong()).isFalse();
    assertThat(reader.rawLength()).isEqualTo(6);

    assertThat(reader.next()).isTrue();
    assertThat(text(reader)).as("a line of exactly the limit").isEqualTo("exactly16bytes!!");
    assertThat(reader.tooLong()).isFalse();

    assertThat(reader.next()).as("an over-long line without newline").isTrue();
    assertThat(reader.length()).isEqualTo(16);
    assertThat(reader.terminated()).isFalse();
    assertThat(reader.tooLong()).isTrue();
    assertThat(reader.rawLength()).isEqualTo(100);

    assertThat(reader.next()).isFalse();
  }

  @Test
  void overLongLineSpanningSeveralBuffersCountsEveryByte() throws IOException {
    byte[] huge = filled(5 * BUFFER + 123, 'h');
    byte[] content = join(List.of(huge, "after".getBytes(StandardCharsets.US_ASCII)), new byte[0]);
    for (InputStream in :
        List.of(new ByteArrayInputStream(content), new ChunkedInputStream(content, 1000))) {
      ChecksummedLine.Reader reader = new ChecksummedLine.Reader(in, 1000);

      assertThat(reader.next()).isTrue();
      assertThat(reader.length()).isEqualTo(1000);
      assertThat(Arrays.copyOf(reader.bytes(), 1000)).isEqualTo(filled(1000, 'h'));
      assertThat(reader.tooLong()).isTrue();
      assertThat(reader.terminated()).isTrue();
      assertThat(reader.rawLength()).isEqualTo(huge.length + 1L);

      assertThat(reader.next()).isTrue();
      assertThat(text(reader)).isEqualTo("after");
      assertThat(reader.tooLong()).isFalse();
      assertThat(reader.next()).isFalse();
    }
  }

  @Test
  void readsBackWhatWasWritten() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<byte[]> bodies = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      byte[] body =
          ("\"id\":\"s" + i + "\",\"pad\":\"" + "p".repeat(i * 7) + "\"}")
              .getBytes(StandardCharsets.US_ASCII);
      bodies.add(body);
      ChecksummedLine.write(out, body, body.length);
    }
    ChecksummedLine.Reader reader =
        new ChecksummedLine.Reader(new ByteArrayInputStream(out.toByteArray()), 1 << 20);
    for (byte[] body : bodies) {
      assertThat(reader.next()).isTrue();
      assertThat(ChecksummedLine.isIntact(reader.bytes(), reader.length())).isTrue();
      assertThat(Arrays.copyOfRange(reader.bytes(), ChecksummedLine.BODY_OFFSET, reader.length()))
          .isEqualTo(body);
    }
    assertThat(reader.next()).isFalse();
  }

  // ---------------------------------------------------------------- helpers

  private static byte[] write(byte[] body, int length) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ChecksummedLine.write(out, body, length);
    return out.toByteArray();
  }

  private static boolean intact(String line) {
    byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
    return ChecksummedLine.isIntact(bytes, bytes.length);
  }

  private static long crc(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    return crc.getValue();
  }

  private static String crcHex(byte[] bytes) {
    return String.format(Locale.ROOT, "%08x", crc(bytes));
  }

  private static int count(byte[] bytes, byte b) {
    int n = 0;
    for (byte x : bytes) {
      if (x == b) {
        n++;
      }
    }
    return n;
  }

  private static byte[] filled(int length, char c) {
    byte[] bytes = new byte[length];
    Arrays.fill(bytes, (byte) c);
    return bytes;
  }

  private static byte[] join(List<byte[]> lines, byte[] tail) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] line : lines) {
      out.writeBytes(line);
      out.write('\n');
    }
    out.writeBytes(tail);
    return out.toByteArray();
  }

  private static ChecksummedLine.Reader reader(String content, int maxLength) {
    return new ChecksummedLine.Reader(
        new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)), maxLength);
  }

  private static String text(ChecksummedLine.Reader reader) {
    return new String(reader.bytes(), 0, reader.length(), StandardCharsets.UTF_8);
  }

  /** Hands out at most {@code chunk} bytes per read, as a pipe or socket may. */
  private static final class ChunkedInputStream extends InputStream {
    private final byte[] content;
    private final int chunk;
    private int position;

    ChunkedInputStream(byte[] content, int chunk) {
      this.content = content;
      this.chunk = chunk;
    }

    @Override
    public int read() {
      return position < content.length ? content[position++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      if (position >= content.length) {
        return -1;
      }
      int n = Math.min(Math.min(len, chunk), content.length - position);
      System.arraycopy(content, position, b, off, n);
      position += n;
      return n;
    }

    @Override
    public String toString() {
      return "reads of at most " + chunk + " bytes";
    }
  }
}
