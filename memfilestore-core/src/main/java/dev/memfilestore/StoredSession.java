package dev.memfilestore;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * What the store keeps per session: the serialized bytes (the source of truth, and what the save
 * file holds), the session's expiry and weight, and its decoded form: the session's times and, when
 * {@link AttributeCopier} can copy them, the attributes themselves so that reads can skip
 * deserialization.
 *
 * <p>A session stored by the application is decoded from the start. A session loaded from the save
 * file keeps only its bytes until it is first read ({@link #lazy}): most sessions of a large store
 * are never read again before they expire, and decoding them all made a restart cost seconds.
 */
final class StoredSession {
  /** {@link #expiresAtMillis} of a session that never expires by time. */
  static final long NEVER = Long.MAX_VALUE;

  final byte[] bytes;

  /** Epoch milliseconds at which the session expires, or {@link #NEVER}. */
  final long expiresAtMillis;

  /** The session's share of {@code max}, from the length function. */
  final int weight;

  /**
   * Where the attribute values lie in {@link #bytes}, or null if unknown (then nothing is reused).
   */
  final AttributeBytes attributeBytes;

  /**
   * The decoded form, or null until the first read of a session loaded lazily. Filled with a benign
   * race: {@link Decoded} is immutable (final fields), so a thread sees either null (and decodes
   * the same bytes itself) or a complete value; two threads decoding at once store equal values.
   */
  private Decoded decoded;

  /**
   * The times and, if copyable, a private copy of the attributes.
   *
   * @param attributeTemplate a private copy of the attributes when {@link AttributeCopier} can copy
   *     them (else null), so reads need not deserialize
   * @param deepCopy whether the template holds mutable containers, which each read must copy deeply
   */
  private record Decoded(
      Instant creationTime,
      Instant lastAccessedTime,
      Duration maxInactiveInterval,
      Map<String, Object> attributeTemplate,
      boolean deepCopy) {
    static Decoded of(SessionData session, Map<String, Object> attributeTemplate) {
      return new Decoded(
          session.getCreationTime(),
          session.getLastAccessedTime(),
          session.getMaxInactiveInterval(),
          attributeTemplate,
          attributeTemplate != null && AttributeCopier.holdsContainers(attributeTemplate));
    }
  }

  StoredSession(
      byte[] bytes,
      SessionData session,
      Map<String, Object> attributeTemplate,
      long expiresAtMillis,
      int weight,
      AttributeBytes attributeBytes) {
    this.bytes = bytes;
    this.attributeBytes = attributeBytes;
    this.decoded = Decoded.of(session, attributeTemplate);
    this.expiresAtMillis = expiresAtMillis;
    this.weight = weight;
  }

  private StoredSession(byte[] bytes, long expiresAtMillis, int weight) {
    this.bytes = bytes;
    this.attributeBytes = null;
    this.expiresAtMillis = expiresAtMillis;
    this.weight = weight;
  }

  /**
   * A session read from the save file, to be decoded on its first read: its bytes are not looked at
   * here, so a serializer that refuses them says so only then (see {@link #toSessionData}).
   */
  static StoredSession lazy(byte[] bytes, long expiresAtMillis, int weight) {
    return new StoredSession(bytes, expiresAtMillis, weight);
  }

  boolean isExpired(long nowMillis) {
    return expiresAtMillis <= nowMillis;
  }

  /** Whether the session has been decoded (always, unless it was loaded and not read since). */
  boolean isDecoded() {
    return decoded != null;
  }

  /**
   * The private copy of the attributes, or null if they are not copyable or not decoded yet (then
   * nothing can be shared with it).
   */
  Map<String, Object> attributeTemplate() {
    Decoded d = decoded;
    return d == null ? null : d.attributeTemplate();
  }

  /**
   * A fresh copy of the session that callers may change freely.
   *
   * @throws SessionSerializationException if the serializer refuses the bytes (a session loaded
   *     lazily whose record is intact but whose payload the serializer cannot read, or exceeds its
   *     decoding budget; or a custom serializer that does not round-trip)
   */
  SessionData toSessionData(SessionSerializer serializer) {
    Decoded d = decoded;
    if (d == null) {
      // First read of a lazily loaded session: what the load used to do for every session.
      SessionData session = serializer.deserialize(bytes);
      decoded = Decoded.of(session, AttributeCopier.template(session.attributes()));
      return session; // the template is a private copy, so this one is the caller's
    }
    if (d.attributeTemplate() != null) {
      Map<String, Object> template = d.attributeTemplate();
      return new SessionData(
          d.creationTime(),
          d.lastAccessedTime(),
          d.maxInactiveInterval(),
          d.deepCopy() ? AttributeCopier.copy(template) : new HashMap<>(template));
    }
    return serializer.deserialize(bytes);
  }
}
