package dev.memfilestore;

import java.time.Duration;

/**
 * Computes how long a session lives after it is {@code set} or {@code touch}ed: the seed's {@code
 * ttl} option in its function form.
 *
 * <p>A negative duration means the session never expires by time (it is still bounded by {@code
 * max}); zero means it expires at once.
 */
@FunctionalInterface
public interface TtlFunction {
  /**
   * Returns the time to live of a session being stored.
   *
   * @param session the session being stored
   * @param id its id
   * @return its time to live, never {@code null}
   */
  Duration ttl(SessionData session, String id);
}
