package dev.memfilestore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL 15 (Debian's package) in a temporary directory on a free loopback port, with
 * trust authentication for the user {@code postgres}; run as {@code nobody} when the tests run as
 * root (PostgreSQL refuses root). Shared by the starter's and the Jetty adapter's migration tests
 * through the core's test jar. Stopped, and its directory removed, by {@link #close()}.
 */
public final class PostgresServer implements AutoCloseable {
  private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
  public final int port;
  private final Path dir;

  private PostgresServer(int port, Path dir) {
    this.port = port;
    this.dir = dir;
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  public static PostgresServer start() throws IOException, InterruptedException {
    if (!Files.isExecutable(BIN.resolve("pg_ctl"))) {
      throw new IllegalStateException(
          "PostgreSQL 15 is not installed: `apt-get install postgresql` (.ci/run does)");
    }
    // PostgreSQL checks that its directory is the user's and owner-only
    Path dir =
        Files.createTempDirectory(
            "memfilestore-pg",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    boolean root = "root".equals(System.getProperty("user.name"));
    if (root) {
      run(List.of("chown", "nobody:nogroup", dir.toString()), false, dir);
    }
    int port = freePort();
    Path data = dir.resolve("data");
    run(
        List.of(
            BIN.resolve("initdb").toString(),
            "-D",
            data.toString(),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8"),
        root,
        dir);
    PostgresServer server = new PostgresServer(port, dir);
    run(
        List.of(
            BIN.resolve("pg_ctl").toString(),
            "-D",
            data.toString(),
            "-l",
            dir.resolve("server.log").toString(),
            "-w",
            "-o",
            "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off",
            "start"),
        root,
        dir);
    return server;
  }

  private static void run(List<String> command, boolean asNobody, Path dir)
      throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (asNobody) {
      full.addAll(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"));
    }
    full.addAll(command);
    Process p = new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true).start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
    }
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    boolean root = "root".equals(System.getProperty("user.name"));
    run(
        List.of(
            BIN.resolve("pg_ctl").toString(),
            "-D",
            dir.resolve("data").toString(),
            "-m",
            "immediate",
            "-w",
            "stop"),
        root,
        dir);
    run(List.of("rm", "-rf", dir.toString()), false, dir.getParent());
  }
}
