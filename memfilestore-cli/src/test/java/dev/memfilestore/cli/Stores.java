package dev.memfilestore.cli;

import dev.memfilestore.Durability;
import dev.memfilestore.MemFileStore;
import dev.memfilestore.SaveFileInspector;
import dev.memfilestore.SessionData;
import dev.memfilestore.SessionSerializer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import javax.crypto.SecretKey;

/** Real save files, written by MemFileStore itself, for the command to read. */
final class Stores {
  /** The time the tests run the command at. */
  static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

  static final String ADA = "ada-0123456789abcdef0123456789abcdef";
  static final String BOB = "bob-0123456789abcdef0123456789abcdef";
  static final String OLD = "old-0123456789abcdef0123456789abcdef";
  static final String CY = "cy-0123456789abcdef0123456789abcdef";

  private Stores() {}

  static MemFileStore.Builder builder(Path file, Instant now) {
    return MemFileStore.builder().clock(Clock.fixed(now, ZoneOffset.UTC)).saveFile(file);
  }

  static SessionData session(String user, long visits) {
    SessionData s = new SessionData(NOW.minus(Duration.ofDays(1)));
    s.setAttribute("user", user);
    s.setAttribute("visits", visits);
    s.setAttribute("cart", List.of("book", "pen"));
    s.setAttribute(SaveFileInspector.PRINCIPAL_ATTRIBUTE, user);
    s.setMaxInactiveInterval(Duration.ofHours(1));
    return s;
  }

  /**
   * A snapshot with ada, bob and old (written half an hour before {@link #NOW}; old expired 20
   * minutes before it), then, in a journal, bob's change, cy's session and a second session of
   * ada's: the files copied while the store is still open, as a crash would leave them.
   */
  static Path withJournal(Path dir, SessionSerializer serializer, SecretKey key)
      throws IOException {
    Path live = Files.createDirectories(dir.resolve("live"));
    Path file = live.resolve("sessions.json");
    Instant then = NOW.minus(Duration.ofMinutes(30));
    MemFileStore store =
        configure(builder(file, then).durability(Durability.JOURNAL), serializer, key).build();
    try {
      SessionData old = session("old", 1);
      old.setMaxInactiveInterval(Duration.ofMinutes(10));
      store.set(OLD, old);
      store.set(ADA, session("ada", 1));
      store.set(BOB, session("bob", 2));
      store.save();
      store.set(BOB, session("bob", 3));
      store.set(CY, session("cy", 4));
      store.set("ada-2-0123456789abcdef0123456789ab", session("ada", 5));
      Path copy = Files.createDirectories(dir.resolve("copy"));
      try (Stream<Path> files = Files.list(live)) {
        for (Path f : files.toList()) {
          if (!f.getFileName().toString().endsWith(".lock")) {
            Files.copy(f, copy.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
      return copy.resolve("sessions.json");
    } finally {
      store.close();
    }
  }

  /**
   * The files of a store that never wrote a snapshot (copied while it runs): a journal of whole
   * sessions (bob's second save a patch of its first), no save file.
   */
  static Path journalOnly(Path dir) throws IOException {
    Path live = Files.createDirectories(dir.resolve("live"));
    Path file = live.resolve("sessions.json");
    MemFileStore store =
        builder(file, NOW.minus(Duration.ofMinutes(30))).durability(Durability.JOURNAL).build();
    try {
      store.set(BOB, session("bob", 2));
      store.set(BOB, session("bob", 3));
      store.set(CY, session("cy", 4));
      store.set("ada-2-0123456789abcdef0123456789ab", session("ada", 5));
      Path copy = Files.createDirectories(dir.resolve("copy"));
      try (Stream<Path> files = Files.list(live)) {
        for (Path f : files.toList()) {
          String name = f.getFileName().toString();
          if (name.contains(".journal.")) {
            Files.copy(f, copy.resolve(name), StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
      return copy.resolve("sessions.json");
    } finally {
      store.close();
    }
  }

  static MemFileStore.Builder configure(
      MemFileStore.Builder b, SessionSerializer serializer, SecretKey key) {
    if (serializer != null) {
      b.serializer(serializer);
    }
    if (key != null) {
      b.encryptionKey(key);
    }
    return b;
  }
}
