package dev.memfilestore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on {@code <saveFile>.lock}, held for the store's lifetime, so that two stores
 * (in this JVM or another process) never write the same save file over each other.
 */
final class SaveFileLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private SaveFileLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static SaveFileLock acquire(Path saveFile) throws IOException {
    Path path = SaveFiles.sibling(saveFile, ".lock");
    FileChannel channel =
        SaveFiles.openOwnerOnly(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      channel.close();
      throw new IllegalStateException(
          saveFile
              + " is already used by another MemFileStore in this JVM: close it first, or give"
              + " each store its own saveFile",
          e);
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
    return new SaveFileLock(channel, lock);
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
