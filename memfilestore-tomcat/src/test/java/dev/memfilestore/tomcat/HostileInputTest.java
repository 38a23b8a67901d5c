package dev.memfilestore.tomcat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memfilestore.MemFileStore;
import dev.memfilestore.SessionData;
import dev.memfilestore.SessionSerializer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.Session;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an attacker can send or plant: session ids shaped like paths, encoded, with NUL, or very
 * long, over real HTTP in a cookie and in the URL, are refused or unknown (a new session with an id
 * Tomcat generated), and create no file; a planted serialized gadget is never deserialized.
 */
class HostileInputTest {
  private static final Pattern GENERATED_ID = Pattern.compile("[0-9A-F]{32}");

  @TempDir Path dir;

  static List<String> hostileIds() {
    return List.of(
        "../../../../../../etc/passwd",
        "..\\\\..\\\\..\\\\windows\\\\win.ini",
        "..\\..\\windows\\win.ini",
        "/etc/passwd",
        "/tmp/memfilestore-hostile",
        "C:\\Windows\\win.ini",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "..%2F..%2Fetc%2Fpasswd",
        "..%00",
        "%00",
        "abc%00.jsonl",
        "..",
        ".",
        "A".repeat(4_097),
        "B".repeat(6_000));
  }

  @Test
  void hostileSessionIdsAreRefusedOrUnknown() throws Exception {
    MemFileManager manager = new MemFileManager();
    manager.setSaveFile(dir.resolve("store/sessions.jsonl").toString());
    try (TestServer server = new TestServer(dir.resolve("tomcat"))) {
      Context ctx = server.addContext("", new CounterServlet(), manager);
      // Let Tomcat adopt the ids that clients send in a cookie on path "/" (for sessions shared
      // by several applications): the manager still refuses those that do not look like the ids
      // Tomcat generates.
      ctx.setSessionCookiePath("/");
      ctx.setValidateClientProvidedNewSessionId(false);
      server.start();
      List<Path> filesBefore = files();

      List<String> outcomes = new ArrayList<>();
      for (String id : hostileIds()) {
        check(Browser.getWithCookieHeader(server.url("/count"), "JSESSIONID=" + id), id, outcomes);
        // In the URL, a backslash must be escaped to be sent at all.
        String inUrl = id.replace("\\", "%5C");
        check(new Browser().get(server.url("/count;jsessionid=" + inUrl)), id, outcomes);
      }
      System.out.println("hostile ids: " + outcomes);

      assertThat(outcomes).contains("new session"); // most reach the manager
      for (Session s : manager.findSessions()) {
        assertThat(s.getIdInternal()).matches(GENERATED_ID);
      }
      assertThat(files()).containsExactlyInAnyOrderElementsOf(filesBefore);
      assertThat(Path.of("/tmp/memfilestore-hostile")).doesNotExist();
    }
  }

  /** Either refused (4xx) or served with a new session whose id Tomcat generated. */
  private static void check(HttpResponse<String> r, String id, List<String> outcomes) {
    String what = "id " + (id.length() > 40 ? id.substring(0, 40) + "…" : id);
    if (r.statusCode() >= 400 && r.statusCode() < 500) {
      outcomes.add("refused " + r.statusCode());
      return;
    }
    assertThat(r.statusCode()).as(what).isEqualTo(200);
    assertThat(r.body()).as(what).isEqualTo("visits=1");
    String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    String newId = cookie.substring("JSESSIONID=".length(), cookie.indexOf(';'));
    assertThat(newId).as(what).matches(GENERATED_ID).isNotEqualTo(id);
    outcomes.add("new session");
  }

  /** Every file under the test directory, except Tomcat's own per-request temp noise. */
  private List<Path> files() throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  @Test
  void aPlantedGadgetIsNeverDeserialized() throws Exception {
    String id = "0123456789ABCDEF0123456789ABCDEF";
    Path saveFile = plantGadget(dir.resolve("planted.jsonl"), id, "planted");
    Path control = plantGadget(dir.resolve("control.jsonl"), id, "control");
    GadgetTrap.READ.clear();

    MemFileManager manager = new MemFileManager();
    manager.setSaveFile(saveFile.toString());
    manager.setAllowedTypes("com.example.**");
    try (TestServer server = new TestServer(dir.resolve("tomcat"))) {
      server.addContext("", new CounterServlet(), manager);
      server.start();
      HttpResponse<String> r =
          Browser.getWithCookieHeader(server.url("/count"), "JSESSIONID=" + id);
      assertThat(r.body()).isEqualTo("visits=1");
      assertThat(r.headers().firstValue("Set-Cookie")).isPresent(); // a new session
    }
    assertThat(GadgetTrap.READ).isEmpty();

    // The control: with the class allowed, the same file does restore it (so the check above
    // would have seen a read).
    MemFileManager allowing = new MemFileManager();
    allowing.setSaveFile(control.toString());
    allowing.setAllowedTypes("dev.memfilestore.tomcat.GadgetTrap");
    try (TestServer server = new TestServer(dir.resolve("tomcat2"))) {
      server.addContext("", new CounterServlet(), allowing);
      server.start();
    }
    assertThat(GadgetTrap.READ).containsExactly("control");
  }

  /**
   * Writes a save file as an attacker who can write it would: a session holding a gadget, with a
   * store whose allow-list lets it through.
   */
  private static Path plantGadget(Path file, String id, String token) {
    try (MemFileStore planter =
        MemFileStore.builder()
            .saveFile(file)
            .serializer(SessionSerializer.java("dev.memfilestore.tomcat.GadgetTrap"))
            .build()) {
      SessionData session = new SessionData();
      session.setMaxInactiveInterval(Duration.ofHours(1));
      session.setAttribute("payload", new GadgetTrap(token));
      planter.set(id, session);
    }
    return file;
  }
}
