package dev.memfilestore;

/**
 * An attribute value that the store keeps only as its serialized bytes (a slice of the stored
 * session's bytes) until a caller reads it: a value the store cannot copy without deserializing it
 * (a bean, a Spring Security context). A read decodes it into a fresh instance that is the caller's
 * own; a save of a session in which it was never read writes the slice as it is. Never mutated.
 */
final class EncodedValue {
  private final byte[] bytes;
  private final int start;
  private final int end;
  private final AttributeBytes.Reusing serializer;

  EncodedValue(byte[] bytes, int start, int end, AttributeBytes.Reusing serializer) {
    this.bytes = bytes;
    this.start = start;
    this.end = end;
    this.serializer = serializer;
  }

  /**
   * A new instance of the value.
   *
   * @throws SessionSerializationException if the serializer refuses the bytes
   */
  Object decode() {
    return serializer.decodeValue(bytes, start, end);
  }

  /** Whether {@code serializer} wrote these bytes, so that it may write them again as they are. */
  boolean writtenBy(AttributeBytes.Reusing serializer) {
    return this.serializer == serializer;
  }

  byte[] bytes() {
    return bytes;
  }

  int start() {
    return start;
  }

  int length() {
    return end - start;
  }
}
