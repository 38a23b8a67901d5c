package dev.memfilestore.tomcat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.FileDigests;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.scan.StandardJarScanner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code loadBudget} attribute of context.xml reaches the store: a save file whose sessions
 * would take more heap than the budget stops the context's start with the core's message, and is
 * left byte for byte as it was; a budget large enough loads it.
 */
class LoadBudgetTest {
  @TempDir Path dir;

  /** {@code /store} keeps a page of 10,000 characters in a new session; others show its length. */
  static final class PageServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      if (req.getRequestURI().endsWith("/store")) {
        req.getSession(true).setAttribute("page", "x".repeat(10_000));
      }
      HttpSession session = req.getSession(false);
      Object page = session == null ? null : session.getAttribute("page");
      resp.getWriter().print(page == null ? "none" : "page=" + page.toString().length());
    }
  }

  /** Log records that carry an exception, from every logger (Tomcat logs a context's failure). */
  static final class Failures extends Handler {
    final List<Throwable> thrown = new ArrayList<>();

    @Override
    public synchronized void publish(LogRecord record) {
      if (record.getThrown() != null) {
        thrown.add(record.getThrown());
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}

    synchronized String messages() {
      StringBuilder all = new StringBuilder();
      for (Throwable t : thrown) {
        for (Throwable c = t; c != null; c = c.getCause()) {
          all.append(c.getMessage()).append('\n');
        }
      }
      return all.toString();
    }
  }

  /** A server whose webapp's META-INF/context.xml names the manager with this budget. */
  @SuppressWarnings("deprecation") // addServletMappingDecoded: the simplest mapping in a test
  private TestServer server(Path saveFile, long loadBudget) throws IOException {
    Path webapp = Files.createDirectories(dir.resolve("webapp/META-INF"));
    Files.writeString(
        webapp.resolve("context.xml"),
        """
        <Context>
          <Manager className="dev.memfilestore.tomcat.MemFileManager"
                   saveFile="%s" loadBudget="%d"/>
        </Context>
        """
            .formatted(saveFile, loadBudget));
    TestServer server = new TestServer(dir.resolve("tomcat"));
    server.tomcat.setAddDefaultWebXmlToWebapp(false);
    Context ctx = server.tomcat.addWebapp("", webapp.getParent().toString());
    ((StandardJarScanner) ctx.getJarScanner()).setScanClassPath(false);
    Tomcat.addServlet(ctx, "page", new PageServlet());
    ctx.addServletMappingDecoded("/*", "page");
    return server;
  }

  @Test
  void aFileOverTheBudgetStopsTheContextAndALargerBudgetLoadsIt() throws Exception {
    Path saveFile = dir.resolve("data/sessions.jsonl");
    Browser last = null;
    try (TestServer server = server(saveFile, 0).start()) {
      // 50 sessions of about 10 KB: estimated at more than 1 MB to load
      for (int i = 0; i < 50; i++) {
        last = new Browser();
        assertThat(last.body(server.url("/store"))).isEqualTo("page=10000");
      }
    }
    Map<String, String> before = FileDigests.of(saveFile.getParent());

    Failures failures = new Failures();
    Logger root = Logger.getLogger("");
    root.addHandler(failures);
    try (TestServer server = server(saveFile, 200_000).start()) {
      assertThat(server.context("").getState().isAvailable()).as("the context started").isFalse();
      assertThat(((MemFileManager) server.context("").getManager()).getLoadBudget())
          .isEqualTo(200_000);
      assertThat(Browser.getWithCookieHeader(server.url("/"), "a=b").statusCode()).isEqualTo(404);
    } finally {
      root.removeHandler(failures);
    }
    assertThat(failures.messages())
        .contains("cannot start: cannot load saveFile " + saveFile)
        .contains("load budget of 200000 bytes");
    assertThat(FileDigests.of(saveFile.getParent()))
        .as("the files after the refused start")
        .isEqualTo(before);

    try (TestServer server = server(saveFile, 4_000_000).start()) {
      assertThat(server.context("").getState().isAvailable()).isTrue();
      assertThat(server.context("").getManager().getActiveSessions()).isEqualTo(50);
      assertThat(last.body(server.url("/"))).isEqualTo("page=10000");
    }
  }
}
