package dev.memfilestore.tomcat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.scan.StandardJarScanner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manager configured the way Tomcat users do: a {@code <Manager>} in META-INF/context.xml. */
class ContextXmlTest {
  @TempDir Path dir;

  @Test
  @SuppressWarnings("deprecation") // addServletMappingDecoded: the simplest mapping in a test
  void isConfiguredFromContextXml() throws Exception {
    Path saveFile = dir.resolve("data/app-sessions.jsonl");
    Path webapp = Files.createDirectories(dir.resolve("webapp/META-INF"));
    Files.writeString(
        webapp.resolve("context.xml"),
        """
        <Context>
          <Manager className="dev.memfilestore.tomcat.MemFileManager"
                   saveFile="%s" max="500" durability="journal_sync" savePeriod="300"
                   allowedTypes="com.example.*, com.example.dto.**"/>
        </Context>
        """
            .formatted(saveFile));

    Browser browser = new Browser();
    for (int visit = 1; visit <= 2; visit++) {
      try (TestServer server = new TestServer(dir.resolve("tomcat"))) {
        server.tomcat.setAddDefaultWebXmlToWebapp(false);
        Context ctx = server.tomcat.addWebapp("", webapp.getParent().toString());
        ((StandardJarScanner) ctx.getJarScanner()).setScanClassPath(false);
        Tomcat.addServlet(ctx, "counter", new CounterServlet());
        ctx.addServletMappingDecoded("/*", "counter");
        server.start();

        MemFileManager manager = (MemFileManager) ctx.getManager();
        assertThat(manager.getMax()).isEqualTo(500);
        assertThat(manager.getDurability()).isEqualTo("JOURNAL_SYNC");
        assertThat(manager.getSavePeriod()).isEqualTo(300);
        assertThat(manager.getAllowedTypes()).isEqualTo("com.example.*, com.example.dto.**");
        assertThat(browser.body(server.url("/count"))).isEqualTo("visits=" + visit);
      }
      assertThat(saveFile).exists(); // the snapshot written when the context stopped
    }
  }
}
