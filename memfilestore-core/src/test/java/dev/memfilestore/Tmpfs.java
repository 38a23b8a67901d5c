package dev.memfilestore;

import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A real, small tmpfs, for tests of a full disk; needs root (the test is skipped otherwise). */
final class Tmpfs implements AutoCloseable {
  final Path root;
  private final Path filler;

  private Tmpfs(Path root) {
    this.root = root;
    this.filler = root.resolve("filler");
  }

  /** Mounts a tmpfs of {@code size} (e.g. "4m") on a new directory under {@code parent}. */
  static Tmpfs mount(Path parent, String size) throws IOException, InterruptedException {
    assumeThat(System.getProperty("user.name"))
        .as("mounting a tmpfs to fill a disk needs root; skipped as another user")
        .isEqualTo("root");
    Path root = Files.createDirectory(parent.resolve("tmpfs"));
    Process mount =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", root.toString())
            .inheritIO()
            .start();
    assumeThat(mount.waitFor(30, TimeUnit.SECONDS) && mount.exitValue() == 0)
        .as("mount -t tmpfs failed (no CAP_SYS_ADMIN in this container?); skipped")
        .isTrue();
    return new Tmpfs(root);
  }

  /** Fills the file system to the last byte. */
  void fill() throws IOException {
    byte[] block = new byte[4096];
    try (OutputStream out = Files.newOutputStream(filler)) {
      while (true) {
        out.write(block);
      }
    } catch (IOException e) {
      if (!String.valueOf(e.getMessage()).contains("No space left")) {
        throw e;
      }
    }
  }

  /** Frees what {@link #fill()} took. */
  void free() throws IOException {
    Files.deleteIfExists(filler);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    for (int attempt = 0; attempt < 5; attempt++) {
      Process umount = new ProcessBuilder("umount", root.toString()).start();
      if (umount.waitFor(30, TimeUnit.SECONDS) && umount.exitValue() == 0) {
        return;
      }
      // Busy: a journal's mapped chunk is released only when the collector frees its buffer.
      System.gc();
      Thread.sleep(200);
    }
    Process lazy = new ProcessBuilder("umount", "-l", root.toString()).inheritIO().start();
    lazy.waitFor(30, TimeUnit.SECONDS);
  }
}
