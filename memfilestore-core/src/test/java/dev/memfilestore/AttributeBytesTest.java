package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A serializer that copies the bytes of unchanged values writes exactly what a full serialize
 * writes, and reads back as the session it was given, whatever changed.
 */
class AttributeBytesTest {
  static Stream<SessionSerializer> serializers() {
    return Stream.of(SessionSerializer.json(), SessionSerializer.java());
  }

  private static SessionData session() {
    SessionData s = new SessionData(Instant.parse("2025-11-01T08:00:00Z"));
    s.setMaxInactiveInterval(Duration.ofMinutes(30));
    s.setAttribute("user", "ada@example.com");
    s.setAttribute("counter", 41L);
    s.setAttribute("loginAt", Instant.parse("2025-11-01T08:00:01.5Z"));
    s.setAttribute("roles", new ArrayList<>(List.of("ROLE_USER", "ROLE_ADMIN")));
    s.setAttribute("név \"quoted\"", "ünïcode ✓");
    return s;
  }

  private static StoredSession stored(SessionEncoding encoding, SessionData s, StoredSession prev) {
    return encoding.encode("session-id", s, prev);
  }

  @ParameterizedTest
  @MethodSource("serializers")
  void reusedBytesAreTheBytesOfAFullSerialize(SessionSerializer serializer) {
    SessionEncoding encoding =
        new SessionEncoding(serializer, (s, id) -> Duration.ofHours(1), s -> 1, Clock.systemUTC());
    StoredSession first = stored(encoding, session(), null);
    assertThat(first.bytes).isEqualTo(serializer.serialize(session()));

    // As a request does: read, change one value and the access time, store.
    SessionData read = encoding.decode(first);
    read.setAttribute("counter", 42L);
    read.setLastAccessedTime(Instant.parse("2025-11-01T09:00:00Z"));
    castList(read.getAttribute("roles")).add("ROLE_BILLING");
    StoredSession second = stored(encoding, read, first);
    assertThat(second.bytes).isEqualTo(serializer.serialize(read));
    assertThat(serializer.deserialize(second.bytes)).isEqualTo(read);

    // Nothing changed but the time: every value's bytes are copied, the result is the same.
    SessionData touched = encoding.decode(second);
    touched.setLastAccessedTime(Instant.parse("2025-11-01T09:30:00Z"));
    touched.removeAttribute("user");
    StoredSession third = stored(encoding, touched, second);
    assertThat(third.bytes).isEqualTo(serializer.serialize(touched));
    SessionData back = serializer.deserialize(third.bytes);
    assertThat(back).isEqualTo(touched);
    assertThat(back.getAttribute("counter")).isEqualTo(42L);
    assertThat(back.getAttribute("roles"))
        .isEqualTo(List.of("ROLE_USER", "ROLE_ADMIN", "ROLE_BILLING"));
    assertThat(back.getAttribute("user")).isNull();
  }

  @ParameterizedTest
  @MethodSource("serializers")
  void bytesOfAnotherSessionAreReusedOnlyForTheSameInstance(SessionSerializer serializer) {
    SessionEncoding encoding =
        new SessionEncoding(serializer, (s, id) -> Duration.ofHours(1), s -> 1, Clock.systemUTC());
    StoredSession other = stored(encoding, session(), null);
    SessionData mine = new SessionData(Instant.parse("2025-11-02T08:00:00Z"));
    mine.setAttribute("user", "grace@example.com"); // equal types, other values
    mine.setAttribute("counter", 7L);
    StoredSession stored = stored(encoding, mine, other);
    assertThat(serializer.deserialize(stored.bytes)).isEqualTo(mine);
    assertThat(stored.bytes).isEqualTo(serializer.serialize(mine));
  }

  @SuppressWarnings("unchecked")
  private static List<String> castList(Object o) {
    return (List<String>) o;
  }
}
