package dev.memfilestore;

import dev.memfilestore.SaveFileInspector.ProblemKind;
import java.io.Closeable;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The one reader of save-file lines: reads a snapshot or a journal line by line, checks each line
 * (newline, length, checksum, structure, decryption) and hands what it finds to a {@link Visitor}:
 * the header, every intact record, and every problem with its line, byte offset and kind.
 *
 * <p>The two kinds of file differ in what a bad line costs. In a snapshot every line stands on its
 * own: a bad one is skipped and reading goes on (lines are self-delimiting), and the trailer must
 * come last and count the records. A journal is read in order up to its first bad line; nothing
 * after it is handed on (a change after a missing one could be wrong). If nothing complete follows
 * the bad line it is a torn tail (a crash while writing); otherwise the journal is damaged. A
 * journal is written through a memory mapping that grows in zero-filled chunks, so one whose
 * process died ends in NUL bytes: NUL bytes that run to the end of the file are its clean end (no
 * problem; they are dropped like a torn tail), while NUL bytes followed by anything else (a page
 * lost in a power cut, say) are damage.
 *
 * <p>Which files are read, in which order, and what to do with what they hold is {@link Recovery}'s
 * business, not this class's.
 */
final class SaveFileReader {
  private static final byte[] PREFIX = "{\"crc\":\"".getBytes(StandardCharsets.US_ASCII);

  /** Receives what reading a file finds. */
  interface Visitor {
    /**
     * An intact header of the expected format.
     *
     * @return false to refuse the file: it is read no further
     */
    boolean header(RecordDecoder.Header header);

    /**
     * An intact record (in a journal: one that replay applies).
     *
     * @param line its line, 1-based
     * @param offset the byte offset where that line starts
     * @return false if its session cannot be used: a {@link ProblemKind#SESSION} problem, which in
     *     a snapshot counts as damage
     */
    boolean record(RecordDecoder.Entry entry, long line, long offset);

    /** A problem at a line (1-based) that starts at a byte offset. */
    void problem(ProblemKind kind, long line, long offset, String message);

    /** The bytes of each line, as it is read. */
    void progress(long bytes);
  }

  /** The first line of a file, classified. */
  record HeaderLine(Status status, RecordDecoder.Header header) {
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
   * What reading a snapshot found.
   *
   * @param header its header, or null if it is lost
   * @param lines lines read
   * @param records intact records (including those whose session the visitor could not use)
   * @param damagedLines lines that were damaged, or whose session could not be used
   * @param damagedBytes the bytes of those lines
   * @param complete whether it had a valid header and a trailer that counts its intact records
   * @param refused whether the visitor refused its header (then nothing else was read)
   */
  record SnapshotScan(
      RecordDecoder.Header header,
      long lines,
      long records,
      long damagedLines,
      long damagedBytes,
      boolean complete,
      boolean refused) {
    boolean intact() {
      return complete && damagedLines == 0;
    }
  }

  /**
   * What reading a journal found.
   *
   * @param lines lines read
   * @param records records replayed
   * @param goodEnd the end of the last line replayed: where the journal may be cut
   * @param droppedBytes bytes after {@code goodEnd}, a run of NUL bytes at the end included
   * @param droppedLines lines (complete or not) after {@code goodEnd}; 0 if only NUL bytes follow
   * @param damaged whether a complete line followed the first bad one, so more than a torn tail was
   *     lost
   * @param refused whether the visitor refused its header (then nothing else was read)
   */
  record JournalScan(
      long lines,
      long records,
      long goodEnd,
      long droppedBytes,
      long droppedLines,
      boolean damaged,
      boolean refused) {
    boolean tornTail() {
      return droppedBytes > 0 && !damaged;
    }
  }

  private SaveFileReader() {}

  /**
   * An error reading a file that names the file: a read's own error ("Is a directory",
   * "Input/output error") does not.
   */
  private static IOException located(Path file, IOException e) {
    if (e instanceof FileSystemException) {
      return e;
    }
    FileSystemException named = new FileSystemException(file.toString(), null, e.getMessage());
    named.initCause(e);
    return named;
  }

  /** Reads and classifies the first line of a file. */
  static HeaderLine firstLine(Path file, String format) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      ChecksummedLine.Reader lines = new ChecksummedLine.Reader(in, FileFormat.MAX_LINE);
      boolean any;
      try {
        any = lines.next();
      } catch (IOException e) {
        throw located(file, e);
      }
      byte[] line = lines.bytes();
      int length = lines.length();
      if (!any || (!lines.terminated() && onlyNuls(line, length))) {
        // NUL bytes alone: a journal whose process died between mapping it and writing its header
        return new HeaderLine(HeaderLine.Status.EMPTY, null);
      }
      if (length < PREFIX.length
          || !Arrays.equals(line, 0, PREFIX.length, PREFIX, 0, PREFIX.length)) {
        return new HeaderLine(HeaderLine.Status.FOREIGN, null);
      }
      if (lineProblem(lines) != null) {
        return new HeaderLine(HeaderLine.Status.DAMAGED, null);
      }
      RecordDecoder.Header header = RecordDecoder.header(line, length, format);
      // Intact, but not our header: another format (a journal named like a save file, say).
      return new HeaderLine(
          header == null ? HeaderLine.Status.FOREIGN : HeaderLine.Status.OK, header);
    }
  }

  /**
   * What a version 2 snapshot's last line, its trailer, repeats of the header (see {@link
   * RecordDecoder#trailerHeader}), or null: for when the header is damaged.
   */
  static RecordDecoder.Header trailerHeader(Path file) throws IOException {
    byte[] line = lastLine(file);
    return line == null ? null : RecordDecoder.trailerHeader(line, line.length);
  }

  /**
   * The record count a snapshot's trailer shows, unchecked (an encrypted file's sealed count is not
   * opened), or -1 if the file does not end with an intact trailer: only a hint, to size the map
   * before the load.
   */
  static long trailerCount(Path file) throws IOException {
    byte[] line = lastLine(file);
    return line == null ? -1 : RecordDecoder.trailer(line, line.length);
  }

  /** A file's last line if it is intact and short enough to be a trailer, else null. */
  private static byte[] lastLine(Path file) throws IOException {
    try (java.nio.channels.SeekableByteChannel channel = Files.newByteChannel(file)) {
      long size = channel.size();
      int tail = (int) Math.min(size, 4096); // a trailer is a few hundred bytes
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(tail);
      channel.position(size - tail);
      while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
        // read the tail
      }
      byte[] bytes = buffer.array();
      int end = buffer.position() - 1; // the trailer's newline
      if (end < 0 || bytes[end] != '\n') {
        return null;
      }
      int start = end;
      while (start > 0 && bytes[start - 1] != '\n') {
        start--;
      }
      if (start == 0 && tail < size) {
        return null; // longer than any trailer
      }
      byte[] line = Arrays.copyOfRange(bytes, start, end);
      return ChecksummedLine.isIntact(line, line.length) ? line : null;
    }
  }

  /** Reads a snapshot: every line on its own, damage skipped. */
  static SnapshotScan snapshot(Path file, FileFormat format, Visitor visitor) throws IOException {
    return snapshot(file, format, visitor, null);
  }

  /**
   * Reads a snapshot: every line on its own, damage skipped.
   *
   * @param lostHeader what the trailer repeats of the header ({@link #trailerHeader}), used only if
   *     the header is damaged; or null
   */
  static SnapshotScan snapshot(
      Path file, FileFormat format, Visitor visitor, RecordDecoder.Header lostHeader)
      throws IOException {
    RecordCipher decryptor = format.decryptor();
    // Lines after the header are checked and parsed on every core (see SnapshotLines); what is
    // done with each, in file order, is below.
    try (SnapshotLines lines = new SnapshotLines(file)) {
      RecordDecoder.Header header = null;
      long records = 0;
      long damaged = 0;
      long damagedBytes = 0;
      long trailerCount = -1;
      boolean more = lines.first();
      while (more) {
        visitor.progress(lines.rawLength());
        String problem = lines.problem();
        ProblemKind kind = problem == null ? null : lines.kind();
        if (problem == null && lines.number == 1) {
          header = lines.header(FileFormat.SNAPSHOT);
          if (header == null) {
            kind = ProblemKind.HEADER;
            problem = "is not a save file header";
          } else if (!visitor.header(header)) {
            return new SnapshotScan(header, 1, 0, 0, 0, false, true);
          }
        } else if (problem == null && trailerCount >= 0) {
          kind = ProblemKind.AFTER_TRAILER;
          problem = "follows the trailer, where nothing may";
        } else if (problem == null) {
          long count = lines.trailer();
          RecordDecoder.Entry e = count >= 0 ? null : lines.entry();
          if (count >= 0 && !lines.trailerAuthentic()) {
            kind = ProblemKind.DECRYPT;
            problem =
                "is a trailer whose sealed count does not open here: records were cut off or"
                    + " moved, or it was taken from another file";
          } else if (count >= 0) {
            trailerCount = count;
          } else if (e == null) {
            kind = unreadable(decryptor);
            problem = unreadableMessage(decryptor);
          } else if (e.isDelete() || e.needsBase()) {
            kind = ProblemKind.MALFORMED;
            problem =
                "is a journal's "
                    + (e.isDelete() ? "delete" : e.op())
                    + " record, which a snapshot never holds";
          } else {
            records++;
            if (!visitor.record(e, lines.number, lines.start)) {
              kind = ProblemKind.SESSION;
              problem = sessionMessage(format);
            }
          }
        } else if (lines.number == 1) {
          problem += " (it is the header: the file's serializer and key check are lost)";
        }
        if (problem != null) {
          damaged++;
          damagedBytes += lines.rawLength();
          if (kind == ProblemKind.TRUNCATED) {
            problem += ": the file is truncated";
          }
          visitor.problem(kind, lines.number, lines.start, "line " + lines.number + " " + problem);
        }
        if (lines.number == 1) {
          lines.parseWith(header != null ? header : lostHeader, format);
        }
        more = lines.next();
      }
      if (lines.number > 0 && trailerCount < 0) {
        visitor.problem(
            ProblemKind.NO_TRAILER,
            lines.number + 1,
            lines.end,
            "the file ends without its trailer line: it is incomplete (cut short after "
                + lines.number
                + " lines)");
      } else if (trailerCount >= 0 && trailerCount != records) {
        visitor.problem(
            ProblemKind.COUNT,
            lines.number,
            lines.end,
            "the trailer counts " + trailerCount + " records but " + records + " are intact");
      }
      boolean complete = header != null && trailerCount == records;
      return new SnapshotScan(
          header, lines.number, records, damaged, damagedBytes, complete, /* refused= */ false);
    }
  }

  /** Reads a journal in order, up to its first bad line. */
  static JournalScan journal(Path file, FileFormat format, Visitor visitor) throws IOException {
    RecordCipher decryptor = format.decryptor();
    FileSeal seal = null;
    long size;
    long contentEnd;
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      size = channel.size();
      contentEnd = endBeforeNuls(channel, size);
    } catch (IOException e) {
      throw located(file, e);
    }
    try (Lines lines = new Lines(file, visitor, contentEnd)) {
      RecordDecoder.Header header = null;
      long goodEnd = 0;
      long records = 0;
      long badLine = 0;
      ProblemKind badKind = null;
      String badProblem = null;
      long droppedLines = 0;
      boolean completeAfterBad = false;
      while (lines.next()) {
        if (badProblem != null) {
          droppedLines++;
          completeAfterBad |= lines.reader.terminated();
          continue;
        }
        if (lines.problem() != null && lines.hasNul()) {
          // Before the file's last non-NUL byte: a hole with something after it, not a cut.
          completeAfterBad = true;
        }
        String problem = lines.problem();
        ProblemKind kind = problem == null ? null : lines.kind();
        RecordDecoder.Entry e = null;
        if (problem == null && header == null) {
          header = lines.header(FileFormat.JOURNAL);
          if (header == null) {
            kind = ProblemKind.HEADER;
            problem = "is not a journal header";
          } else if (!visitor.header(header)) {
            return new JournalScan(1, 0, lines.end, 0, 0, false, true);
          } else {
            seal = header.fileSeal(format.key());
          }
        } else if (problem == null
            && (e = lines.entry(header, decryptor, seal, lines.number)) == null) {
          kind = unreadable(decryptor);
          problem = unreadableMessage(decryptor);
          // A whole line with a valid checksum is no crash's tear: a sealed one that does not
          // open at its line was moved, repeated or planted, so it counts as damage, not a tail.
          completeAfterBad = decryptor != null && header.sealsLines();
        } else if (problem == null) {
          records++;
          if (!visitor.record(e, lines.number, lines.start)) {
            String message = "line " + lines.number + " " + sessionMessage(format);
            visitor.problem(ProblemKind.SESSION, lines.number, lines.start, message);
          }
        }
        if (problem == null) {
          goodEnd = lines.end;
        } else {
          badLine = lines.number;
          badKind = kind;
          badProblem = problem;
          droppedLines = 1;
        }
      }
      if (size > contentEnd) {
        visitor.progress(size - contentEnd);
      }
      long droppedBytes = size - goodEnd;
      if (badProblem != null && !completeAfterBad) {
        visitor.problem(
            ProblemKind.TORN_TAIL,
            badLine,
            goodEnd,
            "line "
                + badLine
                + " "
                + badProblem
                + " and nothing intact follows: a torn tail of "
                + droppedBytes
                + " bytes (a crash while writing), which the application cuts off at start");
      } else if (badProblem != null) {
        visitor.problem(badKind, badLine, goodEnd, "line " + badLine + " " + badProblem);
        visitor.problem(
            ProblemKind.NOT_REPLAYED,
            badLine,
            goodEnd,
            "the "
                + (droppedLines - 1)
                + " lines after line "
                + badLine
                + " ("
                + droppedBytes
                + " bytes from byte "
                + goodEnd
                + ") are not replayed; the application keeps this journal aside and replays no"
                + " later one");
      }
      return new JournalScan(
          lines.number, records, goodEnd, droppedBytes, droppedLines, completeAfterBad, false);
    }
  }

  /** The lines of one file, each with its number and where it starts and ends. */
  private static final class Lines implements Closeable {
    private final Path file;
    private final InputStream in;
    private final Visitor visitor;
    final ChecksummedLine.Reader reader;
    long number; // of the current line, 1-based
    long start; // its first byte
    long end; // the byte after its newline

    Lines(Path file, Visitor visitor) throws IOException {
      this(file, visitor, Long.MAX_VALUE);
    }

    /** Reads the first {@code limit} bytes of the file only. */
    Lines(Path file, Visitor visitor, long limit) throws IOException {
      this.file = file;
      // A journal is never read through a link (see Recovery): it cannot be swapped for one
      // between the check and this open.
      InputStream opened;
      try {
        opened = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
      } catch (IOException e) {
        throw located(file, e); // a link's error ("Too many levels of symbolic links") names none
      }
      this.in = limited(opened, limit);
      this.visitor = visitor;
      this.reader = new ChecksummedLine.Reader(in, FileFormat.MAX_LINE);
    }

    boolean next() throws IOException {
      try {
        if (!reader.next()) {
          return false;
        }
      } catch (IOException e) {
        throw located(file, e);
      }
      number++;
      start = end;
      end += reader.rawLength();
      visitor.progress(reader.rawLength());
      return true;
    }

    /** What is wrong with the line before its content is looked at, or null. */
    String problem() {
      return lineProblem(reader);
    }

    /** The kind of a {@link #problem()} (called only when there is one). */
    ProblemKind kind() {
      if (!reader.terminated()) {
        return ProblemKind.TRUNCATED;
      }
      return reader.tooLong() ? ProblemKind.TOO_LONG : ProblemKind.CHECKSUM;
    }

    /** Whether the line holds a NUL byte, which no record does. */
    boolean hasNul() {
      byte[] bytes = reader.bytes();
      for (int i = 0, n = reader.length(); i < n; i++) {
        if (bytes[i] == 0) {
          return true;
        }
      }
      return false;
    }

    RecordDecoder.Header header(String format) {
      return RecordDecoder.header(reader.bytes(), reader.length(), format);
    }

    RecordDecoder.Entry entry(
        RecordDecoder.Header header, RecordCipher decryptor, FileSeal seal, long lineNumber) {
      return RecordDecoder.entry(
          reader.bytes(), reader.length(), header, decryptor, seal, lineNumber);
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  private static boolean onlyNuls(byte[] bytes, int length) {
    for (int i = 0; i < length; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** The offset after the file's last byte that is not NUL (0 if every byte is). */
  private static long endBeforeNuls(FileChannel channel, long size) throws IOException {
    ByteBuffer block = ByteBuffer.allocate(64 * 1024);
    long end = size;
    while (end > 0) {
      long from = Math.max(0, end - block.capacity());
      block.clear().limit((int) (end - from));
      while (block.hasRemaining()) {
        if (channel.read(block, from + block.position()) < 0) {
          throw new EOFException("the file shrank while it was read");
        }
      }
      for (int i = block.limit() - 1; i >= 0; i--) {
        if (block.get(i) != 0) {
          return from + i + 1;
        }
      }
      end = from;
    }
    return 0;
  }

  /** A stream of the first {@code limit} bytes of {@code in}. */
  private static InputStream limited(InputStream in, long limit) {
    if (limit == Long.MAX_VALUE) {
      return in;
    }
    return new FilterInputStream(in) {
      private long left = limit;

      @Override
      public int read() throws IOException {
        if (left <= 0) {
          return -1;
        }
        int b = super.read();
        if (b >= 0) {
          left--;
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (left <= 0) {
          return -1;
        }
        int n = super.read(b, off, (int) Math.min(len, left));
        if (n > 0) {
          left -= n;
        }
        return n;
      }
    };
  }

  /** What is wrong with a line before its content is looked at, or null. */
  private static String lineProblem(ChecksummedLine.Reader lines) {
    return lineProblem(
        lines.bytes(), 0, lines.length(), lines.rawLength(), lines.terminated(), lines.tooLong());
  }

  /**
   * What is wrong with a line at {@code bytes[offset..offset+length)} before its content is looked
   * at, or null.
   */
  static String lineProblem(
      byte[] bytes, int offset, int length, long rawLength, boolean terminated, boolean tooLong) {
    if (!terminated) {
      return "is cut short (" + rawLength + " bytes, no newline)";
    }
    if (tooLong) {
      return "is longer than any record (" + rawLength + " bytes)";
    }
    if (!ChecksummedLine.isIntact(bytes, offset, length)) {
      return "fails its checksum (CRC-32C): its bytes were changed or it is not a record";
    }
    return null;
  }

  private static ProblemKind unreadable(RecordCipher decryptor) {
    return decryptor != null ? ProblemKind.DECRYPT : ProblemKind.MALFORMED;
  }

  private static String unreadableMessage(RecordCipher decryptor) {
    return decryptor != null
        ? "has a valid checksum but does not decrypt or parse as a record (with format version 2:"
            + " a record moved, repeated or taken from another file does not open)"
        : "has a valid checksum but is not a well-formed record (a field is missing or malformed,"
            + " or its id is one the store refuses: blank, over 4096 characters, or not text)";
  }

  private static String sessionMessage(FileFormat format) {
    return "is an intact record, but its session is not in the form the '"
        + format.serializer()
        + "' serializer writes (the store skips it)";
  }
}
