package dev.memfilestore.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each contender's set-up works and its four operations do what the benchmark says. */
class ContenderTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(
      strings = {
        Contender.MFS_NONE,
        Contender.MFS_SNAPSHOT,
        Contender.MFS_JOURNAL,
        Contender.MFS_JOURNAL_SYNC,
        Contender.MFS_SPRING,
        Contender.SPRING_MAP,
        Contender.SPRING_JDBC,
        Contender.JETTY_FILE,
        Contender.TOMCAT_STANDARD,
        Contender.TOMCAT_FILE,
        Contender.CAFFEINE
      })
  void operationsWork(String name) throws Exception {
    try (Contender c = Contender.create(name, dir)) {
      c.preload();
      for (int i : new int[] {0, 1, Workload.SESSIONS - 1}) {
        assertThat(c.find(i)).as("find %d", i).isNotNull();
        assertThat(c.findAndSave(i, 42)).isNotNull();
        assertThat(c.touch(i)).isNotNull();
        String before = c.ids.get(i);
        c.delete(i);
        assertThat(c.find(i)).as("found after delete").isNull();
        c.ids.set(i, c.create(i));
        assertThat(c.find(i)).as("find after create").isNotNull();
        assertThat(before).isNotNull();
      }
    }
  }
}
