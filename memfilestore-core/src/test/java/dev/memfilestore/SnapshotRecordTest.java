package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The snapshot's record writer, which reuses its buffers, writes byte for byte what the general
 * record builder writes, for every kind of expiry and id, whichever encoding.
 */
class SnapshotRecordTest {
  private static final List<Long> EXPIRIES =
      List.of(
          FileFormat.NO_EXPIRY,
          0L,
          1L,
          999L,
          1_000L,
          -1L,
          -86_400_001L,
          Instant.parse("2026-12-01T04:09:07.120Z").toEpochMilli(),
          Instant.parse("2026-12-01T23:59:59.999Z").toEpochMilli(),
          Instant.parse("2026-12-02T00:00:00Z").toEpochMilli(),
          Instant.parse("2024-02-29T12:00:00.005Z").toEpochMilli(),
          Instant.parse("0000-01-01T00:00:00Z").toEpochMilli(),
          Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli(),
          Instant.parse("+10000-01-01T00:00:00Z").toEpochMilli(),
          Instant.parse("-0001-12-31T23:59:59.500Z").toEpochMilli());

  private static final List<String> IDS =
      List.of(
          "abc",
          "0123456789abcdef0123456789abcdef",
          "with \"quote\"",
          "back\\slash",
          "é-ü",
          "tab\t");

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void writesWhatTheGeneralBuilderWrites(boolean embedJson) throws IOException {
    RecordEncoder reused = new RecordEncoder(embedJson, null);
    RecordEncoder general = new RecordEncoder(embedJson, null);
    byte[] session = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    int records = 0;
    for (String id : IDS) {
      for (long expiry : EXPIRIES) {
        // a longer session first, then a shorter one: the reused buffers must not leak bytes
        for (byte[] bytes : List.of(new byte[700], session)) {
          byte[] body = embedJson ? (bytes == session ? session : pad(bytes)) : bytes;
          ByteArrayOutputStream expected = new ByteArrayOutputStream();
          general.session(null, id, expiry, body).writeTo(expected);
          ByteArrayOutputStream actual = new ByteArrayOutputStream();
          reused.writeSnapshotSession(actual, id, expiry, body);
          assertThat(actual.toString(StandardCharsets.UTF_8))
              .as("id %s, expiry %s", id, expiry)
              .isEqualTo(expected.toString(StandardCharsets.UTF_8));
          records++;
        }
      }
    }
    assertThat(records).isEqualTo(IDS.size() * EXPIRIES.size() * 2);
  }

  /** A JSON object of the given size. */
  private static byte[] pad(byte[] size) {
    return ("{\"x\":\"" + "y".repeat(size.length - 8) + "\"}").getBytes(StandardCharsets.UTF_8);
  }
}
