package dev.memfilestore;

/**
 * A quick check that bytes hold one well-formed JSON object, for the session embedded in a record:
 * a single pass over the bytes where walking Jackson's tokens over them took half of a load's
 * parsing. It only ever accepts: for a common, simple subset of JSON (ASCII member names, numbers
 * and nesting of modest size) it returns where the object ends; for anything else, well-formed or
 * not, it returns {@link #UNSURE} and the caller lets Jackson decide, as it did before. So what a
 * load rejects is exactly what Jackson rejects (a seeded differential test compares the two over
 * mutated records).
 */
final class JsonObjectScan {
  /** Returned when the bytes are outside what this check decides. */
  static final int UNSURE = -1;

  /**
   * Deeper than this is left to Jackson, whose depth limit (over the whole record) is far above it.
   */
  private static final int MAX_DEPTH = 64;

  /** Longer numbers are left to Jackson, whose length limits are far above this. */
  private static final int MAX_NUMBER = 100;

  /** Longer member names are left to Jackson (its name length limit is far above this). */
  private static final int MAX_NAME = 256;

  /**
   * More member names than this are left to Jackson: its name table refuses floods of colliding
   * names, which a table this small never sees.
   */
  private static final int MAX_NAMES = 256;

  private static final byte[] CLASS = new byte[256];

  private static final byte OTHER = 0;
  private static final byte PLAIN = 1; // a string byte that needs no attention
  private static final byte QUOTE = 2;
  private static final byte BACKSLASH = 3;
  private static final byte CONTROL = 4;
  private static final byte LEAD2 = 5;
  private static final byte LEAD3 = 6;
  private static final byte LEAD4 = 7;

  static {
    for (int b = 0; b < 256; b++) {
      byte c;
      if (b < 0x20) {
        c = CONTROL;
      } else if (b == '"') {
        c = QUOTE;
      } else if (b == '\\') {
        c = BACKSLASH;
      } else if (b < 0x80) {
        c = PLAIN;
      } else if (b >= 0xC2 && b <= 0xDF) {
        c = LEAD2;
      } else if (b >= 0xE0 && b <= 0xEF) {
        c = LEAD3;
      } else if (b >= 0xF0 && b <= 0xF4) {
        c = LEAD4;
      } else {
        c = OTHER; // a continuation byte out of place, or a lead no valid UTF-8 has
      }
      CLASS[b] = c;
    }
  }

  private JsonObjectScan() {}

  /**
   * Checks the object that starts at {@code start} (its '{').
   *
   * @return the index just after its closing '}', or {@link #UNSURE}
   */
  static int object(byte[] b, int start, int end) {
    if (start >= end || b[start] != '{') {
      return UNSURE;
    }
    long objects = 1; // one bit per open container, the innermost lowest: 1 object, 0 array
    int depth = 1;
    int names = 0;
    int i = start + 1;
    boolean mayClose = true; // right after an opening bracket: the container may close at once
    members:
    while (true) {
      i = skipSpace(b, i, end);
      if (i >= end) {
        return UNSURE;
      }
      byte c = b[i];
      boolean inObject = (objects & 1) != 0;
      if (!(mayClose && c == (inObject ? '}' : ']'))) {
        if (inObject) { // a member's name and colon before its value
          if (c != '"' || ++names > MAX_NAMES) {
            return UNSURE;
          }
          int n = i + 1;
          int limit = Math.min(end, n + MAX_NAME);
          while (n < limit && b[n] != '"') {
            int x = b[n] & 0xFF;
            if (x < 0x20 || x >= 0x7F || x == '\\') {
              return UNSURE;
            }
            n++;
          }
          if (n >= limit) {
            return UNSURE;
          }
          i = skipSpace(b, n + 1, end);
          if (i >= end || b[i] != ':') {
            return UNSURE;
          }
          i = skipSpace(b, i + 1, end);
          if (i >= end) {
            return UNSURE;
          }
          c = b[i];
        }
        if (c == '{' || c == '[') {
          if (depth == MAX_DEPTH) {
            return UNSURE;
          }
          objects = (objects << 1) | (c == '{' ? 1 : 0);
          depth++;
          i++;
          mayClose = true;
          continue;
        }
        if (c == '"') {
          i = string(b, i + 1, end);
        } else if (c == '-' || (c >= '0' && c <= '9')) {
          i = number(b, i, end);
        } else if (c == 't') {
          i = literal(b, i, end, TRUE);
        } else if (c == 'f') {
          i = literal(b, i, end, FALSE);
        } else if (c == 'n') {
          i = literal(b, i, end, NULL);
        } else {
          return UNSURE;
        }
        if (i < 0) {
          return UNSURE;
        }
        i = skipSpace(b, i, end);
        if (i >= end) {
          return UNSURE;
        }
        c = b[i];
      }
      // After a value (or at an empty container's close): a comma, or closes.
      while (true) {
        if (c == ',') {
          i++;
          mayClose = false;
          continue members;
        }
        if (c != ((objects & 1) != 0 ? '}' : ']')) {
          return UNSURE;
        }
        i++;
        depth--;
        objects >>>= 1;
        if (depth == 0) {
          return i;
        }
        i = skipSpace(b, i, end);
        if (i >= end) {
          return UNSURE;
        }
        c = b[i];
      }
    }
  }

  private static int skipSpace(byte[] b, int i, int end) {
    while (i < end) {
      byte c = b[i];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return i;
      }
      i++;
    }
    return i;
  }

  /** A string's rest after its opening quote; returns the index after its closing quote or -1. */
  private static int string(byte[] b, int i, int end) {
    while (i < end) {
      byte c = CLASS[b[i] & 0xFF];
      switch (c) {
        case PLAIN -> i++;
        case QUOTE -> {
          return i + 1;
        }
        case BACKSLASH -> {
          if (i + 1 >= end) {
            return -1;
          }
          byte e = b[i + 1];
          if (e == 'u') {
            if (i + 5 >= end) {
              return -1;
            }
            for (int k = 2; k <= 5; k++) {
              if (Character.digit((char) (b[i + k] & 0xFF), 16) < 0) {
                return -1;
              }
            }
            i += 6;
          } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n'
              || e == 'r' || e == 't') {
            i += 2;
          } else {
            return -1;
          }
        }
        case LEAD2 -> i = continuation(b, i + 1, end, 1, 0x80, 0xBF);
        case LEAD3 -> {
          int lead = b[i] & 0xFF;
          // no overlong forms, no surrogates: only what any JSON parser reads
          i =
              continuation(
                  b, i + 1, end, 2, lead == 0xE0 ? 0xA0 : 0x80, lead == 0xED ? 0x9F : 0xBF);
        }
        case LEAD4 -> {
          int lead = b[i] & 0xFF;
          i =
              continuation(
                  b, i + 1, end, 3, lead == 0xF0 ? 0x90 : 0x80, lead == 0xF4 ? 0x8F : 0xBF);
        }
        default -> {
          return -1; // a control character, or a byte no valid UTF-8 starts with
        }
      }
      if (i < 0) {
        return -1;
      }
    }
    return -1;
  }

  /**
   * The index after {@code count} continuation bytes at {@code i}, the first within {@code [low,
   * high]} (what well-formed UTF-8 allows after its lead), or -1.
   */
  private static int continuation(byte[] b, int i, int end, int count, int low, int high) {
    if (i + count > end) {
      return -1;
    }
    int second = b[i] & 0xFF;
    if (second < low || second > high) {
      return -1;
    }
    for (int k = 1; k < count; k++) {
      if ((b[i + k] & 0xC0) != 0x80) {
        return -1;
      }
    }
    return i + count;
  }

  /** A number; returns the index after it or -1. */
  private static int number(byte[] b, int i, int end) {
    int first = i;
    if (b[i] == '-') {
      i++;
    }
    if (i >= end) {
      return -1;
    }
    if (b[i] == '0') {
      i++;
    } else if (b[i] >= '1' && b[i] <= '9') {
      i = digits(b, i, end);
    } else {
      return -1;
    }
    if (i < end && b[i] == '.') {
      int d = digits(b, i + 1, end);
      if (d == i + 1) {
        return -1;
      }
      i = d;
    }
    if (i < end && (b[i] == 'e' || b[i] == 'E')) {
      i++;
      if (i < end && (b[i] == '+' || b[i] == '-')) {
        i++;
      }
      int d = digits(b, i, end);
      if (d == i) {
        return -1;
      }
      i = d;
    }
    return i - first > MAX_NUMBER ? -1 : i;
  }

  private static int digits(byte[] b, int i, int end) {
    while (i < end && b[i] >= '0' && b[i] <= '9') {
      i++;
    }
    return i;
  }

  private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
  private static final byte[] NULL = {'n', 'u', 'l', 'l'};

  private static int literal(byte[] b, int i, int end, byte[] word) {
    if (i + word.length > end) {
      return -1;
    }
    for (int k = 0; k < word.length; k++) {
      if (b[i + k] != word[k]) {
        return -1;
      }
    }
    return i + word.length;
  }
}
