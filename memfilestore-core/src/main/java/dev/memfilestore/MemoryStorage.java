package dev.memfilestore;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/** The storage of a store without a save file: sessions live in memory only. */
final class MemoryStorage extends Storage {
  @Override
  Path saveFile() {
    return null;
  }

  @Override
  boolean recordsChanges() {
    return false;
  }

  @Override
  ByteBuffer prepare(String id, StoredSession next) {
    return null;
  }

  @Override
  void record(Change change, String id, StoredSession next, ByteBuffer prepared) {}

  @Override
  void complete(Change change) {}

  @Override
  void save() {
    throw new IllegalStateException(
        "no saveFile is configured: set one with MemFileStore.builder().saveFile(...)");
  }

  @Override
  void close(boolean atShutdown) {
    awaitChangesInFlight();
  }

  @Override
  void crash() {}
}
