package dev.memfilestore.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.ChildJvm;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo as a real process on its embedded defaults (in a fresh working directory, on a random
 * port), driven over HTTP: sign in, count visits, stop it and start it again, kill it with SIGKILL
 * and start it again; the visitor is still signed in and the count continues.
 */
class DemoRestartIT {
  private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
  private static final Pattern VISITS = Pattern.compile("id=\"visit-count\">(\\d+)<");

  @TempDir Path workDir;

  // one browser-like client: its cookie jar keeps the session cookie across restarts
  private final HttpClient http =
      HttpClient.newBuilder()
          .cookieHandler(new CookieManager())
          .followRedirects(HttpClient.Redirect.NORMAL)
          .build();

  /** Starts the demo with its defaults, in {@link #workDir}, and returns its port. */
  static ChildJvm startDemo(Path workDir, String name, String... moreArgs) throws IOException {
    List<String> args = new ArrayList<>();
    args.add("--server.port=0");
    args.add("--memfilestore.save-file=" + workDir.resolve("data/sessions.json"));
    args.addAll(List.of(moreArgs));
    return ChildJvm.start(
        name,
        List.of("-Xmx256m", "-Duser.dir=" + workDir, "-Djava.io.tmpdir=" + workDir),
        DemoApplication.class,
        args.toArray(String[]::new));
  }

  static int port(ChildJvm demo) {
    String line = demo.awaitPrefix("READY port=", Duration.ofSeconds(90));
    return Integer.parseInt(line.replaceAll("READY port=(\\d+).*", "$1"));
  }

  @Test
  void signedInAndCountingAcrossARestartAndAKill() throws Exception {
    try (ChildJvm demo = startDemo(workDir, "demo-1")) {
      int port = port(demo);
      String page = get(port, "/");
      assertThat(visits(page)).isEqualTo(1);
      assertThat(page).contains("Sign in").contains("id=\"stat-durability\">JOURNAL<");
      page = signIn(port, page);
      assertThat(page).contains("Signed in as <strong>demo</strong>");
      assertThat(visits(page)).isEqualTo(2);
      assertThat(visits(get(port, "/"))).isEqualTo(3);
      demo.terminate();
      demo.awaitExit(Duration.ofSeconds(30));
    }
    assertThat(workDir.resolve("data/sessions.json")).exists();
    assertThat(Files.size(workDir.resolve("data/sessions.json"))).isPositive();

    try (ChildJvm demo = startDemo(workDir, "demo-2")) {
      int port = port(demo);
      String page = get(port, "/");
      assertThat(page).contains("Signed in as <strong>demo</strong>");
      assertThat(visits(page)).isEqualTo(4);
      assertThat(page).contains("id=\"stat-sessions\">1<");
      demo.kill();
      demo.awaitExit(Duration.ofSeconds(30));
    }

    try (ChildJvm demo = startDemo(workDir, "demo-3")) {
      int port = port(demo);
      String page = get(port, "/");
      assertThat(page).contains("Signed in as <strong>demo</strong>");
      assertThat(visits(page)).isEqualTo(5);
    }
  }

  private String signIn(int port, String page) throws Exception {
    Matcher csrf = CSRF.matcher(page);
    assertThat(csrf.find()).as("a CSRF field").isTrue();
    String form =
        "username=demo&password=demo&_csrf="
            + URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8);
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  private String get(int port, String path) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  private static long visits(String page) {
    Matcher m = VISITS.matcher(page);
    assertThat(m.find()).as("a visit count on the page").isTrue();
    return Long.parseLong(m.group(1));
  }
}
