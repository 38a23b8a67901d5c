package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast writer writes exactly what {@link Instant#toString()} writes, or declines. */
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
}
