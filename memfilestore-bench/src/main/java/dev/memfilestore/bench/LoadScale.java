package dev.memfilestore.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.memfilestore.Durability;
import dev.memfilestore.MemFileStore;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The load of a save file alone, repeated: the time {@code build()} takes to load a snapshot of
 * {@code n} sessions of the 500-byte workload, the heap the store retains per session right after
 * the load and after every session was read once, both next to the session's serialized size.
 * {@link PersistenceScale} measures one load among other things; this repeats it, so that a change
 * to the load can be measured quickly and with a spread.
 *
 * <p>Usage: {@code LoadScale <out.json> <sessions> [<loads>]}. The file is written once (by the
 * store), then loaded {@code loads} times (default 5) from the page cache.
 */
public final class LoadScale {
  private LoadScale() {}

  /**
   * Runs the measurements and writes them as JSON.
   *
   * @param args the output file, the session count, and optionally how many loads
   * @throws Exception if a file cannot be written
   */
  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(args[1]);
    int loads = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    Path dir = BenchFiles.tempDir();
    List<Map<String, Object>> rows = new ArrayList<>();
    try {
      Path file = dir.resolve("sessions.json");
      try (MemFileStore store =
          MemFileStore.builder().saveFile(file).durability(Durability.SNAPSHOT).build()) {
        for (int i = 0; i < n; i++) {
          store.set(
              PersistenceScale.id(i), Workload.session(Workload.IMMUTABLE, i % Workload.SESSIONS));
        }
      }
      long fileBytes = Files.size(file);
      for (int l = 0; l < loads; l++) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("sessions", n);
        row.put("fileBytes", fileBytes);
        System.gc();
        long emptyHeap = usedHeap();
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        try (MemFileStore loaded =
            MemFileStore.builder().saveFile(file).durability(Durability.SNAPSHOT).build()) {
          double ms = (System.nanoTime() - t0) / 1e6;
          row.put("loadMs", ms);
          // CPU time of the whole process (the collector's threads included) during the load: less
          // distorted by other processes on a shared machine than the wall-clock time
          row.put("loadProcessCpuMs", (processCpuNanos() - cpu0) / 1e6);
          row.put("sessionsPerSecond", n / (ms / 1000));
          row.put("loadedSessions", loaded.length());
          System.gc();
          row.put("heapBytesPerSessionAfterLoad", (usedHeap() - emptyHeap) / (double) n);
          t0 = System.nanoTime();
          for (int i = 0; i < n; i++) {
            loaded.get(PersistenceScale.id(i));
          }
          row.put("firstReadAllMs", (System.nanoTime() - t0) / 1e6);
          System.gc();
          row.put("heapBytesPerSessionAfterReads", (usedHeap() - emptyHeap) / (double) n);
        }
        row.put("fileBytesPerSession", fileBytes / (double) n);
        System.out.println(row);
        rows.add(row);
      }
    } finally {
      BenchFiles.deleteRecursively(dir);
    }
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(Path.of(args[0]).toFile(), rows);
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static long usedHeap() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
