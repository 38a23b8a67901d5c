package dev.memfilestore;

import java.time.Instant;

/**
 * Writes an instant as {@link Instant#toString()} does, as ASCII bytes, without the formatter's
 * objects and strings: the hot path writes two or three instants per save.
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
}
