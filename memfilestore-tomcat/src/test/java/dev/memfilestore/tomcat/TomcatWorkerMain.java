package dev.memfilestore.tomcat;

import dev.memfilestore.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A child JVM running an embedded Tomcat whose sessions live in a {@link MemFileManager}: prints
 * {@code PORT n} once it listens, and on a {@code stop} line from stdin stops Tomcat gracefully and
 * prints {@code STOPPED}. Arguments: the save file, Tomcat's base directory, and optionally {@code
 * stop-on-sigterm}: then a shutdown hook stops Tomcat, as Catalina's and Spring Boot's do, after a
 * short delay such as a graceful shutdown takes (so the store's own hook closes the store first).
 */
public final class TomcatWorkerMain {
  private TomcatWorkerMain() {}

  public static void main(String[] args) throws Exception {
    MemFileManager manager = new MemFileManager();
    manager.setSaveFile(args[0]);
    TestServer server = new TestServer(Path.of(args[1]));
    server.addContext("", new CounterServlet(), manager);
    server.start();
    if (args.length > 2 && args[2].equals("stop-on-sigterm")) {
      ChildJvm.stopLateAtShutdown("stop-tomcat", server::close);
    }
    System.out.println("PORT " + server.port());
    System.out.flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.equals("stop")) {
        server.close();
        System.out.println("STOPPED");
        System.out.flush();
        return;
      }
    }
  }
}
