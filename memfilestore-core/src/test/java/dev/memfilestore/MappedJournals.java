package dev.memfilestore;

/**
 * A live journal is a memory-mapped file: after its last line come the zeros of the mapped chunk
 * (which a reader takes as its clean end). Tests that cut, flip or read a journal's lines look at
 * what comes before them.
 */
public final class MappedJournals {
  private MappedJournals() {}

  /**
   * Where a journal's lines end: the length of {@code bytes} without the trailing NUL bytes.
   *
   * @param bytes a journal file's bytes
   * @return the offset after its last non-NUL byte
   */
  public static int contentEnd(byte[] bytes) {
    int end = bytes.length;
    while (end > 0 && bytes[end - 1] == 0) {
      end--;
    }
    return end;
  }

  /**
   * A journal file's bytes without the mapping's zeros after its last line.
   *
   * @param bytes a journal file's bytes
   * @return a copy up to {@link #contentEnd}
   */
  public static byte[] withoutMappedTail(byte[] bytes) {
    return java.util.Arrays.copyOf(bytes, contentEnd(bytes));
  }
}
