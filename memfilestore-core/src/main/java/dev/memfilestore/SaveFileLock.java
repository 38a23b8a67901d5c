package dev.memfilestore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An exclusive lock on {@code <saveFile>.lock}, held for the store's lifetime, so that two stores
 * (in this JVM or another process) never write the same save file over each other.
 */
final class SaveFileLock implements AutoCloseable {
  /**
   * Lock files held in this JVM. Checked before opening a channel: on Linux, closing any channel of
   * a file drops the whole process's lock on it, so a refused second store must never open one.
   */
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private final Path key;
  private final FileChannel channel;
  private final FileLock lock;

  private SaveFileLock(Path key, FileChannel channel, FileLock lock) {
    this.key = key;
    this.channel = channel;
    this.lock = lock;
  }

  static SaveFileLock acquire(Path saveFile) throws IOException {
    Path path = SaveFiles.sibling(saveFile, ".lock");
    Path key = path.getParent().toRealPath().resolve(path.getFileName());
    if (!HELD.add(key)) {
      throw new IllegalStateException(
          saveFile
              + " is already used by another MemFileStore in this JVM: close it first, or give"
              + " each store its own saveFile");
    }
    try {
      if (Files.isSymbolicLink(path)) {
        // A planted link would make the store create, chmod and lock a file of someone's choice.
        throw new IllegalStateException(
            path
                + " is a symbolic link; the store never opens its lock file through a link:"
                + " remove the link");
      }
      FileChannel channel =
          SaveFiles.openOwnerOnly(
              path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
      if (lock == null) {
        channel.close();
        throw new IllegalStateException(
            saveFile
                + " is already used by another process (it holds "
                + path
                + "): stop that process, or give each one its own saveFile");
      }
      return new SaveFileLock(key, channel, lock);
    } catch (IOException | RuntimeException e) {
      HELD.remove(key);
      throw e;
    }
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      try {
        channel.close();
      } finally {
        HELD.remove(key);
      }
    }
  }
}
