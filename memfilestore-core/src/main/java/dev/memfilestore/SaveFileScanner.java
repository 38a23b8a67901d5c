package dev.memfilestore;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads a snapshot or a journal line by line for {@link SaveFileInspector}, with the same rules as
 * {@link SnapshotReader} and {@link JournalReader}, but says where each problem is (line, byte
 * offset) and what it is, instead of only counting damage. Never writes.
 */
final class SaveFileScanner {
  private static final JsonFactory JSON = new JsonFactory();
  private static final byte[] PREFIX = "{\"crc\":\"".getBytes(StandardCharsets.US_ASCII);

  /** Receives what a scan finds. */
  interface Visitor {
    /** An intact record (for a journal: one that replay applies). */
    void record(RecordDecoder.Entry entry, long line, long offset);

    /** A problem at a line (1-based) that starts at a byte offset. */
    void problem(String kind, long line, long offset, String message);
  }

  /** The first line of a file, classified. */
  record HeaderLine(Status status, RecordDecoder.Header header, Instant written) {
    enum Status {
      /** The file has no bytes. */
      EMPTY,
      /** The first line is no checksummed line at all: not a file of this store. */
      FOREIGN,
      /** The first line looks like ours but fails its checksum or does not parse. */
      DAMAGED,
      /** An intact header of the expected format. */
      OK
    }
  }

  /**
   * What a scan found.
   *
   * @param records intact records (for a journal: those replay applies)
   * @param damaged for a snapshot: whether anything was wrong; for a journal: whether a complete
   *     line follows a bad one, which makes the store keep the journal aside and replay no later
   *     one
   * @param tornTail for a journal: whether only its end was bad (a crash while writing)
   */
  record Result(long lines, long records, long bytes, boolean damaged, boolean tornTail) {}

  private SaveFileScanner() {}

  /** Reads and classifies the first line of a file. */
  static HeaderLine header(Path file, String format) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      ChecksummedLine.Reader lines = new ChecksummedLine.Reader(in, SnapshotReader.MAX_LINE);
      if (!lines.next()) {
        return new HeaderLine(HeaderLine.Status.EMPTY, null, null);
      }
      return classify(lines, format);
    }
  }

  private static HeaderLine classify(ChecksummedLine.Reader lines, String format) {
    byte[] line = lines.bytes();
    int length = lines.length();
    if (length < PREFIX.length
        || !Arrays.equals(line, 0, PREFIX.length, PREFIX, 0, PREFIX.length)) {
      return new HeaderLine(HeaderLine.Status.FOREIGN, null, null);
    }
    if (!lines.terminated() || lines.tooLong() || !ChecksummedLine.isIntact(line, length)) {
      return new HeaderLine(HeaderLine.Status.DAMAGED, null, null);
    }
    RecordDecoder.Header header = RecordDecoder.header(line, length, format);
    if (header == null) {
      // Intact, but not our header: another format (a journal named like a save file, say).
      return new HeaderLine(HeaderLine.Status.FOREIGN, null, null);
    }
    return new HeaderLine(HeaderLine.Status.OK, header, written(line, length));
  }

  private static Instant written(byte[] line, int length) {
    try (JsonParser p = JSON.createParser(line, 0, length)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if ("written".equals(name) && t == JsonToken.VALUE_STRING) {
          return Instant.parse(p.getText());
        }
        p.skipChildren();
      }
    } catch (IOException | RuntimeException e) {
      return null; // only informative
    }
    return null;
  }

  /**
   * Scans a snapshot as {@link SnapshotReader} reads it: every line on its own, damage skipped.
   *
   * @param decryptor the configured key's cipher, or null
   * @param progress advanced by the bytes of each line read
   */
  static Result snapshot(Path file, RecordCipher decryptor, AtomicLong progress, Visitor visitor)
      throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      ChecksummedLine.Reader lines = new ChecksummedLine.Reader(in, SnapshotReader.MAX_LINE);
      RecordDecoder.Header header = null;
      long lineNumber = 0;
      long offset = 0;
      long records = 0;
      long trailerCount = -1;
      boolean damaged = false;
      while (lines.next()) {
        lineNumber++;
        long at = offset;
        offset += lines.rawLength();
        progress.addAndGet(lines.rawLength());
        String problem = lineProblem(lines);
        String kind = problem == null ? null : kindOf(lines);
        if (problem == null && lineNumber == 1) {
          HeaderLine h = classify(lines, SnapshotWriter.FORMAT);
          header = h.header();
          if (header == null) {
            kind = "header";
            problem = "is not a save file header";
          }
        } else if (problem == null) {
          byte[] line = lines.bytes();
          int length = lines.length();
          if (trailerCount >= 0) {
            kind = "after-trailer";
            problem = "follows the trailer, where nothing may";
          } else {
            long count = RecordDecoder.trailer(line, length);
            if (count >= 0) {
              trailerCount = count;
            } else {
              RecordDecoder.Entry e = RecordDecoder.entry(line, length, header, decryptor);
              if (e == null) {
                kind = decryptor != null ? "decrypt" : "malformed";
                problem =
                    decryptor != null
                        ? "has a valid checksum but does not decrypt or parse as a record"
                        : "has a valid checksum but is not a well-formed record";
              } else if (e.isDelete()) {
                kind = "malformed";
                problem = "is a journal's delete record, which a snapshot never holds";
              } else {
                records++;
                visitor.record(e, lineNumber, at);
              }
            }
          }
        } else if (lineNumber == 1) {
          problem = problem + " (it is the header: the file's serializer and key check are lost)";
        }
        if (problem != null) {
          damaged = true;
          if ("truncated".equals(kind)) {
            problem += ": the file is truncated";
          }
          visitor.problem(kind, lineNumber, at, "line " + lineNumber + " " + problem);
        }
      }
      if (lineNumber > 0 && trailerCount < 0) {
        damaged = true;
        visitor.problem(
            "no-trailer",
            lineNumber + 1,
            offset,
            "the file ends without its trailer line: it is incomplete (cut short after "
                + lineNumber
                + " lines)");
      } else if (trailerCount >= 0 && trailerCount != records) {
        damaged = true;
        visitor.problem(
            "count",
            lineNumber,
            offset,
            "the trailer counts " + trailerCount + " records but " + records + " are intact");
      }
      return new Result(lineNumber, records, offset, damaged, false);
    }
  }

  /**
   * Scans a journal as {@link JournalReader} replays it: in order, up to the first bad line; what
   * follows is not replayed.
   */
  static Result journal(Path file, RecordCipher decryptor, AtomicLong progress, Visitor visitor)
      throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      ChecksummedLine.Reader lines = new ChecksummedLine.Reader(in, SnapshotReader.MAX_LINE);
      RecordDecoder.Header header = null;
      long lineNumber = 0;
      long offset = 0;
      long records = 0;
      long badLine = 0;
      long badOffset = 0;
      String badKind = null;
      String badProblem = null;
      long droppedLines = 0;
      boolean completeAfterBad = false;
      while (lines.next()) {
        lineNumber++;
        long at = offset;
        offset += lines.rawLength();
        progress.addAndGet(lines.rawLength());
        if (badProblem != null) {
          droppedLines++;
          completeAfterBad |= lines.terminated();
          continue;
        }
        String problem = lineProblem(lines);
        String kind = problem == null ? null : kindOf(lines);
        if (problem == null && header == null) {
          HeaderLine h = classify(lines, Journal.FORMAT);
          header = h.header();
          if (header == null) {
            kind = "header";
            problem = "is not a journal header";
          }
        } else if (problem == null) {
          RecordDecoder.Entry e =
              RecordDecoder.entry(lines.bytes(), lines.length(), header, decryptor);
          if (e == null) {
            kind = decryptor != null ? "decrypt" : "malformed";
            problem =
                decryptor != null
                    ? "has a valid checksum but does not decrypt or parse as a record"
                    : "has a valid checksum but is not a well-formed record";
          } else {
            records++;
            visitor.record(e, lineNumber, at);
          }
        }
        if (problem != null) {
          badLine = lineNumber;
          badOffset = at;
          badKind = kind;
          badProblem = problem;
          droppedLines = 1;
        }
      }
      if (badProblem == null) {
        return new Result(lineNumber, records, offset, false, false);
      }
      long droppedBytes = offset - badOffset;
      if (!completeAfterBad) {
        visitor.problem(
            "torn-tail",
            badLine,
            badOffset,
            "line "
                + badLine
                + " "
                + badProblem
                + " and nothing intact follows: a torn tail of "
                + droppedBytes
                + " bytes (a crash while writing), which the application cuts off at start");
        return new Result(lineNumber, records, offset, false, true);
      }
      visitor.problem(badKind, badLine, badOffset, "line " + badLine + " " + badProblem);
      visitor.problem(
          "not-replayed",
          badLine,
          badOffset,
          "the "
              + (droppedLines - 1)
              + " lines after line "
              + badLine
              + " ("
              + (droppedBytes)
              + " bytes from byte "
              + badOffset
              + ") are not replayed; the application keeps this journal aside and replays no later"
              + " one");
      return new Result(lineNumber, records, offset, true, false);
    }
  }

  /** What is wrong with a line before its content is looked at, or null. */
  private static String lineProblem(ChecksummedLine.Reader lines) {
    if (!lines.terminated()) {
      return "is cut short (" + lines.rawLength() + " bytes, no newline)";
    }
    if (lines.tooLong()) {
      return "is longer than any record (" + lines.rawLength() + " bytes)";
    }
    if (!ChecksummedLine.isIntact(lines.bytes(), lines.length())) {
      return "fails its checksum (CRC-32C): its bytes were changed or it is not a record";
    }
    return null;
  }

  private static String kindOf(ChecksummedLine.Reader lines) {
    if (!lines.terminated()) {
      return "truncated";
    }
    return lines.tooLong() ? "too-long" : "checksum";
  }
}
