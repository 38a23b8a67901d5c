package dev.memfilestore;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;

/**
 * Reads a save file record by record and hands every intact record to a sink. A damaged line (bad
 * checksum, bad JSON, cut short) is counted and skipped, and reading goes on with the next line:
 * lines are self-delimiting, so one bad record never costs the others. Only a file from a newer
 * format version, or written by another serializer, is refused outright, since reading it could
 * lose what it holds.
 */
final class SnapshotReader {
  /** No session line is anywhere near this long; a longer one is damage, not data. */
  static final int MAX_LINE = 64 * 1024 * 1024;

  private static final JsonFactory JSON = new JsonFactory();

  /** Receives each intact, well-formed record; returns false if it cannot use it. */
  @FunctionalInterface
  interface Sink {
    boolean accept(String id, long expiresAtMillis, byte[] session);
  }

  /**
   * What reading found.
   *
   * @param records records handed to the sink and accepted
   * @param damagedRecords lines that were damaged or that the sink refused
   * @param damagedBytes bytes of those lines
   * @param complete whether the file had a valid header and a trailer whose count matches the
   *     records accepted
   */
  record Result(long records, long damagedRecords, long damagedBytes, boolean complete) {
    boolean intact() {
      return complete && damagedRecords == 0;
    }
  }

  private SnapshotReader() {}

  static Result read(Path file, String serializerName, Sink sink) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file, serializerName, sink);
    }
  }

  static Result read(InputStream in, Path file, String serializerName, Sink sink)
      throws IOException {
    ChecksummedLine.Reader lines = new ChecksummedLine.Reader(in, MAX_LINE);
    long records = 0;
    long damaged = 0;
    long damagedBytes = 0;
    boolean header = false;
    boolean base64 = false;
    long trailerCount = -1;
    boolean first = true;
    while (lines.next()) {
      byte[] line = lines.bytes();
      int length = lines.length();
      boolean ok = lines.terminated() && !lines.tooLong() && ChecksummedLine.isIntact(line, length);
      if (ok && first) {
        String encoding = readHeader(line, length, file, serializerName);
        ok = encoding != null;
        header = ok;
        base64 = "base64".equals(encoding);
      } else if (ok) {
        if (trailerCount >= 0) {
          ok = false; // nothing may follow the trailer
        } else {
          long count = trailer(line, length);
          if (count >= 0) {
            trailerCount = count;
          } else {
            ok = readRecord(line, length, base64, sink);
            if (ok) {
              records++;
            }
          }
        }
      }
      if (!ok) {
        damaged++;
        damagedBytes += lines.rawLength();
      }
      first = false;
    }
    boolean complete = header && trailerCount == records;
    return new Result(records, damaged, damagedBytes, complete);
  }

  /** Returns the encoding named by a valid header, or null if the line is no header at all. */
  private static String readHeader(byte[] line, int length, Path file, String serializerName)
      throws IOException {
    String format = null;
    long version = -1;
    String serializer = null;
    String encoding = null;
    try (JsonParser p = JSON.createParser(line, 0, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "format" -> format = p.getValueAsString();
          case "version" -> version = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
          case "serializer" -> serializer = p.getValueAsString();
          case "encoding" -> encoding = p.getValueAsString();
          default -> p.skipChildren();
        }
      }
    } catch (IOException e) {
      return null;
    }
    if (!SnapshotWriter.FORMAT.equals(format)) {
      return null;
    }
    if (version != SnapshotWriter.VERSION) {
      throw new IllegalStateException(
          file
              + " is in format version "
              + version
              + " but this MemFileStore reads version "
              + SnapshotWriter.VERSION
              + ": upgrade memfilestore, or move the file away to start without its sessions");
    }
    if (!serializerName.equals(serializer)) {
      throw new IllegalStateException(
          file
              + " was written with the '"
              + serializer
              + "' serializer but this store uses '"
              + serializerName
              + "': configure the same serializer, or move the file away to start without its"
              + " sessions");
    }
    return "json".equals(encoding) || "base64".equals(encoding) ? encoding : null;
  }

  /** Returns the record count of a trailer line, or -1 if the line is not a trailer. */
  private static long trailer(byte[] line, int length) {
    try (JsonParser p = JSON.createParser(line, 0, length)) {
      p.nextToken();
      boolean end = false;
      long count = -1;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if ("end".equals(name)) {
          end = t == JsonToken.VALUE_TRUE;
        } else if ("records".equals(name) && t == JsonToken.VALUE_NUMBER_INT) {
          count = p.getLongValue();
        } else if ("id".equals(name)) {
          return -1;
        } else {
          p.skipChildren();
        }
      }
      return end ? count : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  private static boolean readRecord(
      byte[] line, int length, boolean base64, SnapshotReader.Sink sink) {
    String id = null;
    long expires = Long.MIN_VALUE;
    byte[] session = null;
    try (JsonParser p = JSON.createParser(line, 0, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "id" -> id = t == JsonToken.VALUE_STRING ? p.getText() : null;
          case "expires" ->
              expires =
                  t == JsonToken.VALUE_NULL
                      ? StoredSession.NEVER
                      : Instant.parse(p.getText()).toEpochMilli();
          case "session" -> {
            if (base64 || t != JsonToken.START_OBJECT) {
              return false;
            }
            int start = (int) p.currentTokenLocation().getByteOffset();
            p.skipChildren();
            int end = (int) p.currentLocation().getByteOffset();
            session = Arrays.copyOfRange(line, start, end);
          }
          case "session64" -> {
            if (!base64 || t != JsonToken.VALUE_STRING) {
              return false;
            }
            session = p.getBinaryValue();
          }
          default -> p.skipChildren();
        }
      }
    } catch (IOException | RuntimeException e) {
      return false; // a line whose checksum matches but whose content does not parse
    }
    if (id == null || id.isEmpty() || expires == Long.MIN_VALUE || session == null) {
      return false;
    }
    return sink.accept(id, expires, session);
  }
}
