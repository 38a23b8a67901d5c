package dev.memfilestore.demo;

import dev.memfilestore.StoreStats;
import dev.memfilestore.spring.MemFileSessionRepository;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/** The demo's page and its live statistics. */
@RestController
class DemoController {
  private static final DateTimeFormatter TIME_OF_DAY =
      DateTimeFormatter.ofPattern("HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  private final MemFileSessionRepository repository;

  DemoController(MemFileSessionRepository repository) {
    this.repository = repository;
  }

  @GetMapping(value = "/", produces = MediaType.TEXT_HTML_VALUE)
  String page(HttpServletRequest request, HttpSession session, Principal principal) {
    Long visits = (Long) session.getAttribute("visits");
    visits = visits == null ? 1L : visits + 1;
    session.setAttribute("visits", visits);
    Instant expires =
        Instant.ofEpochMilli(session.getLastAccessedTime())
            .plusSeconds(session.getMaxInactiveInterval());
    CsrfToken csrf = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
    return DemoPage.render(
        new DemoPage.View(
            visits,
            TIME.format(Instant.ofEpochMilli(session.getCreationTime())),
            TIME.format(expires),
            Duration.ofSeconds(session.getMaxInactiveInterval()).toMinutes(),
            principal == null ? null : HtmlUtils.htmlEscape(principal.getName()),
            request.getParameter("error") != null,
            HtmlUtils.htmlEscape(csrf.getParameterName()),
            HtmlUtils.htmlEscape(csrf.getToken()),
            stats()));
  }

  /** The store's statistics, refreshed by the page every two seconds. */
  @GetMapping("/stats")
  Map<String, String> stats() {
    StoreStats s = repository.stats();
    Map<String, String> view = new LinkedHashMap<>();
    view.put("sessions", Long.toString(s.sessions()));
    view.put("max", s.max() == Long.MAX_VALUE ? "none" : Long.toString(s.max()));
    view.put("evictions", Long.toString(s.evictions()));
    view.put("expirations", Long.toString(s.expirations()));
    view.put("durability", s.durability().name());
    // a snapshot is at most a save period old: the time of day is enough, and fits the card
    view.put(
        "lastSnapshot",
        s.lastSnapshot() == null ? "not yet" : TIME_OF_DAY.format(s.lastSnapshot()));
    view.put("lastSnapshotSize", bytes(s.lastSnapshotBytes()));
    view.put("journalSize", bytes(s.journalBytes()));
    view.put("health", s.healthy() ? "healthy" : s.problem());
    return view;
  }

  private static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    if (n < 1024 * 1024) {
      return String.format("%.1f KiB", n / 1024.0);
    }
    return String.format("%.1f MiB", n / (1024.0 * 1024));
  }
}
