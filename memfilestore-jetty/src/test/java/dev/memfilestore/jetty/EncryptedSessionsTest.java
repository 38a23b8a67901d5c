package dev.memfilestore.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.session.DefaultSessionCacheFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code encryptionKeyFile} (here a base64 key): the save file holds no session id or attribute in
 * the clear, and the session comes back after a restart with the same key.
 */
class EncryptedSessionsTest {
  @TempDir Path dir;

  private Server start(Path saveFile, Path keyFile) throws Exception {
    return start(saveFile, keyFile, false);
  }

  private Server start(Path saveFile, Path keyFile, boolean encryptExistingPlainFiles)
      throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setPort(0);
    server.addConnector(connector);
    MemFileSessionDataStoreFactory sessions = new MemFileSessionDataStoreFactory();
    sessions.setSaveFile(saveFile.toString());
    sessions.setEncryptionKeyFile(keyFile == null ? null : keyFile.toString());
    sessions.setEncryptExistingPlainFiles(encryptExistingPlainFiles);
    sessions.setAllowedTypes("dev.memfilestore.jetty.Account");
    server.addBean(sessions);
    DefaultSessionCacheFactory caches = new DefaultSessionCacheFactory();
    caches.setFlushOnResponseCommit(true);
    server.addBean(caches);
    ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
    context.setContextPath("/app");
    context.addServlet(SessionServer.VisitServlet.class, "/*");
    server.setHandler(context);
    server.start();
    return server;
  }

  @Test
  void theFileIsSealedAndTheSessionComesBackWithTheKey() throws Exception {
    Path keyFile = dir.resolve("session.key");
    Files.writeString(keyFile, Base64.getEncoder().encodeToString(new byte[32]) + "\n");
    Path saveFile = dir.resolve("data/sessions.json");
    CookieManager cookies = new CookieManager();
    HttpClient browser = HttpClient.newBuilder().cookieHandler(cookies).build();

    Server first = start(saveFile, keyFile);
    try {
      assertThat(get(browser, first, "/app/login?user=ada-lovelace"))
          .isEqualTo("visits=1 user=ada-lovelace");
    } finally {
      first.stop();
    }
    String id = cookies.getCookieStore().getCookies().get(0).getValue().replaceAll("\\..*", "");
    assertThat(id).hasSizeGreaterThan(10);
    String file = Files.readString(saveFile, StandardCharsets.ISO_8859_1);
    assertThat(file).contains("AES-GCM").doesNotContain(id).doesNotContain("jetty.maxInactiveMs");

    Server second = start(saveFile, keyFile);
    try {
      assertThat(get(browser, second, "/app/")).isEqualTo("visits=2 user=ada-lovelace");
    } finally {
      second.stop();
    }
  }

  @Test
  void encryptExistingPlainFilesEncryptsAPlainStoreAndItsSessionsStay() throws Exception {
    Path keyFile = dir.resolve("session.key");
    Files.writeString(keyFile, Base64.getEncoder().encodeToString(new byte[32]) + "\n");
    Path saveFile = dir.resolve("data/sessions.json");
    HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    Server plain = start(saveFile, null);
    try {
      assertThat(get(browser, plain, "/app/login?user=ada")).isEqualTo("visits=1 user=ada");
    } finally {
      plain.stop();
    }
    assertThat(Files.readString(saveFile, StandardCharsets.ISO_8859_1)).doesNotContain("AES-GCM");

    Server encrypting = start(saveFile, keyFile, true);
    try {
      assertThat(Files.readString(saveFile, StandardCharsets.ISO_8859_1))
          .as("encrypted as the store opened")
          .contains("AES-GCM");
      assertThat(get(browser, encrypting, "/app/")).isEqualTo("visits=2 user=ada");
    } finally {
      encrypting.stop();
    }
  }

  private static String get(HttpClient browser, Server server, String path) throws Exception {
    int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    return browser
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
