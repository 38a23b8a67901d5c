package dev.memfilestore.spring.boot;

import dev.memfilestore.MemFileStore;
import java.nio.file.Path;

/**
 * Another process that uses a save file: opens a store on it, prints {@code READY}, and keeps it
 * (and its lock) until its standard input closes.
 */
final class SaveFileHolderMain {
  private SaveFileHolderMain() {}

  public static void main(String[] args) throws Exception {
    try (MemFileStore store = MemFileStore.builder().saveFile(Path.of(args[0])).build()) {
      System.out.println("READY " + store.length()); // the sessions it holds
      System.out.flush();
      while (System.in.read() != -1) {
        // holds the file until the test ends
      }
    }
  }
}
