package dev.memfilestore;

import java.time.Duration;
import java.time.Instant;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
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

  /**
   * The attributes: this session's own map, or the store's {@link #template} itself until the first
   * change. A copy from the store costs nothing until it is changed or its mutable values are read.
   */
  private Map<String, Object> attributes;

  /**
   * The store's attributes this session was read from, or null. Never changed by anyone: a mutable
   * value that is still the template's instance is copied when it is read (by {@link
   * #getAttribute}), and the map is copied when it is first changed.
   */
  private final Map<String, Object> template;

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
    this.template = null;
  }

  /**
   * A copy of another session: same times, and a new attribute map holding the same values.
   *
   * @param other the session to copy
   */
  public SessionData(SessionData other) {
    this.creationTime = other.creationTime;
    this.lastAccessedTime = other.lastAccessedTime;
    this.maxInactiveInterval = other.maxInactiveInterval;
    // The template's mutable values stay the template's: this copy copies them when they are read.
    this.template = other.template;
    this.attributes =
        other.attributes == other.template ? other.template : new HashMap<>(other.attributes);
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
    this.template = null;
  }

  private SessionData(
      Instant creationTime,
      Instant lastAccessedTime,
      Duration maxInactiveInterval,
      Map<String, Object> template,
      boolean unused) {
    this.creationTime = Objects.requireNonNull(creationTime, "creationTime");
    this.lastAccessedTime = Objects.requireNonNull(lastAccessedTime, "lastAccessedTime");
    this.maxInactiveInterval = maxInactiveInterval;
    this.attributes = template;
    this.template = template;
  }

  /**
   * A session over the store's attribute template, which it never changes (see {@link #template}).
   */
  static SessionData overTemplate(
      Instant creationTime,
      Instant lastAccessedTime,
      Duration maxInactiveInterval,
      Map<String, Object> template) {
    return new SessionData(creationTime, lastAccessedTime, maxInactiveInterval, template, true);
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
   * @throws SessionSerializationException if the value came from the store, which kept it as bytes
   *     until this first read, and the serializer now refuses those bytes (its class changed
   *     incompatibly or left the allow-list since it was stored)
   */
  public Object getAttribute(String name) {
    Object value = attributes.get(Objects.requireNonNull(name, "attribute name"));
    if (value instanceof EncodedValue encoded) {
      // Kept as bytes until now: decoded into the caller's (and this session's) own instance.
      Object decoded = encoded.decode();
      own().put(name, decoded);
      return decoded;
    }
    if (template == null
        || value == null
        || ImmutableTypes.isImmutable(value)
        || template.get(name) != value) {
      return value;
    }
    // A mutable value of the store's: the caller gets (and this session keeps) its own copy.
    Object copy = AttributeCopier.copyValue(value);
    if (copy != value) {
      own().put(name, copy);
    }
    return copy;
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
      own().remove(name);
    } else {
      own().put(name, value);
    }
  }

  /**
   * Removes an attribute.
   *
   * @param name the attribute to remove; nothing happens if it is absent
   */
  public void removeAttribute(String name) {
    own().remove(Objects.requireNonNull(name, "attribute name"));
  }

  /** This session's own attribute map, copied from the template on the first change. */
  private Map<String, Object> own() {
    if (attributes == template) {
      attributes = new HashMap<>(template);
    }
    return attributes;
  }

  /** Returns the names of all attributes, as an unmodifiable view. */
  public Set<String> getAttributeNames() {
    return new AbstractSet<>() { // a view of the map of the moment, own or shared
      @Override
      public Iterator<String> iterator() {
        return Collections.unmodifiableSet(attributes.keySet()).iterator();
      }

      @Override
      public int size() {
        return attributes.size();
      }

      @Override
      public boolean contains(Object o) {
        return attributes.containsKey(o);
      }
    };
  }

  /**
   * The attributes themselves, for the store and the serializers only, to read: mutable values may
   * be the store's template's (see {@link #template}).
   */
  Map<String, Object> attributes() {
    return attributes;
  }

  /**
   * Whether {@code value}, an attribute value of this session under {@code name}, is the instance
   * of the store's template, which nobody changes: a new template may share it.
   */
  boolean isTemplateValue(String name, Object value) {
    return template != null && template.get(name) == value;
  }

  /** The store's template if this session's attributes are still it, unchanged; else null. */
  Map<String, Object> unchangedTemplate() {
    return attributes == template ? template : null;
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
      if (!Objects.deepEquals(decoded(e.getValue()), decoded(that.attributes.get(e.getKey())))) {
        return false;
      }
    }
    return true;
  }

  private static Object decoded(Object value) {
    return value instanceof EncodedValue encoded ? encoded.decode() : value;
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
