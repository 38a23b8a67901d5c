package dev.memfilestore.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.management.GarbageCollectionNotificationInfo;
import dev.memfilestore.Durability;
import dev.memfilestore.MemFileStore;
import dev.memfilestore.SessionData;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Persistence at scale: for each size, the time to snapshot a store of that many sessions and to
 * load it back, next to the time a plain {@link FileChannel} takes to write (and force) and to read
 * the same number of bytes sequentially; and the longest a concurrent {@code set} waits while a
 * snapshot runs, next to the longest it waits with no snapshot running.
 *
 * <p>Usage: {@code PersistenceScale <out.json> <sessions>...}. Both the load and the plain read
 * read a file that was just written, so both come from the page cache.
 */
public final class PersistenceScale {
  private static final int CHUNK = 1 << 20;

  private PersistenceScale() {}

  /**
   * Runs the measurements and writes them as JSON.
   *
   * @param args the output file, then one or more session counts
   * @throws Exception if a file cannot be written
   */
  public static void main(String[] args) throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int a = 1; a < args.length; a++) {
      rows.add(measure(Integer.parseInt(args[a])));
    }
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(Path.of(args[0]).toFile(), rows);
  }

  static String id(int n) {
    return String.format(Locale.ROOT, "%032x", (long) n * 0x9E3779B97F4A7C15L);
  }

  static Map<String, Object> measure(int n) throws Exception {
    Path dir = BenchFiles.tempDir();
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("sessions", n);
    // what the numbers depend on: the JVM, its collector and heap, and how busy the machine was
    row.put("jvm", Runtime.version().toString());
    row.put("jvmArgs", ManagementFactory.getRuntimeMXBean().getInputArguments());
    row.put(
        "collectors",
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(GarbageCollectorMXBean::getName)
            .toList());
    row.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
    row.put("availableProcessors", Runtime.getRuntime().availableProcessors());
    row.put("loadAverageAtStart", loadAverage());
    try {
      Path file = dir.resolve("sessions.json");
      long fileBytes;
      try (MemFileStore store =
          MemFileStore.builder().saveFile(file).durability(Durability.SNAPSHOT).build()) {
        System.gc();
        long emptyHeap = usedHeap();
        for (int i = 0; i < n; i++) {
          store.set(id(i), Workload.session(Workload.IMMUTABLE, i % Workload.SESSIONS));
        }
        System.gc();
        // what the store holds on to per session, next to its bytes in the file (below)
        row.put("heapBytesPerSession", (usedHeap() - emptyHeap) / (double) n);
        long allocated = allocatedBytes();
        long t0 = System.nanoTime();
        store.save();
        row.put("snapshotMs", (System.nanoTime() - t0) / 1e6);
        // what the snapshot allocates (it runs on this thread): what the collector must clear up
        row.put("snapshotAllocatedBytes", allocatedBytes() - allocated);
        fileBytes = Files.size(file);
        row.put("fileBytes", fileBytes);
        stalls(store, n, row);
        alternate(store, file, dir.resolve("alternate.bin"), row);
      }
      System.gc();
      long t0 = System.nanoTime();
      try (MemFileStore loaded =
          MemFileStore.builder().saveFile(file).durability(Durability.SNAPSHOT).build()) {
        row.put("loadMs", (System.nanoTime() - t0) / 1e6);
        row.put("loadedSessions", loaded.length());
      }
      plainIo(dir.resolve("plain.bin"), fileBytes, row);
      row.put("loadAverageAtEnd", loadAverage());
    } finally {
      BenchFiles.deleteRecursively(dir);
    }
    System.out.println(row);
    return row;
  }

  /**
   * One writer thread sets random sessions in a loop; its longest single {@code set} is recorded
   * for as long as a snapshot takes with no snapshot running, then while one runs.
   */
  private static void stalls(MemFileStore store, int n, Map<String, Object> row) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    long[] maxNanos = new long[2];
    long[] calls = new long[2];
    long[] over10ms = new long[2];
    long[][] samples = {new long[SAMPLES], new long[SAMPLES]};
    AtomicInteger phase = new AtomicInteger();
    GcPauses pauses = new GcPauses(phase);
    Thread writer =
        new Thread(
            () -> {
              SplittableRandom random = new SplittableRandom(7);
              SessionData s = Workload.session(Workload.IMMUTABLE, 1);
              long counter = 0;
              while (!stop.get()) {
                s.setAttribute("counter", counter++);
                long t = System.nanoTime();
                store.set(id(random.nextInt(n)), s);
                long d = System.nanoTime() - t;
                int p = phase.get();
                if (p < 2) {
                  calls[p]++;
                  maxNanos[p] = Math.max(maxNanos[p], d);
                  over10ms[p] += d > 10_000_000L ? 1 : 0;
                  if (calls[p] <= SAMPLES) {
                    samples[p][(int) calls[p] - 1] = d;
                  }
                }
              }
            },
            "stall-writer");
    writer.start();
    Thread.sleep(500); // warm the writer up before either phase counts
    long snapshotMs = Math.max(1000, Math.round((Double) row.get("snapshotMs")));
    // the phases' bounds in the JVM's uptime, as a GC log's [12.345s] stamps count it
    row.put("noSnapshotPhaseStartUptimeMs", uptimeMs());
    Thread.sleep(snapshotMs);
    phase.set(1);
    row.put("snapshotPhaseStartUptimeMs", uptimeMs());
    long t0 = System.nanoTime();
    store.save();
    row.put("snapshotUnderLoadMs", (System.nanoTime() - t0) / 1e6);
    phase.set(2);
    row.put("snapshotPhaseEndUptimeMs", uptimeMs());
    stop.set(true);
    writer.join();
    row.put("maxSetStallNoSnapshotMs", maxNanos[0] / 1e6);
    row.put("setsNoSnapshot", calls[0]);
    row.put("setsOver10msNoSnapshot", over10ms[0]);
    row.put("setsOver10msDuringSnapshot", over10ms[1]);
    row.put("maxSetStallDuringSnapshotMs", maxNanos[1] / 1e6);
    row.put("setsDuringSnapshot", calls[1]);
    pauses.close();
    String[] phases = {"NoSnapshot", "DuringSnapshot"};
    for (int p = 0; p < 2; p++) {
      long[] sorted = Arrays.copyOf(samples[p], (int) Math.min(calls[p], SAMPLES));
      Arrays.sort(sorted);
      row.put("setP99Ms" + phases[p], percentile(sorted, 0.99) / 1e6);
      row.put("setP999Ms" + phases[p], percentile(sorted, 0.999) / 1e6);
      row.put("maxGcPauseMs" + phases[p], pauses.max[p]);
      row.put("longestGcPause" + phases[p], pauses.longest[p]);
      row.put("gcPauses" + phases[p], pauses.count[p]);
    }
  }

  private static final int SAMPLES = 1 << 24;

  private static long percentile(long[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, q * sorted.length)];
  }

  private static long usedHeap() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long uptimeMs() {
    return ManagementFactory.getRuntimeMXBean().getUptime();
  }

  /** The system's load average over the last minute (other processes share the cores). */
  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  /** Bytes this thread has allocated so far. */
  private static long allocatedBytes() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  /**
   * The collector's pauses in each phase, from its own notifications: a stall's cause, and a number
   * the machine's load does not distort as it does a wall-clock time.
   */
  private static final class GcPauses implements NotificationListener, AutoCloseable {
    final long[] max = new long[2];
    final long[] count = new long[2];
    final String[] longest = {"none", "none"}; // the collector's name, action and cause
    private final AtomicInteger phase;

    GcPauses(AtomicInteger phase) {
      this.phase = phase;
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        ((NotificationEmitter) gc).addNotificationListener(this, null, null);
      }
    }

    @Override
    public synchronized void handleNotification(Notification n, Object handback) {
      if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
        return;
      }
      GarbageCollectionNotificationInfo info =
          GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
      // concurrent cycles ("... Cycles") do not stop the application
      if (info.getGcName().endsWith("Cycles")) {
        return;
      }
      int p = phase.get();
      if (p < 2) {
        long duration = info.getGcInfo().getDuration();
        if (duration >= max[p]) {
          longest[p] =
              info.getGcName() + ": " + info.getGcAction() + " (" + info.getGcCause() + ")";
        }
        max[p] = Math.max(max[p], duration);
        count[p]++;
      }
    }

    @Override
    public void close() throws Exception {
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        ((NotificationEmitter) gc).removeNotificationListener(this);
      }
    }
  }

  /**
   * The snapshot against a plain write+force of its bytes, in alternating rounds right after each
   * other: one pair of numbers depends on what the disk and the page cache were doing just then
   * (plain writes of the same size ranged 0.25-1.7 s on the shared VM), the median ratio less so.
   */
  private static void alternate(
      MemFileStore store, Path saveFile, Path plain, Map<String, Object> row) throws IOException {
    int rounds = 3;
    double[] snapshot = new double[rounds];
    double[] write = new double[rounds];
    double[] ratio = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      store.set(id(0), Workload.session(Workload.IMMUTABLE, r)); // so that the save is not skipped
      long t0 = System.nanoTime();
      store.save();
      snapshot[r] = (System.nanoTime() - t0) / 1e6;
      long bytes = Files.size(saveFile);
      Files.deleteIfExists(plain);
      write[r] = plainWrite(plain, bytes);
      ratio[r] = snapshot[r] / write[r];
    }
    Files.deleteIfExists(plain);
    row.put("alternatingSnapshotMs", snapshot);
    row.put("alternatingPlainWriteMs", write);
    double[] sorted = ratio.clone();
    Arrays.sort(sorted);
    row.put("snapshotToPlainWriteRatios", ratio);
    row.put("snapshotToPlainWriteRatioMedian", sorted[rounds / 2]);
  }

  /** Sequential write (then force) of this many bytes, 1 MiB at a time; returns milliseconds. */
  private static double plainWrite(Path file, long bytes) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
    while (buffer.hasRemaining()) {
      buffer.put((byte) 'x');
    }
    long t0 = System.nanoTime();
    try (FileChannel out =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (long written = 0; written < bytes; ) {
        buffer.clear().limit((int) Math.min(CHUNK, bytes - written));
        while (buffer.hasRemaining()) {
          written += out.write(buffer);
        }
      }
      out.force(true);
    }
    return (System.nanoTime() - t0) / 1e6;
  }

  /** Sequential write (then force) and read of the same number of bytes, 1 MiB at a time. */
  private static void plainIo(Path file, long bytes, Map<String, Object> row) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
    while (buffer.hasRemaining()) {
      buffer.put((byte) 'x');
    }
    long t0 = System.nanoTime();
    try (FileChannel out =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      for (long written = 0; written < bytes; ) {
        buffer.clear().limit((int) Math.min(CHUNK, bytes - written));
        while (buffer.hasRemaining()) {
          written += out.write(buffer);
        }
      }
      out.force(true);
    }
    row.put("plainWriteMs", (System.nanoTime() - t0) / 1e6);
    t0 = System.nanoTime();
    long read = 0;
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      int r;
      do {
        buffer.clear();
        r = in.read(buffer);
        read += Math.max(r, 0);
      } while (r >= 0);
    }
    row.put("plainReadMs", (System.nanoTime() - t0) / 1e6);
    row.put("plainReadBytes", read);
  }
}
