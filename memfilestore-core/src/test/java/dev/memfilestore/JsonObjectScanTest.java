package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The quick check of a record's session JSON rejects exactly what Jackson's walk rejects: a seeded
 * differential test over random sessions and mutations of them, comparing every record as parsed
 * with the quick check and with Jackson alone.
 */
class JsonObjectScanTest {
  private static final byte[] PREFIX =
      "{\"crc\":\"00000000\",\"id\":\"session-1\",\"expires\":null,\"session\":"
          .getBytes(StandardCharsets.US_ASCII);

  /** A record as written, with an expiry: read without Jackson when intact. */
  private static final byte[] TIMED =
      "{\"crc\":\"0a1b2c3d\",\"id\":\"s-2\",\"expires\":\"2026-12-02T07:00:00.123Z\",\"session\":"
          .getBytes(StandardCharsets.US_ASCII);

  /** Bytes a mutation puts in: JSON's own, space, controls, and bytes of (broken) UTF-8. */
  private static final byte[] NOISE = {
    '{',
    '}',
    '[',
    ']',
    '"',
    ',',
    ':',
    '\\',
    '/',
    ' ',
    '\t',
    '\n',
    '\r',
    '-',
    '+',
    '.',
    'e',
    'E',
    '0',
    '1',
    '9',
    't',
    'r',
    'u',
    'f',
    'a',
    'l',
    's',
    'n',
    'x',
    'u',
    'b',
    0,
    1,
    0x1f,
    0x7f,
    (byte) 0x80,
    (byte) 0xbf,
    (byte) 0xc0,
    (byte) 0xc3,
    (byte) 0xa9,
    (byte) 0xe0,
    (byte) 0xed,
    (byte) 0xa0,
    (byte) 0xe2,
    (byte) 0x82,
    (byte) 0xac,
    (byte) 0xf0,
    (byte) 0x9f,
    (byte) 0xf4,
    (byte) 0x90,
    (byte) 0xf5,
    (byte) 0xff
  };

  @Test
  void theQuickCheckAcceptsAndRejectsExactlyWhatJacksonDoes() {
    SplittableRandom random = new SplittableRandom(20261201);
    int decidedQuickly = 0;
    int accepted = 0;
    int rejected = 0;
    int cases = 100_000;
    for (int n = 0; n < cases; n++) {
      StringBuilder json = new StringBuilder();
      value(json, random, 0, true);
      byte[] session = json.toString().getBytes(StandardCharsets.UTF_8);
      byte[] prefix = random.nextBoolean() ? PREFIX : TIMED;
      byte[] line = concat(prefix, session, tail(random));
      int mutations = n % 4; // a quarter of the records left intact
      for (int m = 0; m < mutations; m++) {
        // mostly the session, sometimes the members before it
        line = mutate(line, random, random.nextInt(4) == 0 ? 1 : prefix.length);
      }
      RecordDecoder.Entry quick = RecordDecoder.entry(line, line.length, "json", true);
      RecordDecoder.Entry jackson = RecordDecoder.entry(line, line.length, "json", false);
      String what = "case " + n + ": " + new String(line, StandardCharsets.ISO_8859_1);
      if (jackson == null) {
        assertThat(quick).as(what).isNull();
        rejected++;
      } else {
        assertThat(quick).as(what).isNotNull();
        assertThat(quick.session()).as(what).isEqualTo(jackson.session());
        assertThat(quick.id()).as(what).isEqualTo(jackson.id());
        assertThat(quick.expiresAtMillis()).as(what).isEqualTo(jackson.expiresAtMillis());
        assertThat(quick.json()).as(what).isEqualTo(jackson.json());
        assertThat(quick.op()).as(what).isEqualTo(jackson.op());
        accepted++;
      }
      if (JsonObjectScan.object(line, prefix.length, line.length) != JsonObjectScan.UNSURE) {
        decidedQuickly++;
      }
    }
    // Not vacuous: both outcomes occur often, and the quick check decides most sessions.
    assertThat(accepted).isGreaterThan(cases / 5);
    assertThat(rejected).isGreaterThan(cases / 5);
    assertThat(decidedQuickly).isGreaterThan(cases / 5);
  }

  @Test
  void aWrittenRecordIsDecidedQuicklyAndSomethingOddIsLeftToJackson() {
    byte[] ok =
        "{\"a\":[1,-2.5e+3,true,false,null,\"\\u00e9\\n\",{}],\"b\":{\"c\":[]}}x"
            .getBytes(StandardCharsets.UTF_8);
    assertThat(JsonObjectScan.object(ok, 0, ok.length)).isEqualTo(ok.length - 1);
    for (String odd :
        new String[] {"{\"a\":01}", "{\"a\":1,}", "{\"\\u0061\":1}", "{\"a\" 1}", "{\"a\":tru}"}) {
      byte[] b = odd.getBytes(StandardCharsets.UTF_8);
      assertThat(JsonObjectScan.object(b, 0, b.length)).as(odd).isEqualTo(JsonObjectScan.UNSURE);
    }
  }

  private static String tail(SplittableRandom random) {
    return switch (random.nextInt(8)) {
      case 0 -> ",\"x\":1}";
      case 1 -> "}garbage";
      case 2 -> " }";
      case 3 -> "";
      default -> "}";
    };
  }

  private static void value(StringBuilder out, SplittableRandom random, int depth, boolean object) {
    int kind = object ? 0 : random.nextInt(depth > 4 ? 2 : 0, 9);
    space(out, random);
    switch (kind) {
      case 0 -> {
        out.append('{');
        int members = random.nextInt(depth > 3 ? 2 : 5);
        for (int i = 0; i < members; i++) {
          if (i > 0) {
            out.append(',');
          }
          space(out, random);
          string(out, random, true);
          space(out, random);
          out.append(':');
          value(out, random, depth + 1, false);
        }
        space(out, random);
        out.append('}');
      }
      case 1 -> {
        out.append('[');
        int items = random.nextInt(4);
        for (int i = 0; i < items; i++) {
          if (i > 0) {
            out.append(',');
          }
          value(out, random, depth + 1, false);
        }
        space(out, random);
        out.append(']');
      }
      case 2, 3 -> string(out, random, false);
      case 4, 5 -> number(out, random);
      case 6 -> out.append("true");
      case 7 -> out.append("false");
      default -> out.append("null");
    }
    space(out, random);
  }

  private static void space(StringBuilder out, SplittableRandom random) {
    if (random.nextInt(6) == 0) {
      out.append(" \t\r\n".charAt(random.nextInt(4)));
    }
  }

  private static void string(StringBuilder out, SplittableRandom random, boolean name) {
    out.append('"');
    int length = random.nextInt(8);
    for (int i = 0; i < length; i++) {
      int r = random.nextInt(name ? 12 : 16);
      switch (r) {
        case 12 -> out.append("\\n");
        case 13 -> out.append("\\u00").append("0a9F".charAt(random.nextInt(4))).append('1');
        case 14 -> out.append("é€");
        case 15 -> out.append("\uD83D\uDE00"); // four bytes in UTF-8
        default -> out.append((char) ('a' + random.nextInt(26)));
      }
    }
    out.append('"');
  }

  private static void number(StringBuilder out, SplittableRandom random) {
    if (random.nextBoolean()) {
      out.append('-');
    }
    out.append(random.nextInt(3) == 0 ? "0" : String.valueOf(random.nextInt(1, 100_000)));
    if (random.nextInt(3) == 0) {
      out.append('.').append(random.nextInt(1000));
    }
    if (random.nextInt(4) == 0) {
      out.append(random.nextBoolean() ? 'e' : 'E')
          .append(random.nextBoolean() ? "+" : "-")
          .append(random.nextInt(300));
    }
  }

  /** One random change at or after {@code from}. */
  private static byte[] mutate(byte[] line, SplittableRandom random, int from) {
    if (line.length <= from) {
      return line;
    }
    int at = random.nextInt(from, line.length);
    byte noise = NOISE[random.nextInt(NOISE.length)];
    return switch (random.nextInt(5)) {
      case 0 -> {
        byte[] b = line.clone();
        b[at] = noise;
        yield b;
      }
      case 1 -> concat(Arrays.copyOf(line, at), new byte[] {noise}, rest(line, at));
      case 2 -> concat(Arrays.copyOf(line, at), new byte[0], rest(line, at + 1));
      case 3 -> Arrays.copyOf(line, at);
      default -> {
        int copied = random.nextInt(from, line.length);
        int to = Math.min(line.length, copied + random.nextInt(1, 8));
        yield concat(Arrays.copyOf(line, at), Arrays.copyOfRange(line, copied, to), rest(line, at));
      }
    };
  }

  private static String rest(byte[] line, int from) {
    return new String(line, from, line.length - from, StandardCharsets.ISO_8859_1);
  }

  private static byte[] concat(byte[] a, byte[] b, String c) {
    byte[] tail = c.getBytes(StandardCharsets.ISO_8859_1);
    byte[] out = Arrays.copyOf(a, a.length + b.length + tail.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    System.arraycopy(tail, 0, out, a.length + b.length, tail.length);
    return out;
  }
}
