package dev.memfilestore.spring.boot;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.env.Environment;

/**
 * Turns the starter's start-up failures into Spring Boot's short "APPLICATION FAILED TO START"
 * report, with a description and an action that name the {@code memfilestore.*} property to change:
 * bad property values, and a session store that cannot open its save file (in use by another
 * process, written by another serializer or key, in a directory it cannot use, or holding more
 * sessions than {@code memfilestore.load-budget} lets it load).
 *
 * <p>The store's own messages speak of its builder ({@code saveFile}, {@code encryptionKey}); this
 * speaks of the properties a Boot user sets. A failure it does not recognise but that comes from
 * the starter's repository still gets a report naming {@code memfilestore.save-file}.
 */
final class MemFileStoreFailureAnalyzer implements FailureAnalyzer {
  private static final String AUTO_CONFIGURATION = MemFileSessionAutoConfiguration.class.getName();

  /** The name of the bean method that builds the repository. */
  private static final String REPOSITORY_BEAN = "sessionRepository";

  /** The core's words when the sessions to load would take more heap than its load budget. */
  private static final Pattern OVER_BUDGET =
      Pattern.compile("after (\\d+) sessions, .* load budget of (\\d+) bytes");

  /** The JVM's maximum heap, as the core's over-budget message states it. */
  private static final Pattern MAXIMUM_HEAP = Pattern.compile("maximum heap of (\\d+) bytes");

  /** The core's words for a plain file refused because a key is configured; group 1 the file. */
  private static final Pattern PLAIN_WITH_KEY =
      Pattern.compile("(?m)^(.*) is not encrypted, but this store has an encryptionKey");

  private static final Pattern SERIALIZERS =
      Pattern.compile("'([^']*)' serializer but this store uses '([^']*)'");

  private final Environment environment;

  /** Created by Spring Boot, with the application's environment. */
  MemFileStoreFailureAnalyzer(Environment environment) {
    this.environment = environment;
  }

  @Override
  public FailureAnalysis analyze(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof InvalidMemFileStorePropertyException e) {
        return new FailureAnalysis(e.problem() + ".", e.action() + ".", failure);
      }
    }
    Throwable opening = storeFailure(failure);
    return opening == null ? null : analyzeOpening(opening, failure);
  }

  /** What the starter's repository threw while Spring created and opened it, if it did. */
  private static Throwable storeFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof BeanCreationException b
          && REPOSITORY_BEAN.equals(b.getBeanName())
          && isAutoConfiguration(b.getResourceDescription())
          && b.getCause() != null
          && !(b.getCause() instanceof BeanCreationException)) {
        return b.getCause();
      }
    }
    return null;
  }

  /** "class path resource [dev/…/MemFileSessionAutoConfiguration.class]", or its class name. */
  private static boolean isAutoConfiguration(String resourceDescription) {
    return resourceDescription != null
        && (resourceDescription.contains(AUTO_CONFIGURATION.replace('.', '/') + ".class")
            || resourceDescription.equals(AUTO_CONFIGURATION));
  }

  private FailureAnalysis analyzeOpening(Throwable opening, Throwable failure) {
    List<String> messages = new ArrayList<>();
    boolean accessDenied = false;
    for (Throwable t = opening; t != null; t = t.getCause()) {
      if (t.getMessage() != null) {
        messages.add(t.getMessage());
      }
      accessDenied |= t instanceof AccessDeniedException;
      accessDenied |=
          t instanceof FileSystemException f
              && f.getReason() != null
              && f.getReason().contains("Read-only file system");
    }
    String all = String.join("\n", messages);
    String file = saveFile();
    Matcher overBudget = OVER_BUDGET.matcher(all);
    if (overBudget.find()) {
      return overBudget(file, overBudget, failure, MAXIMUM_HEAP.matcher(all));
    }
    if (all.contains("already used by another")) {
      return new FailureAnalysis(
          "The session store's file memfilestore.save-file="
              + file
              + " is in use by another "
              + (all.contains("in this JVM") ? "session store in this JVM" : "process")
              + " (it holds the lock "
              + file
              + ".lock).",
          "Stop the other application, or give this one a file of its own with"
              + " memfilestore.save-file.",
          failure);
    }
    Matcher serializers = SERIALIZERS.matcher(all);
    if (serializers.find()) {
      String written = serializers.group(1);
      return new FailureAnalysis(
          "The session store's file memfilestore.save-file="
              + file
              + " was written with the '"
              + written
              + "' serializer, but memfilestore.serializer is '"
              + serializers.group(2)
              + "'.",
          "Set memfilestore.serializer="
              + written
              + " to keep its sessions, or move the file and its journals away to start without"
              + " them (their users sign in again).",
          failure);
    }
    Matcher plain = PLAIN_WITH_KEY.matcher(all);
    if (plain.find()) {
      return new FailureAnalysis(
          "The session store's file "
              + plain.group(1)
              + " is not encrypted, but memfilestore.encryption-key is set: with a key, only files"
              + " encrypted with it are loaded.",
          "If it is this application's own file from before the key was set, start once with"
              + " memfilestore.encrypt-existing-plain-files=true to encrypt it, then remove that"
              + " setting; otherwise move the file and its journals away to start without its"
              + " sessions.",
          failure);
    }
    if (all.contains("is encrypted: configure") || all.contains("encrypted with another key")) {
      boolean noKey = all.contains("is encrypted: configure");
      return new FailureAnalysis(
          "The session store's file memfilestore.save-file="
              + file
              + (noKey
                  ? " is encrypted, but memfilestore.encryption-key is not set."
                  : " was encrypted with another key than memfilestore.encryption-key."),
          "Set memfilestore.encryption-key to the key that wrote the file, or move the file and"
              + " its journals away to start without its sessions.",
          failure);
    }
    if (all.contains("reads version")) {
      return new FailureAnalysis(
          "The session store's file memfilestore.save-file="
              + file
              + " was written by a newer MemFileStore, in a format this one cannot read.",
          "Upgrade memfilestore, or move the file and its journals away to start without its"
              + " sessions.",
          failure);
    }
    String directory = parent(file);
    String usable =
        "Point memfilestore.save-file at a file in a directory that the user running the"
            + " application ("
            + System.getProperty("user.name")
            + ") can create, read and write"
            + (directory == null ? "" : ", or make " + directory + " so")
            + "; an empty memfilestore.save-file keeps sessions in memory only.";
    if (all.contains("is not a directory")) {
      return new FailureAnalysis(
          "The session store cannot use memfilestore.save-file="
              + file
              + ": "
              + directory
              + " is a file, not a directory.",
          usable,
          failure);
    }
    if (all.contains("is a directory")) {
      return new FailureAnalysis(
          "memfilestore.save-file=" + file + " is a directory; it must name a file.",
          "Set memfilestore.save-file to a file, e.g. " + Path.of(file, "sessions.json") + ".",
          failure);
    }
    FileSystemException io = deepest(opening, FileSystemException.class);
    if (accessDenied
        || io != null
        || all.contains("cannot lock")
        || all.contains("cannot create the directory")
        || all.contains("cannot read saveFile")) {
      return new FailureAnalysis(
          "The session store cannot read and write memfilestore.save-file="
              + file
              + (io == null ? ": " + innermost(opening) : ": " + describe(io))
              + ".",
          usable,
          failure);
    }
    return new FailureAnalysis(
        "The session store could not open memfilestore.save-file="
            + file
            + ": "
            + innermost(opening)
            + ".",
        "Fix what the description says, or point memfilestore.save-file at another file (empty:"
            + " sessions in memory only).",
        failure);
  }

  /**
   * The sessions to load would take more heap than the budget: the files are intact, and the fix is
   * more heap or a larger budget (or starting without them).
   */
  private FailureAnalysis overBudget(
      String file, Matcher overBudget, Throwable failure, Matcher maximumHeap) {
    String configured = environment.getProperty("memfilestore.load-budget");
    String budget =
        configured == null
            ? "three quarters of the maximum heap"
                + (maximumHeap.find() ? " of " + size(Long.parseLong(maximumHeap.group(1))) : "")
                + ", as memfilestore.load-budget is not set"
            : "memfilestore.load-budget=" + configured;
    return new FailureAnalysis(
        "The sessions in memfilestore.save-file="
            + file
            + " would take more heap than the session store may use to load them: after "
            + overBudget.group(1)
            + " sessions, the next would go past "
            + size(Long.parseLong(overBudget.group(2)))
            + " ("
            + budget
            + "). The files were left as they were.",
        "Raise -Xmx or memfilestore.load-budget (e.g. memfilestore.load-budget=512MB, within the"
            + " heap) to load these sessions, or move the file and its journals away to start"
            + " without them (their users sign in again).",
        failure);
  }

  /** "200000 bytes", or "805306368 bytes (768 MB)" from a mebibyte up. */
  static String size(long bytes) {
    long mb = 1024L * 1024;
    return bytes < mb
        ? bytes + " bytes"
        : bytes + " bytes (" + Math.round((double) bytes / mb) + " MB)";
  }

  private String saveFile() {
    String configured = environment.getProperty("memfilestore.save-file", "data/sessions.json");
    try {
      return Path.of(configured).toAbsolutePath().normalize().toString();
    } catch (RuntimeException e) {
      return configured;
    }
  }

  private static String parent(String file) {
    Path parent = Path.of(file).getParent();
    return parent == null ? null : parent.toString();
  }

  /** The deepest message: the one nearest to what went wrong, without the wrappers' prefixes. */
  private static String innermost(Throwable opening) {
    String message = null;
    for (Throwable t = opening; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        message = t.getMessage();
      }
    }
    message = message == null ? opening.toString() : message;
    return message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
  }

  private static <T extends Throwable> T deepest(Throwable failure, Class<T> type) {
    T found = null;
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        found = type.cast(t);
      }
    }
    return found;
  }

  /** "/srv/data: permission denied", without the exception's class name. */
  private static String describe(FileSystemException e) {
    String why;
    if (e.getReason() != null) {
      why = e.getReason();
    } else if (e instanceof AccessDeniedException) {
      why = "permission denied";
    } else if (e instanceof NoSuchFileException) {
      why = "no such file or directory, and it cannot be created";
    } else {
      why = e.getClass().getSimpleName();
    }
    return e.getFile() + ": " + why;
  }
}
