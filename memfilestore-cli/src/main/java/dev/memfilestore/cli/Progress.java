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
    boolean show =
        switch (mode) {
          case ALWAYS -> true;
          case NEVER -> false;
          case AUTO -> System.console() != null && total >= THRESHOLD_BYTES;
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
