package dev.memfilestore.tomcat;

import jakarta.servlet.Servlet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
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
    Path docBase = Files.createDirectories(baseDir.resolve("docs" + path.replace('/', '_')));
    Context ctx = tomcat.addContext(path, docBase.toString());
    Tomcat.addServlet(ctx, "servlet", servlet).setAsyncSupported(true);
    ctx.addServletMappingDecoded("/*", "servlet");
    if (manager != null) {
      ctx.setManager(manager);
    }
    return ctx;
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
