package org.trame.pseudo;

import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.List;

/**
 * Dates to ISO-8601 ({@code yyyy-MM-dd}) before keyed hashing, with strict calendar checks: {@code
 * 2023-02-30} is refused, not rolled over to March.
 */
public final class Dates {
  private static final List<DateTimeFormatter> USUAL =
      List.of(
          formatter("uuuu-MM-dd"),
          formatter("dd/MM/uuuu"),
          formatter("uuuuMMdd"),
          formatter("ddMMMuuuu:HH:mm:ss"));

  private Dates() {}

  /** A strict formatter for a pattern written with {@code yyyy}, {@code MM}, {@code dd}. */
  public static DateTimeFormatter formatter(String pattern) {
    return DateTimeFormatter.ofPattern(pattern.replace("yyyy", "uuuu"), java.util.Locale.ROOT)
        .withResolverStyle(ResolverStyle.STRICT);
  }

  /**
   * Parses {@code raw} with {@code pattern} and returns the ISO form, or null when blank.
   *
   * @throws DateTimeParseException when the value does not match or is not a calendar date
   */
  public static String toIso(String raw, DateTimeFormatter pattern) {
    if (raw == null || raw.isBlank()) {
      return null;
    }
    return LocalDate.parse(raw.trim(), pattern).toString();
  }

  /**
   * Parses {@code raw} in any of the usual forms ({@code yyyy-MM-dd}, {@code dd/MM/yyyy}, {@code
   * yyyyMMdd}) and returns the ISO form, or null when blank.
   *
   * @throws DateTimeParseException when no usual form fits
   */
  public static String toIso(String raw) {
    if (raw == null || raw.isBlank()) {
      return null;
    }
    String text = raw.trim();
    if (isIsoCalendarDate(text)) {
      return text;
    }
    DateTimeParseException last = null;
    for (DateTimeFormatter f : USUAL) {
      try {
        return LocalDate.parse(text, f).toString();
      } catch (DateTimeParseException e) {
        last = e;
      }
    }
    throw last;
  }

  /**
   * Whether {@code text} is a calendar date written {@code yyyy-MM-dd}, already its ISO form.
   * Ingest hashes typed dates in this form, one per row and birth date, where the formatters'
   * parsing was a cost of its own; other forms go to the formatters, so the answer is the same.
   */
  private static boolean isIsoCalendarDate(String text) {
    if (text.length() != 10 || text.charAt(4) != '-' || text.charAt(7) != '-') {
      return false;
    }
    int year = digits(text, 0, 4);
    int month = digits(text, 5, 7);
    int day = digits(text, 8, 10);
    return year >= 0
        && month >= 1
        && month <= 12
        && day >= 1
        && day <= YearMonth.of(year, month).lengthOfMonth();
  }

  /** The value of the ASCII digits {@code text[from, to)}, or -1 if any is not one. */
  private static int digits(String text, int from, int to) {
    int value = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }
}
