package dev.memfilestore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Writes save files and journals record by record, with the real writers, so that the reader and
 * recovery can be tested without a store. A session is a small JSON object naming its value.
 */
final class SaveFileFixtures {
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  static final FileFormat FORMAT = new FileFormat("json", true, null);

  /** A session record ({@code value} not null) or a delete ({@code value} null). */
  record Op(String id, String value) {
    static Op set(String id, String value) {
      return new Op(id, value);
    }

    static Op del(String id) {
      return new Op(id, null);
    }
  }

  private SaveFileFixtures() {}

  static byte[] session(String value) {
    return ("{\"created\":\"2026-01-01T00:00:00Z\",\"accessed\":\"2026-01-01T00:00:00Z\","
            + "\"attributes\":{\"v\":\""
            + value
            + "\"}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** The value a session made by {@link #session(String)} names. */
  static String value(byte[] session) {
    String text = new String(session, StandardCharsets.UTF_8);
    int start = text.indexOf("\"v\":\"") + 5;
    return text.substring(start, text.indexOf('"', start));
  }

  /**
   * Writes a complete snapshot of generation {@code generation} holding these sessions, and leaves
   * the journals beside it alone.
   */
  static void snapshot(SaveFiles files, long generation, List<Op> sessions) throws IOException {
    try (SnapshotWriter writer = new SnapshotWriter(files.saveFile, generation, FORMAT, NOW)) {
      for (Op op : sessions) {
        writer.write(op.id(), NOW.plusSeconds(3600).toEpochMilli(), session(op.value()));
      }
      writer.commit();
    }
  }

  /** Writes a journal of generation {@code generation} holding these changes. */
  static Path journal(SaveFiles files, long generation, List<Op> ops) throws IOException {
    Path path = files.journal(generation);
    try (Journal journal =
        Journal.create(path, generation, FORMAT, NOW, SaveFiles::openOwnerOnly)) {
      RecordEncoder encoder = FORMAT.encoder();
      for (Op op : ops) {
        RecordEncoder line =
            op.value() == null
                ? encoder.delete(op.id())
                : encoder.session("set", op.id(), FileFormat.NO_EXPIRY, session(op.value()));
        journal.append(line.line());
        journal.done();
      }
      journal.seal(); // cut to its last line, as a store's clean close leaves it
    }
    return path;
  }

  /** Flips one bit in the middle of the given line (1-based) of a file. */
  static void damageLine(Path file, int line) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int start = 0;
    for (int n = 1; n < line; n++) {
      start = indexOf(bytes, (byte) '\n', start) + 1;
    }
    int end = indexOf(bytes, (byte) '\n', start);
    bytes[(start + end) / 2] ^= 0x01;
    Files.write(file, bytes);
  }

  /** The byte offset at which the given line (1-based) starts. */
  static long offsetOfLine(Path file, int line) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int start = 0;
    for (int n = 1; n < line; n++) {
      start = indexOf(bytes, (byte) '\n', start) + 1;
    }
    return start;
  }

  private static int indexOf(byte[] bytes, byte b, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return bytes.length;
  }
}
