package dev.memfilestore.tomcat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Past {@code max}, sessions are evicted, never refused: every request is served, the evicted
 * sessions are destroyed with {@code sessionDestroyed}, and their browsers find no session.
 */
class EvictionTest {
  private static final int MAX = 3;
  private static final int BROWSERS = 10;

  @TempDir Path dir;

  @Test
  void evictsInsteadOfRefusing() throws Exception {
    MemFileManager manager = new MemFileManager();
    manager.setSaveFile(dir.resolve("sessions.jsonl").toString());
    manager.setMax(MAX);
    EventLog.clear("");
    try (TestServer server = new TestServer(dir.resolve("tomcat"))) {
      server.addContext(
          "", new CounterServlet(), manager, sc -> sc.addListener(new RecordingListener()));
      server.start();

      List<Browser> browsers = new ArrayList<>();
      for (int i = 0; i < BROWSERS; i++) {
        Browser b = new Browser();
        assertThat(b.body(server.url("/count"))).isEqualTo("visits=1"); // never refused
        browsers.add(b);
      }

      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(EventLog.events("").stream().filter(e -> e.endsWith(" destroyed")))
                      .hasSize(BROWSERS - MAX));
      assertThat(manager.getActiveSessions()).isEqualTo(MAX);
      assertThat(manager.getRejectedSessions()).isZero();
      long kept =
          browsers.stream().filter(b -> !b.body(server.url("/peek")).equals("none")).count();
      assertThat(kept).isEqualTo(MAX);
    }
  }
}
