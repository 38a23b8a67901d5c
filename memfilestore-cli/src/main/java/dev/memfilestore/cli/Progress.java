package dev.memfilestore.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A progress bar on standard error for long reads: redrawn in place every 200 ms from another
 * thread, erased when done, so standard output stays clean for scripts.
 */
final class Progress implements AutoCloseable {
  /** Files smaller than this read in well under a second: no bar. */
  static final long THRESHOLD_BYTES = 8L << 20;

  private static final int WIDTH = 30;

  private final Thread thread;
  private final PrintWriter err;
  private volatile boolean done;

  private Progress(PrintWriter err, String label, LongSupplier read, long total) {
    this.err = err;
    this.thread =
        new Thread(
            () -> {
              while (!done) {
                err.print("\r" + render(label, read.getAsLong(), total));
                err.flush();
                try {
                  Thread.sleep(200);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "memfilestore-progress");
    thread.setDaemon(true);
  }

  /**
   * Starts a bar if it is wanted: always, never, or (auto) when standard error is a terminal and
   * there is enough to read.
   */
  static Progress start(
      MemFileStoreCli.ProgressMode mode,
      PrintWriter err,
      String label,
      LongSupplier read,
      long total) {
    return start(mode, err, label, read, total, THRESHOLD_BYTES);
  }

  /**
   * As {@link #start(MemFileStoreCli.ProgressMode, PrintWriter, String, LongSupplier, long)}, with
   * the size from which {@code AUTO} draws a bar (a slow command draws one for any file).
   */
  static Progress start(
      MemFileStoreCli.ProgressMode mode,
      PrintWriter err,
      String label,
      LongSupplier read,
      long total,
      long autoThresholdBytes) {
    boolean show =
        switch (mode) {
          case ALWAYS -> true;
          case NEVER -> false;
          case AUTO -> onTerminal() && total >= autoThresholdBytes;
        };
    Progress p = new Progress(err, label, read, total);
    if (show) {
      err.print("\r" + render(label, read.getAsLong(), total)); // at once, however short the read
      err.flush();
      p.thread.start();
    } else {
      p.done = true;
    }
    return p;
  }

  /**
   * Whether the command runs on a terminal. From Java 22 {@code System.console()} is not null when
   * output is redirected; {@code Console.isTerminal()} (Java 22) then says, looked up by reflection
   * since the command runs on Java 17 too.
   */
  static boolean onTerminal() {
    java.io.Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
    } catch (NoSuchMethodException e) {
      return true; // before Java 22 a console is a terminal
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  /** One frame: {@code verify [#########.....] 45% 12.3 MiB of 27.0 MiB}. */
  static String render(String label, long read, long total) {
    double fraction = total <= 0 ? 1 : Math.min(1, (double) read / total);
    int filled = (int) Math.round(fraction * WIDTH);
    return String.format(
        Locale.ROOT,
        "%s [%s%s] %3d%%  %s of %s",
        label,
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        Math.round(fraction * 100),
        Text.bytes(read),
        Text.bytes(total));
  }

  @Override
  public void close() {
    if (done) {
      return;
    }
    done = true;
    thread.interrupt();
    try {
      thread.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    err.print("\r" + " ".repeat(WIDTH + 60) + "\r"); // erase the bar
    err.flush();
  }
}
