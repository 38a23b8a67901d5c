package dev.memfilestore;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A framework-neutral session, shaped like {@code HttpSession} with {@code java.time} types.
 *
 * <p>Instances are plain mutable values and not thread-safe. The store never shares them: {@link
 * MemFileStore#get(String)} returns a fresh copy, and {@link MemFileStore#set(String, SessionData)}
 * takes a copy, so changing a session changes nothing stored until it is {@code set} again.
 */
public final class SessionData {
  private Instant creationTime;
  private Instant lastAccessedTime;
  private Duration maxInactiveInterval;
  private final Map<String, Object> attributes;

  /** A new empty session, created and last accessed now. */
  public SessionData() {
    this(Instant.now());
  }

  /**
   * A new empty session created and last accessed at the given time.
   *
   * @param creationTime when the session was created
   */
  public SessionData(Instant creationTime) {
    this.creationTime = Objects.requireNonNull(creationTime, "creationTime");
    this.lastAccessedTime = creationTime;
    this.attributes = new HashMap<>();
  }

  /**
   * A copy of another session: same times, and a new attribute map holding the same values.
   *
   * @param other the session to copy
   */
  public SessionData(SessionData other) {
    this(
        other.creationTime,
        other.lastAccessedTime,
        other.maxInactiveInterval,
        new HashMap<>(other.attributes));
  }

  /** A session that takes the given attribute map as its own: the caller must not keep it. */
  SessionData(
      Instant creationTime,
      Instant lastAccessedTime,
      Duration maxInactiveInterval,
      HashMap<String, Object> attributes) {
    this.creationTime = Objects.requireNonNull(creationTime, "creationTime");
    this.lastAccessedTime = Objects.requireNonNull(lastAccessedTime, "lastAccessedTime");
    this.maxInactiveInterval = maxInactiveInterval;
    this.attributes = attributes;
  }

  /** Returns when the session was created. */
  public Instant getCreationTime() {
    return creationTime;
  }

  /**
   * Sets when the session was created.
   *
   * @param creationTime the time, not {@code null}
   */
  public void setCreationTime(Instant creationTime) {
    this.creationTime = Objects.requireNonNull(creationTime, "creationTime");
  }

  /** Returns when the session was last used. */
  public Instant getLastAccessedTime() {
    return lastAccessedTime;
  }

  /**
   * Sets when the session was last used.
   *
   * @param lastAccessedTime the time, not {@code null}
   */
  public void setLastAccessedTime(Instant lastAccessedTime) {
    this.lastAccessedTime = Objects.requireNonNull(lastAccessedTime, "lastAccessedTime");
  }

  /**
   * Returns how long the session may stay unused.
   *
   * @return the interval; {@code null} means the store's ttl decides, a negative value means it
   *     never expires by time
   */
  public Duration getMaxInactiveInterval() {
    return maxInactiveInterval;
  }

  /**
   * Sets how long the session may stay unused.
   *
   * <p>One rule for the edges: a negative interval, or one beyond any clock ({@code
   * ChronoUnit.FOREVER}), means the session never expires by time; zero means it has expired
   * already (as in Spring Session), so storing it ends it. The builder refuses a fixed {@code ttl}
   * of zero, which would end every session, as a mistake.
   *
   * @param maxInactiveInterval how long the session may stay unused; {@code null} lets the store's
   *     ttl decide, a negative value means it never expires by time
   */
  public void setMaxInactiveInterval(Duration maxInactiveInterval) {
    this.maxInactiveInterval = maxInactiveInterval;
  }

  /**
   * Returns an attribute's value.
   *
   * @param name the attribute name
   * @return its value, or {@code null} if there is none
   */
  public Object getAttribute(String name) {
    return attributes.get(Objects.requireNonNull(name, "attribute name"));
  }

  /**
   * Sets an attribute; a {@code null} value removes it, as in {@code HttpSession}.
   *
   * @param name the attribute name, not {@code null}
   * @param value its value; it must be serializable by the store's serializer
   */
  public void setAttribute(String name, Object value) {
    Objects.requireNonNull(name, "attribute name");
    if (value == null) {
      attributes.remove(name);
    } else {
      attributes.put(name, value);
    }
  }

  /**
   * Removes an attribute.
   *
   * @param name the attribute to remove; nothing happens if it is absent
   */
  public void removeAttribute(String name) {
    attributes.remove(Objects.requireNonNull(name, "attribute name"));
  }

  /** Returns the names of all attributes, as an unmodifiable view. */
  public Set<String> getAttributeNames() {
    return Collections.unmodifiableSet(attributes.keySet());
  }

  /** The attributes themselves, for the store and the serializers only. */
  Map<String, Object> attributes() {
    return attributes;
  }

  /** Two sessions are equal when their times and attributes are (arrays compared by content). */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof SessionData that)) {
      return false;
    }
    if (!creationTime.equals(that.creationTime)
        || !lastAccessedTime.equals(that.lastAccessedTime)
        || !Objects.equals(maxInactiveInterval, that.maxInactiveInterval)
        || !attributes.keySet().equals(that.attributes.keySet())) {
      return false;
    }
    for (Map.Entry<String, Object> e : attributes.entrySet()) {
      if (!Objects.deepEquals(e.getValue(), that.attributes.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return Objects.hash(creationTime, lastAccessedTime, maxInactiveInterval, attributes.keySet());
  }

  /** Names the attributes but never shows their values: sessions hold secrets. */
  @Override
  public String toString() {
    return "SessionData{created="
        + creationTime
        + ", lastAccessed="
        + lastAccessedTime
        + ", maxInactive="
        + maxInactiveInterval
        + ", attributes="
        + attributes.keySet()
        + '}';
  }
}
