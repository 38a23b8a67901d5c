package dev.memfilestore.jetty.home;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Jetty module in the real {@code jetty-home} distribution, installed as the README says: the
 * zip unpacked into a new {@code $JETTY_BASE}, {@code --add-modules=session-store-memfile}, a war
 * in {@code webapps/}. A session created over HTTP survives {@code kill -9} of Jetty's JVM, and the
 * module's {@code loadBudget} property reaches the store.
 */
class StandaloneJettyIT {
  private static final Duration START = Duration.ofSeconds(90);

  @TempDir Path base;

  private final Path home = Path.of(System.getProperty("jetty.home"));
  private final Path zip = Path.of(System.getProperty("jetty.base.zip"));
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<Process> started = new ArrayList<>();
  private int port;

  @AfterEach
  void killLeftovers() {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  @Test
  void aSessionSurvivesKillMinus9() throws Exception {
    port = freePort();
    unzip(zip, base);
    Process add =
        startJar(
            "add-modules",
            "--add-modules=http,ee10-deploy,session-cache-hash,session-store-memfile");
    assertThat(add.waitFor(60, TimeUnit.SECONDS)).as("start.jar --add-modules returned").isTrue();
    assertThat(add.exitValue()).as("--add-modules: " + log("add-modules")).isZero();
    assertThat(base.resolve("start.d/session-store-memfile.ini")).exists();
    writeWar(base.resolve("webapps/app.war"));

    Process jetty = startJar("run-1");
    HttpResponse<String> first = awaitResponse(jetty, null, "run-1");
    assertThat(first.body()).isEqualTo("count=1");
    String setCookie = first.headers().firstValue("Set-Cookie").orElseThrow();
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    assertThat(get(cookie).body()).isEqualTo("count=2");

    jetty.descendants().forEach(ProcessHandle::destroyForcibly);
    jetty.destroyForcibly(); // SIGKILL
    assertThat(jetty.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(jetty.exitValue()).isEqualTo(137); // 128 + SIGKILL

    Process again = startJar("run-2");
    HttpResponse<String> after = awaitResponse(again, cookie, "run-2");
    assertThat(after.body()).isEqualTo("count=3");
    assertThat(after.headers().firstValue("Set-Cookie"))
        .as("the session was found: no new cookie")
        .isEmpty();

    Path saveFile = base.resolve("sessions/sessions.json");
    assertThat(Files.list(saveFile.getParent())).isNotEmpty();
    again.destroy(); // SIGTERM: Jetty stops, the store writes its snapshot
    assertThat(again.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(saveFile)))
        .isEqualTo("rw-------");

    // the module property reaches the store: a budget too small for the file refuses to load it
    byte[] saved = Files.readAllBytes(saveFile);
    Process small = startJar("run-3", "jetty.session.memfile.loadBudget=100");
    awaitLog(small, "run-3", "load budget of 100 bytes");
    small.destroyForcibly();
    assertThat(small.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readAllBytes(saveFile))
        .as("the save file after the refused load")
        .isEqualTo(saved);
  }

  /** Waits until the process's log holds the text. */
  private void awaitLog(Process jetty, String name, String text) throws Exception {
    long deadline = System.nanoTime() + START.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.readString(base.resolve(name + ".log")).contains(text)) {
        return;
      }
      assertThat(jetty.isAlive()).as("Jetty is running: " + log(name)).isTrue();
      Thread.sleep(200);
    }
    throw new AssertionError("no '" + text + "' within " + START + ": " + log(name));
  }

  /** {@code java -jar $JETTY_HOME/start.jar} in the base: Jetty runs in this very JVM. */
  private Process startJar(String name, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx128m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-jar");
    command.add(home.resolve("start.jar").toString());
    command.add("jetty.home=" + home);
    command.add("jetty.base=" + base);
    command.add("jetty.http.host=127.0.0.1");
    command.add("jetty.http.port=" + port);
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command)
            .directory(base.toFile())
            .redirectErrorStream(true)
            .redirectOutput(base.resolve(name + ".log").toFile())
            .start();
    started.add(p);
    return p;
  }

  private static void writeWar(Path war) throws IOException {
    String servlet = CounterServlet.class.getName();
    String webXml =
        """
        <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
          <servlet><servlet-name>counter</servlet-name><servlet-class>%s</servlet-class></servlet>
          <servlet-mapping><servlet-name>counter</servlet-name><url-pattern>/count</url-pattern></servlet-mapping>
        </web-app>
        """
            .formatted(servlet);
    String classFile = servlet.replace('.', '/') + ".class";
    try (OutputStream out = Files.newOutputStream(war);
        ZipOutputStream zip = new ZipOutputStream(out);
        InputStream bytes = CounterServlet.class.getResourceAsStream("/" + classFile)) {
      zip.putNextEntry(new ZipEntry("WEB-INF/web.xml"));
      zip.write(webXml.getBytes(StandardCharsets.UTF_8));
      zip.putNextEntry(new ZipEntry("WEB-INF/classes/" + classFile));
      bytes.transferTo(zip);
      zip.closeEntry();
    }
  }

  private static void unzip(Path zip, Path into) throws IOException {
    try (ZipFile file = new ZipFile(zip.toFile())) {
      Enumeration<? extends ZipEntry> entries = file.entries();
      while (entries.hasMoreElements()) {
        ZipEntry entry = entries.nextElement();
        Path target = into.resolve(entry.getName()).normalize();
        assertThat(target.startsWith(into))
            .as("%s stays inside the base", entry.getName())
            .isTrue();
        if (entry.isDirectory()) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          try (InputStream in = file.getInputStream(entry)) {
            Files.copy(in, target);
          }
        }
      }
    }
  }

  private HttpResponse<String> awaitResponse(Process jetty, String cookie, String name)
      throws Exception {
    long deadline = System.nanoTime() + START.toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(jetty.isAlive()).as("Jetty is running: " + log(name)).isTrue();
      try {
        HttpResponse<String> response = get(cookie);
        if (response.statusCode() == 200) {
          return response;
        }
      } catch (IOException notYetListening) {
        // Jetty is still starting
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no answer within " + START + ": " + log(name));
  }

  private HttpResponse<String> get(String cookie) throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/app/count"))
            .timeout(Duration.ofSeconds(10));
    if (cookie != null) {
      request.header("Cookie", cookie);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String log(String name) {
    try {
      List<String> lines = Files.readAllLines(base.resolve(name + ".log"));
      return "\n--- last lines of "
          + name
          + ".log ---\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no " + name + ".log: " + e + ")";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
