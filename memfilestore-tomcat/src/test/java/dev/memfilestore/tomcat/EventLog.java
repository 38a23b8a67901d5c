package dev.memfilestore.tomcat;

import jakarta.servlet.http.HttpSession;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The session events of each context, in order, with session ids replaced by {@code s1, s2, ...} in
 * order of appearance, so that two managers' sequences compare equal when their events do.
 */
final class EventLog {
  private static final Map<String, List<String>> EVENTS = new HashMap<>();
  private static final Map<String, Map<String, String>> NAMES = new HashMap<>();

  private EventLog() {}

  static synchronized void record(HttpSession session, String event) {
    record(session.getServletContext().getContextPath(), session.getId(), event);
  }

  static synchronized void record(String context, String sessionId, String event) {
    Map<String, String> names = NAMES.computeIfAbsent(context, c -> new HashMap<>());
    String name = names.computeIfAbsent(sessionId, id -> "s" + (names.size() + 1));
    EVENTS.computeIfAbsent(context, c -> new ArrayList<>()).add(name + " " + event);
  }

  static synchronized List<String> events(String context) {
    return new ArrayList<>(EVENTS.getOrDefault(context, List.of()));
  }

  static synchronized void clear(String context) {
    EVENTS.remove(context);
    NAMES.remove(context);
  }
}
