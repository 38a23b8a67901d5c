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
}
