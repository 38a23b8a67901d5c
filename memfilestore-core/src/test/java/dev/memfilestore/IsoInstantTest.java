package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast writer writes exactly what {@link Instant#toString()} writes, or declines; the fast
 * reader reads exactly what {@link Instant#parse} reads, or declines.
 */
class IsoInstantTest {
  private static String written(Instant t) {
    byte[] out = new byte[IsoInstant.MAX_LENGTH + 4];
    int end = IsoInstant.write(t, out, 2);
    return end < 0 ? null : new String(out, 2, end - 2, StandardCharsets.US_ASCII);
  }

  @Test
  void writesWhatToStringWritesInYearsZeroTo9999() {
    Random random = new Random(12);
    long min = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
    int[] nanos = {0, 1, 999_999_999, 500_000_000, 123_000, 7_000_000, 100};
    for (int n = 0; n < 200_000; n++) {
      long s = min + Math.floorMod(random.nextLong(), max - min + 1);
      int nano = n % 3 == 0 ? random.nextInt(1_000_000_000) : nanos[n % nanos.length];
      Instant t = Instant.ofEpochSecond(s, nano);
      assertThat(written(t)).isEqualTo(t.toString());
    }
    for (String edge :
        new String[] {
          "0000-01-01T00:00:00Z",
          "1970-01-01T00:00:00Z",
          "1969-12-31T23:59:59.999999999Z",
          "2000-02-29T12:00:00.5Z",
          "2100-03-01T00:00:00Z",
          "9999-12-31T23:59:59.999999999Z"
        }) {
      Instant t = Instant.parse(edge);
      assertThat(written(t)).isEqualTo(t.toString());
    }
  }

  @Test
  void declinesYearsOutsideZeroTo9999() {
    assertThat(written(Instant.parse("+10000-01-01T00:00:00Z"))).isNull();
    assertThat(written(Instant.parse("-0001-12-31T23:59:59Z"))).isNull();
    assertThat(written(Instant.MAX)).isNull();
    assertThat(written(Instant.MIN)).isNull();
  }

  private static long parsed(String text) {
    char[] chars = ("xy" + text + "z").toCharArray();
    return IsoInstant.parseMillis(chars, 2, text.length());
  }

  @Test
  void readsWhatParseReadsInYearsZeroTo9999() {
    Random random = new Random(13);
    long min = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
    for (int n = 0; n < 200_000; n++) {
      long s = min + Math.floorMod(random.nextLong(), max - min + 1);
      Instant t = Instant.ofEpochSecond(s, n % 2 == 0 ? random.nextInt(1_000_000_000) : 0);
      String text = t.toString();
      assertThat(parsed(text)).as(text).isEqualTo(t.toEpochMilli());
      // fewer fraction digits than toString writes: still what parse reads
      if (t.getNano() != 0) {
        int digits = text.length() - 21;
        String shorter = text.substring(0, 20 + random.nextInt(1, digits + 1)) + "Z";
        assertThat(parsed(shorter)).as(shorter).isEqualTo(Instant.parse(shorter).toEpochMilli());
      }
    }
    for (String edge :
        new String[] {
          "0000-01-01T00:00:00Z",
          "1969-12-31T23:59:59.999999999Z",
          "1969-12-31T23:59:59.9991Z",
          "2000-02-29T12:00:00.5Z",
          "9999-12-31T23:59:59.999999999Z"
        }) {
      assertThat(parsed(edge)).as(edge).isEqualTo(Instant.parse(edge).toEpochMilli());
    }
  }

  @Test
  void declinesAllElseSoThatParseDecides() {
    for (String text :
        new String[] {
          "2025-02-29T00:00:00Z", // no such day: parse refuses it
          "2025-13-01T00:00:00Z",
          "2025-01-01T24:00:00Z",
          "2025-01-01T00:00:60Z", // a leap second: parse's business
          "2025-01-01T00:00:00.Z",
          "2025-01-01T00:00:00.1234567890Z",
          "2025-01-01t00:00:00z",
          "2025-01-01T00:00:00+01:00",
          "+10000-01-01T00:00:00Z",
          "2025-01-01 00:00:00Z",
          "2025-01-01T00:00:0xZ",
          "null",
          ""
        }) {
      assertThat(parsed(text)).as(text).isEqualTo(IsoInstant.NOT_PARSED);
    }
  }
}
