package dev.memfilestore.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memfilestore.MemFileStore;
import dev.memfilestore.SessionSerializer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.session.SessionDataStore;
import org.eclipse.jetty.session.UnwriteableSessionDataException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile session ids and a planted gadget, against a real Jetty server over real HTTP and against
 * the data store Jetty uses.
 */
class SessionSecurityTest {
  @TempDir Path dir;
  private Server server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
  }

  static Stream<String> hostileIds() {
    return Stream.of(
        "../../../../etc/passwd",
        "..\\..\\windows\\win.ini",
        "/etc/passwd",
        "C:\\Windows\\system32",
        "%2e%2e%2f%2e%2e%2fsessions.json",
        "..%2F..%2Fsessions.json",
        "abc\u0000.json",
        "x".repeat(2000));
  }

  private SessionDataStore dataStore() {
    return server
        .getDescendant(org.eclipse.jetty.ee10.servlet.SessionHandler.class)
        .getSessionCache()
        .getSessionDataStore();
  }

  @ParameterizedTest
  @MethodSource("hostileIds")
  void hostileIdsAreUnknownAndNeverBecomePaths(String id) throws Exception {
    server = SessionServer.start(dir.resolve("sessions.json"), "default");
    SessionDataStore store = dataStore();

    assertThat(store.load(id)).isNull();
    assertThat(store.exists(id)).isFalse();
    assertThat(store.delete(id)).isFalse();

    long now = System.currentTimeMillis();
    SessionData data = store.newSessionData(id, now, now, now, 60_000);
    if (SessionRecords.isPlausibleId(id)) {
      // Printable ids are opaque keys: stored under the context's prefix, found by that id only.
      store.store(id, data);
      assertThat(SessionServer.factory(server).currentStore().ids())
          .containsExactly(SessionRecords.keyPrefix("_app", "0.0.0.0") + id);
      assertThat(store.load(id)).isNotNull();
    } else {
      // NUL, control characters and very long ids are not ids: refused.
      assertThatThrownBy(() -> store.store(id, data))
          .isInstanceOf(UnwriteableSessionDataException.class);
      assertThat(SessionServer.factory(server).currentStore().ids()).isEmpty();
    }
    server.stop();
    server = null;
    try (Stream<Path> files = Files.walk(dir)) {
      assertThat(files.filter(p -> !p.equals(dir)).map(p -> p.getFileName().toString()))
          .as("files in the save file's directory")
          .allMatch(name -> name.startsWith("sessions.json"));
    }
  }

  @Test
  void hostileCookiesGetAFreshSessionOverHttp() throws Exception {
    server = SessionServer.start(dir.resolve("sessions.json"), "default");
    HttpClient client = HttpClient.newHttpClient();
    List<String> cookieIds =
        List.of(
            "../../../../etc/passwd",
            "..%5C..%5Cwin.ini",
            "%2Fetc%2Fpasswd",
            "abc%00def",
            "x".repeat(2000));
    for (String id : cookieIds) {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(
                      URI.create("http://localhost:" + SessionServer.port(server) + "/app/"))
                  .header("Cookie", "JSESSIONID=" + id)
                  .timeout(Duration.ofSeconds(20))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode())
          .as("status for %s", id.substring(0, Math.min(10, id.length())))
          .isEqualTo(200);
      assertThat(response.body()).isEqualTo("visits=1 user=-");
      String issued = response.headers().firstValue("Set-Cookie").orElseThrow();
      assertThat(issued).startsWith("JSESSIONID=").doesNotContain(id);
    }
    MemFileStore store = SessionServer.factory(server).currentStore();
    assertThat(store.ids()).hasSize(cookieIds.size()).allMatch(k -> !k.contains(".."));
  }

  @Test
  void plantedGadgetIsNeverDeserialized() throws Exception {
    Path saveFile = dir.resolve("sessions.json");
    // The attacker writes a well-formed session whose attributes hold a Gadget, with a serializer
    // that lets it through; the server's allow-list does not name it.
    long now = System.currentTimeMillis();
    SessionData planted = new SessionData("planted1", "_app", "0.0.0.0", now, now, now, 600_000);
    planted.setAttribute("payload", new Gadget());
    dev.memfilestore.SessionData stored =
        new SessionRecords(SessionSerializer.java("dev.memfilestore.jetty.Gadget"))
            .encode(planted, now, SessionRecords.retentionMillis(3600));
    try (MemFileStore attacker =
        MemFileStore.builder().saveFile(saveFile).serializer(SessionSerializer.json()).build()) {
      attacker.set(SessionRecords.keyPrefix("_app", "0.0.0.0") + "planted1", stored);
    }

    Gadget.READ.set(false);
    server = SessionServer.start(saveFile, "default");
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://localhost:" + SessionServer.port(server) + "/app/"))
                    .header("Cookie", "JSESSIONID=planted1")
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(Gadget.READ).as("the gadget's readObject ran").isFalse();
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("visits=1 user=-"); // a fresh session, not the planted
    assertThat(response.headers().firstValue("Set-Cookie").orElseThrow())
        .doesNotContain("planted1");
  }
}
