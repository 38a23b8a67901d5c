package dev.memfilestore.jetty;

import dev.memfilestore.Durability;
import dev.memfilestore.MemFileStore;
import dev.memfilestore.SessionSerializer;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.jetty.session.AbstractSessionDataStoreFactory;
import org.eclipse.jetty.session.SessionDataStore;
import org.eclipse.jetty.session.SessionManager;

/**
 * Keeps Jetty's sessions in a {@link MemFileStore}: in memory, bounded, and persisted to one
 * crash-safe file, so sessions survive a restart and a {@code kill -9}. Add it to the server and
 * every context's session handler uses it:
 *
 * <pre>{@code
 * MemFileSessionDataStoreFactory sessions = new MemFileSessionDataStoreFactory();
 * sessions.setSaveFile("/var/lib/myapp/sessions.json");
 * sessions.setAllowedTypes("com.example.**");   // the application's attribute classes
 * server.addBean(sessions);
 * }</pre>
 *
 * <p>The contexts that use one factory share one store and one file; each context sees only its own
 * sessions (keys carry the context path and virtual host). The store opens when the first context
 * starts and closes, saving, when the last one stops; settings changed in between take effect at
 * the next opening. Session ids are never used to build a path.
 *
 * <p>Attributes are Java-serialized by default ({@link SessionSerializer#java(String...)}) and read
 * back through an allow-list: only JDK value types and the classes named by {@link
 * #setAllowedTypes(String)} are ever loaded, through the web application's class loader. A session
 * that cannot be read is reported to Jetty as an {@code UnreadableSessionDataException}.
 */
public class MemFileSessionDataStoreFactory extends AbstractSessionDataStoreFactory {
  private String saveFile;
  private String encryptionKeyFile;
  private boolean encryptExistingPlainFiles;
  private int snapshotPeriodSec = 300;
  private int checkPeriodSec = 60;
  private long max;
  private long loadBudget;
  private Durability durability = Durability.JOURNAL;
  private String serializer = "java";
  private String allowedTypes = "";
  private final SharedStore shared = new SharedStore(this::buildStore);

  /** A factory for an in-memory store until {@link #setSaveFile(String)} names a file. */
  public MemFileSessionDataStoreFactory() {}

  @Override
  public SessionDataStore getSessionDataStore(SessionManager manager) {
    MemFileSessionDataStore store =
        new MemFileSessionDataStore(shared, new SessionRecords(attributeSerializer()));
    store.setGracePeriodSec(getGracePeriodSec());
    store.setSavePeriodSec(getSavePeriodSec());
    return store;
  }

  /** For tests: the open core store, or null when no context uses it. */
  MemFileStore currentStore() {
    return shared.current();
  }

  private SessionSerializer attributeSerializer() {
    return serializer(serializer, allowedTypes);
  }

  /** The named serializer with the patterns, or with none when they are blank. */
  private static SessionSerializer serializer(String name, String allowedTypes) {
    return allowedTypes.isBlank()
        ? SessionSerializer.named(name)
        : SessionSerializer.named(name, allowedTypes);
  }

  private MemFileStore buildStore() {
    MemFileStore.Builder builder = MemFileStore.builder();
    if (checkPeriodSec > 0) {
      builder.checkPeriod(Duration.ofSeconds(checkPeriodSec));
    }
    if (max > 0) {
      builder.max(max);
    }
    if (saveFile != null) {
      builder.saveFile(Path.of(saveFile)).durability(durability);
      if (snapshotPeriodSec > 0) {
        builder.savePeriod(Duration.ofSeconds(snapshotPeriodSec));
      }
      if (encryptionKeyFile != null) {
        builder
            .encryptionKeyFile(Path.of(encryptionKeyFile))
            .encryptExistingPlainFiles(encryptExistingPlainFiles);
      }
      if (loadBudget > 0) {
        builder.loadBudget(loadBudget);
      }
    }
    // Jetty's metadata and one byte[] per session: JDK types only, whatever the applications hold.
    return builder.serializer(SessionSerializer.json()).build();
  }

  /**
   * The file sessions are persisted to (the core's {@code saveFile}); unset, sessions live in
   * memory only. Missing directories are created, owner-only.
   *
   * @param saveFile a path, e.g. {@code /var/lib/myapp/sessions.json}, or null for memory only
   */
  public void setSaveFile(String saveFile) {
    this.saveFile = saveFile == null || saveFile.isBlank() ? null : saveFile;
  }

  /**
   * Encrypts the save file and journal (AES-GCM) with the key in this file: 16, 24 or 32 bytes, raw
   * or in base64 (make one with {@code head -c 32 /dev/urandom > key && chmod 600 key}). Keep it
   * outside the save file's directory. Read when the store opens.
   *
   * @param encryptionKeyFile a path, or null for plain files
   */
  public void setEncryptionKeyFile(String encryptionKeyFile) {
    this.encryptionKeyFile =
        encryptionKeyFile == null || encryptionKeyFile.isBlank() ? null : encryptionKeyFile;
  }

  /**
   * The encryption key file.
   *
   * @return the path, or null for plain files
   */
  public String getEncryptionKeyFile() {
    return encryptionKeyFile;
  }

  /**
   * Lets a configured encryption key load plain (unencrypted) save files and journals once and
   * encrypt them: for the one start that moves an existing plain store to encryption (see the
   * core's {@code MemFileStore.Builder.encryptExistingPlainFiles}). Without it, a store with a key
   * refuses a plain file at start-up. Default: false.
   *
   * @param encrypt true to load plain files once and encrypt them
   */
  public void setEncryptExistingPlainFiles(boolean encrypt) {
    this.encryptExistingPlainFiles = encrypt;
  }

  /**
   * Whether plain files are loaded once and encrypted.
   *
   * @return true if they are
   */
  public boolean isEncryptExistingPlainFiles() {
    return encryptExistingPlainFiles;
  }

  /**
   * The file sessions are persisted to.
   *
   * @return the path, or null for memory only
   */
  public String getSaveFile() {
    return saveFile;
  }

  /**
   * Seconds between snapshots of the whole store to the file (the core's {@code savePeriod});
   * default 300, 0 for none (then only the journal, shutdown and compaction write the file). Not to
   * be confused with Jetty's {@link #setSavePeriodSec(int)}, which is about single sessions.
   *
   * @param seconds 0 or more
   */
  public void setSnapshotPeriodSec(int seconds) {
    this.snapshotPeriodSec = notNegative("snapshotPeriodSec", seconds);
  }

  /**
   * Seconds between snapshots.
   *
   * @return the period, 0 for none
   */
  public int getSnapshotPeriodSec() {
    return snapshotPeriodSec;
  }

  /**
   * Seconds between sweeps of sessions that expired long ago (the core's {@code checkPeriod});
   * default 60, 0 for none. Jetty's own scavenger handles sessions as they expire.
   *
   * @param seconds 0 or more
   */
  public void setCheckPeriodSec(int seconds) {
    this.checkPeriodSec = notNegative("checkPeriodSec", seconds);
  }

  /**
   * Seconds between sweeps.
   *
   * @return the period, 0 for none
   */
  public int getCheckPeriodSec() {
    return checkPeriodSec;
  }

  /**
   * The most sessions kept, across all contexts (the core's {@code max}); when it is reached the
   * sessions used least are dropped. Default 0: unbounded. A dropped session is gone for good: like
   * an invalidated one, it is never stored again (a {@code DefaultSessionCache} may still hold it
   * in memory until it leaves the cache).
   *
   * @param max 0 for unbounded, or at least 1
   */
  public void setMax(long max) {
    if (max < 0) {
      throw new IllegalArgumentException("max must be 0 (unbounded) or more but was " + max);
    }
    this.max = max;
  }

  /**
   * The bound on sessions.
   *
   * @return the bound, 0 for unbounded
   */
  public long getMax() {
    return max;
  }

  /**
   * The heap, in bytes, that the sessions loaded from the save file when the store opens may take
   * (the core's {@link MemFileStore.Builder#loadBudget(long) loadBudget}). A file whose sessions
   * would take more stops the first context's start with an {@link IllegalStateException} that says
   * so, and the files are left as they were. Default 0: three quarters of the JVM's maximum heap
   * ({@code -Xmx}).
   *
   * @param bytes 0 for the default, or at least 1
   */
  public void setLoadBudget(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException(
          "loadBudget must be 0 (the default: three quarters of -Xmx) or more bytes but was "
              + bytes);
    }
    this.loadBudget = bytes;
  }

  /**
   * The load budget.
   *
   * @return the budget in bytes, 0 for the default
   */
  public long getLoadBudget() {
    return loadBudget;
  }

  /**
   * How much a crash may lose: {@code SNAPSHOT}, {@code JOURNAL} (default: a {@code kill -9} loses
   * nothing that was saved) or {@code JOURNAL_SYNC}. See {@link Durability#parse(String)}.
   *
   * @param durability the mode's name, in any case
   * @throws IllegalArgumentException if it names no mode
   */
  public void setDurability(String durability) {
    this.durability = Durability.parse(durability);
  }

  /**
   * The durability mode.
   *
   * @return its name
   */
  public String getDurability() {
    return durability.name();
  }

  /**
   * How attribute values are encoded: {@code java} (default: Java serialization, for {@code
   * Serializable} beans) or {@code json}. Both read only allow-listed classes.
   *
   * @param serializer {@code java} or {@code json}, in any case
   * @throws IllegalArgumentException for any other name
   */
  public void setSerializer(String serializer) {
    this.serializer = SessionSerializer.named(serializer).name(); // fails now, naming it
  }

  /**
   * The attribute encoding.
   *
   * @return {@code java} or {@code json}
   */
  public String getSerializer() {
    return serializer;
  }

  /**
   * The application's attribute classes, beyond the JDK value types that are always allowed:
   * patterns separated by commas or spaces, e.g. {@code com.example.Cart, com.example.model.**}
   * ({@code Cart} one class, {@code model.*} a package, {@code model.**} a package and its
   * sub-packages). A class not allowed is refused when stored and never loaded when read.
   *
   * @param patterns the patterns, or null or blank for none
   * @throws IllegalArgumentException if a pattern is malformed or allows everything
   */
  public void setAllowedTypes(String patterns) {
    String value = patterns == null ? "" : patterns.trim();
    serializer(serializer, value); // fails now, naming the bad pattern
    this.allowedTypes = value;
  }

  /**
   * The allowed attribute classes.
   *
   * @return the patterns, as set
   */
  public String getAllowedTypes() {
    return allowedTypes;
  }

  private static int notNegative(String name, int seconds) {
    if (seconds < 0) {
      throw new IllegalArgumentException(name + " must be 0 or more but was " + seconds);
    }
    return seconds;
  }
}
