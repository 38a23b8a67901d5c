package dev.memfilestore;

import dev.memfilestore.SaveFileInspector.ProblemKind;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The lines of a snapshot, checked and parsed on every core: the caller's thread reads the file in
 * batches of lines and hands each batch to a worker, which checks every line (newline, length,
 * checksum) and parses it as a trailer or a record; the caller then takes the batches back in file
 * order, so what {@link SaveFileReader#snapshot} does with each line, and in which order, is
 * exactly what it did reading one line at a time. Parsing is a pure function of a line's bytes and
 * the file's header (and key), so where it runs changes nothing but the time it takes.
 *
 * <p>The first line, the header, is read and checked on the caller's thread before anything else,
 * since how the records are parsed depends on it.
 */
final class SnapshotLines implements Closeable {
  /** Lines per batch, and the bytes after which a batch is handed on. */
  private static final int BATCH_LINES = 512;

  private static final int BATCH_BYTES = 256 * 1024;

  /** Batches being read or parsed at once, per worker. */
  private static final int IN_FLIGHT_PER_WORKER = 4;

  /**
   * Bytes of lines being parsed at once, beyond the first batch: a file of lines near {@link
   * FileFormat#MAX_LINE} is then held about one line per batch, not one per batch in flight.
   */
  private static final int MAX_IN_FLIGHT_BYTES = 8 * 1024 * 1024;

  private static final AtomicInteger POOLS = new AtomicInteger();

  private final InputStream in;
  private final ChecksummedLine.Reader reader;
  private final ArrayDeque<Future<Batch>> inFlight = new ArrayDeque<>();
  private final ArrayDeque<Integer> inFlightSizes = new ArrayDeque<>();
  private long inFlightBytes;
  private final ArrayDeque<Batch> free = new ArrayDeque<>();
  private final int workerCount;
  private final int maxInFlight;
  private ExecutorService workers; // started with the first batch after the header
  private boolean exhausted; // the file has been read to its end
  private RecordDecoder.Header header;
  private FileFormat format;
  private long linesRead; // into batches, the first line included

  /** The batch whose lines are handed out now, and the index of the current line in it. */
  private Batch current;

  private int index = -1;

  long number; // of the current line, 1-based
  long start; // its first byte
  long end; // the byte after its newline

  SnapshotLines(Path file) throws IOException {
    this.in = Files.newInputStream(file);
    this.reader = new ChecksummedLine.Reader(in, FileFormat.MAX_LINE);
    this.workerCount = Math.min(Runtime.getRuntime().availableProcessors(), 4);
    this.maxInFlight = IN_FLIGHT_PER_WORKER * workerCount;
  }

  /**
   * Reads the first line alone, on this thread; call before any other.
   *
   * @return false if the file has no lines
   */
  boolean first() throws IOException {
    Batch b = new Batch();
    if (!b.add(reader)) {
      exhausted = true;
      return false;
    }
    b.check(0);
    b.firstNumber = 1;
    linesRead = 1;
    current = b;
    index = 0;
    advance();
    return true;
  }

  /**
   * Starts checking and parsing the lines after the first, for a file with this header (or what the
   * trailer repeats of it when it is damaged; null if both are lost), decrypting and opening sealed
   * lines with the format's key where the file is encrypted.
   */
  void parseWith(RecordDecoder.Header header, FileFormat format) {
    this.header = header;
    this.format = format;
  }

  /** Moves to the next line; false at the end of the file. */
  boolean next() throws IOException {
    if (current != null && index + 1 < current.count) {
      index++;
      advance();
      return true;
    }
    if (current != null) {
      free.add(current.clear());
      current = null;
    }
    fill();
    Future<Batch> next = inFlight.poll();
    if (next == null) {
      return false;
    }
    inFlightBytes -= inFlightSizes.poll();
    try {
      current = next.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading the save file", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IOException(cause);
    }
    fill();
    index = 0;
    advance();
    return true;
  }

  /** Reads batches and hands them to the workers until enough are in flight or the file ends. */
  private void fill() throws IOException {
    while (!exhausted
        && (inFlight.isEmpty()
            || (inFlight.size() < maxInFlight && inFlightBytes < MAX_IN_FLIGHT_BYTES))) {
      Batch b = free.isEmpty() ? new Batch() : free.poll();
      b.firstNumber = linesRead + 1;
      while (b.count < BATCH_LINES && b.used < BATCH_BYTES) {
        if (!b.add(reader)) {
          exhausted = true;
          break;
        }
      }
      if (b.count == 0) {
        free.add(b);
        return;
      }
      linesRead += b.count;
      if (workers == null) {
        int pool = POOLS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        workers =
            Executors.newFixedThreadPool(
                workerCount,
                r -> {
                  Thread t =
                      new Thread(r, "memfilestore-load-" + pool + "-" + threads.incrementAndGet());
                  t.setDaemon(true);
                  return t;
                });
      }
      RecordDecoder.Header h = header;
      FileFormat f = format;
      inFlight.add(workers.submit(() -> b.parse(h, f)));
      inFlightSizes.add(b.used);
      inFlightBytes += b.used;
    }
  }

  private void advance() {
    number++;
    start = end;
    end += current.rawLength[index];
  }

  /** Bytes the line took in the file, its newline included. */
  long rawLength() {
    return current.rawLength[index];
  }

  boolean terminated() {
    return current.terminated[index];
  }

  /** What is wrong with the line before its content is looked at, or null. */
  String problem() {
    return current.problem[index];
  }

  /** The kind of a {@link #problem()} (called only when there is one). */
  ProblemKind kind() {
    if (!current.terminated[index]) {
      return ProblemKind.TRUNCATED;
    }
    return current.tooLong(index) ? ProblemKind.TOO_LONG : ProblemKind.CHECKSUM;
  }

  /** The first line as a header of this format, or null. */
  RecordDecoder.Header header(String fileFormat) {
    return RecordDecoder.header(current.data, current.length[index], fileFormat); // at offset 0
  }

  /** The record count of a trailer line, or -1 (lines after the first only). */
  long trailer() {
    return current.trailer[index];
  }

  /**
   * Whether a trailer line's sealed count opens at this line of this file (true when the file does
   * not seal its lines); for trailer lines only.
   */
  boolean trailerAuthentic() {
    return current.trailerAuthentic[index];
  }

  /** The record on the line, or null if it is malformed (lines after the first only). */
  RecordDecoder.Entry entry() {
    return current.entry[index];
  }

  @Override
  public void close() throws IOException {
    try {
      if (workers != null) {
        for (Future<Batch> f : inFlight) {
          f.cancel(false);
        }
        workers.shutdown();
      }
    } finally {
      in.close();
    }
  }

  /** Lines copied out of the file, and what the worker found in each. */
  private static final class Batch {
    byte[] data = new byte[BATCH_BYTES + 8192];
    int used;
    int count;
    final int[] offset = new int[BATCH_LINES];
    final int[] length = new int[BATCH_LINES];
    final long[] rawLength = new long[BATCH_LINES];
    final boolean[] terminated = new boolean[BATCH_LINES];
    final String[] problem = new String[BATCH_LINES];
    final long[] trailer = new long[BATCH_LINES];
    final boolean[] trailerAuthentic = new boolean[BATCH_LINES];
    long firstNumber; // of the batch's first line in the file
    final RecordDecoder.Entry[] entry = new RecordDecoder.Entry[BATCH_LINES];

    /** Reads the next line into this batch; false at the end of the file. */
    boolean add(ChecksummedLine.Reader reader) throws IOException {
      if (!reader.next()) {
        return false;
      }
      int n = reader.length();
      if (used + n > data.length) {
        data = Arrays.copyOf(data, Math.max(data.length * 2, used + n));
      }
      System.arraycopy(reader.bytes(), 0, data, used, n);
      offset[count] = used;
      length[count] = n;
      rawLength[count] = reader.rawLength();
      terminated[count] = reader.terminated();
      used += n;
      count++;
      return true;
    }

    boolean tooLong(int i) {
      return rawLength[i] - (terminated[i] ? 1 : 0) > length[i];
    }

    /** Checks line {@code i} (its newline, length and checksum). */
    void check(int i) {
      problem[i] =
          SaveFileReader.lineProblem(
              data, offset[i], length[i], rawLength[i], terminated[i], tooLong(i));
    }

    /** Checks every line and parses each intact one as a trailer, else as a record. */
    Batch parse(RecordDecoder.Header header, FileFormat format) {
      RecordCipher decryptor = format.decryptor(); // a cipher is not shared between threads
      FileSeal seal = header == null ? null : header.fileSeal(format.key()); // nor is a seal
      boolean sealed = header != null && header.sealsLines() && format.key() != null;
      byte[] line = new byte[0];
      for (int i = 0; i < count; i++) {
        check(i);
        if (problem[i] != null) {
          continue;
        }
        // The parsers read a line from its first byte.
        if (line.length < length[i]) {
          line = new byte[Math.max(length[i], 2 * line.length)];
        }
        System.arraycopy(data, offset[i], line, 0, length[i]);
        long number = firstNumber + i;
        trailer[i] = RecordDecoder.trailer(line, length[i]);
        trailerAuthentic[i] =
            trailer[i] < 0
                || !sealed
                || RecordDecoder.trailerAuthentic(line, length[i], seal, number);
        entry[i] =
            trailer[i] >= 0
                ? null
                : RecordDecoder.entry(line, length[i], header, decryptor, seal, number);
      }
      return this;
    }

    Batch clear() {
      if (data.length > 2 * BATCH_BYTES) {
        data = new byte[BATCH_BYTES + 8192]; // a long line's room is not kept
      }
      Arrays.fill(entry, 0, count, null);
      Arrays.fill(problem, 0, count, null);
      used = 0;
      count = 0;
      return this;
    }
  }
}
