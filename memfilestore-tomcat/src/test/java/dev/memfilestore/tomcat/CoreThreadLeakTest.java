package dev.memfilestore.tomcat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.apache.catalina.Context;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's timer threads must not hold the web application's class loader: Tomcat reports them
 * as a leak when the application stops ("appears to have started a thread named
 * [memfilestore-timer] but has failed to stop it"), and a thread that outlives the application pins
 * its classes.
 */
class CoreThreadLeakTest {
  @TempDir Path dir;

  @Test
  @Disabled(
      "core bug: MemFileStore's timer threads inherit the context class loader of the thread that"
          + " calls build(), which a container binds to the webapp's; and close() does not wait"
          + " for them to end")
  void storeThreadsDoNotHoldTheWebappClassLoader() throws Exception {
    MemFileManager manager = new MemFileManager();
    manager.setSaveFile(dir.resolve("sessions.jsonl").toString());
    try (TestServer server = new TestServer(dir.resolve("tomcat"))) {
      Context ctx = server.addContext("", new CounterServlet(), manager);
      server.start();
      ClassLoader webapp = ctx.getLoader().getClassLoader();
      assertThat(Thread.getAllStackTraces().keySet())
          .filteredOn(t -> t.getName().startsWith("memfilestore"))
          .isNotEmpty()
          .allSatisfy(t -> assertThat(t.getContextClassLoader()).isNotSameAs(webapp));
    }
  }
}
