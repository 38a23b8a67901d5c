package dev.memfilestore.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.memfilestore.ChildJvm;
import dev.memfilestore.spring.boot.app.LoginApp;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Spring Boot application with form login, in a child JVM, over real HTTP: a user who logged
 * in stays logged in, with the session's attributes, when the application is stopped and started
 * again on the same file, and when it is killed with SIGKILL (the default JOURNAL durability); the
 * principal index serves Actuator's sessions endpoint and Spring Security's concurrent-session
 * control; a page view writes its session to the journal once.
 */
class LoginRestartIT {
  private static final Duration START = Duration.ofSeconds(90);
  private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");

  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  private ChildJvm start(String name) throws IOException {
    return ChildJvm.start(
        name,
        List.of("-Xmx256m"),
        LoginApp.class,
        "--server.port=0",
        "--memfilestore.save-file=" + dir.resolve("data/sessions.json"),
        "--management.endpoints.web.exposure.include=sessions,health",
        "--spring.main.banner-mode=off");
  }

  private static int port(ChildJvm app) {
    String line = app.awaitPrefix("READY port=", START);
    return Integer.parseInt(line.substring("READY port=".length()).trim());
  }

  /** A step of the test against a running application; its output is kept when it fails. */
  private interface Step {
    void run(int port) throws Exception;
  }

  private void against(ChildJvm app, Step step) throws Exception {
    try {
      step.run(port(app));
    } catch (AssertionError e) {
      List<String> out = app.stdout();
      AssertionError failure =
          app.failure(
              e.getMessage()
                  + "\n--- last stdout lines of the child ---\n"
                  + String.join("\n", out.subList(Math.max(0, out.size() - 60), out.size())));
      failure.initCause(e);
      throw failure;
    }
  }

  @Test
  void aLoggedInUserStaysLoggedInAcrossARestartAndAKill() throws Exception {
    String[] cookie = new String[1];
    try (ChildJvm app = start("boot-1")) {
      against(
          app,
          port -> {
            cookie[0] = logIn(port);
            assertThat(get(port, "/visits", cookie[0]).body()).isEqualTo("ada 1");
            assertThat(get(port, "/visits", cookie[0]).body()).isEqualTo("ada 2");
            assertThat(get(port, "/actuator/sessions?username=ada", null).body())
                .contains(sessionId(cookie[0]));
          });
      app.terminate(); // SIGTERM: Boot closes the context, the store writes its last snapshot
      assertThat(app.awaitExit(Duration.ofSeconds(30))).isIn(0, 143);
    }
    Path saveFile = dir.resolve("data/sessions.json");
    assertThat(Files.getPosixFilePermissions(saveFile))
        .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));

    try (ChildJvm app = start("boot-2")) {
      against(
          app,
          port -> {
            assertThat(get(port, "/visits", cookie[0]).body()).isEqualTo("ada 3");
            assertThat(get(port, "/visits", cookie[0]).body()).isEqualTo("ada 4");
          });
      app.kill(); // SIGKILL: nothing runs at exit; the journal has every acknowledged change
      app.awaitExit(Duration.ofSeconds(30));
    }

    try (ChildJvm app = start("boot-3")) {
      against(
          app,
          port -> {
            assertThat(get(port, "/visits", cookie[0]).body()).isEqualTo("ada 5");
            assertThat(get(port, "/actuator/sessions?username=ada", null).body())
                .contains(sessionId(cookie[0]));
            // Spring Security's concurrent-session control (at most one session per user)
            // finds the older session through the principal index and expires it
            String second = logIn(port);
            assertThat(get(port, "/visits", second).body()).isEqualTo("ada 1");
            assertThat(get(port, "/visits", cookie[0]).body()).contains("expired");
            HttpResponse<String> stranger = get(port, "/visits", "SESSION=bm90LWEtc2Vzc2lvbg");
            assertThat(stranger.statusCode()).isEqualTo(302);
            assertThat(stranger.headers().firstValue("Location").orElse("")).endsWith("/login");
          });
    }
  }

  @Test
  void aPageViewWritesItsSessionToTheJournalOnce() throws Exception {
    try (ChildJvm app = start("boot-views")) {
      against(
          app,
          port -> {
            String cookie = logIn(port);
            assertThat(get(port, "/visits", cookie).body()).isEqualTo("ada 1");
            long before = settledJournalRecords();
            for (int i = 2; i <= 6; i++) {
              assertThat(get(port, "/visits", cookie).body()).isEqualTo("ada " + i);
            }
            // SessionRepositoryFilter saves when the response is committed and again when the
            // request ends: the second save changed nothing and must write nothing
            await()
                .during(Duration.ofMillis(700))
                .atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(journalRecords()).isEqualTo(before + 5));
          });
    }
  }

  /** The journal's line count once it has stopped growing (the last request's saves are done). */
  private long settledJournalRecords() throws IOException {
    long[] last = {-1};
    await()
        .pollInterval(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              long now = journalRecords();
              boolean settled = now == last[0];
              last[0] = now;
              return settled;
            });
    return last[0];
  }

  /** Lines in the journal files beside the save file: one per store write. */
  private long journalRecords() throws IOException {
    Path data = dir.resolve("data");
    long lines = 0;
    try (Stream<Path> files = Files.list(data)) {
      for (Path f : files.filter(f -> f.getFileName().toString().contains(".journal.")).toList()) {
        for (byte b : Files.readAllBytes(f)) {
          lines += b == '\n' ? 1 : 0;
        }
      }
    }
    return lines;
  }

  /** Logs in through the form (with its CSRF token) and returns the session cookie. */
  String logIn(int port) throws Exception {
    // as a browser does: the protected page first (Spring Security saves the request in the
    // session and redirects), then the login form
    HttpResponse<String> protectedPage = get(port, "/visits", null);
    assertThat(protectedPage.statusCode()).isEqualTo(302);
    String cookie = sessionCookie(protectedPage).orElseThrow();
    HttpResponse<String> form = get(port, "/login", cookie);
    Matcher csrf = CSRF.matcher(form.body());
    assertThat(csrf.find()).as("a CSRF field in %s", form.body()).isTrue();
    String body =
        "username=ada&password=lovelace&_csrf="
            + URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8);
    HttpResponse<String> login =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Cookie", cookie)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(login.statusCode()).isEqualTo(302);
    assertThat(login.headers().firstValue("Location").orElse("")).contains("/visits");
    // Spring Security changes the session id at login (session fixation protection)
    return sessionCookie(login).orElse(cookie);
  }

  HttpResponse<String> get(int port, String path, String cookie) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30));
    if (cookie != null) {
      request.header("Cookie", cookie);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Optional<String> sessionCookie(HttpResponse<?> response) {
    return response.headers().allValues("Set-Cookie").stream()
        .filter(c -> c.startsWith("SESSION="))
        .map(c -> c.substring(0, c.indexOf(';') < 0 ? c.length() : c.indexOf(';')))
        .findFirst();
  }

  /** The session id in a cookie: Spring Session base64-encodes it. */
  static String sessionId(String cookie) {
    String value = cookie.substring("SESSION=".length());
    return new String(java.util.Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
  }
}
