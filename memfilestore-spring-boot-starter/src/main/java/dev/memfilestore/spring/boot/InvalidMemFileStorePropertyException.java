package dev.memfilestore.spring.boot;

/**
 * A {@code memfilestore.*} property has a value the store cannot use. Its message names the
 * property; {@link MemFileStoreFailureAnalyzer} turns it into Spring Boot's short start-up report.
 */
final class InvalidMemFileStorePropertyException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String property;
  private final String problem;
  private final String action;

  /**
   * @param property the property, e.g. {@code memfilestore.max}
   * @param problem what is wrong, a sentence that starts with the property's name
   * @param action what to do about it
   * @param cause the underlying failure, or null
   */
  InvalidMemFileStorePropertyException(
      String property, String problem, String action, Throwable cause) {
    super(problem + ": " + action, cause);
    this.property = property;
    this.problem = problem;
    this.action = action;
  }

  String property() {
    return property;
  }

  String problem() {
    return problem;
  }

  String action() {
    return action;
  }
}
