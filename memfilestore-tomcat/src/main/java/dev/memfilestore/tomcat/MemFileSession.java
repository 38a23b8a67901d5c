package dev.memfilestore.tomcat;

import dev.memfilestore.SessionData;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.catalina.session.StandardSession;

/**
 * Tomcat's own session, so that every listener fires exactly as under {@code StandardManager}, plus
 * what the {@link MemFileManager} needs: the requests using it (an evicted session is expired only
 * when none is), and the conversion to and from the store's {@link SessionData}.
 */
final class MemFileSession extends StandardSession {
  private static final long serialVersionUID = 1L;

  /** Tomcat's "never expires" (an interval of zero or less) in the store's terms. */
  private static final Duration NEVER = Duration.ofSeconds(-1);

  /** Requests between {@code access()} and {@code endAccess()}. */
  private final transient AtomicInteger inFlight = new AtomicInteger();

  /** The store evicted it while a request was using it: expire it when the last one ends. */
  private transient volatile boolean evicted;

  /** A failed write has been logged once for this session; later ones are not. */
  private transient volatile boolean writeFailureLogged;

  /** The id whose record was created (or restored): a record is created once per id. */
  private final transient AtomicReference<String> recordedId = new AtomicReference<>();

  MemFileSession(MemFileManager manager) {
    super(manager);
  }

  /** A session read back from the store, valid and not new, without any listener fired yet. */
  static MemFileSession restore(MemFileManager manager, String id, SessionData data) {
    MemFileSession s = new MemFileSession(manager);
    s.creationTime = data.getCreationTime().toEpochMilli();
    s.lastAccessedTime = data.getLastAccessedTime().toEpochMilli();
    s.thisAccessedTime = s.lastAccessedTime;
    Duration interval = data.getMaxInactiveInterval();
    s.maxInactiveInterval =
        interval == null
            ? manager.getContext().getSessionTimeout() * 60
            : interval.isNegative() ? -1 : (int) Math.min(Integer.MAX_VALUE, interval.toSeconds());
    s.isNew = false;
    s.isValid = true;
    s.id = id; // not setId(): that would add it to the manager and fire sessionCreated
    s.recordedId.set(id);
    for (String name : data.getAttributeNames()) {
      s.attributes.put(name, data.getAttribute(name));
    }
    return s;
  }

  /**
   * The session as the store keeps it. Like {@code StandardSession}'s own serialization, it leaves
   * out the attributes Tomcat never persists and, for Java serialization, those that are not {@link
   * Serializable}: they are lost at a restart, as with {@code StandardManager}.
   */
  SessionData toSessionData(boolean serializableOnly) {
    SessionData data = withoutAttributes();
    for (Map.Entry<String, Object> e : attributes.entrySet()) {
      Object value = e.getValue();
      if (exclude(e.getKey(), value) || (serializableOnly && !(value instanceof Serializable))) {
        continue;
      }
      data.setAttribute(e.getKey(), value);
    }
    return data;
  }

  /** The session as the store keeps it, without attributes: its first record, if they fail. */
  SessionData withoutAttributes() {
    SessionData data = new SessionData(Instant.ofEpochMilli(creationTime));
    // The start of the latest request: Tomcat measures idleness from it.
    data.setLastAccessedTime(Instant.ofEpochMilli(thisAccessedTime));
    int interval = maxInactiveInterval;
    data.setMaxInactiveInterval(interval > 0 ? Duration.ofSeconds(interval) : NEVER);
    return data;
  }

  /**
   * Marks the record of {@code id} as created, once: returns true to the one caller that must
   * create it. Later writes only replace it, so a record once removed stays removed.
   */
  boolean claimRecord(String id) {
    return !id.equals(recordedId.getAndSet(id));
  }

  @Override
  public void access() {
    inFlight.incrementAndGet();
    super.access();
    if (manager instanceof MemFileManager m) {
      m.accessed(this);
      String id = getIdInternal();
      if (id != null && !id.equals(recordedId.get())) {
        // The first access of a new session: only this request knows its id yet.
        m.createRecord(this);
      }
    }
  }

  @Override
  public void endAccess() {
    super.endAccess();
    boolean idle = inFlight.decrementAndGet() == 0;
    if (manager instanceof MemFileManager m) {
      m.endedAccess(this, idle);
    }
  }

  /** Whether no request is using it now. */
  boolean idle() {
    return inFlight.get() == 0;
  }

  boolean evicted() {
    return evicted;
  }

  void markEvicted() {
    evicted = true;
  }

  /** Whether it is valid and not being expired: the state in which it may be written. */
  boolean live() {
    return isValid && !expiring;
  }

  /** Returns true the first time only: for logging a write failure once per session. */
  boolean firstWriteFailure() {
    if (writeFailureLogged) {
      return false;
    }
    writeFailureLogged = true;
    return true;
  }
}
