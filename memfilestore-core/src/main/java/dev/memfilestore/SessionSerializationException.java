package dev.memfilestore;

/**
 * A session could not be turned into bytes, or bytes back into a session: an attribute of a type
 * the serializer does not support, a type that is not on the allow-list, or damaged data.
 *
 * <p>When {@link MemFileStore#set(String, SessionData)} throws it, the store is unchanged.
 */
public class SessionSerializationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed and what to do about it
   * @param cause the serializer's own exception, or {@code null}
   */
  public SessionSerializationException(String message, Throwable cause) {
    super(message, cause);
  }
}
