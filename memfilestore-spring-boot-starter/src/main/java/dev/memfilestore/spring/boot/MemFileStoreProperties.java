package dev.memfilestore.spring.boot;

import dev.memfilestore.Durability;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.session.FlushMode;
import org.springframework.session.SaveMode;
import org.springframework.util.unit.DataSize;

/**
 * The {@code memfilestore.*} properties: how the session store keeps, bounds and persists sessions.
 * The session timeout is Spring Boot's own {@code spring.session.timeout} (else {@code
 * server.servlet.session.timeout}, else 30 minutes).
 */
@ConfigurationProperties(prefix = "memfilestore")
public class MemFileStoreProperties {

  /** How session attributes are encoded in memory and on disk. */
  public enum Serializer {
    /**
     * Java serialization behind an allow-list; reads Spring Security's login state without
     * configuration.
     */
    JAVA,
    /** JSON with Java types; attribute types must be records, enums or beans Jackson can build. */
    JSON
  }

  /**
   * File the sessions are saved to and loaded from at start; its journal and lock live beside it.
   * Relative paths are under the working directory. Empty: sessions live in memory only.
   */
  private String saveFile = "data/sessions.json";

  /** How often a full snapshot is written (with a journal, this bounds the journal's length). */
  private Duration savePeriod = Duration.ofMinutes(5);

  /** How often expired sessions are removed and their expiry events published. */
  private Duration checkPeriod = Duration.ofMinutes(1);

  /** The most sessions kept in memory; beyond it the least valuable are evicted. 0: no bound. */
  private long max = 100_000;

  /**
   * The heap the sessions loaded from the save file at start may take, e.g. 512MB; a save file
   * whose sessions would take more stops the application at start, leaving the files as they were.
   * Unset: three quarters of the JVM's maximum heap (-Xmx).
   */
  private DataSize loadBudget;

  /**
   * How changes reach the disk: SNAPSHOT (only snapshots), JOURNAL (every change appended, forced
   * every second) or JOURNAL_SYNC (forced before the request completes).
   */
  private Durability durability = Durability.JOURNAL;

  /** How session attributes are encoded. */
  private Serializer serializer = Serializer.JAVA;

  /**
   * The application's attribute types the serializer may instantiate, as patterns: {@code
   * com.example.Cart}, {@code com.example.*} or {@code com.example.**}. Common JDK types are always
   * allowed, and Spring Security's types when it is present and the serializer is JAVA.
   */
  private List<String> allowedTypes = new ArrayList<>();

  /**
   * Base64 of a 16, 24 or 32-byte AES key: the save file and journal are then encrypted (AES-GCM).
   * Keep it out of source control (an environment variable, a vault).
   */
  private String encryptionKey;

  /**
   * With an encryption key: load a plain (unencrypted) save file and journals once and encrypt
   * them, to move an existing store to encryption; unset it after that start. Without it, a plain
   * file stops start-up, so that a plain file dropped into the directory cannot bring in sessions.
   */
  private boolean encryptExistingPlainFiles;

  /** When sessions are written: ON_SAVE (end of request) or IMMEDIATE (every change). */
  private FlushMode flushMode = FlushMode.ON_SAVE;

  /**
   * Which attributes a save writes over the stored session: ON_SET_ATTRIBUTE (those set or
   * removed), ON_GET_ATTRIBUTE (also those read) or ALWAYS (all).
   */
  private SaveMode saveMode = SaveMode.ON_SET_ATTRIBUTE;

  /**
   * The save file, empty for none.
   *
   * @return the path as configured
   */
  public String getSaveFile() {
    return saveFile;
  }

  /**
   * Sets the save file.
   *
   * @param saveFile a path, or empty to keep sessions in memory only
   */
  public void setSaveFile(String saveFile) {
    this.saveFile = saveFile;
  }

  /**
   * The snapshot period.
   *
   * @return the period
   */
  public Duration getSavePeriod() {
    return savePeriod;
  }

  /**
   * Sets the snapshot period.
   *
   * @param savePeriod the period
   */
  public void setSavePeriod(Duration savePeriod) {
    this.savePeriod = savePeriod;
  }

  /**
   * The expiry check period.
   *
   * @return the period
   */
  public Duration getCheckPeriod() {
    return checkPeriod;
  }

  /**
   * Sets the expiry check period.
   *
   * @param checkPeriod the period
   */
  public void setCheckPeriod(Duration checkPeriod) {
    this.checkPeriod = checkPeriod;
  }

  /**
   * The bound on sessions.
   *
   * @return the bound, 0 for none
   */
  public long getMax() {
    return max;
  }

  /**
   * Sets the bound on sessions.
   *
   * @param max the bound, 0 for none
   */
  public void setMax(long max) {
    this.max = max;
  }

  /**
   * The load budget.
   *
   * @return the budget, or null for three quarters of the maximum heap
   */
  public DataSize getLoadBudget() {
    return loadBudget;
  }

  /**
   * Sets the load budget.
   *
   * @param loadBudget the budget, e.g. {@code DataSize.ofMegabytes(512)}, or null for the default
   */
  public void setLoadBudget(DataSize loadBudget) {
    this.loadBudget = loadBudget;
  }

  /**
   * The durability mode.
   *
   * @return the mode
   */
  public Durability getDurability() {
    return durability;
  }

  /**
   * Sets the durability mode.
   *
   * @param durability the mode
   */
  public void setDurability(Durability durability) {
    this.durability = durability;
  }

  /**
   * The serializer.
   *
   * @return the serializer
   */
  public Serializer getSerializer() {
    return serializer;
  }

  /**
   * Sets the serializer.
   *
   * @param serializer the serializer
   */
  public void setSerializer(Serializer serializer) {
    this.serializer = serializer;
  }

  /**
   * The application's allowed attribute types.
   *
   * @return the patterns
   */
  public List<String> getAllowedTypes() {
    return allowedTypes;
  }

  /**
   * Sets the application's allowed attribute types.
   *
   * @param allowedTypes the patterns
   */
  public void setAllowedTypes(List<String> allowedTypes) {
    this.allowedTypes = allowedTypes;
  }

  /**
   * The encryption key in base64.
   *
   * @return the key, or null for plain files
   */
  public String getEncryptionKey() {
    return encryptionKey;
  }

  /**
   * Sets the encryption key.
   *
   * @param encryptionKey base64 of an AES key, or null
   */
  public void setEncryptionKey(String encryptionKey) {
    this.encryptionKey = encryptionKey;
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
   * Sets whether plain files are loaded once and encrypted.
   *
   * @param encryptExistingPlainFiles true for the one start that encrypts a plain store
   */
  public void setEncryptExistingPlainFiles(boolean encryptExistingPlainFiles) {
    this.encryptExistingPlainFiles = encryptExistingPlainFiles;
  }

  /**
   * The flush mode.
   *
   * @return the mode
   */
  public FlushMode getFlushMode() {
    return flushMode;
  }

  /**
   * Sets the flush mode.
   *
   * @param flushMode the mode
   */
  public void setFlushMode(FlushMode flushMode) {
    this.flushMode = flushMode;
  }

  /**
   * The save mode.
   *
   * @return the mode
   */
  public SaveMode getSaveMode() {
    return saveMode;
  }

  /**
   * Sets the save mode.
   *
   * @param saveMode the mode
   */
  public void setSaveMode(SaveMode saveMode) {
    this.saveMode = saveMode;
  }

  /**
   * Whether {@link #getSaveFile()} names a file.
   *
   * @return false when sessions live in memory only
   */
  boolean persistent() {
    return saveFile != null && !saveFile.isBlank();
  }

  /** The durations and bound, checked with messages that name the property to fix. */
  void validate() {
    if (max < 0) {
      throw new InvalidMemFileStorePropertyException(
          "memfilestore.max",
          "memfilestore.max is " + max + ", but it must be 0 (no bound) or positive",
          "Set memfilestore.max to the most sessions to keep in memory, e.g. 100000, or to 0 for"
              + " no bound",
          null);
    }
    if (loadBudget != null && loadBudget.toBytes() < 1) {
      throw new InvalidMemFileStorePropertyException(
          "memfilestore.load-budget",
          "memfilestore.load-budget is " + loadBudget + ", but it must be at least 1 byte",
          "Set memfilestore.load-budget to the heap the saved sessions may take at start, e.g."
              + " 512MB, or remove it for three quarters of the maximum heap (-Xmx)",
          null);
    }
    positive("memfilestore.save-period", savePeriod);
    positive("memfilestore.check-period", checkPeriod);
  }

  private static void positive(String property, Duration d) {
    if (d != null && (d.isNegative() || d.isZero())) {
      throw new InvalidMemFileStorePropertyException(
          property,
          property
              + " is "
              + (d.getNano() == 0 ? d.getSeconds() + "s" : d.toMillis() + "ms")
              + ", but it must be a positive duration",
          "Set " + property + " to a duration such as 5m or 30s",
          null);
    }
  }
}
