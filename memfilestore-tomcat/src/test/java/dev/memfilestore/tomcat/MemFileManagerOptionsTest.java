package dev.memfilestore.tomcat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The setters that context.xml calls check their values at once and name the bad one. */
class MemFileManagerOptionsTest {
  private final MemFileManager manager = new MemFileManager();

  @Test
  void defaults() {
    assertThat(manager.getSaveFile()).isNull();
    assertThat(manager.getMax()).isZero();
    assertThat(manager.getMaxActiveSessions()).isEqualTo(-1);
    assertThat(manager.getDurability()).isNull();
    assertThat(manager.getSerializer()).isEqualTo("java");
    assertThat(manager.getAllowedTypes()).isEmpty();
    assertThat(manager.getSavePeriod()).isZero();
    assertThat(manager.getLoadBudget()).isZero();
    assertThat(manager.getName()).isEqualTo("MemFileManager");
  }

  @Test
  void maxActiveSessionsIsTheBound() {
    manager.setMaxActiveSessions(200);
    assertThat(manager.getMax()).isEqualTo(200);
    assertThat(manager.getMaxActiveSessions()).isEqualTo(200);
    manager.setMaxActiveSessions(-1);
    assertThat(manager.getMax()).isZero();
  }

  @Test
  void refusesBadValuesNamingThem() {
    assertThatThrownBy(() -> manager.setDurability("fsync"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'fsync'")
        .hasMessageContaining("journal_sync");
    assertThatThrownBy(() -> manager.setAllowedTypes("com.example.Cart, **"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'**'");
    assertThatThrownBy(() -> manager.setSerializer("kryo")).hasMessageContaining("'kryo'");
    assertThatThrownBy(() -> manager.setMax(-5)).hasMessageContaining("-5");
    assertThatThrownBy(() -> manager.setSavePeriod(-1)).hasMessageContaining("-1");
    assertThatThrownBy(() -> manager.setLoadBudget(-2))
        .hasMessageContaining("loadBudget must be 0 (the default: three quarters of -Xmx)")
        .hasMessageContaining("-2");
  }

  @Test
  void acceptsWhatContextXmlWouldSay() {
    manager.setDurability(" journal ");
    manager.setSerializer("JSON");
    manager.setAllowedTypes("com.example.Cart com.example.dto.**,com.example.model.*");
    manager.setSaveFile("  ");
    assertThat(manager.getDurability()).isEqualTo("JOURNAL");
    assertThat(manager.getSerializer()).isEqualTo("json");
    assertThat(manager.getSaveFile()).isNull();
  }
}
