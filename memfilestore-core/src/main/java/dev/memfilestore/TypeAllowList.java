package dev.memfilestore;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The class names a serializer may instantiate: common JDK value types plus the application's
 * patterns. Matching is on names, so a refused class is never even loaded.
 */
final class TypeAllowList {
  private static final Set<String> JDK_TYPES =
      Set.of(
          "java.lang.String",
          // String.CASE_INSENSITIVE_ORDER, e.g. in a TreeMap of request headers (Spring Security's
          // saved request): a stateless comparator that reads back as the singleton
          "java.lang.String$CaseInsensitiveComparator",
          "java.lang.Boolean",
          "java.lang.Character",
          "java.lang.Byte",
          "java.lang.Short",
          "java.lang.Integer",
          "java.lang.Long",
          "java.lang.Float",
          "java.lang.Double",
          "java.lang.Number",
          "java.lang.Enum",
          "java.lang.Record",
          "java.math.BigInteger",
          "java.math.BigDecimal",
          "java.util.UUID",
          "java.util.Locale",
          "java.util.Currency",
          "java.util.ArrayList",
          "java.util.LinkedList",
          "java.util.ArrayDeque",
          "java.util.HashMap",
          "java.util.LinkedHashMap",
          "java.util.TreeMap",
          "java.util.HashSet",
          "java.util.LinkedHashSet",
          "java.util.TreeSet",
          "java.util.Arrays$ArrayList",
          "java.util.CollSer");

  private static final List<String> JDK_PREFIXES =
      List.of(
          "java.time.",
          "java.util.ImmutableCollections$",
          "java.util.Collections$Unmodifiable",
          "java.util.Collections$Singleton",
          "java.util.Collections$Empty");

  private static final Pattern VALID_PATTERN =
      Pattern.compile("\\p{javaJavaIdentifierStart}[\\p{javaJavaIdentifierPart}.$]*?(\\.\\*\\*?)?");

  private final List<Pattern> applicationPatterns;

  private TypeAllowList(List<Pattern> applicationPatterns) {
    this.applicationPatterns = applicationPatterns;
  }

  static TypeAllowList of(String... patterns) {
    List<Pattern> compiled = new ArrayList<>();
    for (String p : patterns) {
      if (p == null || !VALID_PATTERN.matcher(p).matches()) {
        throw new IllegalArgumentException(
            "allowed type pattern '"
                + p
                + "' is not valid: name a class (com.example.Cart), a package"
                + " (com.example.*) or a package tree (com.example.**)");
      }
      compiled.add(toRegex(p));
    }
    return new TypeAllowList(List.copyOf(compiled));
  }

  private static Pattern toRegex(String pattern) {
    if (pattern.endsWith(".**")) {
      return Pattern.compile(Pattern.quote(pattern.substring(0, pattern.length() - 2)) + ".+");
    }
    if (pattern.endsWith(".*")) {
      return Pattern.compile(Pattern.quote(pattern.substring(0, pattern.length() - 1)) + "[^.]+");
    }
    return Pattern.compile(Pattern.quote(pattern));
  }

  /** Whether a class (not an array class) of this binary name may be instantiated. */
  boolean allows(String className) {
    if (JDK_TYPES.contains(className)) {
      return true;
    }
    for (String prefix : JDK_PREFIXES) {
      if (className.startsWith(prefix)) {
        return true;
      }
    }
    for (Pattern p : applicationPatterns) {
      if (p.matcher(className).matches()) {
        return true;
      }
    }
    return false;
  }
}
