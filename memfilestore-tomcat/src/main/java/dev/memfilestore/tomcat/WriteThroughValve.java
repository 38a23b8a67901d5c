package dev.memfilestore.tomcat;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.util.List;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;

/**
 * Writes the sessions a request used to the store when the application is done with the request and
 * before Tomcat completes the response, so that a client never sees a response whose session change
 * a {@code kill -9} right after could lose. The manager adds it to its context's pipeline.
 *
 * <p>Not a {@code ValveBase}: it needs no lifecycle and no JMX name.
 */
final class WriteThroughValve implements Valve {
  private final MemFileManager manager;
  private Valve next;

  WriteThroughValve(MemFileManager manager) {
    this.manager = manager;
  }

  @Override
  public void invoke(Request request, Response response) throws IOException, ServletException {
    try {
      next.invoke(request, response);
    } finally {
      List<MemFileSession> used = manager.takeAccessedOnThisThread();
      if (!used.isEmpty()) {
        if (request.isAsyncStarted()) {
          // The application goes on with the session elsewhere: write when it is done.
          request.getAsyncContext().addListener(new WriteOnComplete(manager, used));
        } else {
          for (MemFileSession s : used) {
            manager.write(s);
          }
        }
      }
    }
  }

  @Override
  public Valve getNext() {
    return next;
  }

  @Override
  public void setNext(Valve valve) {
    this.next = valve;
  }

  @Override
  public void backgroundProcess() {}

  @Override
  public boolean isAsyncSupported() {
    return true;
  }

  /** Writes the sessions of an asynchronous request when it completes. */
  private static final class WriteOnComplete implements AsyncListener {
    private final MemFileManager manager;
    private final List<MemFileSession> sessions;

    WriteOnComplete(MemFileManager manager, List<MemFileSession> sessions) {
      this.manager = manager;
      this.sessions = sessions;
    }

    @Override
    public void onComplete(AsyncEvent event) {
      for (MemFileSession s : sessions) {
        manager.write(s);
      }
    }

    @Override
    public void onTimeout(AsyncEvent event) {}

    @Override
    public void onError(AsyncEvent event) {}

    @Override
    public void onStartAsync(AsyncEvent event) {
      event.getAsyncContext().addListener(this); // a new cycle drops its listeners: stay
    }
  }
}
