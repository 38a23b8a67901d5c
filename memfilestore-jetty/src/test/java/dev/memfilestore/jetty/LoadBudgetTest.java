package dev.memfilestore.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memfilestore.FileDigests;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.session.DefaultSessionCacheFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code loadBudget} reaches the store: a save file whose sessions would take more heap than the
 * budget stops the server's start with the core's message and is left byte for byte as it was; a
 * budget large enough loads it.
 */
class LoadBudgetTest {
  @TempDir Path dir;

  /** Stores a page of 10,000 characters in the session, or answers with its length. */
  public static final class PageServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      if (request.getRequestURI().endsWith("/store")) {
        request.getSession(true).setAttribute("page", "x".repeat(10_000));
      }
      var session = request.getSession(false);
      Object page = session == null ? null : session.getAttribute("page");
      response.getWriter().print(page == null ? "none" : "page=" + page.toString().length());
    }
  }

  private static Server server(Path saveFile, long loadBudget) {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setPort(0);
    server.addConnector(connector);
    MemFileSessionDataStoreFactory sessions = new MemFileSessionDataStoreFactory();
    sessions.setSaveFile(saveFile.toString());
    sessions.setLoadBudget(loadBudget);
    server.addBean(sessions);
    DefaultSessionCacheFactory caches = new DefaultSessionCacheFactory();
    caches.setFlushOnResponseCommit(true);
    server.addBean(caches);
    ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
    context.setContextPath("/app");
    context.addServlet(PageServlet.class, "/*");
    server.setHandler(context);
    return server;
  }

  @Test
  void aFileOverTheBudgetStopsTheStartAndALargerBudgetLoadsIt() throws Exception {
    Path saveFile = dir.resolve("data/sessions.json");
    HttpClient last = null;
    Server first = server(saveFile, 0);
    first.start();
    try {
      // 50 sessions of about 10 KB: estimated at more than 1 MB to load
      for (int i = 0; i < 50; i++) {
        last = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
        assertThat(get(last, first, "/app/store")).isEqualTo("page=10000");
      }
    } finally {
      first.stop();
    }
    Map<String, String> before = FileDigests.of(saveFile.getParent());

    Server small = server(saveFile, 200_000);
    try {
      assertThatThrownBy(small::start)
          .hasStackTraceContaining("cannot load saveFile " + saveFile)
          .hasStackTraceContaining("load budget of 200000 bytes");
    } finally {
      small.stop();
    }
    assertThat(FileDigests.of(saveFile.getParent()))
        .as("the files after the refused start")
        .isEqualTo(before);

    Server large = server(saveFile, 4_000_000);
    large.start();
    try {
      assertThat(SessionServer.factory(large).getLoadBudget()).isEqualTo(4_000_000);
      assertThat(SessionServer.factory(large).currentStore().length()).isEqualTo(50);
      assertThat(get(last, large, "/app/")).isEqualTo("page=10000");
    } finally {
      large.stop();
    }
  }

  @Test
  void aNegativeBudgetIsRefusedNamingIt() {
    assertThatThrownBy(() -> new MemFileSessionDataStoreFactory().setLoadBudget(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("loadBudget must be 0 (the default: three quarters of -Xmx)")
        .hasMessageContaining("-1");
  }

  private static String get(HttpClient browser, Server server, String path) throws Exception {
    return browser
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + SessionServer.port(server) + path))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
