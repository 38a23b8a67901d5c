package dev.memfilestore.tomcat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A child JVM running an embedded Tomcat whose sessions live in a {@link MemFileManager}: prints
 * {@code PORT n} once it listens, and on a {@code stop} line from stdin stops Tomcat gracefully and
 * prints {@code STOPPED}. Arguments: the save file, Tomcat's base directory.
 */
public final class TomcatWorkerMain {
  private TomcatWorkerMain() {}

  public static void main(String[] args) throws Exception {
    MemFileManager manager = new MemFileManager();
    manager.setSaveFile(args[0]);
    TestServer server = new TestServer(Path.of(args[1]));
    server.addContext("", new CounterServlet(), manager);
    server.start();
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
