package dev.memfilestore.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.memfilestore.SaveFileInspector;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The commands that only read: stats, list, show, verify, export. */
// try: a Progress is opened for what its close does (it erases the bar), never referenced
@SuppressWarnings("try")
final class ReadCommands {
  private ReadCommands() {}

  /** Format name of what {@code export} writes and {@code import} reads. */
  static final String EXPORT_FORMAT = "memfilestore-export";

  static final int EXPORT_VERSION = 1;

  @Command(
      name = "stats",
      description =
          "Count sessions (and expired ones), their size, the oldest and newest, the largest, and"
              + " attribute names by frequency.")
  static final class Stats extends MemFileStoreCli.SaveFileCommand {
    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Option(names = "--top", defaultValue = "5", description = "largest sessions to list")
    int top;

    @Option(names = "--reveal", description = "print the largest sessions' ids in full")
    boolean reveal;

    @Override
    int run(SaveFileInspector inspector) throws IOException {
      Instant now = root.clock.instant();
      long[] totals = new long[3]; // sessions, expired, bytes
      Instant[] range = new Instant[2]; // oldest, newest creation
      Map<String, Long> names = new HashMap<>();
      PriorityQueue<SaveFileInspector.Session> largest =
          new PriorityQueue<>(Comparator.comparingLong(SaveFileInspector.Session::size));
      try (Progress p = progress(inspector, "stats")) {
        inspector.forEachSession(
            s -> {
              totals[0]++;
              totals[1] += s.isExpired(now) ? 1 : 0;
              totals[2] += s.size();
              if (s.created() != null) {
                range[0] =
                    range[0] == null || s.created().isBefore(range[0]) ? s.created() : range[0];
                range[1] =
                    range[1] == null || s.created().isAfter(range[1]) ? s.created() : range[1];
              }
              if (s.attributes() != null) {
                s.attributes().forEach(a -> names.merge(a.name(), 1L, Long::sum));
              }
              largest.add(s);
              if (largest.size() > top) {
                largest.poll();
              }
            });
      }
      List<SaveFileInspector.Session> biggest = new ArrayList<>(largest);
      biggest.sort(Comparator.comparingLong(SaveFileInspector.Session::size).reversed());
      List<Map.Entry<String, Long>> frequent = new ArrayList<>(names.entrySet());
      frequent.sort(
          Map.Entry.<String, Long>comparingByValue()
              .reversed()
              .thenComparing(Map.Entry.comparingByKey()));
      SaveFileInspector.Header h = inspector.header();
      List<Path> journals = inspector.journals();
      long fileBytes = inspector.totalBytes();
      boolean snapshot = Files.exists(inspector.saveFile());
      if (json) {
        try (JsonGenerator g = Text.json(out())) {
          g.writeStartObject();
          g.writeStringField("file", inspector.saveFile().toString());
          g.writeStringField("serializer", h.serializer());
          g.writeBooleanField("encrypted", h.encrypted());
          Text.writeTime(g, "written", h.written());
          g.writeBooleanField("snapshot", snapshot);
          g.writeArrayFieldStart("journals");
          for (Path j : journals) {
            g.writeString(j.toString());
          }
          g.writeEndArray();
          g.writeNumberField("fileBytes", fileBytes);
          g.writeNumberField("sessions", totals[0]);
          g.writeNumberField("expired", totals[1]);
          g.writeNumberField("sessionBytes", totals[2]);
          Text.writeTime(g, "oldest", range[0]);
          Text.writeTime(g, "newest", range[1]);
          g.writeArrayFieldStart("largest");
          for (SaveFileInspector.Session s : biggest) {
            g.writeStartObject();
            g.writeStringField("id", Text.id(s.id(), reveal));
            g.writeNumberField("size", s.size());
            g.writeEndObject();
          }
          g.writeEndArray();
          g.writeArrayFieldStart("attributes");
          for (Map.Entry<String, Long> e : frequent) {
            g.writeStartObject();
            g.writeStringField("name", e.getKey());
            g.writeNumberField("sessions", e.getValue());
            g.writeEndObject();
          }
          g.writeEndArray();
          g.writeEndObject();
        }
        out().println();
        return warnIfDamaged(inspector);
      }
      PrintWriter out = out();
      out.println(
          "File         "
              + inspector.saveFile()
              + (snapshot ? "" : " (not written yet: the first snapshot writes it)"));
      out.println(
          "Format       serializer "
              + (h.serializer() == null ? "unknown (header damaged)" : h.serializer())
              + ", "
              + (h.encrypted() ? "encrypted" : "not encrypted")
              + ", written "
              + Text.time(h.written()));
      out.println(
          "Files        " + Text.bytes(fileBytes) + " in " + Text.files(snapshot, journals.size()));
      out.println(
          "Sessions     "
              + Text.count(totals[0])
              + " ("
              + Text.count(totals[1])
              + " expired, "
              + Text.count(totals[0] - totals[1])
              + " live)");
      out.println(
          "Data         "
              + Text.bytes(totals[2])
              + (totals[0] == 0 ? "" : ", " + Text.bytes(totals[2] / totals[0]) + " on average"));
      out.println("Created      oldest " + Text.time(range[0]) + ", newest " + Text.time(range[1]));
      String label = "Largest      ";
      for (SaveFileInspector.Session s : biggest) {
        out.println(
            label
                + Text.pad(Text.id(s.id(), reveal), Text.ID_PREFIX + 1)
                + "  "
                + Text.pad(Text.bytes(s.size()), 10)
                + (s.attributes() == null ? "" : Text.plural(s.attributes().size(), "attribute")));
        label = "             ";
      }
      label = "Attributes   ";
      if (frequent.isEmpty()) {
        out.println(label + "-");
      }
      int width = frequent.stream().mapToInt(e -> Text.name(e.getKey()).length()).max().orElse(0);
      for (Map.Entry<String, Long> e : frequent) {
        out.println(
            label + Text.pad(Text.name(e.getKey()), width) + "  " + Text.count(e.getValue()));
        label = "             ";
      }
      out.flush();
      return warnIfDamaged(inspector);
    }
  }

  @Command(
      name = "list",
      description = "List sessions: id (abbreviated), expiry, last access, size, attribute names.")
  static final class ListSessions extends MemFileStoreCli.SaveFileCommand {
    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Option(names = "--reveal", description = "print session ids in full")
    boolean reveal;

    @Option(names = "--expired", description = "only sessions that have expired")
    boolean onlyExpired;

    @Override
    int run(SaveFileInspector inspector) throws IOException {
      Instant now = root.clock.instant();
      PrintWriter out = out();
      try (Progress p = progress(inspector, "list");
          JsonGenerator g = json ? Text.json(out) : null) {
        if (g != null) {
          g.writeStartArray();
        } else {
          out.println(
              Text.pad("ID", Text.ID_PREFIX + 1)
                  + "  "
                  + Text.pad("EXPIRES", 20)
                  + "  "
                  + Text.pad("LAST ACCESS", 20)
                  + "  "
                  + Text.pad("SIZE", 9)
                  + "  ATTRIBUTES");
        }
        inspector.forEachSession(
            s -> {
              if (onlyExpired && !s.isExpired(now)) {
                return;
              }
              if (g != null) {
                writeSession(g, s, now, reveal, false);
              } else {
                out.println(
                    Text.pad(Text.id(s.id(), reveal), Text.ID_PREFIX + 1)
                        + "  "
                        + Text.pad(s.isExpired(now) ? "expired" : Text.expiry(s.expires(), now), 20)
                        + "  "
                        + Text.pad(Text.time(s.accessed()), 20)
                        + "  "
                        + Text.pad(Text.bytes(s.size()), 9)
                        + "  "
                        + (s.attributes() == null
                            ? "(not readable)"
                            : String.join(
                                ", ",
                                s.attributes().stream().map(a -> Text.name(a.name())).toList())));
              }
            });
        if (g != null) {
          g.writeEndArray();
        }
      } catch (java.io.UncheckedIOException e) {
        throw e.getCause();
      }
      if (json) {
        out.println();
      }
      out.flush();
      return warnIfDamaged(inspector);
    }
  }

  /** One session as JSON; attribute values only with {@code reveal}. */
  static void writeSession(
      JsonGenerator g, SaveFileInspector.Session s, Instant now, boolean reveal, boolean detail) {
    try {
      g.writeStartObject();
      g.writeStringField("id", Text.id(s.id(), reveal));
      Text.writeTime(g, "expires", s.expires());
      g.writeBooleanField("expired", s.isExpired(now));
      Text.writeTime(g, "created", s.created());
      Text.writeTime(g, "accessed", s.accessed());
      if (s.maxInactive() == null) {
        g.writeNullField("maxInactive");
      } else {
        g.writeStringField("maxInactive", s.maxInactive().toString());
      }
      g.writeNumberField("size", s.size());
      if (detail) {
        g.writeStringField("file", s.file() == null ? null : s.file().toString());
        g.writeNumberField("line", s.line());
      }
      if (s.attributes() == null) {
        g.writeNullField("attributes");
      } else {
        g.writeArrayFieldStart("attributes");
        for (SaveFileInspector.Attribute a : s.attributes()) {
          g.writeStartObject();
          g.writeStringField("name", a.name());
          g.writeStringField("type", a.type());
          if (detail) {
            if (reveal) {
              g.writeStringField("value", a.value());
            } else if ("java.lang.String".equals(a.type()) && a.value() != null) {
              g.writeNumberField("length", a.value().length());
            }
          }
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Command(
      name = "show",
      description =
          "Show one session: times, size, where it is stored, attributes (values masked unless"
              + " --reveal). ID may be a unique prefix, as list prints it.")
  static final class Show extends MemFileStoreCli.SaveFileCommand {
    @Parameters(index = "1", paramLabel = "ID", description = "the session id, or a unique prefix")
    String id;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Option(names = "--reveal", description = "print attribute values")
    boolean reveal;

    @Override
    int run(SaveFileInspector inspector) throws IOException {
      String prefix = id.endsWith("…") ? id.substring(0, id.length() - 1) : id;
      List<SaveFileInspector.Session> found = new ArrayList<>();
      SaveFileInspector.Session[] exact = new SaveFileInspector.Session[1];
      try (Progress p = progress(inspector, "show")) {
        inspector.forEachSession(
            s -> {
              if (s.id().equals(id)) {
                exact[0] = s;
              } else if (!prefix.isEmpty() && s.id().startsWith(prefix) && found.size() < 10) {
                found.add(s);
              }
            });
      }
      SaveFileInspector.Session s = exact[0];
      if (s == null && found.size() == 1) {
        s = found.get(0);
      }
      if (s == null) {
        if (found.isEmpty()) {
          err().println("memfilestore: no session " + Text.id(id, false) + " in " + file);
          return MemFileStoreCli.NOT_FOUND;
        }
        throw new IllegalArgumentException(
            "the prefix "
                + prefix
                + " matches "
                + (found.size() >= 10 ? "10 or more" : found.size())
                + " sessions: give more of the id");
      }
      Instant now = root.clock.instant();
      if (json) {
        try (JsonGenerator g = Text.json(out())) {
          writeSession(g, s, now, true, true);
        } catch (java.io.UncheckedIOException e) {
          throw e.getCause();
        }
        out().println();
        return MemFileStoreCli.OK;
      }
      PrintWriter out = out();
      out.println("Session      " + s.id());
      out.println(
          "Expires      "
              + (s.expires() == null
                  ? "never (by time)"
                  : Text.time(s.expires()) + " (" + Text.expiry(s.expires(), now) + ")"));
      out.println("Created      " + Text.time(s.created()));
      out.println("Last access  " + Text.time(s.accessed()));
      out.println(
          "Max inactive "
              + (s.maxInactive() == null ? "the store's ttl" : Text.span(s.maxInactive())));
      out.println("Size         " + Text.count(s.size()) + " bytes");
      out.println("Stored in    " + s.file().getFileName() + ", line " + s.line());
      if (s.attributes() == null) {
        out.println("Attributes   not readable: a custom serializer wrote this session");
        return MemFileStoreCli.OK;
      }
      out.println(
          "Attributes   "
              + s.attributes().size()
              + (reveal ? "" : " (values masked; --reveal prints them)"));
      int width =
          s.attributes().stream().mapToInt(a -> Text.name(a.name()).length()).max().orElse(0);
      for (SaveFileInspector.Attribute a : s.attributes()) {
        out.println("  " + Text.pad(Text.name(a.name()), width) + "  " + Text.value(a, reveal));
      }
      return MemFileStoreCli.OK;
    }
  }

  @Command(
      name = "verify",
      description =
          "Check every line of the save file and its journals (checksums, structure, trailer);"
              + " exit 1 and say what is damaged and where. Changes nothing.")
  static final class Verify extends MemFileStoreCli.SaveFileCommand {
    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Override
    int run(SaveFileInspector inspector) throws IOException {
      SaveFileInspector.Verification v;
      try (Progress p = progress(inspector, "verify")) {
        v = inspector.verify();
      }
      PrintWriter out = out();
      if (json) {
        try (JsonGenerator g = Text.json(out)) {
          g.writeStartObject();
          g.writeBooleanField("intact", v.intact());
          g.writeArrayFieldStart("files");
          for (Path f : v.files()) {
            g.writeString(f.toString());
          }
          g.writeEndArray();
          g.writeNumberField("lines", v.lines());
          g.writeNumberField("records", v.records());
          g.writeArrayFieldStart("problems");
          for (SaveFileInspector.Problem p : v.problems()) {
            g.writeStartObject();
            g.writeStringField("file", p.file().toString());
            g.writeNumberField("line", p.line());
            g.writeNumberField("offset", p.offset());
            g.writeStringField("kind", p.kind());
            g.writeStringField("message", p.message());
            g.writeEndObject();
          }
          g.writeEndArray();
          g.writeEndObject();
        }
        out.println();
      } else {
        boolean snapshot = v.files().contains(inspector.saveFile());
        out.println(
            "Checked "
                + Text.files(snapshot, v.files().size() - (snapshot ? 1 : 0))
                + ": "
                + Text.plural(v.lines(), "line")
                + ", "
                + Text.plural(v.records(), "intact record"));
        for (SaveFileInspector.Problem p : v.problems()) {
          out.println(
              "DAMAGED "
                  + p.file().getFileName()
                  + " line "
                  + p.line()
                  + " (byte "
                  + p.offset()
                  + ") ["
                  + p.kind()
                  + "]: "
                  + p.message());
        }
        out.println(
            v.intact()
                ? "OK: no damage found"
                : Text.plural(v.problems().size(), "problem")
                    + " found. The application loads every intact record and keeps damaged files"
                    + " aside at its next start.");
      }
      return v.intact() ? MemFileStoreCli.OK : MemFileStoreCli.DAMAGED;
    }
  }

  @Command(
      name = "export",
      description =
          "Write every session as one JSON document that import reads back. It holds ids and"
              + " values in full, so it is as secret as the save file: it goes to a new"
              + " owner-only file (-o), or to standard output only when asked (-o - or --stdout).")
  static final class Export extends MemFileStoreCli.SaveFileCommand {
    @Option(
        names = {"-o", "--output"},
        paramLabel = "EXPORT",
        description =
            "the file to write (created owner-only; never overwritten); - for standard output")
    Path output;

    @Option(
        names = "--stdout",
        description = "write to standard output (the ids and values in full: mind where it goes)")
    boolean stdout;

    @Override
    int run(SaveFileInspector inspector) throws IOException {
      boolean toStdout = stdout || (output != null && "-".equals(output.toString()));
      if (stdout && output != null && !"-".equals(output.toString())) {
        throw new IllegalArgumentException(
            "give either -o " + output + " or --stdout, not both: nothing exported");
      }
      if (!toStdout && output == null) {
        throw new IllegalArgumentException(
            "an export holds every session id and value in full, as secret as the save file: give"
                + " -o FILE to write a new owner-only file, or -o - (or --stdout) to print it");
      }
      long[] count = new long[1];
      try (Writer target = toStdout ? null : ownerOnly(output);
          Progress p = progress(inspector, "export");
          JsonGenerator g = Text.json(target == null ? out() : target)) {
        SaveFileInspector.Header h = inspector.header();
        boolean embedded = "json".equals(h.encoding());
        g.writeStartObject();
        g.writeStringField("format", EXPORT_FORMAT);
        g.writeNumberField("version", EXPORT_VERSION);
        g.writeStringField("serializer", h.serializer());
        g.writeStringField("encoding", h.encoding());
        g.writeStringField("exported", root.clock.instant().toString());
        g.writeArrayFieldStart("sessions");
        inspector.forEachSession(
            s -> {
              try {
                g.writeStartObject();
                g.writeStringField("id", s.id());
                Text.writeTime(g, "expires", s.expires());
                if (embedded) {
                  g.writeFieldName("session");
                  g.writeRawValue(s.data());
                } else {
                  g.writeStringField("session64", s.data());
                }
                g.writeEndObject();
                count[0]++;
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
        g.writeEndArray();
        g.writeEndObject();
        g.flush();
        if (target != null) {
          target.write('\n');
        }
      } catch (java.io.UncheckedIOException e) {
        throw e.getCause();
      }
      if (toStdout) {
        out().println();
      } else {
        err().println("Exported " + Text.plural(count[0], "session") + " to " + output);
      }
      return MemFileStoreCli.OK;
    }

    private static Writer ownerOnly(Path path) throws IOException {
      var channel =
          path.getFileSystem().supportedFileAttributeViews().contains("posix")
              ? Files.newByteChannel(
                  path,
                  java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                  PosixFilePermissions.asFileAttribute(
                      PosixFilePermissions.fromString("rw-------")))
              : Files.newByteChannel(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      return new OutputStreamWriter(Channels.newOutputStream(channel), StandardCharsets.UTF_8);
    }
  }
}
