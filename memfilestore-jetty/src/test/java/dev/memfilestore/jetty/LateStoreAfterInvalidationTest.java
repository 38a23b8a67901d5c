package dev.memfilestore.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.MemFileStore;
import dev.memfilestore.RequestGate;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.session.AbstractSessionCacheFactory;
import org.eclipse.jetty.session.DefaultSessionCacheFactory;
import org.eclipse.jetty.session.NullSessionCacheFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 18: a signed-in user's request is still running when another request of the same user signs
 * out (invalidates the session); the running request ends afterwards and Jetty stores its copy of
 * the session. The session must stay gone, in memory and after a restart on the same file.
 *
 * <p>Real servers, real HTTP, a latch to order the two requests: the late request holds inside the
 * application until the sign-out has answered. With {@code NullSessionCache}, and with two contexts
 * sharing one factory, each request works on its own copy, so only the data store stands between
 * the late store and a resurrected session; with {@code DefaultSessionCache} the requests share one
 * object and Jetty itself skips the store.
 */
class LateStoreAfterInvalidationTest {
  private static final List<String> ONE_CONTEXT = List.of("/app");
  private static final List<String> TWO_CONTEXTS = List.of("/a", "/b");

  @TempDir Path dir;

  private final HttpClient client =
      HttpClient.newBuilder()
          .cookieHandler(new CookieManager())
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  private Server server;

  @BeforeEach
  void armGate() {
    RequestGate.reset();
  }

  @AfterEach
  void stop() throws Exception {
    RequestGate.release(); // never leave a request held
    if (server != null) {
      server.stop();
    }
  }

  @ParameterizedTest(name = "{0} session cache")
  @ValueSource(strings = {"null", "default"})
  void aLateStoreInTheSameContextDoesNotBringTheSessionBack(String cache) throws Exception {
    signOutWhileAnotherRequestRuns(cache, ONE_CONTEXT, "/app", "/app");
  }

  @ParameterizedTest(name = "{0} session cache")
  @ValueSource(strings = {"null", "default"})
  void aLateStoreInAnotherContextOfTheFactoryDoesNotBringItBack(String cache) throws Exception {
    // Jetty invalidates the id in every context; the late request runs in the other one.
    signOutWhileAnotherRequestRuns(cache, TWO_CONTEXTS, "/a", "/b");
  }

  private void signOutWhileAnotherRequestRuns(
      String cache, List<String> contexts, String signOutContext, String lateContext)
      throws Exception {
    Path saveFile = dir.resolve("sessions.json");
    server = start(saveFile, cache, contexts);
    for (String context : contexts) {
      assertThat(get(context + "/login?user=ada")).isEqualTo("visits=1 user=ada");
    }
    MemFileStore store = SessionServer.factory(server).currentStore();
    List<String> signedIn = List.copyOf(store.ids());
    assertThat(signedIn).hasSize(contexts.size()); // one id, one record per context

    CompletableFuture<HttpResponse<String>> late =
        client.sendAsync(request(lateContext + "/hold"), HttpResponse.BodyHandlers.ofString());
    RequestGate.awaitEntered(); // the late request has read the session and holds
    assertThat(get(signOutContext + "/logout")).isEqualTo("signed out");
    assertThat(store.ids()).as("deleted by the sign-out").isEmpty();
    RequestGate.release();
    HttpResponse<String> lateResponse = late.get(30, TimeUnit.SECONDS);
    assertThat(lateResponse.statusCode()).isEqualTo(200);
    assertThat(lateResponse.body()).isEqualTo("visits=2 user=ada"); // it did run signed in

    assertThat(store.ids()).as("after the late request's store").isEmpty();
    for (String context : contexts) {
      assertThat(get(context + "/")).as(context).isEqualTo("visits=1 user=-");
    }

    // Across a restart on the same file: still signed out.
    server.stop();
    server = start(saveFile, cache, contexts);
    assertThat(SessionServer.factory(server).currentStore().ids())
        .as("only the fresh sessions of the last requests")
        .hasSize(contexts.size())
        .doesNotContainAnyElementsOf(signedIn);
    for (String context : contexts) {
      assertThat(get(context + "/")).as(context).isEqualTo("visits=2 user=-");
    }
  }

  private Server start(Path saveFile, String cache, List<String> contexts) throws Exception {
    Server s = new Server();
    ServerConnector connector = new ServerConnector(s);
    connector.setPort(0);
    s.addConnector(connector);
    MemFileSessionDataStoreFactory sessions = new MemFileSessionDataStoreFactory();
    sessions.setSaveFile(saveFile.toString());
    sessions.setAllowedTypes("dev.memfilestore.jetty.Account");
    s.addBean(sessions);
    AbstractSessionCacheFactory caches =
        "null".equals(cache) ? new NullSessionCacheFactory() : new DefaultSessionCacheFactory();
    caches.setFlushOnResponseCommit(true);
    s.addBean(caches);
    ContextHandlerCollection handlers = new ContextHandlerCollection();
    for (String path : contexts) {
      ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
      context.setContextPath(path);
      context.getSessionHandler().setSessionPath("/"); // one cookie, so one id in every context
      context.addServlet(SessionServer.VisitServlet.class, "/*");
      handlers.addHandler(context);
    }
    s.setHandler(handlers);
    s.start();
    return s;
  }

  private HttpRequest request(String path) {
    return HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + SessionServer.port(server) + path))
        .timeout(Duration.ofSeconds(30))
        .build();
  }

  private String get(String path) throws Exception {
    HttpResponse<String> response =
        client.send(request(path), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
    return response.body();
  }
}
