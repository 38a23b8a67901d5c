package dev.memfilestore;

/** A plain mutable class: neither allow-listed for JSON nor {@link java.io.Serializable}. */
public final class NotSerializableBean {
  public String name = "bean";

  public String getName() {
    return name;
  }
}
