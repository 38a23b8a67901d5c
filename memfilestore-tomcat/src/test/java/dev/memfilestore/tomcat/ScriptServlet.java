package dev.memfilestore.tomcat;

import dev.memfilestore.RequestGate;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;

/**
 * Does one session operation per request, named by {@code op}: {@code set} (name, value), {@code
 * listening} (a {@link ListeningValue} under name), {@code remove}, {@code get}, {@code rotate}
 * (change the session id), {@code invalidate}, {@code shortLife} (a one-second timeout), {@code
 * hold} (set name to value, then wait at the {@link RequestGate} before ending), {@code slowWrite}
 * (a {@link SlowToWrite} under name: the write at the request's end waits at the gate).
 */
final class ScriptServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String op = req.getParameter("op");
    String name = req.getParameter("name");
    HttpSession session = req.getSession();
    String answer = "ok";
    switch (op) {
      case "set" -> session.setAttribute(name, req.getParameter("value"));
      case "listening" -> session.setAttribute(name, new ListeningValue(name));
      case "remove" -> session.removeAttribute(name);
      case "get" -> answer = String.valueOf(session.getAttribute(name));
      case "rotate" -> req.changeSessionId();
      case "invalidate" -> session.invalidate();
      case "shortLife" -> session.setMaxInactiveInterval(1);
      case "hold" -> {
        session.setAttribute(name, req.getParameter("value"));
        RequestGate.holdHere();
      }
      case "slowWrite" -> session.setAttribute(name, new SlowToWrite());
      default -> throw new IllegalArgumentException(op);
    }
    resp.setContentType("text/plain");
    resp.getWriter().print(answer);
  }
}
