package dev.memfilestore.tomcat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions survive a graceful restart and a SIGKILL: a real Tomcat in a child JVM, a real browser
 * counting its visits with a cookie, the next Tomcat started on the same file.
 */
class RestartAndCrashIT {
  @TempDir Path dir;

  private final Browser browser = new Browser();

  @Test
  void sessionComesBackAfterRestartAndAfterKill() throws Exception {
    Path saveFile = dir.resolve("sessions.jsonl");

    try (ChildJvm tomcat = start(saveFile)) {
      String url = url(tomcat);
      assertThat(browser.body(url + "/count")).isEqualTo("visits=1");
      assertThat(browser.body(url + "/count")).isEqualTo("visits=2");
      assertThat(browser.body(url + "/async-count")).isEqualTo("visits=3");
      tomcat.send("stop");
      tomcat.awaitPrefix("STOPPED", Duration.ofSeconds(60));
      tomcat.awaitExit(Duration.ofSeconds(60));
    }
    String id = browser.sessionId().orElseThrow();

    // Graceful restart: the session is back.
    try (ChildJvm tomcat = start(saveFile)) {
      String url = url(tomcat);
      assertThat(browser.body(url + "/count")).isEqualTo("visits=4");
      // Killed right after an asynchronous request's response: written before it completed.
      assertThat(browser.body(url + "/async-count")).isEqualTo("visits=5");
      tomcat.kill();
      tomcat.awaitExit(Duration.ofSeconds(30));
    }

    try (ChildJvm tomcat = start(saveFile)) {
      String url = url(tomcat);
      assertThat(browser.body(url + "/count")).isEqualTo("visits=6");
      tomcat.kill(); // right after a plain request's response
      tomcat.awaitExit(Duration.ofSeconds(30));
    }

    try (ChildJvm tomcat = start(saveFile)) {
      assertThat(browser.body(url(tomcat) + "/count")).isEqualTo("visits=7");
    }
    assertThat(browser.sessionId()).contains(id);
  }

  private ChildJvm start(Path saveFile) throws Exception {
    return ChildJvm.start(
        "tomcat",
        List.of("-Xmx256m"),
        TomcatWorkerMain.class,
        saveFile.toString(),
        dir.resolve("tomcat").toString());
  }

  private static String url(ChildJvm tomcat) {
    return "http://localhost:" + tomcat.awaitPrefix("PORT ", Duration.ofSeconds(60)).substring(5);
  }
}
