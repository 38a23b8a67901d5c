package dev.memfilestore.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.session.DefaultSessionCacheFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two web applications on one server share one save file, each with attribute classes that only its
 * own class loader has (compiled here into separate directories, invisible to the test's class
 * path). After a restart each gets its own sessions back, with their own classes: the core never
 * needs an application's class to load the file.
 */
class SharedFileTwoApplicationsTest {
  @TempDir Path dir;

  /** Compiles {@code <pkg>.Note}, a Serializable value class, into its own directory. */
  private Path compileNote(String pkg) throws IOException {
    Path src = dir.resolve("src-" + pkg).resolve(pkg).resolve("Note.java");
    Files.createDirectories(src.getParent());
    Files.writeString(
        src,
        "package "
            + pkg
            + ";\npublic final class Note implements java.io.Serializable {\n"
            + "  private final String text;\n"
            + "  public Note(String text) { this.text = text; }\n"
            + "  @Override public String toString() { return \""
            + pkg
            + ":\" + text; }\n}\n",
        StandardCharsets.UTF_8);
    Path classes = dir.resolve("classes-" + pkg);
    Files.createDirectories(classes);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int result = javac.run(null, null, null, "-d", classes.toString(), src.toString());
    assertThat(result).as("javac of %s", src).isZero();
    return classes;
  }

  /** Stores {@code <pkg>.Note(text)} on {@code ?note=text}, then answers with the stored note. */
  public static final class NoteServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      HttpSession session = request.getSession(true);
      String text = request.getParameter("note");
      if (text != null) {
        String pkg = getServletContext().getInitParameter("pkg");
        try {
          Class<?> note =
              Class.forName(pkg + ".Note", true, Thread.currentThread().getContextClassLoader());
          session.setAttribute("note", note.getConstructor(String.class).newInstance(text));
        } catch (ReflectiveOperationException e) {
          throw new IOException(e);
        }
      }
      Object note = session.getAttribute("note");
      response
          .getWriter()
          .print(
              note == null
                  ? "none"
                  : note + " loader=" + note.getClass().getClassLoader().getName());
    }
  }

  private Server start(Path saveFile, Path classesA, Path classesB) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setPort(0);
    server.addConnector(connector);
    MemFileSessionDataStoreFactory sessions = new MemFileSessionDataStoreFactory();
    sessions.setSaveFile(saveFile.toString());
    sessions.setAllowedTypes("appa.Note, appb.Note");
    server.addBean(sessions);
    DefaultSessionCacheFactory caches = new DefaultSessionCacheFactory();
    caches.setFlushOnResponseCommit(true);
    server.addBean(caches);
    ContextHandlerCollection contexts = new ContextHandlerCollection();
    contexts.addHandler(application("/a", "appa", classesA));
    contexts.addHandler(application("/b", "appb", classesB));
    server.setHandler(contexts);
    server.start();
    return server;
  }

  private static ServletContextHandler application(String path, String pkg, Path classes)
      throws IOException {
    ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
    context.setContextPath(path);
    context.setInitParameter("pkg", pkg);
    context.setClassLoader(
        new URLClassLoader(
            pkg, new URL[] {classes.toUri().toURL()}, NoteServlet.class.getClassLoader()));
    context.addServlet(NoteServlet.class, "/*");
    return context;
  }

  @Test
  void eachApplicationGetsItsOwnSessionsBackWithItsOwnClasses() throws Exception {
    Path classesA = compileNote("appa");
    Path classesB = compileNote("appb");
    Path saveFile = dir.resolve("sessions.json");
    HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();

    Server first = start(saveFile, classesA, classesB);
    try {
      assertThat(get(browser, first, "/a/?note=alpha")).isEqualTo("appa:alpha loader=appa");
      assertThat(get(browser, first, "/b/?note=beta")).isEqualTo("appb:beta loader=appb");
    } finally {
      first.stop();
    }

    Server second = start(saveFile, classesA, classesB);
    try {
      assertThat(get(browser, second, "/a/")).isEqualTo("appa:alpha loader=appa");
      assertThat(get(browser, second, "/b/")).isEqualTo("appb:beta loader=appb");
    } finally {
      second.stop();
    }
    assertThat(Files.list(dir).map(p -> p.getFileName().toString()).toList())
        .noneMatch(name -> name.contains("damaged"));
  }

  private static String get(HttpClient browser, Server server, String path) throws Exception {
    int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    HttpResponse<String> response =
        browser.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
    return response.body();
  }
}
