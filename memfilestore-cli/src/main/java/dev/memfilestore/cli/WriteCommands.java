package dev.memfilestore.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.memfilestore.SaveFileInspector;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The commands that change files: compact, import, purge. Each checks the files first and refuses
 * damaged ones, then has the core write a fresh snapshot under the save file's lock.
 */
// try: a Progress is opened for what its close does (it erases the bar), never referenced
@SuppressWarnings("try")
final class WriteCommands {
  private static final JsonFactory JSON = new JsonFactory();

  private WriteCommands() {}

  /** Refuses to change damaged files; a journal's torn tail is fine (the store drops it too). */
  static void requireIntact(MemFileStoreCli.SaveFileCommand command, SaveFileInspector inspector)
      throws IOException {
    SaveFileInspector.Verification v;
    try (Progress p = command.progress(inspector, "verify")) {
      v = inspector.verify();
    }
    List<SaveFileInspector.Problem> damage =
        v.problems().stream().filter(p -> !"torn-tail".equals(p.kind())).toList();
    if (damage.isEmpty()) {
      return;
    }
    PrintWriter err = command.err();
    for (SaveFileInspector.Problem p : damage) {
      err.println("DAMAGED " + p.file().getFileName() + ": " + p.message());
    }
    throw new MemFileStoreCli.Damaged(
        "refusing to change damaged files ("
            + Text.plural(damage.size(), "problem")
            + "). Start the application once: it loads every intact record, keeps the damaged"
            + " files aside and writes a fresh snapshot");
  }

  @Command(
      name = "compact",
      description =
          "Fold the journals into a fresh snapshot (written to a temporary file, forced and"
              + " renamed) and delete them. Keeps every session, expired ones too.")
  static final class Compact extends MemFileStoreCli.SaveFileCommand {
    @Override
    int run(SaveFileInspector inspector) throws IOException {
      requireIntact(this, inspector);
      long before = inspector.totalBytes();
      SaveFileInspector.Rewritten r;
      try (Progress p = progress(inspector, "compact")) {
        r = inspector.rewrite(s -> false, List.of());
      }
      out()
          .println(
              "Compacted "
                  + inspector.saveFile().getFileName()
                  + ": "
                  + Text.plural(r.kept(), "session")
                  + ", "
                  + Text.plural(r.deletedJournals().size(), "journal")
                  + " folded in; "
                  + Text.bytes(before)
                  + " -> "
                  + Text.bytes(r.bytes()));
      return MemFileStoreCli.OK;
    }
  }

  @Command(
      name = "import",
      description =
          "Add the sessions of an export (what export wrote) to the save file. Refuses ids"
              + " already present unless --replace, and an export of another serializer.")
  static final class Import extends MemFileStoreCli.SaveFileCommand {
    @Parameters(
        index = "1",
        paramLabel = "EXPORT",
        description = "what export wrote; - for standard input")
    String export;

    @Option(names = "--replace", description = "replace sessions whose id is already present")
    boolean replace;

    @Override
    int run(SaveFileInspector inspector) throws IOException {
      Map<String, SaveFileInspector.Session> sessions = read(inspector);
      requireIntact(this, inspector);
      Set<String> present = new HashSet<>();
      inspector.forEachSession(
          s -> {
            if (sessions.containsKey(s.id())) {
              present.add(s.id());
            }
          });
      if (!present.isEmpty() && !replace) {
        throw new IllegalArgumentException(
            (sessions.size() == 1
                    ? "its only session is"
                    : present.size()
                        + " of its "
                        + Text.plural(sessions.size(), "session")
                        + (present.size() == 1 ? " is" : " are"))
                + " already in "
                + inspector.saveFile().getFileName()
                + " (e.g. "
                + Text.id(present.iterator().next(), false)
                + "): nothing imported. Use --replace to overwrite them");
      }
      SaveFileInspector.Rewritten r;
      try (Progress p = progress(inspector, "import")) {
        r = inspector.rewrite(s -> false, sessions.values());
      }
      out()
          .println(
              "Imported "
                  + Text.plural(r.added(), "session")
                  + " into "
                  + inspector.saveFile().getFileName()
                  + " ("
                  + Text.count(present.size())
                  + " replaced a session with the same id); "
                  + Text.plural(r.kept(), "other session")
                  + " kept");
      return MemFileStoreCli.OK;
    }

    private Map<String, SaveFileInspector.Session> read(SaveFileInspector inspector)
        throws IOException {
      SaveFileInspector.Header h = inspector.header();
      Map<String, SaveFileInspector.Session> sessions = new LinkedHashMap<>();
      String source = "-".equals(export) ? "standard input" : export;
      try (InputStream in = "-".equals(export) ? System.in : Files.newInputStream(Path.of(export));
          JsonParser p = JSON.createParser(in)) {
        if (p.nextToken() != JsonToken.START_OBJECT) {
          throw notExport(source, "it is not a JSON object");
        }
        String format = null;
        boolean sawSessions = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken t = p.nextToken();
          switch (name) {
            case "format" -> format = p.getValueAsString();
            case "version" -> {
              if (p.getValueAsInt() != ReadCommands.EXPORT_VERSION) {
                throw notExport(source, "it is of export version " + p.getText());
              }
            }
            case "serializer" -> {
              if (h.serializer() == null || !h.serializer().equals(p.getValueAsString())) {
                throw new IllegalArgumentException(
                    source
                        + " holds sessions of the '"
                        + p.getValueAsString()
                        + "' serializer but "
                        + inspector.saveFile().getFileName()
                        + " uses '"
                        + h.serializer()
                        + "': nothing imported");
              }
            }
            case "sessions" -> {
              if (!ReadCommands.EXPORT_FORMAT.equals(format)) {
                throw notExport(source, "its format is not " + ReadCommands.EXPORT_FORMAT);
              }
              if (t != JsonToken.START_ARRAY) {
                throw notExport(source, "its sessions are not an array");
              }
              sawSessions = true;
              while (p.nextToken() == JsonToken.START_OBJECT) {
                SaveFileInspector.Session s = session(p, inspector, source);
                if (sessions.put(s.id(), s) != null) {
                  throw notExport(source, "it holds session " + Text.id(s.id(), false) + " twice");
                }
              }
            }
            default -> p.skipChildren();
          }
        }
        if (!sawSessions) {
          throw notExport(source, "it has no sessions array");
        }
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw notExport(source, "it is not valid JSON (" + e.getOriginalMessage() + ")");
      }
      return sessions;
    }

    private static SaveFileInspector.Session session(
        JsonParser p, SaveFileInspector inspector, String source) throws IOException {
      String id = null;
      Instant expires = null;
      String data = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "id" -> id = p.getValueAsString();
          case "expires" -> expires = t == JsonToken.VALUE_NULL ? null : Instant.parse(p.getText());
          case "session" -> {
            // Re-emitted on one line, numbers exactly as written: a record is one line.
            StringWriter compact = new StringWriter();
            try (JsonGenerator g = JSON.createGenerator(compact)) {
              g.copyCurrentStructureExact(p);
            }
            data = compact.toString();
          }
          case "session64" -> data = p.getValueAsString();
          default -> p.skipChildren();
        }
      }
      if (id == null || data == null) {
        throw notExport(source, "a session lacks its id or its data");
      }
      return inspector.decode(id, expires, data);
    }

    private static IllegalArgumentException notExport(String source, String why) {
      return new IllegalArgumentException(
          source + " is not a memfilestore export (" + why + "): nothing imported");
    }
  }

  /** Exactly one of the two. */
  static final class PurgeSelection {
    @Option(names = "--expired", required = true, description = "remove sessions that have expired")
    boolean expired;

    @Option(
        names = "--principal",
        paramLabel = "NAME",
        required = true,
        description =
            "remove every session of this logged-in user (Spring Session's principal name):"
                + " logs them out everywhere")
    String principal;
  }

  @Command(
      name = "purge",
      description =
          "Remove expired sessions, or every session of one user, and write a fresh snapshot.")
  static final class Purge extends MemFileStoreCli.SaveFileCommand {
    @ArgGroup(exclusive = true, multiplicity = "1")
    PurgeSelection selection;

    @Option(names = "--dry-run", description = "only count what would be removed")
    boolean dryRun;

    @Override
    int run(SaveFileInspector inspector) throws IOException {
      String serializer = inspector.header().serializer();
      if (selection.principal != null && !"json".equals(serializer) && !"java".equals(serializer)) {
        throw new IllegalArgumentException(
            "the sessions of "
                + inspector.saveFile().getFileName()
                + " were written by '"
                + serializer
                + "', whose attributes only the application can read: cannot find a principal");
      }
      Instant now = root.clock.instant();
      Predicate<SaveFileInspector.Session> remove =
          selection.expired
              ? s -> s.isExpired(now)
              : s -> selection.principal.equals(s.principal());
      String noun = selection.expired ? "expired session" : "session";
      String of = selection.expired ? "" : " of principal " + selection.principal;
      if (dryRun) {
        List<String> ids = new ArrayList<>();
        long[] total = new long[1];
        try (Progress p = progress(inspector, "purge")) {
          inspector.forEachSession(
              s -> {
                total[0]++;
                if (remove.test(s)) {
                  ids.add(Text.id(s.id(), false));
                }
              });
        }
        out()
            .println(
                "Would remove "
                    + Text.plural(ids.size(), noun)
                    + of
                    + " (of "
                    + Text.plural(total[0], "session")
                    + ")"
                    + (ids.isEmpty()
                        ? ""
                        : ": "
                            + String.join(", ", ids.subList(0, Math.min(10, ids.size())))
                            + (ids.size() > 10 ? ", …" : "")));
        return MemFileStoreCli.OK;
      }
      requireIntact(this, inspector);
      SaveFileInspector.Rewritten r;
      try (Progress p = progress(inspector, "purge")) {
        r = inspector.rewrite(remove, List.of());
      }
      out()
          .println(
              "Removed "
                  + Text.plural(r.removed(), noun)
                  + of
                  + "; "
                  + Text.plural(r.kept(), "session")
                  + " kept in "
                  + inspector.saveFile().getFileName());
      return MemFileStoreCli.OK;
    }
  }
}
