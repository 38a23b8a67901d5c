package dev.memfilestore.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.PostgresServer;
import dev.memfilestore.SaveFileInspector;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.session.DatabaseAdaptor;
import org.eclipse.jetty.session.JDBCSessionDataStoreFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session created over HTTP on MemFileStore is served by Jetty's JDBC session store on a real
 * PostgreSQL after a restart with {@link MigratingSessionDataStoreFactory}: same cookie, same
 * attributes, same expiry; the save file no longer holds it and a copy of the old file is kept.
 */
class MigrationToJdbcTest {
  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().cookieHandler(new CookieManager()).build();

  private String get(int port, String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Test
  void aSignedInSessionMovesToJdbcAndStaysSignedIn() throws Exception {
    Path saveFile = dir.resolve("sessions.json");
    Server before = SessionServer.start(saveFile, "default");
    try {
      int port = SessionServer.port(before);
      assertThat(get(port, "/app/login?user=ada")).isEqualTo("visits=1 user=ada");
      assertThat(get(port, "/app/")).isEqualTo("visits=2 user=ada");
    } finally {
      before.stop();
    }
    String id =
        http.cookieHandler().orElseThrow() instanceof CookieManager m
            ? m.getCookieStore().getCookies().get(0).getValue()
            : null;
    assertThat(sessionsIn(saveFile)).hasSize(1);
    long moveStarted = System.currentTimeMillis();

    try (PostgresServer postgres = PostgresServer.start()) {
      for (int run = 1; run <= 2; run++) { // the second start finds nothing left to move
        Server after =
            SessionServer.start(
                saveFile,
                "default",
                memFile -> {
                  DatabaseAdaptor db = new DatabaseAdaptor();
                  db.setDriverInfo("org.postgresql.Driver", postgres.jdbcUrl() + "?user=postgres");
                  JDBCSessionDataStoreFactory jdbc = new JDBCSessionDataStoreFactory();
                  jdbc.setDatabaseAdaptor(db);
                  return new MigratingSessionDataStoreFactory(memFile, jdbc);
                });
        try {
          int port = SessionServer.port(after);
          if (run == 1) {
            try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", "");
                Statement s = c.createStatement();
                ResultSet r =
                    s.executeQuery(
                        "SELECT createtime, lastaccesstime FROM jettysessions WHERE sessionid = '"
                            + id.substring(0, id.indexOf('.') < 0 ? id.length() : id.indexOf('.'))
                            + "'")) {
              assertThat(r.next()).as("the session's row in PostgreSQL").isTrue();
              // the times came along: they are those of MemFileStore, not of the move
              assertThat(r.getLong(1)).isLessThan(moveStarted);
              assertThat(r.getLong(2)).isLessThan(moveStarted);
            }
          }
          assertThat(get(port, "/app/")).isEqualTo("visits=" + (2 + run) + " user=ada");
        } finally {
          after.stop();
        }
      }
    }
    assertThat(sessionsIn(saveFile)).isEmpty();
    List<Path> kept;
    try (Stream<Path> files = Files.list(dir)) {
      kept =
          files
              .filter(p -> p.getFileName().toString().startsWith("sessions.json.migrated-"))
              .toList();
    }
    assertThat(kept).isNotEmpty();
    for (Path copy : kept) { // session data: owner-only, like every file the store writes
      assertThat(
              java.nio.file.attribute.PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(copy)))
          .as("%s", copy.getFileName())
          .isEqualTo("rw-------");
    }
  }

  private static List<SaveFileInspector.Session> sessionsIn(Path saveFile) throws Exception {
    List<SaveFileInspector.Session> all = new ArrayList<>();
    SaveFileInspector.open(saveFile).forEachSession(all::add);
    return all;
  }
}
