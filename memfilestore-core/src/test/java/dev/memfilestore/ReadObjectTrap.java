package dev.memfilestore;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Serializable class whose {@code readObject} and {@code readResolve} record that they ran, by
 * the instance's token, so each test can tell whether its own instance was ever read.
 */
final class ReadObjectTrap implements Serializable {
  @Serial private static final long serialVersionUID = 1L;

  static final Set<String> READ = ConcurrentHashMap.newKeySet();
  static final Set<String> RESOLVED = ConcurrentHashMap.newKeySet();

  private final String token;

  ReadObjectTrap(String token) {
    this.token = token;
  }

  String token() {
    return token;
  }

  @Serial
  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    READ.add(token);
  }

  @Serial
  private Object readResolve() {
    RESOLVED.add(token);
    return this;
  }
}
