package dev.memfilestore.tomcat;

import dev.memfilestore.RequestGate;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.io.Serializable;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An attribute whose first serialization waits at the {@link RequestGate}: it holds the write at
 * the end of a request in the middle of the store's update, so that another request can invalidate
 * the session right then.
 */
final class SlowToWrite implements Serializable {
  @Serial private static final long serialVersionUID = 1L;

  private final transient AtomicBoolean held = new AtomicBoolean();

  @Serial
  private void writeObject(ObjectOutputStream out) throws IOException {
    if (held != null && held.compareAndSet(false, true)) {
      RequestGate.holdHere();
    }
    out.defaultWriteObject();
  }
}
