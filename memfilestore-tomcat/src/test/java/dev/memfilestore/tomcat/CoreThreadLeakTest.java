package dev.memfilestore.tomcat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.apache.catalina.Context;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's timer threads must not outlive the application: Tomcat reports a thread that does as
 * a leak when the application stops ("appears to have started a thread named [memfilestore-timer]
 * but has failed to stop it"), and it would pin the application's classes.
 */
class CoreThreadLeakTest {
  @TempDir Path dir;

  @Test
  void storeThreadsEndWhenTheApplicationStops() throws Exception {
    MemFileManager manager = new MemFileManager();
    manager.setSaveFile(dir.resolve("sessions.jsonl").toString());
    List<Thread> timers;
    try (TestServer server = new TestServer(dir.resolve("tomcat"))) {
      Context ctx = server.addContext("", new CounterServlet(), manager);
      server.start();
      ClassLoader webapp = ctx.getLoader().getClassLoader();
      timers =
          Thread.getAllStackTraces().keySet().stream()
              .filter(t -> t.getName().startsWith("memfilestore"))
              .filter(t -> t.getContextClassLoader() == webapp)
              .toList();
      assertThat(timers).isNotEmpty(); // the journal's force every second runs on them
    }
    assertThat(timers).noneMatch(Thread::isAlive);
  }
}
