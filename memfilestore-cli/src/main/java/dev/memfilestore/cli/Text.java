package dev.memfilestore.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import dev.memfilestore.SaveFileInspector;
import java.io.IOException;
import java.io.Writer;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.regex.Pattern;

/** How the command shows things: sizes, times, and secrets (ids and values) masked by default. */
final class Text {
  /** Characters of an id shown when it is abbreviated: enough to tell sessions apart. */
  static final int ID_PREFIX = 8;

  private static final JsonFactory JSON =
      JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();

  private Text() {}

  static String id(String id, boolean reveal) {
    return reveal || id.length() <= ID_PREFIX ? id : id.substring(0, ID_PREFIX) + "…";
  }

  /** An attribute's value: its text when revealed, else only its type and a length. */
  static String value(SaveFileInspector.Attribute a, boolean reveal) {
    String type = shortType(a.type());
    if (a.type() == null && a.value() == null) {
      return "null";
    }
    if (reveal) {
      if (a.value() == null) {
        return "(" + type + ", not readable without the application's classes)";
      }
      return ("java.lang.String".equals(a.type()) ? quote(a.value()) : a.value())
          + " ("
          + type
          + ")";
    }
    if ("java.lang.String".equals(a.type()) && a.value() != null) {
      return "*** (String, " + a.value().length() + " chars)";
    }
    return "*** (" + type + ")";
  }

  /**
   * An attribute name for people: a name qualified by a Java package, as Spring's are ({@code
   * org.springframework.security.web.csrf.HttpSessionCsrfTokenRepository.CSRF_TOKEN}), cut to its
   * last part ({@code …CSRF_TOKEN}); --json prints names in full.
   */
  static String name(String name) {
    return QUALIFIED.matcher(name).matches()
        ? "…" + name.substring(name.lastIndexOf('.') + 1)
        : name;
  }

  /** Two or more lower-case package segments, then a class, a field or both. */
  private static final Pattern QUALIFIED =
      Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+\\..+");

  /** {@code java.util.ArrayList} as {@code ArrayList}; untyped as {@code JSON}. */
  static String shortType(String type) {
    if (type == null) {
      return "JSON";
    }
    int dot = type.lastIndexOf('.');
    return type.substring(dot + 1);
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** A count and its noun, singular or plural: "1 session", "2 sessions", "1,024 records". */
  static String plural(long n, String noun) {
    return count(n) + " " + noun + (n == 1 ? "" : "s");
  }

  /**
   * The files read, the same way in every command: "2 files (the snapshot and 1 journal)", or "1
   * file (1 journal; no snapshot yet)" for a store that has only journaled so far.
   */
  static String files(boolean snapshot, int journals) {
    String what;
    if (!snapshot) {
      what = plural(journals, "journal") + "; no snapshot yet";
    } else if (journals == 0) {
      what = "the snapshot";
    } else {
      what = "the snapshot and " + plural(journals, "journal");
    }
    return plural((snapshot ? 1 : 0) + journals, "file") + " (" + what + ")";
  }

  /** {@code 2026-01-01T00:00:00Z}, to the second: enough for people, exact in --json. */
  static String time(Instant t) {
    return t == null ? "-" : t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }

  /** When a session expires, relative to now: "in 42m", "expired 3h ago", "never". */
  static String expiry(Instant expires, Instant now) {
    if (expires == null) {
      return "never";
    }
    Duration d = Duration.between(now, expires);
    return d.isNegative() || d.isZero() ? "expired " + span(d.negated()) + " ago" : "in " + span(d);
  }

  static String span(Duration d) {
    long s = d.toSeconds();
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return s / 60 + "m";
    }
    if (s < 86_400) {
      return s / 3600 + "h" + (s % 3600 >= 60 ? " " + (s % 3600) / 60 + "m" : "");
    }
    return s / 86_400 + "d" + (s % 86_400 >= 3600 ? " " + (s % 86_400) / 3600 + "h" : "");
  }

  static String pad(String s, int width) {
    if (s.length() >= width) {
      return s;
    }
    return s + " ".repeat(width - s.length());
  }

  /** A JSON writer to the command's output, indented for people, that leaves it open. */
  static JsonGenerator json(Writer out) throws IOException {
    JsonGenerator g = JSON.createGenerator(out);
    DefaultPrettyPrinter pretty = new DefaultPrettyPrinter();
    pretty.indentArraysWith(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
    g.setPrettyPrinter(pretty);
    return g;
  }

  static void writeTime(JsonGenerator g, String field, Instant t) throws IOException {
    if (t == null) {
      g.writeNullField(field);
    } else {
      g.writeStringField(field, t.toString());
    }
  }
}
