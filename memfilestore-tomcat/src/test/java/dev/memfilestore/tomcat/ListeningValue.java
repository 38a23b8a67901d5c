package dev.memfilestore.tomcat;

import jakarta.servlet.http.HttpSessionActivationListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionBindingListener;
import jakarta.servlet.http.HttpSessionEvent;
import java.io.Serializable;

/** An attribute value that records its binding and activation events in the {@link EventLog}. */
final class ListeningValue
    implements HttpSessionBindingListener, HttpSessionActivationListener, Serializable {
  private static final long serialVersionUID = 1L;

  private final String label;

  ListeningValue(String label) {
    this.label = label;
  }

  @Override
  public void valueBound(HttpSessionBindingEvent event) {
    EventLog.record(event.getSession(), "bound " + label);
  }

  @Override
  public void valueUnbound(HttpSessionBindingEvent event) {
    EventLog.record(event.getSession(), "unbound " + label);
  }

  @Override
  public void sessionWillPassivate(HttpSessionEvent se) {
    EventLog.record(se.getSession(), "will passivate " + label);
  }

  @Override
  public void sessionDidActivate(HttpSessionEvent se) {
    EventLog.record(se.getSession(), "did activate " + label);
  }

  @Override
  public String toString() {
    return label;
  }
}
