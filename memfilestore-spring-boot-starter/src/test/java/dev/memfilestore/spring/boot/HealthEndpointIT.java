package dev.memfilestore.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A real Spring Boot application with Actuator, over real HTTP: {@code /actuator/health} reports
 * the {@code memfilestore} indicator UP with its details, DOWN with the reason while the store
 * really cannot write its snapshot (a directory stands where the snapshot's temporary file must be
 * created, which fails for root too), UP again once it can; {@code /actuator/sessions?username=}
 * finds the user's session through the principal index.
 */
class HealthEndpointIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");

  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  private ConfigurableApplicationContext app;
  private int port;

  @BeforeEach
  void start() {
    app =
        new SpringApplicationBuilder(LoginApp.class)
            .run(
                "--server.port=0",
                "--server.address=127.0.0.1",
                "--memfilestore.save-file=" + dir.resolve("sessions.json"),
                "--memfilestore.save-period=1s",
                "--management.endpoints.web.exposure.include=sessions,health",
                "--management.endpoint.health.show-details=always",
                "--spring.main.banner-mode=off");
    port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
  }

  @AfterEach
  void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void healthIsDownWithTheReasonWhilePersistenceFailsAndSessionsAreFoundByUser() throws Exception {
    HttpResponse<String> up = get("/actuator/health", null);
    assertThat(up.statusCode()).isEqualTo(200);
    JsonNode store = memfilestore(up);
    assertThat(store.path("status").asText()).isEqualTo("UP");
    assertThat(store.path("details").path("sessions").asLong()).isZero();
    assertThat(store.path("details").path("max").asLong()).isEqualTo(100_000);
    assertThat(store.path("details").path("durability").asText()).isEqualTo("JOURNAL");
    assertThat(store.path("details").path("lastSnapshot").asText()).isEqualTo("none");

    String cookie = logIn();
    assertThat(get("/visits", cookie).body()).isEqualTo("ada 1");
    assertThat(get("/actuator/sessions?username=ada", null).body()).contains(sessionId(cookie));
    assertThat(get("/actuator/sessions?username=bob", null).body())
        .doesNotContain(sessionId(cookie));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              JsonNode details = memfilestore(get("/actuator/health", null)).path("details");
              assertThat(details.path("sessions").asLong()).isEqualTo(1);
              // "none" until the first periodic snapshot; a plain assertion, so the wait goes on
              String lastSnapshot = details.path("lastSnapshot").asText();
              assertThat(lastSnapshot).isNotEqualTo("none");
              assertThat(Instant.parse(lastSnapshot)).isBeforeOrEqualTo(Instant.now());
            });

    // the snapshot is written to sessions.json.tmp first: a directory there makes it fail
    Path blocker = Files.createDirectories(dir.resolve("sessions.json.tmp"));
    Files.writeString(blocker.resolve("keep"), "a directory that is not empty");
    assertThat(get("/visits", cookie).body()).isEqualTo("ada 2"); // a change to snapshot
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              HttpResponse<String> down = get("/actuator/health", null);
              assertThat(down.statusCode()).isEqualTo(503);
              JsonNode failing = memfilestore(down);
              assertThat(failing.path("status").asText()).isEqualTo("DOWN");
              assertThat(failing.path("details").path("reason").asText())
                  .startsWith("cannot write a snapshot to " + dir.resolve("sessions.json"));
            });

    Files.delete(blocker.resolve("keep"));
    Files.delete(blocker);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              HttpResponse<String> again = get("/actuator/health", null);
              assertThat(again.statusCode()).isEqualTo(200);
              JsonNode healthy = memfilestore(again);
              assertThat(healthy.path("status").asText()).isEqualTo("UP");
              assertThat(healthy.path("details").has("reason")).isFalse();
            });
    assertThat(get("/visits", cookie).body()).isEqualTo("ada 3");
  }

  private static JsonNode memfilestore(HttpResponse<String> health) throws IOException {
    JsonNode store = JSON.readTree(health.body()).path("components").path("memfilestore");
    assertThat(store.isMissingNode()).as("a memfilestore component in %s", health.body()).isFalse();
    return store;
  }

  /** Logs in through the form (with its CSRF token) and returns the session cookie. */
  private String logIn() throws Exception {
    HttpResponse<String> protectedPage = get("/visits", null);
    assertThat(protectedPage.statusCode()).isEqualTo(302);
    String cookie = sessionCookie(protectedPage).orElseThrow();
    Matcher csrf = CSRF.matcher(get("/login", cookie).body());
    assertThat(csrf.find()).isTrue();
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
    return sessionCookie(login).orElse(cookie);
  }

  private HttpResponse<String> get(String path, String cookie)
      throws IOException, InterruptedException {
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
  private static String sessionId(String cookie) {
    return new String(
        Base64.getDecoder().decode(cookie.substring("SESSION=".length())), StandardCharsets.UTF_8);
  }
}
