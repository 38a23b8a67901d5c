package dev.memfilestore;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What the store keeps per session: the serialized bytes (the source of truth for the attributes,
 * and what the save file holds), the session's times, and, when {@link AttributeCopier} can copy
 * them, the attributes themselves so that reads can skip deserialization. Never mutated after
 * construction.
 *
 * <p>The times here are the session's; the bytes hold the same ones unless a {@code touch} changed
 * them ({@link #bytesHoldTimes} false): a touch shares the bytes, and whoever writes them to a file
 * writes the current times into a copy ({@link #bytesWithTimes}).
 */
final class StoredSession {
  /** {@link #expiresAtMillis} of a session that never expires by time. */
  static final long NEVER = Long.MAX_VALUE;

  final byte[] bytes;
  final Instant creationTime;
  final Instant lastAccessedTime;
  final Duration maxInactiveInterval;

  /**
   * What reads hand out, so that they need not deserialize (see {@link AttributeCopier#template}):
   * immutable values, private copies of the JDK containers of those, and every other value as its
   * bytes ({@link EncodedValue}), decoded only when a caller reads it. Null when the serializer
   * does not say where values lie in the bytes and some value is of the last kind.
   */
  final Map<String, Object> attributeTemplate;

  /** Epoch milliseconds at which the session expires, or {@link #NEVER}. */
  final long expiresAtMillis;

  /** The session's share of {@code max}, from the length function. */
  final int weight;

  /**
   * Where the attribute values lie in {@link #bytes}, or null if unknown (then nothing is reused).
   */
  final AttributeBytes attributeBytes;

  /** Whether {@link #bytes} hold this session's times (false after a touch). */
  final boolean bytesHoldTimes;

  StoredSession(
      byte[] bytes,
      SessionData session,
      Map<String, Object> attributeTemplate,
      long expiresAtMillis,
      int weight,
      AttributeBytes attributeBytes) {
    this.bytes = bytes;
    this.attributeBytes = attributeBytes;
    this.creationTime = session.getCreationTime();
    this.lastAccessedTime = session.getLastAccessedTime();
    this.maxInactiveInterval = session.getMaxInactiveInterval();
    this.attributeTemplate = attributeTemplate;
    this.expiresAtMillis = expiresAtMillis;
    this.weight = weight;
    this.bytesHoldTimes = true;
  }

  private StoredSession(
      StoredSession touched,
      Instant lastAccessedTime,
      Duration maxInactiveInterval,
      long expiresAtMillis,
      int weight) {
    this.bytes = touched.bytes;
    this.attributeBytes = touched.attributeBytes;
    this.creationTime = touched.creationTime;
    this.lastAccessedTime = lastAccessedTime;
    this.maxInactiveInterval = maxInactiveInterval;
    this.attributeTemplate = touched.attributeTemplate;
    this.expiresAtMillis = expiresAtMillis;
    this.weight = weight;
    this.bytesHoldTimes = false;
  }

  /** This session with new times and expiry, sharing its bytes and attributes. */
  StoredSession touched(
      Instant lastAccessedTime, Duration maxInactiveInterval, long expiresAtMillis, int weight) {
    return new StoredSession(this, lastAccessedTime, maxInactiveInterval, expiresAtMillis, weight);
  }

  /**
   * The bytes with this session's times, for a file: {@link #bytes} themselves, or a retimed copy
   * after a touch.
   *
   * @param json whether the bytes are the json serializer's (else the java serializer's)
   */
  byte[] bytesWithTimes(boolean json) {
    return bytesHoldTimes
        ? bytes
        : SessionTimes.retime(bytes, json, lastAccessedTime, maxInactiveInterval);
  }

  boolean isExpired(long nowMillis) {
    return expiresAtMillis <= nowMillis;
  }

  /** A fresh copy of the session that callers may change freely. */
  SessionData toSessionData(SessionSerializer serializer) {
    if (attributeTemplate != null) {
      // Nothing is copied until the caller changes the session or reads a mutable value.
      return SessionData.overTemplate(
          creationTime, lastAccessedTime, maxInactiveInterval, attributeTemplate);
    }
    SessionData decoded = serializer.deserialize(bytes);
    if (!bytesHoldTimes) {
      decoded.setLastAccessedTime(lastAccessedTime);
      decoded.setMaxInactiveInterval(maxInactiveInterval);
    }
    return decoded;
  }
}
