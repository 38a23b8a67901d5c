package dev.memfilestore.tomcat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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

  /**
   * SIGTERM runs the store's shutdown hook and the server's at once: when the store closes first,
   * Tomcat's stop finds it closed. Every session must still come back, with one line saying so
   * instead of a warning per session.
   */
  @Test
  void sigtermWhileTheStoreClosesFirstKeepsEverySessionAndWarnsOfNone() throws Exception {
    Path saveFile = dir.resolve("sessions.jsonl");
    List<Browser> browsers = List.of(new Browser(), new Browser(), new Browser(), new Browser());
    try (ChildJvm tomcat = start(saveFile, "stop-on-sigterm")) {
      String url = url(tomcat);
      for (Browser b : browsers) {
        assertThat(b.body(url + "/count")).isEqualTo("visits=1");
        assertThat(b.body(url + "/count")).isEqualTo("visits=2");
      }
      tomcat.terminate();
      assertThat(tomcat.awaitExit(Duration.ofSeconds(60))).isNotEqualTo(137);
      assertThat(tomcat.stderrTail())
          .doesNotContain("Could not save session")
          .contains("4 sessions were not written again at stop");
    }
    try (ChildJvm tomcat = start(saveFile)) {
      String url = url(tomcat);
      for (Browser b : browsers) {
        assertThat(b.body(url + "/count")).isEqualTo("visits=3");
      }
    }
  }

  private ChildJvm start(Path saveFile, String... more) throws Exception {
    List<String> args = new ArrayList<>();
    args.add(saveFile.toString());
    args.add(dir.resolve("tomcat").toString());
    args.addAll(List.of(more));
    return ChildJvm.start(
        "tomcat", List.of("-Xmx256m"), TomcatWorkerMain.class, args.toArray(new String[0]));
  }

  private static String url(ChildJvm tomcat) {
    return "http://localhost:" + tomcat.awaitPrefix("PORT ", Duration.ofSeconds(60)).substring(5);
  }
}
