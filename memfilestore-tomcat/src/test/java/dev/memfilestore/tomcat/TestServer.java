package dev.memfilestore.tomcat;

import jakarta.servlet.Servlet;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.apache.catalina.Context;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Manager;
import org.apache.catalina.startup.Tomcat;

/** A real embedded Tomcat on a free port, for tests in this JVM. */
final class TestServer implements AutoCloseable {
  final Tomcat tomcat = new Tomcat();
  private final Path baseDir;

  TestServer(Path baseDir) {
    this.baseDir = baseDir;
    tomcat.setBaseDir(baseDir.toString());
    tomcat.setPort(0);
    tomcat.getConnector(); // creates the HTTP connector
  }

  /** Adds a context whose every path goes to the servlet, with the given manager. */
  Context addContext(String path, Servlet servlet, Manager manager) throws IOException {
    return addContext(path, servlet, manager, sc -> {});
  }

  /**
   * Adds a context whose every path goes to the servlet, with the given manager (null: Tomcat's
   * default), and lets {@code setup} add listeners at each start.
   */
  Context addContext(String path, Servlet servlet, Manager manager, Consumer<ServletContext> setup)
      throws IOException {
    Path docBase = Files.createDirectories(baseDir.resolve("docs" + path.replace('/', '_')));
    Context ctx = tomcat.addContext(path, docBase.toString());
    // Registered anew at each start, through an initializer: a context that stops forgets its
    // servlets, listeners and initializers.
    ctx.addLifecycleListener(
        event -> {
          if (event.getType().equals(Lifecycle.CONFIGURE_START_EVENT)) {
            ctx.addServletContainerInitializer(
                (classes, sc) -> {
                  ServletRegistration.Dynamic r = sc.addServlet("servlet", servlet);
                  r.setAsyncSupported(true);
                  r.addMapping("/*");
                  setup.accept(sc);
                },
                null);
          }
        });
    if (manager != null) {
      ctx.setManager(manager);
    }
    return ctx;
  }

  Context context(String path) {
    return (Context) tomcat.getHost().findChild(path);
  }

  TestServer start() throws LifecycleException {
    tomcat.start();
    return this;
  }

  int port() {
    return tomcat.getConnector().getLocalPort();
  }

  String url(String path) {
    return "http://localhost:" + port() + path;
  }

  @Override
  public void close() throws LifecycleException {
    tomcat.stop();
    tomcat.destroy();
  }
}
