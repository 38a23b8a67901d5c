package dev.memfilestore.bench;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * One benchmark thread's position in the precomputed id sequence; threads start at different
 * offsets so they do not walk the same ids in lockstep.
 */
@State(Scope.Thread)
public class Request {
  private static final int MASK = Workload.DRAWS - 1;

  private int position;

  /** A counter each changed session stores, so that a set really changes the session. */
  long counter;

  /**
   * Spreads the threads' starting points over the sequence.
   *
   * @param threads the benchmark's threads
   */
  @Setup(Level.Trial)
  public void setUp(ThreadParams threads) {
    position = threads.getThreadIndex() * (Workload.DRAWS / threads.getThreadCount());
  }

  /** The index of the next session a request is for. */
  int next() {
    int index = Workload.DRAW[position];
    position = (position + 1) & MASK;
    return index;
  }
}
