package dev.memfilestore.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The non-JMH measurements run on a small scale, and the report is written from their output. */
class HarnessTest {
  @TempDir Path dir;

  @Test
  void persistenceScaleSnapshotsLoadsAndMeasuresPlainIo() throws Exception {
    Map<String, Object> row = PersistenceScale.measure(2_000);
    assertThat(row.get("loadedSessions")).isEqualTo(2_000L);
    assertThat((Long) row.get("fileBytes")).isGreaterThan(2_000L * 400);
    assertThat(row)
        .containsKeys(
            "snapshotMs",
            "loadMs",
            "plainWriteMs",
            "plainReadMs",
            "maxSetStallDuringSnapshotMs",
            "maxSetStallNoSnapshotMs");
    assertThat(row.get("plainReadBytes")).isEqualTo(row.get("fileBytes"));
  }

  @Test
  void floodKeepsEstablishedUsersInMemFileStoreAndNoneInLru() throws Exception {
    Path out = dir.resolve("flood.json");
    FloodResistance.main(new String[] {out.toString(), "40000", "20"});
    String json = Files.readString(out);
    // LRU: 20k bot sessions between two visits of a user, bound 10k: every user is pushed out
    assertThat(json).contains("\"store\" : \"lru\"").contains("\"usersKept\" : 0,");
    List<Map<String, Object>> rows =
        new com.fasterxml.jackson.databind.ObjectMapper().readValue(out.toFile(), List.class);
    assertThat(((Number) rows.get(0).get("keptShare")).doubleValue()).isGreaterThan(0.8);
  }

  @Test
  void reportWritesTablesAndCharts() throws Exception {
    Path results = Files.createDirectories(dir.resolve("results/quick"));
    Files.writeString(
        results.resolve("machine.properties"), "mode=quick\ndate=today\ncommit=abc\ncpu=x\n");
    StringBuilder jmh = new StringBuilder("[");
    String[] contenders = {
      Contender.MFS_NONE,
      Contender.MFS_JOURNAL,
      Contender.MFS_SPRING,
      Contender.SPRING_MAP,
      Contender.SPRING_JDBC
    };
    for (String c : contenders) {
      for (String op : new String[] {"find", "findAndSave"}) {
        jmh.append(jmh.length() > 1 ? "," : "")
            .append("{\"benchmark\":\"dev.memfilestore.bench.ContendersBenchmark.")
            .append(op)
            .append("\",\"params\":{\"contender\":\"")
            .append(c)
            .append("\"},\"primaryMetric\":{\"score\":")
            .append(c.equals(Contender.SPRING_JDBC) ? 1000 : 100_000)
            .append(",\"scoreError\":10}}");
      }
    }
    Files.writeString(results.resolve("jmh-t1.json"), jmh.append("]").toString());
    Files.writeString(
        results.resolve("e2e-tomcat.txt"),
        "E2E {\"requests\":10,\"durationUs\":1000,\"connectErrors\":0,\"readErrors\":0,"
            + "\"timeouts\":0,\"non2xx\":0,\"rps\":1000,\"meanUs\":1,\"p50Us\":1,\"p90Us\":1,"
            + "\"p99Us\":1,\"p999Us\":1,\"maxUs\":1}\n");
    Files.writeString(
        results.resolve("e2e-memfilestore.txt"),
        "E2E {\"requests\":10,\"durationUs\":1000,\"connectErrors\":0,\"readErrors\":0,"
            + "\"timeouts\":0,\"non2xx\":0,\"rps\":850,\"meanUs\":1,\"p50Us\":1,\"p90Us\":1,"
            + "\"p99Us\":1,\"p999Us\":1,\"maxUs\":1}\n");
    Path md = dir.resolve("BENCHMARKS.md");
    Report.main(new String[] {results.toString(), md.toString(), dir.resolve("charts").toString()});
    String text = Files.readString(md);
    assertThat(text)
        .contains("| find ≥ 0.5× `MapSessionRepository` (1 thread) | core 1.00×")
        .contains("≥ 20× Spring Session JDBC on H2 (1t) | core 100.0×, Spring adapter 100.0× | met")
        .contains("≥ 0.9× Boot's default in-memory sessions | 0.85× | **missed** (6% short)")
        .contains("](charts/throughput-t1.png)");
    assertThat(dir.resolve("charts/throughput-t1.png")).isNotEmptyFile();
  }
}
