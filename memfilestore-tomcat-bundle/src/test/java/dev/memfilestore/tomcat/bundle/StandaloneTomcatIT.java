package dev.memfilestore.tomcat.bundle;

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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundle in the real Tomcat 11 distribution, installed as the README says: the jar in {@code
 * $CATALINA_BASE/lib}, a war whose {@code META-INF/context.xml} names the manager, started with
 * {@code catalina.sh}. A session created over HTTP survives {@code kill -9} of Tomcat's JVM and a
 * {@code catalina.sh stop}.
 */
class StandaloneTomcatIT {
  private static final Duration START = Duration.ofSeconds(90);
  private static final String CONTEXT_XML =
      """
      <Context>
        <Manager className="dev.memfilestore.tomcat.MemFileManager"
                 saveFile="${catalina.base}/sessions/app.jsonl"/>
      </Context>
      """;

  @TempDir Path base;

  private final Path home = Path.of(System.getProperty("tomcat.home"));
  private final Path bundle = Path.of(System.getProperty("bundle.jar"));
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<Process> started = new ArrayList<>();
  private int httpPort;
  private int shutdownPort;

  @AfterEach
  void killLeftovers() {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  @Test
  void aSessionSurvivesKillMinus9AndCatalinaStop() throws Exception {
    installAsTheReadmeSays();

    Process tomcat = catalinaRun(1);
    String cookie = awaitReady(tomcat, 1);
    assertThat(get(cookie).body()).isEqualTo("count=2");

    kill9(tomcat);
    Process again = catalinaRun(2);
    assertThat(awaitCount(again, cookie, 2)).isEqualTo("count=3");

    catalinaStop();
    assertThat(again.waitFor(60, TimeUnit.SECONDS)).as("Tomcat stopped").isTrue();
    Process third = catalinaRun(3);
    assertThat(awaitCount(third, cookie, 3)).isEqualTo("count=4");

    Path saveFile = base.resolve("sessions/app.jsonl");
    assertThat(saveFile).exists();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(saveFile)))
        .isEqualTo("rw-------");
    catalinaStop();
    assertThat(third.waitFor(60, TimeUnit.SECONDS)).as("Tomcat stopped").isTrue();
  }

  /** A CATALINA_BASE of its own on free loopback ports, the bundle in lib/, the war in webapps/. */
  private void installAsTheReadmeSays() throws IOException {
    httpPort = freePort();
    shutdownPort = freePort();
    for (String dir : List.of("lib", "logs", "temp", "webapps", "work", "conf")) {
      Files.createDirectories(base.resolve(dir));
    }
    try (Stream<Path> conf = Files.list(home.resolve("conf"))) {
      for (Path file : conf.filter(Files::isRegularFile).toList()) {
        Files.copy(file, base.resolve("conf").resolve(file.getFileName()));
      }
    }
    Path serverXml = base.resolve("conf/server.xml");
    String server = Files.readString(serverXml);
    assertThat(server).contains("<Server port=\"8005\"", "<Connector port=\"8080\"");
    server =
        server
            .replace("<Server port=\"8005\"", "<Server port=\"" + shutdownPort + "\"")
            .replace(
                "<Connector port=\"8080\"",
                "<Connector address=\"127.0.0.1\" port=\"" + httpPort + "\"");
    Files.writeString(serverXml, server);

    Files.copy(bundle, base.resolve("lib").resolve(bundle.getFileName()));
    writeWar(base.resolve("webapps/app.war"));
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
      zip.putNextEntry(new ZipEntry("META-INF/context.xml"));
      zip.write(CONTEXT_XML.getBytes(StandardCharsets.UTF_8));
      zip.putNextEntry(new ZipEntry("WEB-INF/web.xml"));
      zip.write(webXml.getBytes(StandardCharsets.UTF_8));
      zip.putNextEntry(new ZipEntry("WEB-INF/classes/" + classFile));
      bytes.transferTo(zip);
      zip.closeEntry();
    }
  }

  private Process catalinaRun(int run) throws IOException {
    // `catalina.sh run` execs the JVM: this process is Tomcat's JVM, the one kill -9 hits
    Process p =
        catalina("run").redirectOutput(base.resolve("logs/run-" + run + ".out").toFile()).start();
    started.add(p);
    return p;
  }

  private void catalinaStop() throws Exception {
    Process stop = catalina("stop").redirectOutput(base.resolve("logs/stop.out").toFile()).start();
    started.add(stop);
    assertThat(stop.waitFor(60, TimeUnit.SECONDS)).as("catalina.sh stop returned").isTrue();
    assertThat(stop.exitValue()).as("catalina.sh stop: " + log("stop.out")).isZero();
  }

  private ProcessBuilder catalina(String command) {
    ProcessBuilder pb =
        new ProcessBuilder("sh", home.resolve("bin/catalina.sh").toString(), command)
            .redirectErrorStream(true);
    pb.environment().put("CATALINA_HOME", home.toString());
    pb.environment().put("CATALINA_BASE", base.toString());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    // start fast and small; the tests measure nothing
    pb.environment().put("CATALINA_OPTS", "-Xmx128m -XX:TieredStopAtLevel=1");
    pb.environment().remove("JAVA_OPTS");
    return pb;
  }

  private static void kill9(Process tomcat) throws InterruptedException {
    tomcat.descendants().forEach(ProcessHandle::destroyForcibly);
    tomcat.destroyForcibly(); // SIGKILL
    assertThat(tomcat.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(tomcat.exitValue()).isEqualTo(137); // 128 + SIGKILL
  }

  /** Waits until the application answers, creates the session, returns its cookie. */
  private String awaitReady(Process tomcat, int run) throws Exception {
    HttpResponse<String> first = awaitResponse(tomcat, null, run);
    assertThat(first.body()).isEqualTo("count=1");
    String setCookie = first.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie).startsWith("JSESSIONID=");
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  private String awaitCount(Process tomcat, String cookie, int run) throws Exception {
    HttpResponse<String> response = awaitResponse(tomcat, cookie, run);
    assertThat(response.headers().firstValue("Set-Cookie"))
        .as("the session was found: no new cookie")
        .isEmpty();
    return response.body();
  }

  private HttpResponse<String> awaitResponse(Process tomcat, String cookie, int run)
      throws Exception {
    long deadline = System.nanoTime() + START.toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(tomcat.isAlive()).as("Tomcat is running: " + log("run-" + run + ".out")).isTrue();
      try {
        HttpResponse<String> response = get(cookie);
        if (response.statusCode() == 200) {
          return response;
        }
      } catch (IOException notYetListening) {
        // Tomcat is still starting
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no answer within " + START + ": " + log("run-" + run + ".out"));
  }

  private HttpResponse<String> get(String cookie) throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/app/count"))
            .timeout(Duration.ofSeconds(10));
    if (cookie != null) {
      request.header("Cookie", cookie);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String log(String name) {
    try {
      List<String> lines = Files.readAllLines(base.resolve("logs").resolve(name));
      return "\n--- last lines of "
          + name
          + " ---\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no " + name + ": " + e + ")";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
