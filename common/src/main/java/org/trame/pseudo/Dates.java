package org.trame.pseudo;

import java.time.LocalDate;
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
    DateTimeParseException last = null;
    for (DateTimeFormatter f : USUAL) {
      try {
        return LocalDate.parse(raw.trim(), f).toString();
      } catch (DateTimeParseException e) {
        last = e;
      }
    }
    throw last;
  }
}
