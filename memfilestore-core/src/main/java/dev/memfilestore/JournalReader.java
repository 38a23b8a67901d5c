package dev.memfilestore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Replays one journal generation: every intact record in order, up to the first incomplete or bad
 * one. What follows it is not replayed (a change after a missing one could be wrong), and is
 * reported: a torn tail (the end of the file, cut short by a crash) is expected after a power cut;
 * intact-looking lines after a bad one mean damage.
 */
final class JournalReader {
  /** Receives each record in order. */
  @FunctionalInterface
  interface Sink {
    void accept(RecordDecoder.Entry entry);
  }

  /**
   * What replay found.
   *
   * @param records records replayed
   * @param goodEnd the end of the last record replayed: where the journal may be cut
   * @param droppedBytes bytes after {@code goodEnd}
   * @param droppedLines lines (complete or not) after {@code goodEnd}
   * @param damaged whether a complete line followed the first bad one, so more than a torn tail was
   *     lost
   */
  record Result(
      long records, long goodEnd, long droppedBytes, long droppedLines, boolean damaged) {}

  private JournalReader() {}

  static Result read(Path file, FileFormat format, Sink sink) throws IOException {
    RecordCipher decryptor = format.decryptor();
    try (InputStream in = Files.newInputStream(file)) {
      ChecksummedLine.Reader lines = new ChecksummedLine.Reader(in, SnapshotReader.MAX_LINE);
      RecordDecoder.Header header = null;
      long records = 0;
      long offset = 0;
      long goodEnd = 0;
      long droppedLines = 0;
      boolean stopped = false;
      boolean damaged = false;
      while (lines.next()) {
        byte[] line = lines.bytes();
        int length = lines.length();
        offset += lines.rawLength();
        if (stopped) {
          droppedLines++;
          damaged |= lines.terminated();
          continue;
        }
        boolean ok =
            lines.terminated() && !lines.tooLong() && ChecksummedLine.isIntact(line, length);
        if (ok && header == null) {
          header = RecordDecoder.header(line, length, Journal.FORMAT);
          if (header != null) {
            header.checkReadable(file, Journal.VERSION, format.serializer(), decryptor);
          }
          ok = header != null;
        } else if (ok) {
          RecordDecoder.Entry e = RecordDecoder.entry(line, length, header, decryptor);
          ok = e != null;
          if (ok) {
            sink.accept(e);
            records++;
          }
        }
        if (ok) {
          goodEnd = offset;
        } else {
          stopped = true;
          droppedLines++;
        }
      }
      return new Result(records, goodEnd, offset - goodEnd, droppedLines, damaged);
    }
  }
}
