package dev.memfilestore.jetty;

import dev.memfilestore.ChildJvm;
import dev.memfilestore.RequestGate;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.nio.file.Path;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.session.AbstractSessionCacheFactory;
import org.eclipse.jetty.session.DefaultSessionCacheFactory;
import org.eclipse.jetty.session.NullSessionCacheFactory;

/**
 * A real Jetty server with a servlet application that counts visits and signs users in, its
 * sessions kept by {@link MemFileSessionDataStoreFactory}: the set-up the README shows.
 */
final class SessionServer {
  private SessionServer() {}

  /**
   * Starts a server on a free port.
   *
   * @param cache {@code default} for {@code DefaultSessionCache}, {@code null} for {@code
   *     NullSessionCache}
   */
  static Server start(Path saveFile, String cache) throws Exception {
    return start(saveFile, cache, f -> f);
  }

  /** Starts a server whose sessions are kept by what {@code stores} makes of the MemFileStore's. */
  static Server start(
      Path saveFile,
      String cache,
      java.util.function.Function<
              MemFileSessionDataStoreFactory, org.eclipse.jetty.session.SessionDataStoreFactory>
          stores)
      throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setPort(0);
    server.addConnector(connector);

    MemFileSessionDataStoreFactory sessions = new MemFileSessionDataStoreFactory();
    sessions.setSaveFile(saveFile.toString());
    sessions.setAllowedTypes("dev.memfilestore.jetty.Account");
    server.addBean(stores.apply(sessions));

    AbstractSessionCacheFactory caches =
        "null".equals(cache) ? new NullSessionCacheFactory() : new DefaultSessionCacheFactory();
    caches.setFlushOnResponseCommit(true); // saved before the client sees the response
    caches.setRemoveUnloadableSessions(true);
    server.addBean(caches);

    ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
    context.setContextPath("/app");
    context.addServlet(VisitServlet.class, "/*");
    server.setHandler(context);
    server.setStopAtShutdown(true);
    server.start();
    return server;
  }

  static int port(Server server) {
    return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
  }

  static MemFileSessionDataStoreFactory factory(Server server) {
    return server.getBean(MemFileSessionDataStoreFactory.class);
  }

  /**
   * {@code /login?user=x} signs in; {@code /logout} invalidates the session; {@code /hold} counts a
   * visit and then waits at {@link RequestGate} before it ends. Every other request counts a visit
   * and answers with the state.
   */
  public static final class VisitServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      response.setContentType("text/plain");
      if ("/logout".equals(request.getPathInfo())) {
        HttpSession old = request.getSession(false);
        if (old != null) {
          old.invalidate();
        }
        response.getWriter().print("signed out");
        return;
      }
      HttpSession session = request.getSession(true);
      if ("/login".equals(request.getPathInfo())) {
        session.setAttribute("account", new Account(request.getParameter("user")));
      }
      Integer visits = (Integer) session.getAttribute("visits");
      int now = visits == null ? 1 : visits + 1;
      session.setAttribute("visits", now);
      Account account = (Account) session.getAttribute("account");
      if ("/hold".equals(request.getPathInfo())) {
        RequestGate.holdHere();
      }
      response
          .getWriter()
          .print("visits=" + now + " user=" + (account == null ? "-" : account.name()));
    }
  }

  /**
   * The child JVM: {@code SessionServer$Main <saveFile> <cache> [stop-late-on-sigterm]}; prints its
   * port. With {@code stop-late-on-sigterm} the server is stopped by a shutdown hook of its own
   * after half a second, as a graceful shutdown takes, so the store's hook closes the store first.
   */
  public static final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
      Server server = start(Path.of(args[0]), args[1]);
      if (args.length > 2 && args[2].equals("stop-late-on-sigterm")) {
        server.setStopAtShutdown(false);
        ChildJvm.stopLateAtShutdown("stop-jetty-late", server::stop);
      }
      System.out.println("PORT " + port(server));
      System.out.flush();
      server.join();
    }
  }
}
