package dev.memfilestore.tomcat;

import jakarta.servlet.http.HttpSessionAttributeListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionIdListener;
import jakarta.servlet.http.HttpSessionListener;

/** Records every session and attribute event of its context in the {@link EventLog}. */
final class RecordingListener
    implements HttpSessionListener, HttpSessionAttributeListener, HttpSessionIdListener {

  @Override
  public void sessionCreated(HttpSessionEvent se) {
    EventLog.record(se.getSession(), "created");
  }

  @Override
  public void sessionDestroyed(HttpSessionEvent se) {
    EventLog.record(se.getSession(), "destroyed");
  }

  @Override
  public void sessionIdChanged(HttpSessionEvent se, String oldSessionId) {
    String context = se.getSession().getServletContext().getContextPath();
    EventLog.record(context, oldSessionId, "id changed");
    EventLog.record(se.getSession(), "is the new id");
  }

  @Override
  public void attributeAdded(HttpSessionBindingEvent e) {
    EventLog.record(e.getSession(), "added " + e.getName() + "=" + e.getValue());
  }

  @Override
  public void attributeRemoved(HttpSessionBindingEvent e) {
    EventLog.record(e.getSession(), "removed " + e.getName() + "=" + e.getValue());
  }

  @Override
  public void attributeReplaced(HttpSessionBindingEvent e) {
    EventLog.record(e.getSession(), "replaced " + e.getName() + " (was " + e.getValue() + ")");
  }
}
