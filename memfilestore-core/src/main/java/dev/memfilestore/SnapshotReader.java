package dev.memfilestore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a save file record by record and hands every intact record to a sink. A damaged line (bad
 * checksum, bad JSON, cut short) is counted and skipped, and reading goes on with the next line:
 * lines are self-delimiting, so one bad record never costs the others. Only a file from another
 * format version, or written by another serializer, is refused outright, since reading it could
 * lose what it holds.
 */
final class SnapshotReader {
  /** No session line is anywhere near this long; a longer one is damage, not data. */
  static final int MAX_LINE = 64 * 1024 * 1024;

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
   * @param generation the first journal generation the snapshot does not contain (0 if none)
   */
  record Result(
      long records, long damagedRecords, long damagedBytes, boolean complete, long generation) {
    boolean intact() {
      return complete && damagedRecords == 0;
    }
  }

  private SnapshotReader() {}

  static Result read(Path file, FileFormat format, Sink sink) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file, format, sink);
    }
  }

  private static Result read(InputStream in, Path file, FileFormat format, Sink sink)
      throws IOException {
    RecordCipher decryptor = format.decryptor();
    ChecksummedLine.Reader lines = new ChecksummedLine.Reader(in, MAX_LINE);
    long records = 0;
    long damaged = 0;
    long damagedBytes = 0;
    RecordDecoder.Header header = null;
    long trailerCount = -1;
    boolean first = true;
    while (lines.next()) {
      byte[] line = lines.bytes();
      int length = lines.length();
      boolean ok = lines.terminated() && !lines.tooLong() && ChecksummedLine.isIntact(line, length);
      if (ok && first) {
        header = RecordDecoder.header(line, length, SnapshotWriter.FORMAT);
        if (header != null) {
          header.checkReadable(file, SnapshotWriter.VERSION, format.serializer(), decryptor);
        }
        ok = header != null;
      } else if (ok) {
        if (trailerCount >= 0) {
          ok = false; // nothing may follow the trailer
        } else {
          long count = RecordDecoder.trailer(line, length);
          if (count >= 0) {
            trailerCount = count;
          } else {
            RecordDecoder.Entry e = RecordDecoder.entry(line, length, header, decryptor);
            ok =
                e != null && !e.isDelete() && sink.accept(e.id(), e.expiresAtMillis(), e.session());
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
    boolean complete = header != null && trailerCount == records;
    return new Result(
        records, damaged, damagedBytes, complete, header == null ? 0 : header.generation());
  }
}
