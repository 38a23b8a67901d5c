package dev.memfilestore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeTest {
  @Test
  void savesAndLoads(@TempDir Path dir) {
    Path file = dir.resolve("s.json");
    try (MemFileStore store = MemFileStore.builder().saveFile(file).build()) {
      SessionData s = new SessionData();
      s.setAttribute("n", 5L);
      store.set("abcdef", s);
    }
    try (MemFileStore store = MemFileStore.builder().saveFile(file).build()) {
      assertThat(store.get("abcdef").orElseThrow().getAttribute("n")).isEqualTo(5L);
    }
  }
}
