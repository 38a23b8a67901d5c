package dev.memfilestore;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
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
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A real child JVM running one of the test main classes (shared with the adapters' tests through
 * this module's test jar) on the test classpath, for tests that need real processes, real signals
 * and real files. Its stdout is read line by line on a thread of its own (so the child never blocks
 * on a full pipe); its stderr is kept (the last lines) for failure messages. Every wait is bounded,
 * and {@link #close()} kills the child if it is still alive, so a failing test never leaves a
 * process behind.
 */
public final class ChildJvm implements AutoCloseable {
  private static final int STDERR_LINES_KEPT = 200;

  /** Marks the end of stdout in the line queue. */
  private static final String END = new String("<end of stdout>");

  private final String name;
  private final Process process;
  private final BlockingQueue<String> pending = new LinkedBlockingQueue<>();
  private final List<String> stdout = new ArrayList<>(); // guarded by itself
  private final Deque<String> stderr = new ArrayDeque<>(); // guarded by itself
  private final Thread stdoutReader;
  private final Thread stderrReader;
  private boolean ended; // the END marker was taken from the queue

  private ChildJvm(String name, Process process) {
    this.name = name;
    this.process = process;
    this.stdoutReader =
        new Thread(() -> pump(process.getInputStream(), this::onStdout), name + "-stdout");
    this.stderrReader =
        new Thread(() -> pump(process.getErrorStream(), this::onStderr), name + "-stderr");
    stdoutReader.setDaemon(true);
    stderrReader.setDaemon(true);
    stdoutReader.start();
    stderrReader.start();
  }

  /**
   * Starts {@code java [jvmOptions] -cp <test classpath> mainClass args}.
   *
   * @param name a short name for messages and thread names
   */
  /** What a child runs to stop its server late at shutdown. */
  @FunctionalInterface
  public interface Stop {
    void stop() throws Exception;
  }

  /**
   * In a child JVM: on SIGTERM, stops its server half a second after shutdown began, as a slow
   * graceful shutdown does, so that the other shutdown hooks (the store's) run first.
   */
  public static void stopLateAtShutdown(String threadName, Stop stop) {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    Thread.sleep(500);
                    stop.stop();
                  } catch (Exception e) {
                    e.printStackTrace();
                  }
                },
                threadName));
  }

  public static ChildJvm start(
      String name, List<String> jvmOptions, Class<?> mainClass, String... args) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    return new ChildJvm(name, builder.start());
  }

  /** Writes a line to the child's stdin (for children that take commands, e.g. "stop"). */
  public void send(String line) throws IOException {
    java.io.OutputStream in = process.getOutputStream();
    in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Takes stdout lines in order until one matches, and returns it; the lines before it are skipped
   * (they stay in {@link #stdout()}).
   *
   * @throws AssertionError if no line matches within the timeout or stdout ends first
   */
  public String await(Predicate<String> matcher, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String line = nextLine(deadline, what);
      if (matcher.test(line)) {
        return line;
      }
    }
  }

  public String awaitPrefix(String prefix, Duration timeout) {
    return await(line -> line.startsWith(prefix), timeout, "a line starting with '" + prefix + "'");
  }

  /**
   * Takes the next stdout line, waiting until the deadline (a {@link System#nanoTime()} value).
   *
   * @throws AssertionError on timeout or at the end of stdout
   */
  public String nextLine(long deadlineNanos, String what) {
    if (ended) {
      throw failure("stdout had ended while waiting for " + what);
    }
    String line;
    try {
      line = pending.poll(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure("interrupted while waiting for " + what);
    }
    if (line == null) {
      throw failure("timed out waiting for " + what);
    }
    if (isEnd(line)) {
      ended = true;
      throw failure("stdout ended while waiting for " + what);
    }
    return line;
  }

  /**
   * Sends SIGTERM (on Unix): the child's shutdown hooks run.
   *
   * <p>Signals go through the {@link ProcessHandle}: {@link Process#destroy()} sends the same
   * signal but also closes our ends of the child's pipes, so the output the child writes while it
   * shuts down would be lost (and the child would see its stdin close).
   */
  public void terminate() {
    if (!process.toHandle().destroy()) {
      throw failure("could not send SIGTERM");
    }
  }

  /** Sends SIGKILL (on Unix): the child stops at once, no hooks, no flushing. */
  public void kill() {
    if (!process.toHandle().destroyForcibly() && process.isAlive()) {
      throw failure("could not send SIGKILL");
    }
  }

  /**
   * Waits for the child to exit and for its output to be read to the end.
   *
   * @return the exit code
   * @throws AssertionError if it does not exit within the timeout
   */
  public int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw failure("did not exit within " + timeout);
      }
      stdoutReader.join(TimeUnit.SECONDS.toMillis(10));
      stderrReader.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure("interrupted while waiting for the exit");
    }
    if (stdoutReader.isAlive()) {
      throw failure("exited but its stdout was not closed within 10 s");
    }
    return process.exitValue();
  }

  /** Every stdout line read so far, in order, including those already taken. */
  public List<String> stdout() {
    synchronized (stdout) {
      return new ArrayList<>(stdout);
    }
  }

  /** The last lines of stderr, for messages. */
  public String stderrTail() {
    synchronized (stderr) {
      return String.join("\n", stderr);
    }
  }

  public AssertionError failure(String message) {
    String exit = process.isAlive() ? "still running" : "exit code " + process.exitValue();
    return new AssertionError(
        "child JVM '"
            + name
            + "' (pid "
            + process.pid()
            + ", "
            + exit
            + "): "
            + message
            + "\n--- last stderr lines of the child ---\n"
            + stderrTail());
  }

  /** Kills the child if it is still alive and waits (bounded) for it to go. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(
            "child JVM '" + name + "' (pid " + process.pid() + ") survived SIGKILL for 30 s");
      }
      stdoutReader.join(TimeUnit.SECONDS.toMillis(10));
      stderrReader.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      try {
        process.getOutputStream().close();
      } catch (IOException e) {
        // The pipe to a dead process: nothing to release.
      }
    }
  }

  @SuppressWarnings("ReferenceEquality") // END is a marker object, not a value
  private static boolean isEnd(String line) {
    return line == END;
  }

  private void onStdout(String line) {
    if (line == null) {
      pending.add(END);
      return;
    }
    synchronized (stdout) {
      stdout.add(line);
    }
    pending.add(line);
  }

  private void onStderr(String line) {
    if (line == null) {
      return;
    }
    synchronized (stderr) {
      if (stderr.size() == STDERR_LINES_KEPT) {
        stderr.removeFirst();
      }
      stderr.addLast(line);
    }
  }

  /** Feeds every line, then null at the end of the stream. */
  private static void pump(InputStream in, Consumer<String> sink) {
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        sink.accept(line);
      }
    } catch (IOException e) {
      // The stream closed under us: the process is gone.
    } finally {
      sink.accept(null);
    }
  }
}
