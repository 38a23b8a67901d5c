package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.fixtures.Plan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions loaded from the save file are decoded on their first read (with the default length
 * function). A record that is intact but whose session the serializer refuses (here: a type the
 * reading store's allow-list does not hold) is dropped at that read, as the load drops it when it
 * decodes at once; the other sessions are untouched.
 */
class LazyLoadTest {
  @TempDir Path dir;

  private static final SessionSerializer WITH_PLAN =
      SessionSerializer.json("dev.memfilestore.fixtures.Plan");

  private Path file() {
    return dir.resolve("sessions.json");
  }

  /** Writes "good" (JDK types only) and "bad" (a Plan) with a store that allows Plan. */
  private SessionData writeGoodAndBad() {
    SessionData good = new SessionData(Instant.parse("2026-01-01T10:00:00.123456Z"));
    good.setMaxInactiveInterval(Duration.ofHours(1));
    good.setAttribute("user", "ada");
    good.setAttribute("roles", new ArrayList<>(List.of("a", "b")));
    SessionData bad = new SessionData();
    bad.setAttribute("plan", Plan.values()[0]);
    try (MemFileStore writer =
        MemFileStore.builder()
            .saveFile(file())
            .durability(Durability.SNAPSHOT)
            .serializer(WITH_PLAN)
            .build()) {
      writer.set("good-session", good);
      writer.set("bad-session", bad);
    }
    return good;
  }

  private MemFileStore.Builder reader() {
    // the same serializer name ("json"), so the file is read, but without Plan on its allow-list
    return MemFileStore.builder().saveFile(file()).durability(Durability.SNAPSHOT);
  }

  private List<Path> aside() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().contains(".damaged-")).toList();
    }
  }

  @Test
  void aLoadedSessionIsDecodedOnItsFirstReadAsItWasWritten() {
    SessionData good = writeGoodAndBad();
    try (MemFileStore store = reader().build()) {
      SessionData first = store.get("good-session").orElseThrow();
      assertThat(first).isEqualTo(good);
      first.setAttribute("user", "changed");
      @SuppressWarnings("unchecked")
      List<String> roles = (List<String>) first.getAttribute("roles");
      roles.add("c");
      // the first read's copy is the caller's: the next read is as stored
      assertThat(store.get("good-session").orElseThrow()).isEqualTo(good);
    }
  }

  @Test
  void aSessionTheSerializerRefusesIsDroppedAtItsFirstReadAndTheOthersStay() throws IOException {
    SessionData good = writeGoodAndBad();
    try (MemFileStore store = reader().build()) {
      assertThat(aside()).as("nothing is decoded at load, so nothing is damaged").isEmpty();
      assertThat(store.length()).isEqualTo(2);

      assertThat(store.get("bad-session")).isEmpty();

      assertThat(store.ids()).containsExactly("good-session");
      assertThat(store.get("bad-session")).isEmpty();
      assertThat(store.get("good-session")).contains(good);
      store.save();
    }
    // the snapshot no longer holds it
    try (MemFileStore again = reader().serializer(WITH_PLAN).build()) {
      assertThat(again.ids()).containsExactly("good-session");
    }
  }

  @Test
  void updateTouchAndAllTreatASessionTheSerializerRefusesAsAbsent() {
    writeGoodAndBad();
    try (MemFileStore store = reader().build()) {
      assertThat(store.update("bad-session", s -> s)).isEmpty();
      assertThat(store.ids()).containsExactly("good-session");
    }
    writeGoodAndBad();
    try (MemFileStore store = reader().build()) {
      store.touch("bad-session", null);
      assertThat(store.ids()).containsExactly("good-session");
    }
    writeGoodAndBad();
    try (MemFileStore store = reader().build()) {
      Map<String, SessionData> all = store.all();
      assertThat(all).containsOnlyKeys("good-session");
      assertThat(store.ids()).containsExactly("good-session");
    }
  }

  @Test
  void aLengthFunctionDecodesAtLoadWhereARefusedSessionIsDamageAsBefore() throws IOException {
    writeGoodAndBad();
    try (MemFileStore store = reader().length(s -> 2).max(100).build()) {
      assertThat(store.ids()).containsExactly("good-session");
      assertThat(store.stats().totalLength()).isEqualTo(2);
    }
    assertThat(aside()).as("the file with the refused record is kept aside").hasSize(1);
  }

  @Test
  void aSessionNeverReadIsKeptInTheNextSnapshotAsItWasWritten() {
    writeGoodAndBad();
    try (MemFileStore store = reader().build()) {
      store.set("third", new SessionData());
      store.save();
    }
    // a store that can read it finds it intact
    try (MemFileStore again = reader().serializer(WITH_PLAN).build()) {
      assertThat(again.get("bad-session").orElseThrow().getAttribute("plan"))
          .isEqualTo(Plan.values()[0]);
      assertThat(again.ids()).containsExactlyInAnyOrder("good-session", "bad-session", "third");
    }
  }
}
