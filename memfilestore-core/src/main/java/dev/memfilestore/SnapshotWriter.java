package dev.memfilestore;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Base64;

/**
 * Writes a complete snapshot the way that survives a crash at any moment: into {@code
 * <saveFile>.tmp}, record by record (never the whole file in memory), then a trailer, then force to
 * disk, then an atomic rename over the save file, then force the directory. Until {@link #commit()}
 * returns, the previous save file is untouched.
 */
final class SnapshotWriter implements Closeable {
  static final String FORMAT = "memfilestore-sessions";
  static final int VERSION = 1;

  private final Path saveFile;
  private final Path temporary;
  private final FileChannel channel;
  private final OutputStream out;
  private final boolean embedJson;
  private final LineBuffer body = new LineBuffer();
  private long records;
  private boolean committed;

  /**
   * @param embedJson whether session bytes are JSON objects to embed as they are (else base64)
   */
  SnapshotWriter(Path saveFile, String serializerName, boolean embedJson, Instant now)
      throws IOException {
    this.saveFile = saveFile;
    this.temporary = SaveFiles.sibling(saveFile, ".tmp");
    this.embedJson = embedJson;
    Files.deleteIfExists(temporary); // a leftover of a crash; it may have another owner's mode
    this.channel =
        SaveFiles.openOwnerOnly(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
    body.reset();
    ascii("\"format\":\"" + FORMAT + "\",\"version\":" + VERSION + ",\"serializer\":");
    string(serializerName);
    ascii(",\"encoding\":\"" + (embedJson ? "json" : "base64") + "\",\"written\":\"" + now + "\"}");
    flushLine();
  }

  void write(String id, long expiresAtMillis, byte[] session) throws IOException {
    body.reset();
    ascii("\"id\":");
    string(id);
    ascii(",\"expires\":");
    if (expiresAtMillis == StoredSession.NEVER) {
      ascii("null");
    } else {
      ascii("\"" + Instant.ofEpochMilli(expiresAtMillis) + "\"");
    }
    if (embedJson) {
      ascii(",\"session\":");
      body.write(session);
    } else {
      ascii(",\"session64\":\"");
      body.write(Base64.getEncoder().encode(session));
      ascii("\"");
    }
    ascii("}");
    flushLine();
    records++;
  }

  /** Finishes the file and puts it in place of the save file; returns its size in bytes. */
  long commit() throws IOException {
    body.reset();
    ascii("\"end\":true,\"records\":" + records + "}");
    flushLine();
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

  /** A byte buffer whose array is written without a copy. */
  private static final class LineBuffer extends ByteArrayOutputStream {
    LineBuffer() {
      super(1024);
    }

    byte[] array() {
      return buf;
    }
  }

  private void ascii(String s) {
    body.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
  }

  private void string(String s) {
    body.write('"');
    body.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(s));
    body.write('"');
  }

  private void flushLine() throws IOException {
    ChecksummedLine.write(out, body.array(), body.size());
  }
}
