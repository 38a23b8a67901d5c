package dev.memfilestore;

import javax.crypto.SecretKey;

/**
 * How a store's files encode sessions: which serializer wrote them, whether its bytes are JSON to
 * embed as they are, and the key that encrypts records (null: plain).
 */
record FileFormat(String serializer, boolean embedJson, SecretKey key) {

  RecordEncoder encoder() {
    return new RecordEncoder(embedJson, key);
  }

  /** A new cipher for a reader, or null without a key. */
  RecordCipher decryptor() {
    return key == null ? null : new RecordCipher(key);
  }

  /**
   * The plain JSON object of a record line, or null if it cannot be had: decrypted when the file is
   * encrypted (or its header is lost and a key is configured), else the line itself.
   *
   * @param header the file's header, or null if it is lost
   */
  static byte[] plainRecord(
      byte[] line, int length, RecordDecoder.Header header, RecordCipher decryptor) {
    boolean encrypted = header != null && header.cipher() != null;
    if (decryptor != null && (encrypted || header == null)) {
      byte[] plain = RecordDecoder.decrypt(line, length, decryptor);
      if (plain != null || encrypted) {
        return plain;
      }
    }
    return length == line.length ? line : java.util.Arrays.copyOf(line, length);
  }
}
