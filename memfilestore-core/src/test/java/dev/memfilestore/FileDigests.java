package dev.memfilestore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What a directory's files hold, to check that a failed start left every one byte-identical. */
public final class FileDigests {
  private FileDigests() {}

  /**
   * Each file's SHA-256, by name; the lock file is left out, since every start creates it.
   *
   * @param dir the directory
   * @return file name to hex digest, in name order
   * @throws IOException if the directory or a file cannot be read
   */
  public static Map<String, String> of(Path dir) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : list.filter(p -> !p.toString().endsWith(".lock")).toList()) {
        byte[] sha256;
        try {
          sha256 = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
        } catch (NoSuchAlgorithmException e) {
          throw new IllegalStateException(e);
        }
        files.put(p.getFileName().toString(), HexFormat.of().formatHex(sha256));
      }
    }
    return files;
  }
}
