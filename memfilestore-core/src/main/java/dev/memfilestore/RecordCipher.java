package dev.memfilestore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AES-GCM under the configured key itself, with a fresh random 96-bit nonce per seal: the header's
 * key check, and the records of format version 1 (each sealed on its own, bound to nothing), which
 * are still read. Version 2 seals records with {@link FileSeal}. Not thread-safe: every writer and
 * reader makes its own.
 */
final class RecordCipher {
  private static final Logger log = LoggerFactory.getLogger(MemFileStore.class);
  static final String NAME = "AES-GCM";
  private static final int NONCE = 12;
  private static final int TAG_BITS = 128;
  private static final byte[] AAD = "memfilestore-record".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] KEY_CHECK =
      "memfilestore-key-check".getBytes(StandardCharsets.US_ASCII);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKey key;
  private final Cipher cipher;

  RecordCipher(SecretKey key) {
    this.key = key;
    try {
      this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM offers no AES/GCM/NoPadding", e);
    }
  }

  /** Checks a key at configuration time, so a bad one fails at {@code build()}. */
  static void validate(SecretKey key) {
    byte[] encoded = key.getEncoded();
    int length = encoded == null ? -1 : encoded.length;
    if (!"AES".equalsIgnoreCase(key.getAlgorithm())
        || !(length == 16 || length == 24 || length == 32)) {
      throw new IllegalArgumentException(
          "encryptionKey must be an AES key of 128, 192 or 256 bits, but is "
              + key.getAlgorithm()
              + (length < 0 ? "" : " of " + length * 8 + " bits")
              + ": e.g. new SecretKeySpec(bytes32, \"AES\")");
    }
  }

  /** Returns nonce followed by ciphertext and tag. */
  byte[] seal(byte[] plain, int length) {
    byte[] nonce = new byte[NONCE];
    RANDOM.nextBytes(nonce);
    try {
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(AAD);
      byte[] out = Arrays.copyOf(nonce, NONCE + cipher.getOutputSize(length));
      cipher.doFinal(plain, 0, length, out, NONCE);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM failed to encrypt a record", e);
    }
  }

  /** Returns the plaintext, or null if the record was not sealed with this key or is damaged. */
  byte[] open(byte[] sealed) {
    if (sealed.length < NONCE + TAG_BITS / 8) {
      return null;
    }
    try {
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE));
      cipher.updateAAD(AAD);
      return cipher.doFinal(sealed, NONCE, sealed.length - NONCE);
    } catch (AEADBadTagException e) {
      return null;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM failed to decrypt a record", e);
    }
  }

  /** A value for the header that proves, without revealing it, which key sealed the file. */
  String keyCheck() {
    return Base64.getEncoder().encodeToString(seal(KEY_CHECK, KEY_CHECK.length));
  }

  boolean matches(String keyCheck) {
    try {
      byte[] plain = open(Base64.getDecoder().decode(keyCheck));
      return plain != null && Arrays.equals(plain, KEY_CHECK);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Reads an AES key from a file, raw or base64; see {@link MemFileStore#readEncryptionKey}. */
  static SecretKey readKey(Path keyFile) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(keyFile);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the encryption key file " + keyFile + ": " + e.getMessage(), e);
    }
    // Base64 text first, whatever its length: the base64 of a 16-byte key is itself 24 bytes long,
    // and must not be taken for a raw 24-byte key when the file lacks a final newline.
    String text = new String(bytes, StandardCharsets.ISO_8859_1).trim();
    if (text.matches("[A-Za-z0-9+/]+={0,2}")) {
      try {
        byte[] decoded = Base64.getDecoder().decode(text); // padding optional
        if (decoded.length == 16 || decoded.length == 24 || decoded.length == 32) {
          bytes = decoded;
        }
      } catch (IllegalArgumentException e) {
        // not base64 after all: raw bytes, checked below
      }
    }
    if (bytes.length != 16 && bytes.length != 24 && bytes.length != 32) {
      throw new IllegalArgumentException(
          keyFile
              + " holds no AES key: it must hold 16, 24 or 32 bytes, raw or in base64. Make one"
              + " with `head -c 32 /dev/urandom > "
              + keyFile
              + " && chmod 600 "
              + keyFile
              + "`");
    }
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(keyFile);
      if (permissions.contains(PosixFilePermission.GROUP_READ)
          || permissions.contains(PosixFilePermission.OTHERS_READ)) {
        log.warn("The encryption key file {} is readable by other users: chmod 600 it", keyFile);
      }
    } catch (IOException | UnsupportedOperationException e) {
      // not a POSIX file system: nothing to check
    }
    return new SecretKeySpec(bytes, "AES");
  }
}
