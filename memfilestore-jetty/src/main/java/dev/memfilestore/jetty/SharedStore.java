package dev.memfilestore.jetty;

import dev.memfilestore.MemFileStore;
import java.util.function.Supplier;

/**
 * One core store shared by the contexts that use one factory: built when the first context's data
 * store starts, closed (which saves) when the last one stops. Restarting every context thus reads
 * the file again, which is what a redeploy expects.
 */
final class SharedStore {
  private final Supplier<MemFileStore> builder;
  private MemFileStore store;
  private int users;

  SharedStore(Supplier<MemFileStore> builder) {
    this.builder = builder;
  }

  synchronized MemFileStore acquire() {
    if (users == 0) {
      store = builder.get();
    }
    users++;
    return store;
  }

  synchronized void release() {
    if (users == 0) {
      return;
    }
    users--;
    if (users == 0) {
      MemFileStore closing = store;
      store = null;
      closing.close();
    }
  }

  /** The open store, or null when no context uses it: for tests that look behind Jetty's back. */
  synchronized MemFileStore current() {
    return store;
  }
}
