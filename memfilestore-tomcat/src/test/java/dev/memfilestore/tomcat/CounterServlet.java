package dev.memfilestore.tomcat;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;

/**
 * Counts a browser's visits in its session: {@code /count} answers {@code visits=N}; {@code
 * /async-count} does the same from another thread after the request went asynchronous; {@code
 * /peek} answers without creating a session ({@code none} if there is none).
 */
final class CounterServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    resp.setContentType("text/plain");
    String path = req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
    if (path.endsWith("/peek")) {
      HttpSession s = req.getSession(false);
      resp.getWriter().print(s == null ? "none" : "visits=" + s.getAttribute("visits"));
      return;
    }
    HttpSession session = req.getSession();
    if (path.endsWith("/async-count")) {
      AsyncContext async = req.startAsync();
      async.start(
          () -> {
            try {
              async.getResponse().setContentType("text/plain");
              async.getResponse().getWriter().print("visits=" + increment(session));
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            } finally {
              async.complete();
            }
          });
      return;
    }
    resp.getWriter().print("visits=" + increment(session));
  }

  private static int increment(HttpSession session) {
    Integer visits = (Integer) session.getAttribute("visits");
    int next = visits == null ? 1 : visits + 1;
    session.setAttribute("visits", next);
    return next;
  }
}
