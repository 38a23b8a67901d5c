package dev.memfilestore.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.ChildJvm;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real Jetty server in a child JVM, a real HTTP client with a cookie jar: the user signs in and
 * counts visits; the server is stopped (SIGTERM) and started again on the same file, then killed
 * with SIGKILL and started again. Each time the same cookie finds the same session, with the
 * signed-in user (a bean only the application knows) and every visit counted before.
 */
class SessionRestartIT {
  private static final Duration START = Duration.ofSeconds(60);

  @TempDir Path dir;

  private final HttpClient client =
      HttpClient.newBuilder()
          .cookieHandler(new CookieManager())
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @ParameterizedTest(name = "{0} session cache")
  @ValueSource(strings = {"default", "null"})
  void sessionSurvivesRestartAndKill(String cache) throws Exception {
    Path saveFile = dir.resolve("data/sessions.json");

    try (ChildJvm first = startServer(saveFile, cache)) {
      int port = port(first);
      assertThat(get(port, "/app/login?user=ada")).isEqualTo("visits=1 user=ada");
      assertThat(get(port, "/app/")).isEqualTo("visits=2 user=ada");
      first.terminate(); // graceful: Jetty stops, the store saves and closes
      assertThat(first.awaitExit(START)).as("exit status after SIGTERM").isEqualTo(143);
    }

    try (ChildJvm second = startServer(saveFile, cache)) {
      int port = port(second);
      assertThat(get(port, "/app/")).isEqualTo("visits=3 user=ada");
      assertThat(get(port, "/app/")).isEqualTo("visits=4 user=ada");
      second.kill(); // SIGKILL: no shutdown hook, no save; only the journal has the last visits
      second.awaitExit(START);
    }

    try (ChildJvm third = startServer(saveFile, cache)) {
      int port = port(third);
      assertThat(get(port, "/app/")).isEqualTo("visits=5 user=ada");
    }
  }

  /**
   * SIGTERM runs the JVM's shutdown hooks at once: here the store's own hook closes the store
   * before Jetty stops (as a slow graceful shutdown does). Every visit is kept and nothing is
   * warned of: each session was written when its response was committed, so Jetty's stop has
   * nothing left to write into the closed store.
   */
  @ParameterizedTest(name = "{0} session cache")
  @ValueSource(strings = {"default", "null"})
  void sigtermWhileTheStoreClosesFirstKeepsEveryVisitAndWarnsOfNone(String cache) throws Exception {
    Path saveFile = dir.resolve("data/sessions.json");
    List<HttpClient> users = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      users.add(
          HttpClient.newBuilder()
              .cookieHandler(new CookieManager())
              .connectTimeout(Duration.ofSeconds(10))
              .build());
    }
    try (ChildJvm first = startServer(saveFile, cache, "stop-late-on-sigterm")) {
      int port = port(first);
      for (HttpClient user : users) {
        assertThat(get(user, port, "/app/login?user=ada")).isEqualTo("visits=1 user=ada");
        assertThat(get(user, port, "/app/")).isEqualTo("visits=2 user=ada");
      }
      first.terminate();
      assertThat(first.awaitExit(START)).as("exit status after SIGTERM").isEqualTo(143);
      String log = first.stderrTail();
      assertThat(log).doesNotContain("Unable to store").doesNotContain("WARN");
    }
    try (ChildJvm second = startServer(saveFile, cache)) {
      int port = port(second);
      for (HttpClient user : users) {
        assertThat(get(user, port, "/app/")).isEqualTo("visits=3 user=ada");
      }
    }
  }

  private ChildJvm startServer(Path saveFile, String cache, String... more) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of(saveFile.toString(), cache));
    args.addAll(List.of(more));
    return ChildJvm.start(
        "jetty-" + cache,
        List.of("-Xmx128m"),
        SessionServer.Main.class,
        args.toArray(new String[0]));
  }

  private static int port(ChildJvm child) {
    return Integer.parseInt(child.awaitPrefix("PORT ", START).substring("PORT ".length()));
  }

  private String get(int port, String path) throws Exception {
    return get(client, port, path);
  }

  private static String get(HttpClient client, int port, String path) throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("status of %s", path).isEqualTo(200);
    return response.body();
  }
}
