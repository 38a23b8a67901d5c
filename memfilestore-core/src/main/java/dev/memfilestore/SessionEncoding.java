package dev.memfilestore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * How the store turns a session into what it keeps ({@link StoredSession}): the serializer's bytes,
 * the expiry from the ttl function, the weight from the length function; and the rules for ids.
 * Every failure of a user-supplied function becomes an error that says which one failed.
 */
final class SessionEncoding {
  /**
   * The length function when none is configured: every session counts 1, whatever it holds, so a
   * session read from the save file need not be decoded to be weighed.
   */
  static final ToIntFunction<SessionData> DEFAULT_LENGTH = session -> 1;

  /**
   * The default ttl function: the session's own max-inactive interval, or the store's ttl. Known by
   * its class, so that a touch computes it from the times alone.
   */
  record IntervalOrTtl(Duration fallback) implements TtlFunction {
    @Override
    public Duration ttl(SessionData session, String id) {
      return life(session.getMaxInactiveInterval());
    }

    Duration life(Duration maxInactive) {
      return maxInactive != null ? maxInactive : fallback;
    }
  }

  final SessionSerializer serializer;

  /**
   * Whether a touch keeps the stored bytes (and journals a touch record) instead of re-encoding.
   */
  final boolean retimes;

  /**
   * Whether {@link #encode} works out what changed (a {@link StoredSession.Patch}): set by a
   * storage that journals the json serializer's sessions, before any session is stored.
   */
  boolean patches;

  private final TtlFunction ttl;
  private final ToIntFunction<SessionData> length;
  private final Clock clock;

  SessionEncoding(
      SessionSerializer serializer,
      TtlFunction ttl,
      ToIntFunction<SessionData> length,
      Clock clock) {
    this.serializer = serializer;
    this.ttl = ttl;
    this.length = length;
    this.clock = clock;
    this.retimes = SessionTimes.supports(serializer);
  }

  /**
   * Encodes a session about to be stored: its ttl starts now. {@code previous} is what is stored
   * under the id now (or null): values that are its very immutable instances keep their bytes.
   */
  StoredSession encode(String id, SessionData session, StoredSession previous) {
    byte[] bytes;
    AttributeBytes attributeBytes = null;
    try {
      if (serializer instanceof AttributeBytes.Reusing reusing) {
        AttributeBytes.Encoded encoded = reusing.serialize(session, previous);
        bytes = encoded.bytes();
        attributeBytes = encoded.attributes();
      } else {
        bytes = serializer.serialize(session);
      }
    } catch (SessionSerializationException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new SessionSerializationException(
          "the serializer failed on session " + abbreviate(id) + ": " + e, e);
    }
    // Before the ttl and length functions run: they may read (and so change) the session.
    StoredSession.Patch patch =
        patches && attributeBytes != null ? patch(session, previous, bytes, attributeBytes) : null;
    Map<String, Object> template = session.unchangedTemplate();
    if (template != null && AttributeCopier.holdsEncodedValues(template)) {
      template = null; // its encoded values lie in the old bytes: point them at the new ones
    }
    if (template == null) {
      template =
          sameValues(session.attributes(), previous)
              ? previous.attributeTemplate()
              : template(session, bytes, attributeBytes);
    }
    long expiresAt = expiresAt(life(session, id));
    StoredSession stored = stored(bytes, session, expiresAt, attributeBytes, template);
    stored.patch = patch;
    return stored;
  }

  /**
   * What {@code session} changed of {@code previous}, or null if the journal should hold the whole
   * session: no previous (or one not decoded, or expired: a snapshot may have left it out), another
   * creation time, or changes that make up most of the bytes anyway. A value that is the very
   * instance of the previous template is unchanged: reads hand out copies of mutable values, so
   * nobody changed it; anything else counts as set.
   */
  private StoredSession.Patch patch(
      SessionData session, StoredSession previous, byte[] bytes, AttributeBytes attributeBytes) {
    Map<String, Object> before = previous == null ? null : previous.attributeTemplate();
    if (before == null
        || previous.isExpired(clock.millis())
        || !session.getCreationTime().equals(previous.creationTime())) {
      return null;
    }
    Map<String, Object> attributes = session.attributes();
    String[] names = null;
    int[] bounds = null;
    int count = 0;
    int kept = 0;
    int changedBytes = 0;
    int i = 0;
    for (Map.Entry<String, Object> e : attributes.entrySet()) {
      Object old = before.get(e.getKey());
      if (old != null) {
        kept++;
      }
      if (old == null || old != e.getValue()) {
        if (names == null) {
          names = new String[attributes.size()];
          bounds = new int[2 * attributes.size()];
        }
        names[count] = e.getKey();
        bounds[2 * count] = attributeBytes.start(i);
        bounds[2 * count + 1] = attributeBytes.end(i);
        changedBytes += attributeBytes.end(i) - attributeBytes.start(i) + e.getKey().length();
        count++;
      }
      i++;
    }
    if (2 * changedBytes > bytes.length) {
      return null; // the whole session is about as small, and replays without a base
    }
    String[] removed = NONE;
    if (kept < before.size()) {
      removed =
          before.keySet().stream().filter(k -> !attributes.containsKey(k)).toArray(String[]::new);
    }
    return new StoredSession.Patch(previous, names, bounds, count, removed);
  }

  private static final String[] NONE = new String[0];

  private Map<String, Object> template(
      SessionData session, byte[] bytes, AttributeBytes attributeBytes) {
    return AttributeCopier.template(
        session,
        bytes,
        attributeBytes,
        serializer instanceof AttributeBytes.Reusing reusing ? reusing : null);
  }

  /**
   * Encodes {@code session}, the new value of {@code current} (which it replaces only if that is
   * still stored): when the change left its attributes and creation time as they were (the
   * session's attributes are still {@code current}'s template, untouched), a touch, which keeps the
   * bytes; else as {@link #encode}.
   */
  StoredSession encodeChangeOf(String id, SessionData session, StoredSession current) {
    if (retimes
        && current.attributeTemplate() != null
        && session.unchangedTemplate() == current.attributeTemplate()
        && session.getCreationTime().equals(current.creationTime())) {
      long expiresAt = expiresAt(life(session, id));
      int weight = weight(session);
      if (session.unchangedTemplate()
          == current.attributeTemplate()) { // the functions changed none
        return current.touched(
            session.getLastAccessedTime(), session.getMaxInactiveInterval(), expiresAt, weight);
      }
    }
    return encode(id, session, current);
  }

  /**
   * A live session with new times, its attributes and their bytes shared (see {@link #retimes}):
   * its ttl starts now.
   */
  StoredSession touched(
      String id, StoredSession current, Instant lastAccessed, Duration maxInactive) {
    Duration life;
    int weight;
    if (ttl instanceof IntervalOrTtl times && length == DEFAULT_LENGTH) {
      life = times.life(maxInactive); // neither function reads attributes: nothing to decode
      weight = current.weight;
    } else {
      SessionData session = current.toSessionData(serializer);
      session.setLastAccessedTime(lastAccessed);
      session.setMaxInactiveInterval(maxInactive);
      life = life(session, id);
      weight = weight(session);
    }
    return current.touched(lastAccessed, maxInactive, expiresAt(life), weight);
  }

  private Duration life(SessionData session, String id) {
    Duration life;
    try {
      life = ttl.ttl(session, id);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the ttl function failed: " + e, e);
    }
    if (life == null) {
      throw new IllegalArgumentException("the ttl function returned null; return a Duration");
    }
    return life;
  }

  /** When a session whose ttl is {@code life} expires, from now. */
  private long expiresAt(Duration life) {
    long now = clock.millis();
    if (life.isNegative()) {
      return StoredSession.NEVER;
    }
    long millis;
    try {
      millis = life.toMillis();
    } catch (ArithmeticException e) {
      millis = Long.MAX_VALUE; // ChronoUnit.FOREVER and the like: beyond any clock
    }
    return millis >= StoredSession.NEVER - now ? StoredSession.NEVER : now + millis;
  }

  private int weight(SessionData session) {
    int weight = length.applyAsInt(session);
    if (weight < 0) {
      throw new IllegalArgumentException(
          "the length function returned " + weight + "; a session's length must be 0 or more");
    }
    return weight;
  }

  /**
   * Whether {@code attributes} are the very immutable instances of {@code previous}'s template
   * under the same names (as after a touch, or a save that changed only times), so the template can
   * be shared instead of copied.
   */
  private static boolean sameValues(Map<String, Object> attributes, StoredSession previous) {
    Map<String, Object> template = previous == null ? null : previous.attributeTemplate();
    if (template == null || template.size() != attributes.size()) {
      return false;
    }
    for (Map.Entry<String, Object> e : attributes.entrySet()) {
      Object value = e.getValue();
      if (template.get(e.getKey()) != value || !ImmutableTypes.isImmutable(value)) {
        return false;
      }
    }
    return true;
  }

  /** What the store keeps of a session whose bytes and expiry are known (set, or read back). */
  StoredSession stored(
      byte[] bytes, SessionData session, long expiresAt, AttributeBytes attributeBytes) {
    return stored(
        bytes, session, expiresAt, attributeBytes, template(session, bytes, attributeBytes));
  }

  private StoredSession stored(
      byte[] bytes,
      SessionData session,
      long expiresAt,
      AttributeBytes attributeBytes,
      Map<String, Object> template) {
    return new StoredSession(bytes, session, template, expiresAt, weight(session), attributeBytes);
  }

  /**
   * What the store keeps of a session read from the save file. With the default length function it
   * is decoded on its first read (see {@link StoredSession#lazy}); a configured length function
   * needs the session to weigh it, so then it is decoded now.
   *
   * @throws RuntimeException if the serializer refuses the bytes (only when decoded now)
   */
  StoredSession loaded(byte[] bytes, long expiresAt) {
    if (length == DEFAULT_LENGTH) {
      return StoredSession.lazy(bytes, expiresAt, 1);
    }
    return stored(bytes, serializer.deserialize(bytes), expiresAt, null);
  }

  /** A fresh copy of a stored session that callers may change freely. */
  SessionData decode(StoredSession s) {
    return s.toSessionData(serializer);
  }

  /**
   * Whether an id is one that {@code set} accepts: not null, not blank, at most {@link
   * MemFileStore#MAX_ID_LENGTH} characters, and well-formed UTF-16 (no unpaired surrogate).
   * Anything else finds nothing, and a record of the save file or a journal whose id it is counts
   * as malformed: an id that {@code set} refuses can never be stored, nor written back.
   */
  static boolean isPlausibleId(String id) {
    return id != null
        && !id.isEmpty()
        && id.length() <= MemFileStore.MAX_ID_LENGTH
        && !id.isBlank()
        && unpairedSurrogate(id) < 0;
  }

  /** Refuses an id that {@code set} must not store, saying why. */
  static void requireValidId(String id) {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("session id must not be null or blank");
    }
    if (id.length() > MemFileStore.MAX_ID_LENGTH) {
      throw new IllegalArgumentException(
          "session id is "
              + id.length()
              + " characters long; at most "
              + MemFileStore.MAX_ID_LENGTH
              + " are accepted");
    }
    int at = unpairedSurrogate(id);
    if (at >= 0) {
      // Not text: it could not be written to the save file, and would stop every save.
      throw new IllegalArgumentException(
          "session id has an unpaired surrogate character at index "
              + at
              + ": it is not text and cannot be saved; use letters, digits and punctuation");
    }
  }

  /** The index of the first surrogate character that is not half of a pair, or -1. */
  private static int unpairedSurrogate(String id) {
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (!Character.isSurrogate(c)) {
        continue;
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < id.length()
          && Character.isLowSurrogate(id.charAt(i + 1))) {
        i++;
      } else {
        return i;
      }
    }
    return -1;
  }

  /**
   * The one way the core shows an id in a log or a message: enough to tell sessions apart, never
   * enough to hijack one.
   */
  static String abbreviate(String id) {
    return id == null || id.length() <= 4 ? "…" : id.substring(0, 4) + "…";
  }
}
