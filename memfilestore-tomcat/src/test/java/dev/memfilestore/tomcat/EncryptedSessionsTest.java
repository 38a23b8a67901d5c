package dev.memfilestore.tomcat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code encryptionKeyFile}: what reaches the disk is sealed (no session id in the clear), and the
 * sessions come back after a restart with the same key.
 */
class EncryptedSessionsTest {
  @TempDir Path dir;

  private MemFileManager manager(Path keyFile) {
    MemFileManager manager = new MemFileManager();
    manager.setSaveFile(dir.resolve("data/sessions.jsonl").toString());
    manager.setEncryptionKeyFile(keyFile == null ? null : keyFile.toString());
    return manager;
  }

  @Test
  void sessionsAreSealedOnDiskAndComeBackWithTheKey() throws Exception {
    Path keyFile = dir.resolve("session.key");
    Files.write(keyFile, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
    Browser browser = new Browser();
    String id;
    try (TestServer server = new TestServer(dir.resolve("tomcat"))) {
      server.addContext("", new CounterServlet(), manager(keyFile));
      server.start();
      assertThat(browser.body(server.url("/count"))).isEqualTo("visits=1");
      assertThat(browser.body(server.url("/count"))).isEqualTo("visits=2");
      id = browser.sessionId().orElseThrow();
    }

    try (Stream<Path> files = Files.list(dir.resolve("data"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String content = Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(content).as("%s", f).doesNotContain(id);
      }
    }
    assertThat(Files.readString(dir.resolve("data/sessions.jsonl"))).contains("AES-GCM");

    try (TestServer server = new TestServer(dir.resolve("tomcat"))) {
      server.addContext("", new CounterServlet(), manager(keyFile));
      server.start();
      assertThat(browser.body(server.url("/count"))).isEqualTo("visits=3");
    }
  }

  @Test
  void encryptExistingPlainFilesEncryptsAPlainStoreAndItsSessionsStay() throws Exception {
    Path keyFile = dir.resolve("session.key");
    Files.write(keyFile, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
    Browser browser = new Browser();
    try (TestServer server = new TestServer(dir.resolve("tomcat"))) {
      server.addContext("", new CounterServlet(), manager(null));
      server.start();
      assertThat(browser.body(server.url("/count"))).isEqualTo("visits=1");
    }
    assertThat(Files.readString(dir.resolve("data/sessions.jsonl"))).doesNotContain("AES-GCM");

    try (TestServer server = new TestServer(dir.resolve("tomcat"))) {
      MemFileManager encrypting = manager(keyFile);
      encrypting.setEncryptExistingPlainFiles(true);
      server.addContext("", new CounterServlet(), encrypting);
      server.start();
      assertThat(Files.readString(dir.resolve("data/sessions.jsonl"))).contains("AES-GCM");
      assertThat(browser.body(server.url("/count"))).isEqualTo("visits=2");
    }
  }
}
