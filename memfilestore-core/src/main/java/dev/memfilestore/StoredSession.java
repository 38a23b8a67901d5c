package dev.memfilestore;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What the store keeps per session: the serialized bytes (the source of truth for the attributes,
 * and what the save file holds), the session's expiry and weight, and its decoded form: the
 * session's times and, when {@link AttributeCopier} can keep them, the attributes themselves so
 * that reads can skip deserialization. Never changed after construction, except that a lazily
 * loaded session fills in its decoded form once, and that {@link #neverRead} is cleared by the
 * session's first read.
 *
 * <p>A session stored by the application is decoded from the start. A session loaded from the save
 * file keeps only its bytes until it is first read ({@link #lazy}): most sessions of a large store
 * are never read again before they expire, and decoding them all made a restart cost seconds.
 *
 * <p>The times here are the session's; the bytes hold the same ones unless a {@code touch} changed
 * them ({@link #bytesHoldTimes} false): a touch shares the bytes, and whoever writes them to a file
 * writes the current times into a copy ({@link #bytesWithTimes}).
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

  /** Whether {@link #bytes} hold this session's times (false after a touch). */
  final boolean bytesHoldTimes;

  /**
   * Whether this session was created by a {@code set} and has not been read since (only in a
   * bounded store): such sessions are evicted first once the store is full, see {@link
   * SessionCache}. Written only under the lock of that class's queue of them. False by default, so
   * a session loaded from the save file counts as one that came back (the reason is given there).
   */
  volatile boolean neverRead;

  /**
   * What changed since the session this one replaces, for a journal's {@code patch} record, or null
   * (then the journal holds the whole session). Set by {@link SessionEncoding#encode} and cleared
   * by the storage when it journals the change, before the session is published in the map: so it
   * never keeps the replaced session alive.
   */
  Patch patch;

  /**
   * The attributes a save set or removed, relative to {@link #base}: the set values' bytes are
   * slices of the new session's {@link #bytes} (encoded once, for both the map and the journal).
   */
  static final class Patch {
    /** The session the change replaces; the patch is journaled only if it is still stored. */
    final StoredSession base;

    /** Names of the attributes set, in the order of the session's attributes. */
    final String[] names;

    /** Start and end of value {@code i} in the new session's bytes, at {@code 2i}, {@code 2i+1}. */
    final int[] bounds;

    final int count;

    /** Names of the attributes removed. */
    final String[] removed;

    Patch(StoredSession base, String[] names, int[] bounds, int count, String[] removed) {
      this.base = base;
      this.names = names;
      this.bounds = bounds;
      this.count = count;
      this.removed = removed;
    }
  }

  /**
   * The decoded form, or null until the first read of a session loaded lazily. Filled with a benign
   * race: {@link Decoded} is immutable (final fields), so a thread sees either null (and decodes
   * the same bytes itself) or a complete value; two threads decoding at once store equal values.
   */
  private Decoded decoded;

  /**
   * The times, and what reads hand out so that they need not deserialize (see {@link
   * AttributeCopier#template}): immutable values, private copies of the JDK containers of those,
   * and every other value as its bytes ({@link EncodedValue}), decoded only when a caller reads it.
   * The template is null when the serializer does not say where values lie in the bytes and some
   * value is of the last kind (a session loaded from the save file, until its next save).
   */
  private record Decoded(
      Instant creationTime,
      Instant lastAccessedTime,
      Duration maxInactiveInterval,
      Map<String, Object> attributeTemplate) {
    static Decoded of(SessionData session, Map<String, Object> attributeTemplate) {
      return new Decoded(
          session.getCreationTime(),
          session.getLastAccessedTime(),
          session.getMaxInactiveInterval(),
          attributeTemplate);
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
    this.bytesHoldTimes = true;
  }

  private StoredSession(byte[] bytes, long expiresAtMillis, int weight) {
    this.bytes = bytes;
    this.attributeBytes = null;
    this.expiresAtMillis = expiresAtMillis;
    this.weight = weight;
    this.bytesHoldTimes = true;
  }

  private StoredSession(StoredSession touched, Decoded decoded, long expiresAtMillis, int weight) {
    this.bytes = touched.bytes;
    this.attributeBytes = touched.attributeBytes;
    this.decoded = decoded;
    this.expiresAtMillis = expiresAtMillis;
    this.weight = weight;
    this.bytesHoldTimes = false;
  }

  /**
   * A session read from the save file, to be decoded on its first read: its bytes are not looked at
   * here, so a serializer that refuses them says so only then (see {@link #toSessionData}).
   */
  static StoredSession lazy(byte[] bytes, long expiresAtMillis, int weight) {
    return new StoredSession(bytes, expiresAtMillis, weight);
  }

  /** This (decoded) session with new times and expiry, sharing its bytes and attributes. */
  StoredSession touched(
      Instant lastAccessedTime, Duration maxInactiveInterval, long expiresAtMillis, int weight) {
    Decoded d = decodedForm();
    return new StoredSession(
        this,
        new Decoded(d.creationTime(), lastAccessedTime, maxInactiveInterval, d.attributeTemplate()),
        expiresAtMillis,
        weight);
  }

  /**
   * The bytes with this session's times, for a file: {@link #bytes} themselves, or a retimed copy
   * after a touch.
   *
   * @param json whether the bytes are the json serializer's (else the java serializer's)
   */
  byte[] bytesWithTimes(boolean json) {
    if (bytesHoldTimes) {
      return bytes;
    }
    Decoded d = decodedForm();
    return SessionTimes.retime(bytes, json, d.lastAccessedTime(), d.maxInactiveInterval());
  }

  boolean isExpired(long nowMillis) {
    return expiresAtMillis <= nowMillis;
  }

  /** Whether the session has been decoded (always, unless it was loaded and not read since). */
  boolean isDecoded() {
    return decoded != null;
  }

  /** The template reads hand out, or null if there is none or the session is not decoded yet. */
  Map<String, Object> attributeTemplate() {
    Decoded d = decoded;
    return d == null ? null : d.attributeTemplate();
  }

  /** When the session was created; only for a decoded session. */
  Instant creationTime() {
    return decodedForm().creationTime();
  }

  /** When the session was last accessed; only for a decoded session. */
  Instant lastAccessedTime() {
    return decodedForm().lastAccessedTime();
  }

  /** The session's max-inactive interval; only for a decoded session. */
  Duration maxInactiveInterval() {
    return decodedForm().maxInactiveInterval();
  }

  private Decoded decodedForm() {
    Decoded d = decoded;
    if (d == null) {
      throw new IllegalStateException("a lazily loaded session was used before its first read");
    }
    return d;
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
      decoded = Decoded.of(session, AttributeCopier.template(session, bytes, null, null));
      return session; // the template holds its own copies, so this one is the caller's
    }
    if (d.attributeTemplate() != null) {
      // Nothing is copied until the caller changes the session or reads a mutable value.
      return SessionData.overTemplate(
          d.creationTime(), d.lastAccessedTime(), d.maxInactiveInterval(), d.attributeTemplate());
    }
    SessionData session = serializer.deserialize(bytes);
    if (!bytesHoldTimes) {
      session.setLastAccessedTime(d.lastAccessedTime());
      session.setMaxInactiveInterval(d.maxInactiveInterval());
    }
    return session;
  }
}
