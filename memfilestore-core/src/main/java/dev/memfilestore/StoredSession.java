package dev.memfilestore;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What the store keeps per session: the serialized bytes (the source of truth, and what the save
 * file holds), the session's times, and, when every attribute value is immutable, the attribute map
 * itself so that reads can skip deserialization. Never mutated after construction.
 */
final class StoredSession {
  /** {@link #expiresAtMillis} of a session that never expires by time. */
  static final long NEVER = Long.MAX_VALUE;

  final byte[] bytes;
  final Instant creationTime;
  final Instant lastAccessedTime;
  final Duration maxInactiveInterval;

  /** The attributes when all are immutable (then shared by every copy), else {@code null}. */
  final Map<String, Object> sharedAttributes;

  /** Epoch milliseconds at which the session expires, or {@link #NEVER}. */
  final long expiresAtMillis;

  /** The session's share of {@code max}, from the length function. */
  final int weight;

  StoredSession(
      byte[] bytes,
      SessionData session,
      Map<String, Object> sharedAttributes,
      long expiresAtMillis,
      int weight) {
    this.bytes = bytes;
    this.creationTime = session.getCreationTime();
    this.lastAccessedTime = session.getLastAccessedTime();
    this.maxInactiveInterval = session.getMaxInactiveInterval();
    this.sharedAttributes = sharedAttributes;
    this.expiresAtMillis = expiresAtMillis;
    this.weight = weight;
  }

  boolean isExpired(long nowMillis) {
    return expiresAtMillis <= nowMillis;
  }

  /** A fresh copy of the session that callers may change freely. */
  SessionData toSessionData(SessionSerializer serializer) {
    if (sharedAttributes != null) {
      return new SessionData(creationTime, lastAccessedTime, maxInactiveInterval, sharedAttributes);
    }
    return serializer.deserialize(bytes);
  }
}
