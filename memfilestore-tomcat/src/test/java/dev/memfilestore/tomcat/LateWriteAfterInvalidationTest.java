package dev.memfilestore.tomcat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.RequestGate;
import dev.memfilestore.SaveFileInspector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18 through {@link MemFileManager} and its write-through valve: a signed-in user's request
 * is still running when another request of the same user invalidates the session. The request that
 * ends last writes nothing (the save file gains no record), and the session stays gone, in memory
 * and after a restart on the same file. Real Tomcat, real HTTP, a latch to order the two requests.
 */
class LateWriteAfterInvalidationTest {
  @TempDir Path dir;

  private TestServer server;
  private Path saveFile;

  @BeforeEach
  void start() throws Exception {
    RequestGate.reset();
    saveFile = dir.resolve("sessions.jsonl");
    server = startServer();
  }

  @AfterEach
  void stop() throws Exception {
    RequestGate.release(); // never leave a request held
    server.close();
  }

  @Test
  void aRequestEndingAfterTheSignOutWritesNothing() throws Exception {
    // The late request holds inside the application, after it changed the session.
    signOutWhileAnotherRequestRuns("hold&name=cart&value=book");
  }

  @Test
  void aWriteUnderWayWhenTheSignOutComesDoesNotBringTheSessionBack() throws Exception {
    // The late request's write has begun (its session is being serialized into the store) when
    // the sign-out removes the session: the write must not land.
    signOutWhileAnotherRequestRuns("slowWrite&name=cart");
  }

  @Test
  void aWriteUnderWayWhenTheIdChangesDoesNotBringTheOldIdBack() throws Exception {
    Browser browser = new Browser();
    assertThat(browser.body(url("set&name=user&value=ada"))).isEqualTo("ok");
    String oldId = browser.sessionId().orElseThrow();
    CompletableFuture<HttpResponse<String>> late = sendWithCookie("slowWrite&name=cart", oldId);
    RequestGate.awaitEntered();
    assertThat(browser.body(url("rotate"))).isEqualTo("ok"); // as a sign-in does
    String newId = browser.sessionId().orElseThrow();
    assertThat(newId).isNotEqualTo(oldId);
    long recordsAfterRotation = records();
    RequestGate.release();
    assertThat(late.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

    assertThat(records()).isEqualTo(recordsAfterRotation);
    server.close();
    server = startServer();
    assertThat(manager().findSession(oldId)).isNull();
    assertThat(manager().findSession(newId)).isNotNull();
    assertThat(browser.body(url("get&name=user"))).isEqualTo("ada");
  }

  private CompletableFuture<HttpResponse<String>> sendWithCookie(String op, String id) {
    return HttpClient.newHttpClient()
        .sendAsync(
            HttpRequest.newBuilder(URI.create(url(op)))
                .header("Cookie", "JSESSIONID=" + id)
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private void signOutWhileAnotherRequestRuns(String lateOp) throws Exception {
    Browser browser = new Browser();
    assertThat(browser.body(url("set&name=user&value=ada"))).isEqualTo("ok");
    String id = browser.sessionId().orElseThrow();

    CompletableFuture<HttpResponse<String>> late = sendWithCookie(lateOp, id);
    RequestGate.awaitEntered();
    assertThat(browser.body(url("invalidate"))).isEqualTo("ok");
    long recordsAfterSignOut = records();
    RequestGate.release();
    HttpResponse<String> lateResponse = late.get(30, TimeUnit.SECONDS);
    assertThat(lateResponse.statusCode()).isEqualTo(200);

    assertThat(records())
        .as("records in the save file after the late request")
        .isEqualTo(recordsAfterSignOut);
    assertThat(manager().findSession(id)).isNull();
    assertThat(Browser.getWithCookieHeader(url("get&name=user"), "JSESSIONID=" + id).body())
        .isEqualTo("null"); // a new session: signed out

    server.close();
    server = startServer();
    assertThat(manager().findSession(id)).as("restored after a restart").isNull();
    assertThat(Browser.getWithCookieHeader(url("get&name=user"), "JSESSIONID=" + id).body())
        .isEqualTo("null");
  }

  private TestServer startServer() throws Exception {
    MemFileManager manager = new MemFileManager();
    manager.setSaveFile(saveFile.toString());
    manager.setAllowedTypes("dev.memfilestore.tomcat.SlowToWrite");
    TestServer s = new TestServer(dir.resolve("tomcat"));
    s.addContext("", new ScriptServlet(), manager);
    return s.start();
  }

  private MemFileManager manager() {
    return (MemFileManager) server.context("").getManager();
  }

  private String url(String op) {
    return server.url("/?op=" + op);
  }

  /** Records in the save file and its journals: every write and removal adds one. */
  private long records() throws Exception {
    return SaveFileInspector.open(saveFile).verify().records();
  }
}
