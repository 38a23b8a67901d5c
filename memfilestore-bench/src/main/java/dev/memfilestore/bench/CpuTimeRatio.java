package dev.memfilestore.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * CPU time per operation of {@link ContendersBenchmark}'s {@code findAndSave} and {@code touch},
 * for a machine too busy for throughput to mean anything: the measuring thread's own CPU time (user
 * and system, so the journal's write counts) barely depends on what else runs. Contenders take
 * turns in rounds, so each sees the same conditions; the median round is reported.
 *
 * <p>Run: {@code java -Xms2g -Xmx2g -cp memfilestore-bench/target/benchmarks.jar
 * dev.memfilestore.bench.CpuTimeRatio [rounds] [ops per round] contender...}
 */
public final class CpuTimeRatio {
  private CpuTimeRatio() {}

  /**
   * Prints CPU nanoseconds per operation and the ratio of the first contender's to each other's.
   *
   * @param args rounds, operations per round, then contender names (see {@link Contender})
   * @throws Exception if a contender fails
   */
  public static void main(String[] args) throws Exception {
    int rounds = Integer.parseInt(args[0]);
    int ops = Integer.parseInt(args[1]);
    List<String> names = List.of(args).subList(2, args.length);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    List<Contender> contenders = new ArrayList<>();
    List<Path> dirs = new ArrayList<>();
    for (String name : names) {
      Path dir = BenchFiles.tempDir();
      dirs.add(dir);
      Contender c = Contender.create(name, dir);
      c.preload();
      contenders.add(c);
    }
    String[] operations = {"findAndSave", "touch"};
    long[][][] perOp = new long[operations.length][names.size()][rounds];
    int position = 0;
    long counter = 0;
    for (int round = -3; round < rounds; round++) { // three rounds of warm-up
      for (int o = 0; o < operations.length; o++) {
        for (int c = 0; c < contenders.size(); c++) {
          Contender contender = contenders.get(c);
          long start = threads.getCurrentThreadCpuTime();
          for (int i = 0; i < ops; i++) {
            int index = Workload.DRAW[position];
            position = (position + 1) & (Workload.DRAWS - 1);
            if (o == 0) {
              contender.findAndSave(index, counter++);
            } else {
              contender.touch(index);
            }
          }
          long cpu = threads.getCurrentThreadCpuTime() - start;
          if (round >= 0) {
            perOp[o][c][round] = cpu / ops;
          }
        }
      }
    }
    for (int o = 0; o < operations.length; o++) {
      long reference = median(perOp[o][names.size() - 1]);
      for (int c = 0; c < names.size(); c++) {
        long median = median(perOp[o][c]);
        System.out.printf(
            Locale.ROOT,
            "%-12s %-30s %8d ns CPU/op (median of %d rounds of %d)  last/this = %.2f%n",
            operations[o],
            names.get(c),
            median,
            rounds,
            ops,
            (double) reference / median);
      }
    }
    for (int c = 0; c < contenders.size(); c++) {
      contenders.get(c).close();
      BenchFiles.deleteRecursively(dirs.get(c));
    }
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
