package dev.memfilestore;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Orders two requests of one test: the held request (or its write) signals that it has reached the
 * gate and waits until the test lets it go on. One gate at a time; {@link #reset()} arms a new one.
 * Shared by the adapters' tests (Jetty, Tomcat) through the core's test jar.
 */
public final class RequestGate {
  private static volatile CountDownLatch entered = new CountDownLatch(1);
  private static volatile CountDownLatch released = new CountDownLatch(1);

  private RequestGate() {}

  public static void reset() {
    entered = new CountDownLatch(1);
    released = new CountDownLatch(1);
  }

  /** Says the gate is reached, then waits (at most 30 s) to be released. */
  public static void holdHere() {
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

  public static void awaitEntered() throws InterruptedException {
    if (!entered.await(30, TimeUnit.SECONDS)) {
      throw new AssertionError("the held request never reached the gate");
    }
  }

  public static void release() {
    released.countDown();
  }
}
