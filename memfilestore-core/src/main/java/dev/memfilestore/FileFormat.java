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
}
