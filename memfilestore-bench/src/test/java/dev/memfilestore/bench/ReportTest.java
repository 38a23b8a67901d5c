package dev.memfilestore.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report written from small fixture results laid out as the bench script writes them: the
 * issue-12 targets with their verdicts (met, met within the error bar, missed by how much, not
 * measured), the end-to-end repeats with their range, and no "NaN" anywhere.
 */
class ReportTest {
  @TempDir Path dir;

  private static String jmh(String bench, String contender, double score, double error) {
    return String.format(
        Locale.ROOT,
        "{\"benchmark\":\"dev.memfilestore.bench.%s\",\"params\":{%s},"
            + "\"primaryMetric\":{\"score\":%s,\"scoreError\":%s}}",
        bench,
        contender == null ? "\"mode\":\"JOURNAL_SYNC\"" : "\"contender\":\"" + contender + "\"",
        score,
        Double.isNaN(error) ? "\"NaN\"" : Double.toString(error));
  }

  private static String wrk(double rps) {
    return String.format(
        Locale.ROOT,
        "Running 30s test\nE2E {\"requests\":%d,\"durationUs\":30000000,\"connectErrors\":0,"
            + "\"readErrors\":0,\"timeouts\":0,\"non2xx\":0,\"rps\":%.1f,\"meanUs\":400.0,"
            + "\"p50Us\":200,\"p90Us\":900,\"p99Us\":4000,\"p999Us\":7000,\"maxUs\":12000}\n",
        (long) rps * 30,
        rps);
  }

  private static String persistence(int sessions, boolean withPercentiles) {
    return "{\"sessions\":"
        + sessions
        + ",\"snapshotMs\":2400,\"fileBytes\":"
        + 635L * sessions
        + ",\"maxSetStallNoSnapshotMs\":12.5,\"setsNoSnapshot\":1000,"
        + "\"setsOver10msNoSnapshot\":1,\"setsOver10msDuringSnapshot\":2,"
        + "\"maxSetStallDuringSnapshotMs\":40.0,\"setsDuringSnapshot\":900,\"loadMs\":900,"
        + "\"loadedSessions\":"
        + sessions
        + ",\"plainWriteMs\":1700,\"plainReadMs\":80,\"plainReadBytes\":"
        + 635L * sessions
        + (withPercentiles
            ? ",\"setP99MsDuringSnapshot\":1.5,\"setP99MsNoSnapshot\":0.5,"
                + "\"setP999MsDuringSnapshot\":3.0,\"setP999MsNoSnapshot\":1.0"
            : "")
        + "}";
  }

  private static String flood(double... kept) {
    int[] rates = {1, 10, 50};
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < kept.length; i++) {
      rows.add(
          String.format(
              Locale.ROOT,
              "{\"store\":\"memfilestore\",\"botPerUserRequest\":%d,\"keptShare\":%s,"
                  + "\"userHitRatio\":%s,\"firstLossAfterBotSessions\":null,"
                  + "\"lastLossAfterBotSessions\":null,\"seconds\":4.2}",
              rates[i],
              kept[i],
              kept[i]));
    }
    return "[" + String.join(",", rows) + "]";
  }

  private String render(Path results) throws IOException {
    Path md = dir.resolve("BENCHMARKS.md");
    Report.main(new String[] {results.toString(), md.toString(), dir.resolve("charts").toString()});
    return Files.readString(md);
  }

  @Test
  void fullRunShowsEveryIssue12TargetWithItsVerdictAndHowFarOff() throws Exception {
    Path r = Files.createDirectories(dir.resolve("results/full"));
    Files.writeString(r.resolve("machine.properties"), "mode=full\ndate=today\ncommit=abc\n");
    Files.writeString(
        r.resolve("jmh-t1.json"),
        "["
            + String.join(
                ",",
                jmh("ContendersBenchmark.find", Contender.MFS_JOURNAL, 900_000, 90_000),
                jmh("ContendersBenchmark.find", Contender.SPRING_MAP, 1_000_000, 100_000),
                jmh("ContendersBenchmark.findAndSave", Contender.MFS_JOURNAL, 300_000, 30_000),
                jmh("ContendersBenchmark.findAndSave", Contender.SPRING_MAP, 1_000_000, 100_000),
                jmh("ContendersBenchmark.touch", Contender.MFS_JOURNAL, 600_000, 60_000),
                jmh("ContendersBenchmark.touch", Contender.SPRING_MAP, 1_000_000, 100_000))
            + "]");
    Files.writeString(
        r.resolve("jmh-t2.json"),
        "["
            + String.join(
                ",",
                jmh("ContendersBenchmark.findAndSave", Contender.MFS_JOURNAL, 550_000, 50_000),
                jmh("ContendersBenchmark.findAndSave", Contender.SPRING_MAP, 1_000_000, 50_000))
            + "]");
    Files.writeString(
        r.resolve("jmh-signedin.json"),
        "["
            + String.join(
                ",",
                jmh("SignedInBenchmark.findAndSave", SignedInBenchmark.ADAPTER, 140_000, 90_000),
                jmh("SignedInBenchmark.findAndSave", SignedInBenchmark.CORE, 170_000, 60_000),
                jmh("SignedInBenchmark.pageView", SignedInBenchmark.ADAPTER, 500_000, 10_000),
                jmh("SignedInBenchmark.pageView", SignedInBenchmark.CORE, 650_000, 10_000))
            + "]");
    Files.writeString(
        r.resolve("jmh-sync-t1.json"),
        "[" + jmh("DurabilityBenchmark.getAndSet", null, 10_000, 1_000) + "]");
    Files.writeString(
        r.resolve("jmh-sync-t16.json"),
        "[" + jmh("DurabilityBenchmark.getAndSet", null, 45_000, 15_000) + "]");
    List<String> loads = new ArrayList<>();
    for (double ms : new double[] {1033, 586, 536}) {
      loads.add(
          "{\"sessions\":1000000,\"fileBytes\":635000000,\"loadMs\":"
              + ms
              + ",\"loadProcessCpuMs\":1800,\"sessionsPerSecond\":"
              + 1e9 / ms
              + ",\"loadedSessions\":1000000,\"heapBytesPerSessionAfterLoad\":747.0,"
              + "\"firstReadAllMs\":6000,\"heapBytesPerSessionAfterReads\":1771.0,"
              + "\"fileBytesPerSession\":635.0}");
    }
    Files.writeString(r.resolve("load.json"), "[" + String.join(",", loads) + "]");
    Files.writeString(
        r.resolve("persistence.json"),
        "["
            + persistence(100_000, true)
            + ","
            + persistence(1_000_000, true)
                .replace(
                    "}",
                    ",\"alternatingSnapshotMs\":[2500,2600,2700],"
                        + "\"alternatingPlainWriteMs\":[500,520,540],"
                        + "\"snapshotToPlainWriteRatioMedian\":5.0}")
            + "]");
    // the README's G1 settings: a shorter longest set, same percentiles
    Files.writeString(
        r.resolve("persistence-g1-recommended.json"),
        "["
            + persistence(1_000_000, true)
                .replace(
                    "\"maxSetStallDuringSnapshotMs\":40.0", "\"maxSetStallDuringSnapshotMs\":55.0")
            + "]");
    Files.writeString(r.resolve("flood.json"), flood(1.0, 0.995, 0.9));
    double[][] rps = {
      {30_000, 31_000, 29_000},
      {27_000, 28_000, 26_000},
      {25_000, 26_000, 24_000},
      {20_000, 21_000, 19_000}
    };
    String[] setups = {"tomcat", "tomcat-memfilestore", "spring-map", "memfilestore"};
    StringBuilder steps = new StringBuilder();
    for (int s = 0; s < setups.length; s++) {
      for (int run = 1; run <= 3; run++) {
        Files.writeString(r.resolve("e2e-" + setups[s] + "-" + run + ".txt"), wrk(rps[s][run - 1]));
        steps.append("e2e-" + setups[s] + "-" + run + "\t0.5 0.4 0.3\t1.9 0.9 0.4\t30\twrk -t 4\n");
      }
    }
    Files.writeString(r.resolve("steps.tsv"), steps);
    Files.writeString(
        r.resolve("e2e-tomcat-memfilestore.files"),
        "total 16392\n-rw------- 1 root root 16711680 Dec  1 10:56 sessions.jsonl.journal.0\n"
            + "-rw------- 1 root root        0 Dec  1 10:56 sessions.jsonl.lock\n");

    String text = render(r);

    assertThat(text)
        .contains(
            "| core `findAndSave`, JOURNAL, vs `MapSessionRepository`, 1 thread (step `jmh-t1`) |"
                + " 300,000 ± 30,000 vs 1,000,000 ± 100,000 ops/s = 0.30 ± 0.04× |"
                + " **missed**: 0.30× against ≥ 0.5×, 40% short |")
        .contains(
            "| core `findAndSave`, JOURNAL, vs `MapSessionRepository`, 2 threads (step `jmh-t2`) |"
                + " 550,000 ± 50,000 vs 1,000,000 ± 50,000 ops/s = 0.55 ± 0.06× |"
                + " met (the error bar reaches below ≥ 0.5×) |")
        .contains("| core `touch`, JOURNAL, vs Map, 1 thread (step `jmh-t1`) |")
        .contains("= 0.60 ± 0.08× | met |")
        .contains(
            "= 0.82 ± 0.60× | met (the error bar reaches below ≥ 0.7×) |") // signed-in adapter
        .contains(
            "steps `e2e-memfilestore-*`, `e2e-spring-map-*`) | 20,000 (19,000–21,000) vs"
                + " 25,000 (24,000–26,000) req/s = 0.80× (0.73–0.88×) |"
                + " **missed**: 0.80× against ≥ 0.9×, 11% short |")
        .contains(
            "`e2e-tomcat-memfilestore-*`, `e2e-tomcat-*`) | 27,000 (26,000–28,000) vs"
                + " 30,000 (29,000–31,000) req/s = 0.90× (0.84–0.97×) |"
                + " met (the error bar reaches below ≥ 0.9×) |")
        .contains(
            "16 threads vs 1 (steps `jmh-sync-t16`, `jmh-sync-t1`) | 45,000 ± 15,000 vs"
                + " 10,000 ± 1,000 ops/s = 4.50 ± 1.57× | **missed**: 4.50× against ≥ 8×,"
                + " 44% short |")
        .contains(
            "| 1,033 ms; later loads in the same JVM 586, 536 ms |"
                + " **missed**: 1,033 ms against ≤ 1000 ms, 3% over |")
        .contains("(2.79×) of 635 B serialized (step `load`) | **missed**: 2.79× against ≤ 2×,")
        .contains("| 40.0 ms, 1,000,000 sessions | met |")
        .contains(
            "| 3.00 ms during, 1.00 ms without = 3.00×, 1,000,000 sessions |"
                + " **missed**: 3.00× against ≤ 1.5×, 2.0× the limit |")
        .contains(
            "| longest `set` during a 1M snapshot ≤ 50 ms (the README's G1 settings, step"
                + " `persistence-g1-recommended`) | 55.0 ms, 1,000,000 sessions |"
                + " **missed**: 55.0 ms against ≤ 50 ms, 10% over |")
        .contains(
            "| median of 3 alternating rounds 5.00× (snapshot 2,500 / 2,600 / 2,700 ms vs"
                + " write+force 500 / 520 / 540 ms), 1,000,000 sessions | **missed**:")
        .contains("-XX:G1NewSizePercent=1`, step `persistence-g1-recommended`):")
        .contains("bot sessions per user request: 10 (step `flood`) | 99.5% | met |")
        .contains(
            "bot sessions per user request: 50 (step `flood`) | 90.0% |"
                + " **missed**: 90.0% against ≥ 99%, 9% short |")
        // the end-to-end table: mean with range, and the MemFileManager set-up's files
        .contains("| tomcat-memfilestore | 3 | 27,000 (26,000–28,000) | 0.90× |")
        .contains("`sessions.jsonl.journal.0` (16,711,680 B)")
        // the signed-in table and the group-commit table
        .contains("| memfilestore-spring | 140,000 ± 90,000 | 500,000 ± 10,000 |")
        .contains("| 16 | 45,000 ± 15,000 | 4.50 ± 1.57× |")
        // the commands with the load average before and after and the seconds
        .contains("| e2e-tomcat-2 | 0.5 0.4 0.3 | 1.9 0.9 0.4 | 30 | `wrk -t 4` |")
        .doesNotContain("NaN");
    for (String line : text.split("\n")) {
      if (line.startsWith("## ")
          && !line.startsWith("## Machine")
          && !line.startsWith("## Commands")
          && !line.startsWith("## Targets")) {
        assertThat(line).as("every table names its step").contains("step");
      }
    }
  }

  @Test
  void quickRunHasNoErrorBarsAndSaysWhatWasNotMeasured() throws Exception {
    Path r = Files.createDirectories(dir.resolve("results/quick"));
    Files.writeString(r.resolve("machine.properties"), "mode=quick\ndate=today\ncommit=abc\n");
    Files.writeString(
        r.resolve("jmh-t1.json"),
        "["
            + String.join(
                ",",
                jmh("ContendersBenchmark.findAndSave", Contender.MFS_JOURNAL, 300_000, Double.NaN),
                jmh("ContendersBenchmark.findAndSave", Contender.SPRING_MAP, 1_000_000, Double.NaN),
                jmh("ContendersBenchmark.find", Contender.SPRING_MAP, 1_000_000, Double.NaN))
            + "]");
    Files.writeString(r.resolve("persistence.json"), "[" + persistence(100_000, false) + "]");
    // an older results layout: one wrk file per set-up, steps without their duration
    Files.writeString(r.resolve("e2e-tomcat.txt"), wrk(30_000));
    Files.writeString(r.resolve("e2e-tomcat-memfilestore-1.txt"), wrk(24_000));
    Files.writeString(r.resolve("steps.tsv"), "jmh-t1\t1.0 1.0 1.0\t2.0 2.0 2.0\tjava -jar x\n");

    String text = render(r);

    assertThat(text)
        .contains("**This is a quick run**")
        .contains("= 0.30× | **missed**: 0.30× against ≥ 0.5×, 40% short |") // no error bar at all
        .contains(
            "| 24,000 vs 30,000 req/s = 0.80× (one run each: no spread) |"
                + " **missed**: 0.80× against ≥ 0.9×, 11% short |")
        .contains("| core `touch`, JOURNAL, vs Map, 1 thread (step `jmh-t1`) | – | not measured |")
        .contains(
            "| load of 1M sessions ≤ 1 s | – (1M sessions run in `./bench full` only) |"
                + " not measured |")
        .contains("– (no `setP999Ms*` fields) | not measured |")
        .contains("| 40.0 ms, 100,000 sessions (1M sessions run in `./bench full` only) | met |")
        .contains("| flood: active users kept at every rate | – | not measured |")
        .contains("| jmh-t1 | 1.0 1.0 1.0 | 2.0 2.0 2.0 | – | `java -jar x` |")
        .doesNotContain("NaN")
        .doesNotContain("± –");
    assertThat(dir.resolve("charts/throughput-t1.png")).isNotEmptyFile();
  }

  @Test
  void verdictsSayHowFarOff() {
    assertThat(Report.atLeast(0.45, 0.40, 0.52, 0.5, "×"))
        .isEqualTo(
            "**missed**: 0.45× against ≥ 0.5×, 10% short (the error bar reaches the target)");
    assertThat(Report.atLeast(0.6, 0.55, 0.65, 0.5, "×")).isEqualTo("met");
    assertThat(Report.atLeast(Double.NaN, Double.NaN, Double.NaN, 0.5, "×"))
        .isEqualTo("not measured");
    assertThat(Report.atMost(535.5, 50, " ms"))
        .isEqualTo("**missed**: 536 ms against ≤ 50 ms, 10.7× the limit");
    assertThat(Report.atMost(1.4, 1.5, "×")).isEqualTo("met");
    assertThat(Report.ratioText(Report.ratio(1, Double.NaN, 2, 0.1))).isEqualTo("0.50×");
  }
}
