package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, item 11: a load-wide budget bounds the heap the sessions loaded at start may take; a
 * load over it stops {@code build()} with a message that says what to do, and leaves the files as
 * they were. (A real heap too small for the file: {@link LoadBudgetIT}.)
 */
class LoadBudgetTest {
  @TempDir Path dir;

  @Test
  void aLoadOverTheBudgetStopsBuildSayingWhatToDoAndLeavesTheFiles() throws IOException {
    Path file = dir.resolve("s.json");
    writeSnapshot(file, 50, 10_000);
    Map<String, String> before = contents(dir);

    assertThatThrownBy(() -> MemFileStore.builder().saveFile(file).loadBudget(200_000).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot load saveFile " + file)
        .hasMessageContaining("load budget of 200000 bytes")
        .hasMessageContaining("-Xmx")
        .hasMessageContaining("loadBudget(...)");
    assertThat(contents(dir)).as("the files after the refused load").isEqualTo(before);

    // 50 sessions of about 10 KB are estimated at about 1 MB: a budget of 2 MB loads them all
    try (MemFileStore store = MemFileStore.builder().saveFile(file).loadBudget(2_000_000).build()) {
      assertThat(store.length()).isEqualTo(50);
    }
  }

  @Test
  void theDefaultBudgetIsThreeQuartersOfTheHeapAndAZeroBudgetIsRefused() {
    assertThat(LoadBudget.defaultBudget()).isEqualTo(Runtime.getRuntime().maxMemory() / 4 * 3);
    assertThatThrownBy(() -> MemFileStore.builder().loadBudget(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("loadBudget must be at least 1 byte but was 0");
  }

  @Test
  void theMapIsSizedFromTheTrailersCountBoundedByTheBudgetAndTheFilesSize() throws IOException {
    Path file = dir.resolve("s.json");
    assertThat(LoadBudget.expectedSessions(file, 1L << 30)).as("no file").isZero();
    writeSnapshot(file, 50, 10);
    assertThat(LoadBudget.expectedSessions(file, 1L << 30)).isEqualTo(50);
    assertThat(LoadBudget.expectedSessions(file, 10 * LoadBudget.PER_SESSION))
        .as("a count the budget could not hold")
        .isEqualTo(10);

    // a file cut short has no trailer to go by: no hint, and the load still finds every record
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 3));
    assertThat(LoadBudget.expectedSessions(file, 1L << 30)).isZero();
    assertThat(LoadBudget.expectedSessions(dir, 1L << 30)).as("a directory").isZero();
  }

  /**
   * Writes a snapshot of {@code count} sessions, each with one string attribute of {@code size}
   * characters, expiring in a day (by the system clock).
   */
  static void writeSnapshot(Path file, int count, int size) throws IOException {
    FileFormat format = new FileFormat("json", true, null);
    Instant now = Instant.now();
    String value = "x".repeat(size);
    try (SnapshotWriter writer = new SnapshotWriter(file, 1, format, now)) {
      for (int i = 0; i < count; i++) {
        byte[] session =
            ("{\"created\":\""
                    + now
                    + "\",\"accessed\":\""
                    + now
                    + "\",\"attributes\":{\"v\":\""
                    + value
                    + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
        writer.write("session-" + i, now.plusSeconds(86_400).toEpochMilli(), session);
      }
      writer.commit();
    }
  }

  /** Each file's name and SHA-256 (the lock file left out: a store always creates it). */
  static Map<String, String> contents(Path dir) throws IOException {
    Map<String, String> contents = new TreeMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : list.toList()) {
        String name = p.getFileName().toString();
        if (!name.endsWith(".lock")) {
          contents.put(name, sha256(p));
        }
      }
    }
    return contents;
  }

  private static String sha256(Path file) throws IOException {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      try (var in = Files.newInputStream(file)) {
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = in.read(buffer)) > 0; ) {
          digest.update(buffer, 0, n);
        }
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
