package dev.memfilestore.jetty;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Orders two requests of one test: the held request signals that it is inside the application and
 * waits until the test lets it end. One gate at a time; {@link #reset()} arms a new one.
 */
final class RequestGate {
  private static volatile CountDownLatch entered = new CountDownLatch(1);
  private static volatile CountDownLatch released = new CountDownLatch(1);

  private RequestGate() {}

  static void reset() {
    entered = new CountDownLatch(1);
    released = new CountDownLatch(1);
  }

  /** Called by the held request: says it is in, then waits (at most 30 s) to be released. */
  static void holdHere() {
    entered.countDown();
    try {
      if (!released.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test never released the held request");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while held", e);
    }
  }

  static void awaitEntered() throws InterruptedException {
    if (!entered.await(30, TimeUnit.SECONDS)) {
      throw new AssertionError("the held request never reached the application");
    }
  }

  static void release() {
    released.countDown();
  }
}
