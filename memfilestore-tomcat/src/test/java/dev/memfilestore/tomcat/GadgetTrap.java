package dev.memfilestore.tomcat;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A stand-in for a deserialization gadget: its {@code readObject} records that it ran. */
final class GadgetTrap implements Serializable {
  @Serial private static final long serialVersionUID = 1L;

  static final Set<String> READ = ConcurrentHashMap.newKeySet();

  private final String token;

  GadgetTrap(String token) {
    this.token = token;
  }

  @Serial
  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    READ.add(token);
  }
}
