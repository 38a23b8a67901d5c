package dev.memfilestore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-GCM seal of one file's records in format version 2 (see {@code docs/FORMAT.md}, "Sealed
 * records"): each file has its own key, derived with HKDF-SHA256 from the configured key and a
 * random 128-bit salt in the file's header; a record's nonce is its line number, and its associated
 * data names the kind of file, the store, the generation and the line. A record therefore opens
 * only at the very line of the very file it was sealed for: moved, repeated, dropped (the lines
 * after it shift) or taken from another file or store, it fails authentication.
 *
 * <p>Not thread-safe: a snapshot writer, a journal (under its lock) and each reader own one.
 */
final class FileSeal {
  /** The kind of file: a snapshot's records. */
  static final byte SNAPSHOT = 'S';

  /** The kind of file: a journal's records. */
  static final byte JOURNAL = 'J';

  private static final int TAG_BITS = 128;
  private static final int SALT_BYTES = 16;
  private static final byte[] KDF_INFO =
      "memfilestore/2 record key".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] AAD_LABEL = "memfilestore/2".getBytes(StandardCharsets.US_ASCII);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The header's {@code salt}: base64url of 16 random bytes, without padding. */
  final String salt;

  private final SecretKey fileKey;
  private final Cipher cipher;
  private final byte[] nonce = new byte[12]; // 4 zero bytes, then the line number
  private final byte[] aad; // label, kind, generation, line (8 bytes at LINE_AT), store id
  private static final int LINE_AT = AAD_LABEL.length + 1 + 8;

  private FileSeal(SecretKey key, byte kind, String store, long generation, String salt)
      throws GeneralSecurityException {
    this.salt = salt;
    byte[] saltBytes = Base64.getUrlDecoder().decode(salt);
    this.fileKey = new SecretKeySpec(hkdf(key.getEncoded(), saltBytes), "AES");
    this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
    byte[] storeBytes = (store == null ? "" : store).getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(LINE_AT + 8 + storeBytes.length);
    b.put(AAD_LABEL).put(kind).putLong(generation).putLong(0).put(storeBytes);
    this.aad = b.array();
  }

  /** A seal for a new file, with a fresh random salt. */
  static FileSeal create(SecretKey key, byte kind, String store, long generation) {
    try {
      return new FileSeal(key, kind, store, generation, randomId());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot derive the file key for AES-GCM", e);
    }
  }

  /** The seal of an existing file, or null if its salt is not one. */
  static FileSeal of(SecretKey key, byte kind, String store, long generation, String salt) {
    if (salt == null || !salt.matches("[A-Za-z0-9_-]{22}")) {
      return null;
    }
    try {
      return new FileSeal(key, kind, store, generation, salt);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return null;
    }
  }

  /** A random 128-bit identifier in base64url without padding (22 characters). */
  static String randomId() {
    byte[] bytes = new byte[SALT_BYTES];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Returns the ciphertext and tag of the record at this line. */
  byte[] seal(byte[] plain, int offset, int length, long line) {
    try {
      init(Cipher.ENCRYPT_MODE, line);
      return cipher.doFinal(plain, offset, length);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM failed to encrypt a record", e);
    }
  }

  /** Returns the plaintext, or null if these bytes were not sealed at this line of this file. */
  byte[] open(byte[] sealed, long line) {
    if (sealed.length < TAG_BITS / 8) {
      return null;
    }
    try {
      init(Cipher.DECRYPT_MODE, line);
      return cipher.doFinal(sealed);
    } catch (AEADBadTagException e) {
      return null;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM failed to decrypt a record", e);
    }
  }

  private void init(int mode, long line) throws GeneralSecurityException {
    for (int i = 0; i < 8; i++) {
      byte b = (byte) (line >>> (56 - 8 * i));
      nonce[4 + i] = b;
      aad[LINE_AT + i] = b;
    }
    cipher.init(mode, fileKey, new GCMParameterSpec(TAG_BITS, nonce));
    cipher.updateAAD(aad);
  }

  /** HKDF-SHA256 (RFC 5869): extract with the salt, expand one block, keep the key's length. */
  private static byte[] hkdf(byte[] key, byte[] salt) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(salt, "HmacSHA256"));
    byte[] prk = mac.doFinal(key);
    mac.init(new SecretKeySpec(prk, "HmacSHA256"));
    mac.update(KDF_INFO);
    mac.update((byte) 1);
    byte[] okm = mac.doFinal();
    Arrays.fill(prk, (byte) 0);
    return Arrays.copyOf(okm, key.length);
  }
}
