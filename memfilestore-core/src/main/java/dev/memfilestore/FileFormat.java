package dev.memfilestore;

import javax.crypto.SecretKey;

/**
 * The file format's home (see {@code docs/FORMAT.md}): the names and version a header carries, the
 * limits a reader applies, the value of "never expires", and how one set of files encodes sessions:
 * which serializer wrote them, whether their bytes are embedded as JSON or as base64, and the key
 * that encrypts records (null: plain).
 *
 * <p>Whether sessions are embedded as JSON is decided once, when the format is made: a store embeds
 * them when its serializer is the built-in JSON one (whose bytes are always one JSON object); a
 * reader takes the file's word for it (the header's {@code encoding}, or, when the header is lost,
 * the member each record uses).
 *
 * <p>{@code store} is the store's identity (version 2): a random id written in the header of its
 * save file and of every journal, so that another store's journal is told apart; null until known.
 */
record FileFormat(String serializer, boolean embedJson, SecretKey key, String store) {
  /** The {@code format} of a save file's header. */
  static final String SNAPSHOT = "memfilestore-sessions";

  /** The {@code format} of a journal's header. */
  static final String JOURNAL = "memfilestore-journal";

  /**
   * The version of both formats that this release writes. Version 2 adds the journal's {@code
   * touch} record (a reader of version 1 would take it for damage), the store id in every header,
   * and sealed records bound to their line of their file. Version 3 adds the journal's {@code
   * patch} record (a reader of version 2 would take it for damage and stop replaying there).
   */
  static final int VERSION = 3;

  /** The oldest version this release still reads: version 1 has no store id and no sealed order. */
  static final int OLDEST_VERSION = 1;

  /** No line is anywhere near this long; a longer one is damage, not data. */
  static final int MAX_LINE = 64 * 1024 * 1024;

  /** A record's expiry, in epoch milliseconds, when the file says {@code "expires":null}. */
  static final long NO_EXPIRY = Long.MAX_VALUE;

  /** The header's {@code encoding} when sessions are embedded as JSON objects. */
  static final String JSON = "json";

  /** The header's {@code encoding} when sessions are base64 strings. */
  static final String BASE64 = "base64";

  /** Why a header cannot be read as it is; each caller turns it into its own error. */
  enum Mismatch {
    /** A format version this release does not read. */
    VERSION,
    /** Written by another serializer. */
    SERIALIZER,
    /** Encrypted, and no key is configured. */
    NEEDS_KEY,
    /** Encrypted with another key (or another cipher). */
    OTHER_KEY,
    /** Plain, and a key is configured (a store reads it; the inspector refuses it). */
    UNENCRYPTED
  }

  FileFormat(String serializer, boolean embedJson, SecretKey key) {
    this(serializer, embedJson, key, null);
  }

  /** This format for the files of one store. */
  FileFormat withStore(String storeId) {
    return new FileFormat(serializer, embedJson, key, storeId);
  }

  /** The format a store writes with this serializer. */
  static FileFormat of(SessionSerializer serializer, SecretKey key) {
    return new FileFormat(serializer.name(), serializer instanceof JsonSessionSerializer, key);
  }

  /**
   * The format a file declares.
   *
   * @param serializer the header's serializer, or null if unknown (then any is accepted)
   * @param encoding the header's encoding
   */
  static FileFormat declared(String serializer, String encoding, SecretKey key) {
    return new FileFormat(serializer, JSON.equals(encoding), key);
  }

  /** The header's {@code encoding} for this format. */
  String encoding() {
    return embedJson ? JSON : BASE64;
  }

  RecordEncoder encoder() {
    return new RecordEncoder(embedJson, key);
  }

  /** A new cipher for a reader, or null without a key. */
  RecordCipher decryptor() {
    return key == null ? null : new RecordCipher(key);
  }

  /**
   * The one header check: whether files with this header can be read in this format.
   *
   * @return what does not match, or null if the header fits
   */
  Mismatch check(RecordDecoder.Header header) {
    if (header.version() < OLDEST_VERSION || header.version() > VERSION) {
      return Mismatch.VERSION;
    }
    if (serializer != null && !serializer.equals(header.serializer())) {
      return Mismatch.SERIALIZER;
    }
    if (header.cipher() != null && key == null) {
      return Mismatch.NEEDS_KEY;
    }
    if (header.cipher() != null
        && (!RecordCipher.NAME.equals(header.cipher())
            || !new RecordCipher(key).matches(header.keyCheck()))) {
      return Mismatch.OTHER_KEY;
    }
    if (header.cipher() == null && key != null) {
      return Mismatch.UNENCRYPTED;
    }
    return null;
  }
}
