package dev.memfilestore.tomcat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.catalina.session.ManagerBase;
import org.apache.catalina.session.StandardManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same requests, over real HTTP, against a context with Tomcat's {@code StandardManager} and
 * one with {@link MemFileManager}: every session, attribute, binding and activation event fires the
 * same, in the same order, through creation, changes, an id change, a restart of Tomcat,
 * invalidation, expiry and shutdown.
 */
class ListenerParityTest {
  private static final List<String> CONTEXTS = List.of("/std", "/mem");

  @TempDir Path dir;

  @Test
  void firesTheSameEventsAsStandardManager() throws Exception {
    EventLog.clear("/std");
    EventLog.clear("/mem");
    Map<String, Browser> browsers = Map.of("/std", new Browser(), "/mem", new Browser());

    TestServer server = start();
    for (String ctx : CONTEXTS) {
      String url = server.url(ctx + "/?op=");
      Browser b = browsers.get(ctx);
      b.body(url + "set&name=a&value=1");
      b.body(url + "set&name=a&value=2");
      b.body(url + "listening&name=b");
      b.body(url + "listening&name=c");
      b.body(url + "remove&name=a");
      b.body(url + "rotate");
    }
    server.close(); // the managers save the sessions ...

    server = start(); // ... and the next ones restore them
    for (String ctx : CONTEXTS) {
      String url = server.url(ctx + "/?op=");
      Browser b = browsers.get(ctx);
      assertThat(b.body(url + "get&name=b")).as("%s: %s", ctx, EventLog.events(ctx)).isEqualTo("b");
      b.body(url + "invalidate");
      b.body(url + "set&name=x&value=1"); // a new session ...
      b.body(url + "shortLife"); // ... that times out:
    }
    Thread.sleep(2_100);
    for (String ctx : CONTEXTS) {
      ((ManagerBase) server.context(ctx).getManager()).processExpires();
      browsers.get(ctx).body(server.url(ctx + "/?op=listening&name=d")); // alive at shutdown
    }
    server.close();

    List<String> expected = EventLog.events("/std");
    assertThat(EventLog.events("/mem")).isEqualTo(expected);
    // The script reached every kind of event (else equal lists would prove little):
    assertThat(expected)
        .contains(
            "s1 created",
            "s1 replaced a (was 1)",
            "s1 bound b",
            "s1 id changed",
            "s2 is the new id",
            "s2 will passivate c",
            "s2 did activate c",
            "s2 destroyed",
            "s2 unbound b",
            "s3 destroyed",
            "s4 will passivate d");
    System.out.println(
        "StandardManager and MemFileManager events:\n" + String.join("\n", expected));
  }

  private TestServer start() throws Exception {
    MemFileManager memFile = new MemFileManager();
    memFile.setSaveFile("sessions.jsonl"); // in the context's work directory
    memFile.setAllowedTypes("dev.memfilestore.tomcat.ListeningValue");
    RecordingListener listener = new RecordingListener();
    TestServer server = new TestServer(dir);
    StandardManager standard = new StandardManager();
    standard.setPathname("SESSIONS.ser"); // persistence across restarts, off by default in 11
    server.addContext("/std", new ScriptServlet(), standard, sc -> sc.addListener(listener));
    server.addContext("/mem", new ScriptServlet(), memFile, sc -> sc.addListener(listener));
    return server.start();
  }
}
