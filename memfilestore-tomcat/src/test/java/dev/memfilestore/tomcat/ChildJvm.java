package dev.memfilestore.tomcat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real child JVM running a test main class on the test classpath, so that a test can stop it
 * gracefully or kill it with a real SIGKILL. Its stdout is read on a thread of its own; the last
 * lines of its stderr are kept for failure messages; {@link #close()} kills it if still alive.
 */
final class ChildJvm implements AutoCloseable {
  private static final String END = new String("<end of stdout>");

  private final Process process;
  private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
  private final Deque<String> stderr = new ArrayDeque<>(); // guarded by itself

  private ChildJvm(Process process) {
    this.process = process;
    Thread out = new Thread(this::pumpStdout, "child-stdout");
    Thread err = new Thread(this::pumpStderr, "child-stderr");
    out.setDaemon(true);
    err.setDaemon(true);
    out.start();
    err.start();
  }

  static ChildJvm start(Class<?> mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    return new ChildJvm(new ProcessBuilder(command).start());
  }

  /** Takes stdout lines until one starts with the prefix, and returns it. */
  @SuppressWarnings("ReferenceEquality") // END is a marker object
  String awaitPrefix(String prefix, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String line;
      try {
        line = stdout.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw failure("interrupted waiting for " + prefix);
      }
      if (line == null || line == END) {
        throw failure((line == null ? "timed out" : "stdout ended") + " waiting for " + prefix);
      }
      if (line.startsWith(prefix)) {
        return line;
      }
    }
  }

  /** Writes a line to the child's stdin. */
  void send(String line) throws IOException {
    OutputStream in = process.getOutputStream();
    in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  /** SIGKILL: the child stops at once, no shutdown hook, no flushing. */
  void kill() {
    process.toHandle().destroyForcibly();
  }

  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw failure("did not exit within " + timeout);
    }
    return process.exitValue();
  }

  AssertionError failure(String message) {
    synchronized (stderr) {
      return new AssertionError(
          "child JVM "
              + process.pid()
              + ": "
              + message
              + "\n--- last stderr lines ---\n"
              + String.join("\n", stderr));
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void pumpStdout() {
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        stdout.add(line);
      }
    } catch (IOException e) {
      // the child is gone
    } finally {
      stdout.add(END);
    }
  }

  private void pumpStderr() {
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        synchronized (stderr) {
          if (stderr.size() == 100) {
            stderr.removeFirst();
          }
          stderr.addLast(line);
        }
      }
    } catch (IOException e) {
      // the child is gone
    }
  }
}
