package dev.memfilestore.jetty;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;
import java.util.concurrent.atomic.AtomicBoolean;

/** Stands for a deserialization gadget: reading one back is what the allow-list must prevent. */
final class Gadget implements Serializable {
  @Serial private static final long serialVersionUID = 1L;
  static final AtomicBoolean READ = new AtomicBoolean();

  @Serial
  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    READ.set(true);
  }
}
