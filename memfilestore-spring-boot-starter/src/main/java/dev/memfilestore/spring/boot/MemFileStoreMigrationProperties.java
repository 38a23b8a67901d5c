package dev.memfilestore.spring.boot;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Moving the sessions of the save file into the application's other Spring Session store (Redis,
 * JDBC) at start-up: {@code memfilestore.migration.*}. The save file is read with the {@code
 * memfilestore.*} properties that wrote it ({@code save-file}, {@code encryption-key}, {@code
 * allowed-types}).
 */
@ConfigurationProperties("memfilestore.migration")
public class MemFileStoreMigrationProperties {

  /** What the application does when the target store cannot be reached at start-up. */
  public enum IfTargetDown {
    /** Refuse to start; the save file is left as it was. */
    FAIL,
    /**
     * Start on the target anyway (its sessions only); the save file is left as it was and the copy
     * runs again at the next start.
     */
    START
  }

  /**
   * Copy every live session of the save file into the application's Spring Session repository at
   * start-up, then rename the save file aside; MemFileStore is not the session store meanwhile.
   */
  private boolean enabled;

  /** Whether the application starts when the target store is unreachable. */
  private IfTargetDown ifTargetDown = IfTargetDown.FAIL;

  /** Created by Spring Boot. */
  public MemFileStoreMigrationProperties() {}

  /**
   * Whether the migration runs at start-up.
   *
   * @return true if it does
   */
  public boolean isEnabled() {
    return enabled;
  }

  /**
   * Turns the migration on or off.
   *
   * @param enabled true to copy the sessions at start-up
   */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /**
   * What happens when the target cannot be reached.
   *
   * @return the choice; {@link IfTargetDown#FAIL} by default
   */
  public IfTargetDown getIfTargetDown() {
    return ifTargetDown;
  }

  /**
   * Chooses what happens when the target cannot be reached.
   *
   * @param ifTargetDown the choice
   */
  public void setIfTargetDown(IfTargetDown ifTargetDown) {
    this.ifTargetDown = ifTargetDown;
  }
}
