package dev.memfilestore;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's periodic tasks (prune, save, journal upkeep) on two daemon threads, created on first
 * use and ended by {@link #stop()}. Two threads, so that the journal's force every second never
 * waits behind a long snapshot.
 */
final class Timers {
  private static final Logger log = LoggerFactory.getLogger(MemFileStore.class);

  /** The tasks; each runs at most once at a time. */
  enum Task {
    PRUNE,
    SAVE,
    JOURNAL
  }

  // The context class loader of the thread that built the store, given to the timer's threads.
  private final ClassLoader contextLoader = Thread.currentThread().getContextClassLoader();
  // The timer's threads, joined at stop: an executor reports termination before they have exited.
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private final Map<Task, ScheduledFuture<?>> tasks = new EnumMap<>(Task.class); // guarded by this
  private ScheduledExecutorService executor; // guarded by this
  private boolean stopped; // guarded by this

  /**
   * Runs a task every period, unless it runs already.
   *
   * @return false if the timers are stopped (the store is closed)
   */
  synchronized boolean start(Task task, Runnable action, Duration period) {
    if (stopped) {
      return false;
    }
    if (!tasks.containsKey(task)) {
      if (executor == null) {
        executor = Executors.newScheduledThreadPool(2, this::newThread);
      }
      long nanos = period.toNanos();
      tasks.put(task, executor.scheduleWithFixedDelay(action, nanos, nanos, TimeUnit.NANOSECONDS));
    }
    return true;
  }

  /** Stops a task; does nothing if it is not running. */
  synchronized void cancel(Task task) {
    ScheduledFuture<?> running = tasks.remove(task);
    if (running != null) {
      running.cancel(false);
    }
  }

  /**
   * Stops every task for good and, unless called from a timer thread, waits (a bounded time) for
   * the threads to end, so that none outlives the store: a container that unloads the application
   * would see a leaked thread holding its class loader.
   */
  void stop() {
    ScheduledExecutorService stopping = shutDown();
    if (stopping == null || threads.contains(Thread.currentThread())) {
      return;
    }
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      boolean ended = stopping.awaitTermination(30, TimeUnit.SECONDS);
      for (Thread t : threads) {
        long left = deadline - System.nanoTime();
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        ended &= !t.isAlive();
      }
      if (!ended) {
        log.warn("The store's timer did not stop within 30 s; a snapshot may still be running");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops every task for good without waiting, as a crash would; returns the executor, if any. */
  synchronized ScheduledExecutorService shutDown() {
    stopped = true;
    tasks.values().forEach(t -> t.cancel(false));
    tasks.clear();
    ScheduledExecutorService stopping = executor;
    executor = null;
    if (stopping != null) {
      stopping
          .shutdown(); // no interrupt: it would close a journal channel in the middle of a force
    }
    return stopping;
  }

  private Thread newThread(Runnable r) {
    Thread t = new Thread(r, "memfilestore-timer");
    t.setDaemon(true);
    // the loader of the thread that built the store (a web application's, in a container),
    // whichever thread starts the timer: attribute classes load through it
    t.setContextClassLoader(contextLoader);
    threads.add(t);
    return t;
  }
}
