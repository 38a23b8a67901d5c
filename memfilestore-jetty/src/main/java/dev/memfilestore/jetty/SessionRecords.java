package dev.memfilestore.jetty;

import dev.memfilestore.MemFileStore;
import dev.memfilestore.SessionData;
import dev.memfilestore.SessionSerializationException;
import dev.memfilestore.SessionSerializer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Maps Jetty's session data to the core store's sessions and back.
 *
 * <p>A Jetty session becomes one core session under the key {@code <context>@<vhost>#<id>}: the
 * context path and virtual host are URL-encoded, so neither holds {@code @} or {@code #} and the
 * prefix of one context can never be the prefix of another's key. Jetty's metadata travels in
 * reserved attributes of JDK types; the application's attributes travel as one opaque {@code
 * byte[]}, encoded by the attribute serializer. The core thus never loads an application class: a
 * store shared by several web applications (each with its own class loader) loads every session at
 * start-up, and an application's attribute classes are loaded only when that application reads its
 * session, on its own thread with its own context class loader.
 */
final class SessionRecords {
  static final String CONTEXT_PATH = "jetty.contextPath";
  static final String VHOST = "jetty.vhost";
  static final String LAST_NODE = "jetty.lastNode";
  static final String LAST_ACCESSED = "jetty.lastAccessed";
  static final String COOKIE_SET = "jetty.cookieSet";
  static final String EXPIRY = "jetty.expiry";
  static final String MAX_INACTIVE_MS = "jetty.maxInactiveMs";
  static final String LAST_SAVED = "jetty.lastSaved";
  static final String ATTRIBUTES = "jetty.attributes";

  /** Longer ids are not ids: never looked up, never stored. */
  static final int MAX_ID_LENGTH = 512;

  private final SessionSerializer attributeSerializer;

  SessionRecords(SessionSerializer attributeSerializer) {
    this.attributeSerializer = attributeSerializer;
  }

  /** The prefix of every key of one context: never a prefix of another context's keys. */
  static String keyPrefix(String canonicalContextPath, String vhost) {
    return URLEncoder.encode(canonicalContextPath, StandardCharsets.UTF_8)
        + "@"
        + URLEncoder.encode(vhost, StandardCharsets.UTF_8)
        + "#";
  }

  /**
   * Whether an id could be one Jetty issued: printable ASCII without spaces, and not too long.
   * Anything else (control characters, NUL, non-ASCII) is treated as unknown and never stored.
   */
  static boolean isPlausibleId(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_ID_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c <= 0x20 || c >= 0x7F) {
        return false;
      }
    }
    return true;
  }

  /**
   * How long the core keeps a session after Jetty's expiry: ten grace periods, Jetty's own horizon
   * for orphans. Jetty's scavenger looks for sessions that expired one to three grace periods ago
   * (to run their listeners), so they must still be there; by ten, Jetty would delete them anyway.
   */
  static long retentionMillis(int gracePeriodSec) {
    return TimeUnit.SECONDS.toMillis(10L * Math.max(gracePeriodSec, 0));
  }

  /**
   * The core session for a Jetty session. Its deadline in the core is Jetty's expiry plus {@code
   * retentionMillis} (never, when Jetty's expiry is 0: a {@code maxInactive} of 0 or less), so that
   * {@link dev.memfilestore.MemFileStore#expiresAt} tells Jetty's expiry without decoding anything.
   * A session stored when it had already expired (Jetty never does, tests and tools may) is kept
   * for {@code retentionMillis} from now instead: its deadline then says only "expired by now", and
   * the data store reads the exact expiry from the record.
   */
  SessionData encode(
      org.eclipse.jetty.session.SessionData data, long nowMillis, long retentionMillis) {
    SessionData out = new SessionData(Instant.ofEpochMilli(data.getCreated()));
    out.setLastAccessedTime(Instant.ofEpochMilli(data.getAccessed()));
    long expiry = data.getExpiry();
    long keepMillis = Math.max(expiry - nowMillis, 0) + retentionMillis;
    out.setMaxInactiveInterval(
        expiry <= 0 ? Duration.ofMillis(-1) : Duration.ofMillis(Math.max(keepMillis, 1)));
    out.setAttribute(CONTEXT_PATH, data.getContextPath());
    out.setAttribute(VHOST, data.getVhost());
    out.setAttribute(LAST_NODE, data.getLastNode());
    out.setAttribute(LAST_ACCESSED, data.getLastAccessed());
    out.setAttribute(COOKIE_SET, data.getCookieSet());
    out.setAttribute(EXPIRY, expiry);
    out.setAttribute(MAX_INACTIVE_MS, data.getMaxInactiveMs());
    out.setAttribute(LAST_SAVED, data.getLastSaved());
    SessionData attributes = new SessionData(out.getCreationTime());
    data.getAllAttributes().forEach(attributes::setAttribute);
    out.setAttribute(ATTRIBUTES, attributeSerializer.serialize(attributes));
    return out;
  }

  /**
   * The Jetty session for a core session. Attribute classes are loaded through the thread's context
   * class loader, which Jetty sets to the web application's before it calls the store.
   *
   * @throws SessionSerializationException if the session is not one this adapter wrote, or its
   *     attributes cannot be read (damaged, or a class not on the allow-list)
   */
  org.eclipse.jetty.session.SessionData decode(String id, SessionData in) {
    long created = in.getCreationTime().toEpochMilli();
    long accessed = in.getLastAccessedTime().toEpochMilli();
    org.eclipse.jetty.session.SessionData data =
        new org.eclipse.jetty.session.SessionData(
            id,
            string(in, CONTEXT_PATH),
            string(in, VHOST),
            created,
            accessed,
            number(in, LAST_ACCESSED),
            number(in, MAX_INACTIVE_MS));
    data.setExpiry(number(in, EXPIRY));
    data.setCookieSet(number(in, COOKIE_SET));
    data.setLastSaved(number(in, LAST_SAVED));
    Object lastNode = in.getAttribute(LAST_NODE);
    data.setLastNode(lastNode instanceof String s ? s : null);
    Object blob = in.getAttribute(ATTRIBUTES);
    if (!(blob instanceof byte[] bytes)) {
      throw new SessionSerializationException("the session has no attribute block", null);
    }
    SessionData attributes = attributeSerializer.deserialize(bytes);
    Map<String, Object> values = new HashMap<>();
    for (String name : attributes.getAttributeNames()) {
      Object value = attributes.getAttribute(name);
      if (value != null) {
        values.put(name, value);
      }
    }
    data.putAllAttributes(values);
    data.clean(); // just loaded: nothing to save yet
    return data;
  }

  /** Ids in logs are shortened as the core shortens them. */
  static String abbreviate(String id) {
    return MemFileStore.abbreviateId(id);
  }

  /** Jetty's expiry of a stored session (0: never), or null if the adapter did not write it. */
  static Long expiry(SessionData in) {
    return in.getAttribute(EXPIRY) instanceof Long l ? l : null;
  }

  private static String string(SessionData in, String name) {
    if (in.getAttribute(name) instanceof String s) {
      return s;
    }
    throw new SessionSerializationException("the session has no " + name, null);
  }

  private static long number(SessionData in, String name) {
    if (in.getAttribute(name) instanceof Long l) {
      return l;
    }
    throw new SessionSerializationException("the session has no " + name, null);
  }
}
