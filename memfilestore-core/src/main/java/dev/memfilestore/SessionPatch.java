package dev.memfilestore;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Applies a journal's {@code patch} record to a json serializer's session, or merges two patches,
 * on the bytes alone: attribute values are copied as they are, never decoded, so that replay and
 * the command-line tools need neither the serializer nor the attributes' classes.
 */
final class SessionPatch {
  private static final JsonFactory JSON = new JsonFactory();

  private SessionPatch() {}

  /** One member of a JSON object: its name and where {@code "name":value} lies in the bytes. */
  private record Member(String name, int start, int end) {}

  /** The members of an object, and where the object lies. */
  private record Members(List<Member> list, int open, int close) {}

  /**
   * The session {@code base} (the json serializer's bytes) with {@code patch}'s times, its
   * attributes set and its attributes removed; other attributes keep their bytes and order.
   *
   * @throws IllegalArgumentException if {@code base} is not a json session, or the patch's
   *     attributes not a JSON object
   */
  static byte[] apply(byte[] base, RecordDecoder.Entry patch) {
    byte[] retimed = SessionTimes.retime(base, true, patch.accessed(), patch.maxInactive());
    Members attributes = attributesOf(retimed);
    Members set = members(patch.session());
    Set<String> replaced = new HashSet<>(patch.removed());
    for (Member m : set.list()) {
      replaced.add(m.name());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(retimed.length + patch.session().length);
    out.write(retimed, 0, attributes.open() + 1);
    boolean first = true;
    for (Member m : attributes.list()) {
      if (!replaced.contains(m.name())) {
        first = member(out, retimed, m, first);
      }
    }
    for (Member m : set.list()) {
      first = member(out, patch.session(), m, first);
    }
    out.write(retimed, attributes.close(), retimed.length - attributes.close());
    return out.toByteArray();
  }

  /**
   * The patch that does what {@code earlier} and then {@code later} (of the same id) do: the
   * later's times and expiry, and the attributes either sets or removes, the later's word last.
   *
   * @throws IllegalArgumentException if either's attributes are not a JSON object
   */
  static RecordDecoder.Entry merge(RecordDecoder.Entry earlier, RecordDecoder.Entry later) {
    Members before = members(earlier.session());
    Members after = members(later.session());
    Set<String> laterNames = new HashSet<>(later.removed());
    for (Member m : after.list()) {
      laterNames.add(m.name());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write('{');
    boolean first = true;
    for (Member m : before.list()) {
      if (!laterNames.contains(m.name())) {
        first = member(out, earlier.session(), m, first);
      }
    }
    for (Member m : after.list()) {
      first = member(out, later.session(), m, first);
    }
    out.write('}');
    Set<String> removed = new LinkedHashSet<>(earlier.removed());
    for (Member m : after.list()) {
      removed.remove(m.name());
    }
    removed.addAll(later.removed());
    return new RecordDecoder.Entry(
        RecordDecoder.PATCH,
        later.id(),
        later.expiresAtMillis(),
        out.toByteArray(),
        true,
        later.accessed(),
        later.maxInactive(),
        List.copyOf(removed));
  }

  private static boolean member(ByteArrayOutputStream out, byte[] bytes, Member m, boolean first) {
    if (!first) {
      out.write(',');
    }
    out.write(bytes, m.start(), m.end() - m.start());
    return false;
  }

  /** The members of the session's {@code attributes} object. */
  private static Members attributesOf(byte[] session) {
    try (JsonParser p = JSON.createParser(session)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw notJson("session");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if ("attributes".equals(name) && t == JsonToken.START_OBJECT) {
          return members(p);
        }
        p.skipChildren();
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("the session is not well-formed JSON", e);
    }
    throw notJson("session");
  }

  /** The members of a JSON object that is all of {@code bytes}. */
  private static Members members(byte[] bytes) {
    try (JsonParser p = JSON.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw notJson("attributes");
      }
      return members(p);
    } catch (IOException e) {
      throw new IllegalArgumentException("the attributes are not well-formed JSON", e);
    }
  }

  /** The members of the object whose start {@code p} is at. */
  private static Members members(JsonParser p) throws IOException {
    int open = (int) p.currentTokenLocation().getByteOffset();
    List<Member> list = new ArrayList<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      int start = (int) p.currentTokenLocation().getByteOffset();
      if (p.nextToken().isStructStart()) {
        p.skipChildren();
      } else {
        p.finishToken(); // a scalar's end is known only once it is read
      }
      list.add(new Member(name, start, (int) p.currentLocation().getByteOffset()));
    }
    if (p.currentToken() != JsonToken.END_OBJECT) {
      throw notJson("attributes");
    }
    return new Members(list, open, (int) p.currentLocation().getByteOffset() - 1);
  }

  private static IllegalArgumentException notJson(String what) {
    return new IllegalArgumentException("the " + what + " is not a JSON object");
  }
}
