package org.trame.pseudo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DatesTest {
  private static final List<DateTimeFormatter> FORMATTERS =
      List.of(
          Dates.formatter("yyyy-MM-dd"),
          Dates.formatter("dd/MM/yyyy"),
          Dates.formatter("yyyyMMdd"),
          Dates.formatter("ddMMMyyyy:HH:mm:ss"));

  /** What {@link Dates#toIso(String)} answered before its ISO shortcut: the formatters alone. */
  private static String byFormatters(String raw) {
    for (DateTimeFormatter f : FORMATTERS) {
      try {
        return LocalDate.parse(raw.trim(), f).toString();
      } catch (DateTimeParseException e) {
        // next form
      }
    }
    return "refused";
  }

  private static String toIso(String raw) {
    try {
      return Dates.toIso(raw);
    } catch (DateTimeParseException e) {
      return "refused";
    }
  }

  @Test
  void theIsoShortcutAnswersAsTheStrictFormattersDo() {
    List<String> inputs = new ArrayList<>();
    for (String year : List.of("0000", "0999", "1900", "1999", "2000", "2023", "2024", "9999")) {
      for (int month = 0; month <= 13; month++) {
        for (int day = 0; day <= 32; day++) {
          inputs.add(String.format("%s-%02d-%02d", year, month, day));
        }
      }
    }
    inputs.addAll(
        List.of(
            " 2023-01-05 ",
            "2023-1-05",
            "2023-01-5",
            "20230105",
            "05/01/2023",
            "2023/01/05",
            "2023-01-0a",
            "+2023-01-05",
            "12023-01-05",
            "2023-01-05T00:00",
            "２０２３-01-05"));
    for (String input : inputs) {
      assertThat(toIso(input)).as(input).isEqualTo(byFormatters(input));
    }
    assertThat(Dates.toIso("2024-02-29")).isEqualTo("2024-02-29");
    assertThat(toIso("2023-02-29")).isEqualTo("refused");
    assertThat(Dates.toIso("  ")).isNull();
  }

  @Test
  void aDateInNoUsualFormIsRefused() {
    assertThatThrownBy(() -> Dates.toIso("2023-02-30")).isInstanceOf(DateTimeParseException.class);
  }
}
