package dev.memfilestore.cli;

import dev.memfilestore.MemFileStore;
import dev.memfilestore.SaveFileInspector;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import javax.crypto.SecretKey;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * The {@code memfilestore} command: inspects, verifies, compacts, exports, imports and purges a
 * MemFileStore save file and its journals while the application is stopped, and migrates its
 * sessions into Spring Session's Redis or JDBC store.
 *
 * <p>Exit codes: 0 success; 1 damage found ({@code verify}; {@code stats} and {@code list} warn of
 * it; a command refusing damaged files), session not found ({@code show}), or sessions that could
 * not be migrated ({@code migrate}: the others moved); 2 bad usage, or a file that is missing,
 * unreadable, foreign or needs another key; 3 the file is open in a running application; 4 the
 * migration target cannot be reached, lacks its schema, or failed while writing.
 */
// try: a Progress is opened for what its close does (it erases the bar), never referenced
@SuppressWarnings("try")
@Command(
    name = "memfilestore",
    mixinStandardHelpOptions = true,
    versionProvider = MemFileStoreCli.Version.class,
    description =
        "Inspect and maintain a MemFileStore save file (stop the application to change it).",
    subcommands = {
      ReadCommands.Stats.class,
      ReadCommands.ListSessions.class,
      ReadCommands.Show.class,
      ReadCommands.Verify.class,
      ReadCommands.Export.class,
      WriteCommands.Compact.class,
      WriteCommands.Import.class,
      WriteCommands.Purge.class,
      Migrate.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:damage found (verify; stats and list warn of it; refused to change damaged files),"
          + " no such session (show), or some sessions could not be migrated (migrate; the rest"
          + " moved)",
      "2:bad usage; missing, unreadable or foreign file; wrong or missing key",
      "3:the file is open in a running application: stop it first",
      "4:the migration target cannot be reached, lacks its schema, or failed while writing"
          + " (migrate; the save file is unchanged: run it again)"
    })
public final class MemFileStoreCli {
  static final int OK = 0;
  static final int DAMAGED = 1;
  static final int NOT_FOUND = 1;
  static final int UNUSABLE = 2;
  static final int IN_USE = 3;
  static final int SESSIONS_FAILED = 1;
  static final int TARGET_FAILED = 4;

  /** When to draw a progress bar on standard error. */
  enum ProgressMode {
    AUTO,
    ALWAYS,
    NEVER
  }

  /** The time against which expiry is judged; tests set their own. */
  final Clock clock;

  MemFileStoreCli(Clock clock) {
    this.clock = clock;
  }

  /**
   * Runs the command and exits with its exit code.
   *
   * @param args the command line
   */
  public static void main(String... args) {
    System.exit(commandLine(Clock.systemUTC()).execute(args));
  }

  /** The command, ready to {@code execute}, with this module's error handling. */
  static CommandLine commandLine(Clock clock) {
    CommandLine cl = new CommandLine(new MemFileStoreCli(clock));
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          PrintWriter err = commandLine.getErr();
          err.println("memfilestore: " + explain(e));
          err.flush();
          return exitCode(e);
        });
    return cl;
  }

  private static String explain(Exception e) {
    if (e instanceof NoSuchFileException n) {
      return "no such file: "
          + n.getFile()
          + (n.getReason() == null ? "" : " (" + n.getReason() + ")");
    }
    if (e instanceof FileAlreadyExistsException f) {
      return f.getFile() + " already exists: remove it or choose another name";
    }
    if (e instanceof AccessDeniedException a) {
      return "permission denied: "
          + a.getFile()
          + " (the files are owner-only: run as their owner)";
    }
    if (e instanceof IOException) {
      return "cannot read or write the files: " + e;
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  private static int exitCode(Exception e) {
    if (e instanceof SaveFileInspector.FileInUseException) {
      return IN_USE;
    }
    if (e instanceof Damaged) {
      return DAMAGED;
    }
    if (e instanceof MigrationTarget.Unavailable) {
      return TARGET_FAILED;
    }
    if (e instanceof IOException
        || e instanceof IllegalArgumentException
        || e instanceof IllegalStateException) {
      return UNUSABLE;
    }
    return CommandLine.ExitCode.SOFTWARE;
  }

  /** A command refused to change files that {@code verify} finds damaged. */
  static final class Damaged extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Damaged(String message) {
      super(message);
    }
  }

  /** The version from the jar's manifest, when there is one. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = MemFileStoreCli.class.getPackage().getImplementationVersion();
      return new String[] {"memfilestore " + (v == null ? "(development build)" : v)};
    }
  }

  /** What every command takes: the save file, a key for an encrypted one, the progress bar. */
  abstract static class SaveFileCommand implements Callable<Integer> {
    @ParentCommand MemFileStoreCli root;

    @Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "show this help and exit")
    boolean help;

    @Parameters(
        index = "0",
        paramLabel = "FILE",
        description =
            "the store's saveFile, e.g. data/sessions.json (its journals are found beside it)")
    Path file;

    @Option(
        names = "--key-file",
        paramLabel = "PATH",
        description =
            "file holding the 16, 24 or 32 byte AES key of an encrypted store (raw or base64)")
    Path keyFile;

    @Option(
        names = "--progress",
        paramLabel = "WHEN",
        defaultValue = "AUTO",
        description =
            "progress bar on stderr: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}: on a"
                + " terminal, for files over 8 MiB)")
    ProgressMode progress;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    SaveFileInspector open() throws IOException {
      return SaveFileInspector.open(file, key());
    }

    private SecretKey key() throws IOException {
      if (keyFile == null) {
        return null;
      }
      return MemFileStore.readEncryptionKey(keyFile);
    }

    Progress progress(SaveFileInspector inspector, String label) throws IOException {
      return Progress.start(progress, err(), label, inspector::bytesRead, inspector.totalBytes());
    }

    @Override
    public Integer call() throws Exception {
      try {
        return run(open());
      } finally {
        out().flush();
        err().flush();
      }
    }

    abstract int run(SaveFileInspector inspector) throws IOException;

    /**
     * For the commands that show sessions: checks the files after showing what could be read, and
     * if they are damaged says so on standard error and returns {@link #DAMAGED}, so that a script
     * does not take a partial answer for a whole one.
     */
    int warnIfDamaged(SaveFileInspector inspector) throws IOException {
      SaveFileInspector.Verification v;
      try (Progress p = progress(inspector, "check")) {
        v = inspector.verify();
      }
      if (v.intact()) {
        return OK;
      }
      SaveFileInspector.Problem first = v.problems().get(0);
      PrintWriter err = err();
      err.println(
          "memfilestore: warning: "
              + inspector.saveFile().getFileName()
              + " is damaged ("
              + Text.plural(v.problems().size(), "problem")
              + "; the first: "
              + first.file().getFileName()
              + " line "
              + first.line()
              + "), so this leaves out what the damage hides. Run `memfilestore verify "
              + file
              + "` for details");
      return DAMAGED;
    }
  }
}
