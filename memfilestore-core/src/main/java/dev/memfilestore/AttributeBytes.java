package dev.memfilestore;

/**
 * Where each attribute's encoded value lies in a session's bytes, so that the next encode of the
 * same session can copy those bytes instead of serializing the value again. Only values of a deeply
 * immutable type ({@link ImmutableTypes}) are remembered: for them, the very same instance encodes
 * to the very same bytes. Never mutated after construction.
 */
final class AttributeBytes {
  /** The encoded values (immutable ones; null where the value may change). */
  private final Object[] values;

  /**
   * Start and end offset of value {@code i} in the session's bytes, at {@code 2i} and {@code 2i+1}.
   */
  private final int[] bounds;

  private int count;

  AttributeBytes(int capacity) {
    values = new Object[capacity];
    bounds = new int[capacity * 2];
  }

  /** Notes that {@code value} was encoded at {@code start..end} (called once per attribute). */
  void add(Object value, int start, int end) {
    values[count] = ImmutableTypes.isImmutable(value) ? value : null;
    bounds[2 * count] = start;
    bounds[2 * count + 1] = end;
    count++;
  }

  /** The index of the very instance {@code value} among the encoded values, or -1. */
  int indexOf(Object value) {
    for (int i = 0; i < count; i++) {
      if (values[i] == value) {
        return i;
      }
    }
    return -1;
  }

  int start(int i) {
    return bounds[2 * i];
  }

  int end(int i) {
    return bounds[2 * i + 1];
  }

  /** A session's bytes and where its attribute values lie in them. */
  record Encoded(byte[] bytes, AttributeBytes attributes) {}

  /** A serializer that can copy the bytes of unchanged values from the previous encoding. */
  interface Reusing {
    /**
     * Serializes {@code session}, copying the bytes of each value that is the very immutable
     * instance {@code previous} (the session stored before, or null) encoded.
     */
    Encoded serialize(SessionData session, StoredSession previous);

    /**
     * Decodes one attribute value from the bytes {@link #serialize} wrote for it (at {@code
     * start..end} of a session's bytes), under the same decoding budget per value as a whole
     * session's read.
     *
     * @throws SessionSerializationException if the bytes are refused
     */
    Object decodeValue(byte[] bytes, int start, int end);
  }
}
