package dev.memfilestore;

import java.time.Instant;

/**
 * Writes an instant as {@link Instant#toString()} does, as ASCII bytes, without the formatter's
 * objects and strings: the hot path writes two or three instants per save. Reads back the common
 * form of that text as fast: the load reads one expiry per record.
 */
final class IsoInstant {
  /** Longest text written here: {@code 9999-12-31T23:59:59.999999999Z}. */
  static final int MAX_LENGTH = 30;

  private static final long SECONDS_PER_DAY = 86_400;

  /** Epoch seconds of 0000-01-01T00:00:00Z and of 10000-01-01T00:00:00Z. */
  private static final long MIN_SECOND = -62_167_219_200L;

  private static final long MAX_SECOND_EXCLUSIVE = 253_402_300_800L;

  private IsoInstant() {}

  /**
   * Writes {@code t} at {@code to[at..]} and returns the end, or -1 if its year is outside 0..9999
   * (then the caller writes {@code t.toString()}).
   */
  static int write(Instant t, byte[] to, int at) {
    long seconds = t.getEpochSecond();
    if (seconds < MIN_SECOND || seconds >= MAX_SECOND_EXCLUSIVE) {
      return -1;
    }
    long days = Math.floorDiv(seconds, SECONDS_PER_DAY);
    int secondOfDay = (int) Math.floorMod(seconds, SECONDS_PER_DAY);
    // Civil date from days since 1970-01-01 (proleptic Gregorian), by 400-year eras from March 1.
    long z = days + 719_468;
    long era = Math.floorDiv(z, 146_097);
    long dayOfEra = z - era * 146_097;
    long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
    long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    long mp = (5 * dayOfYear + 2) / 153;
    int day = (int) (dayOfYear - (153 * mp + 2) / 5 + 1);
    int month = (int) (mp < 10 ? mp + 3 : mp - 9);
    int year = (int) (yearOfEra + era * 400 + (month <= 2 ? 1 : 0));
    int i = at;
    i = digits(to, i, year, 4);
    to[i++] = '-';
    i = digits(to, i, month, 2);
    to[i++] = '-';
    i = digits(to, i, day, 2);
    to[i++] = 'T';
    i = digits(to, i, secondOfDay / 3600, 2);
    to[i++] = ':';
    i = digits(to, i, secondOfDay / 60 % 60, 2);
    to[i++] = ':';
    i = digits(to, i, secondOfDay % 60, 2);
    int nano = t.getNano();
    if (nano != 0) {
      to[i++] = '.';
      if (nano % 1_000_000 == 0) {
        i = digits(to, i, nano / 1_000_000, 3);
      } else if (nano % 1000 == 0) {
        i = digits(to, i, nano / 1000, 6);
      } else {
        i = digits(to, i, nano, 9);
      }
    }
    to[i++] = 'Z';
    return i;
  }

  private static int digits(byte[] to, int at, int value, int width) {
    int v = value;
    for (int i = at + width - 1; i >= at; i--) {
      to[i] = (byte) ('0' + v % 10);
      v /= 10;
    }
    return at + width;
  }

  /** {@link #parseMillis}'s answer for text not in the common form. */
  static final long NOT_PARSED = Long.MIN_VALUE;

  /**
   * The epoch milliseconds of {@code yyyy-mm-ddThh:mm:ss[.f…]Z} (a year 0000..9999, one to nine
   * fraction digits) at {@code text[offset..offset+length)}, as {@code
   * Instant.parse(text).toEpochMilli()} gives them; or {@link #NOT_PARSED} for any other text,
   * which the caller then hands to {@link Instant#parse} (that decides what is valid; this only
   * takes the common, strictly valid form faster).
   */
  static long parseMillis(char[] text, int offset, int length) {
    if (length < 20 || length > 30) {
      return NOT_PARSED;
    }
    int o = offset;
    int year = number(text, o, 4);
    int month = number(text, o + 5, 2);
    int day = number(text, o + 8, 2);
    int hour = number(text, o + 11, 2);
    int minute = number(text, o + 14, 2);
    int second = number(text, o + 17, 2);
    if ((year | month | day | hour | minute | second) < 0
        || text[o + 4] != '-'
        || text[o + 7] != '-'
        || text[o + 10] != 'T'
        || text[o + 13] != ':'
        || text[o + 16] != ':'
        || text[o + length - 1] != 'Z'
        || month < 1
        || month > 12
        || day < 1
        || day > daysInMonth(year, month)
        || hour > 23
        || minute > 59
        || second > 59) {
      return NOT_PARSED;
    }
    int millis = 0;
    if (length > 20) {
      int digits = length - 21; // between the '.' and the 'Z'
      if (text[o + 19] != '.' || digits < 1) {
        return NOT_PARSED;
      }
      int fraction = number(text, o + 20, digits);
      if (fraction < 0) {
        return NOT_PARSED;
      }
      for (int i = digits; i < 3; i++) {
        fraction *= 10;
      }
      for (int i = digits; i > 3; i--) {
        fraction /= 10;
      }
      millis = fraction;
    }
    // Days since 1970-01-01 of a civil date (proleptic Gregorian), by 400-year eras from March 1.
    long y = month <= 2 ? year - 1 : year;
    long era = Math.floorDiv(y, 400);
    long yearOfEra = y - era * 400;
    long dayOfYear = (153L * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    long dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    long days = era * 146_097 + dayOfEra - 719_468;
    long seconds = days * SECONDS_PER_DAY + hour * 3600L + minute * 60L + second;
    return seconds * 1000 + millis;
  }

  /** The decimal number of {@code count} ASCII digits at {@code text[at..]}, or -1. */
  private static int number(char[] text, int at, int count) {
    int value = 0;
    for (int i = at; i < at + count; i++) {
      int digit = text[i] - '0';
      if (digit < 0 || digit > 9) {
        return -1;
      }
      value = value * 10 + digit;
    }
    return value;
  }

  private static int daysInMonth(int year, int month) {
    return switch (month) {
      case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
      case 4, 6, 9, 11 -> 30;
      default -> 31;
    };
  }
}
