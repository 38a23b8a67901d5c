package dev.memfilestore;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Writes a complete snapshot the way that survives a crash at any moment: into {@code
 * <saveFile>.tmp}, record by record (never the whole file in memory), then a trailer, then force to
 * disk, then an atomic rename over the save file, then force the directory. Until {@link #commit()}
 * returns, the previous save file is untouched.
 */
final class SnapshotWriter implements Closeable {
  private final Path saveFile;
  private final Path temporary;
  private final FileChannel channel;
  private final OutputStream out;
  private final RecordEncoder encoder;
  private long records;
  private boolean committed;

  /**
   * @param generation the first journal generation that this snapshot does not contain
   */
  SnapshotWriter(Path saveFile, long generation, FileFormat format, Instant now)
      throws IOException {
    this.saveFile = saveFile;
    this.temporary = SaveFiles.sibling(saveFile, ".tmp");
    this.encoder = format.encoder();
    Files.deleteIfExists(temporary); // a leftover of a crash; it may have another owner's mode
    this.channel =
        SaveFiles.openOwnerOnly(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
    FileSeal seal =
        format.key() == null
            ? null
            : FileSeal.create(format.key(), FileSeal.SNAPSHOT, format.store(), generation);
    encoder
        .header(FileFormat.SNAPSHOT, generation, format.serializer(), now, format.store(), seal)
        .writeTo(out);
  }

  void write(String id, long expiresAtMillis, byte[] session) throws IOException {
    encoder.writeSnapshotSession(out, id, expiresAtMillis, session);
    records++;
  }

  /** Finishes the file and puts it in place of the save file; returns its size in bytes. */
  long commit() throws IOException {
    encoder.trailer(records).writeTo(out);
    out.flush();
    channel.force(true);
    long size = channel.size();
    out.close();
    Files.move(
        temporary, saveFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    committed = true;
    SaveFiles.forceDirectory(saveFile.getParent());
    return size;
  }

  long records() {
    return records;
  }

  /** Abandons an uncommitted snapshot: the save file stays as it was. */
  @Override
  public void close() throws IOException {
    if (!committed) {
      try {
        out.close();
      } finally {
        Files.deleteIfExists(temporary);
      }
    }
  }
}
