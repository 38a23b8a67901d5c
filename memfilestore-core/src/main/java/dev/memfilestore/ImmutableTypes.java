package dev.memfilestore;

import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.Month;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Currency;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/**
 * Knows which attribute values are deeply immutable, so that {@link AttributeCopier} can share them
 * between copies of a session.
 */
final class ImmutableTypes {
  private static final Set<Class<?>> VALUE_TYPES =
      Set.of(
          String.class,
          Boolean.class,
          Character.class,
          Byte.class,
          Short.class,
          Integer.class,
          Long.class,
          Float.class,
          Double.class,
          BigInteger.class,
          BigDecimal.class,
          UUID.class,
          Locale.class,
          Currency.class,
          Instant.class,
          LocalDate.class,
          LocalTime.class,
          LocalDateTime.class,
          OffsetDateTime.class,
          OffsetTime.class,
          ZonedDateTime.class,
          Duration.class,
          Period.class,
          Year.class,
          YearMonth.class,
          MonthDay.class,
          DayOfWeek.class,
          Month.class);

  private static final ClassValue<Boolean> IMMUTABLE =
      new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
          return isImmutable(type, 0);
        }
      };

  private ImmutableTypes() {}

  /** Whether a value (not null) is of a deeply immutable type. */
  static boolean isImmutable(Object value) {
    return IMMUTABLE.get(value.getClass());
  }

  private static boolean isImmutable(Class<?> type, int depth) {
    if (VALUE_TYPES.contains(type) || ZoneId.class.isAssignableFrom(type)) {
      return true;
    }
    if (type.isEnum() || (type.getSuperclass() != null && type.getSuperclass().isEnum())) {
      return true; // constants are singletons; deserializing yields the same instance
    }
    if (type.isRecord() && depth < 8) {
      // A record is shallowly immutable; it is deeply so when each declared component type is.
      for (RecordComponent c : type.getRecordComponents()) {
        Class<?> t = c.getType();
        if (!(t.isPrimitive() || isImmutable(t, depth + 1))) {
          return false;
        }
      }
      return true;
    }
    return false;
  }
}
