package org.trame.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The header check's message: precise for a header, silent about values for a row of data. */
class HeaderMismatchTest {
  private static final List<String> DECLARED = List.of("IPP", "NIR", "NOM", "NAISSANCE", "SEXE");

  @Test
  void theDeclaredColumnsInAnyOrderMatch() {
    assertThat(LandingFiles.headerMismatch(DECLARED, DECLARED)).isNull();
    assertThat(
            LandingFiles.headerMismatch(
                List.of("NIR", "IPP", "SEXE", "NOM", "NAISSANCE"), DECLARED))
        .isNull();
  }

  @Test
  void anExtraOrMissingColumnIsNamedWithItsPosition() {
    assertThat(
            LandingFiles.headerMismatch(
                List.of("IPP", "NIR", "XTRA", "NOM", "NAISSANCE", "SEXE"), DECLARED))
        .isEqualTo("; undeclared columns: 'XTRA' at column 3");
    assertThat(LandingFiles.headerMismatch(List.of("IPP", "NIR", "NOM", "SEXE"), DECLARED))
        .isEqualTo("; missing columns [NAISSANCE]");
    assertThat(
            LandingFiles.headerMismatch(
                List.of("IPP", "NIR", "NOM", "NOM", "NAISSANCE", "SEXE"), DECLARED))
        .isEqualTo("; a column is named twice");
  }

  @Test
  void aDelimiterAtTheEndOfTheHeaderIsShownAsAnEmptyName() {
    assertThat(
            LandingFiles.headerMismatch(
                List.of("IPP", "NIR", "NOM", "NAISSANCE", "SEXE", ""), DECLARED))
        .isEqualTo(
            "; undeclared columns: an empty name at column 6 (a delimiter at the end of the line?)");
  }

  @Test
  void aRowOfDataWhereTheHeaderShouldBeIsNotEchoed() {
    List<String> row =
        List.of("8001701788", "2 49 12 35 589 789 15", "MARTIN", "18/12/1949", "F", "94080");
    String message = LandingFiles.headerMismatch(row, DECLARED);
    assertThat(message)
        .contains("its first line is not a header: 0 of its 6 fields are declared column names")
        .contains("is the header line missing?");
    for (String value : row) {
      assertThat(message).doesNotContain(value);
    }
    assertThat(LandingFiles.headerMismatch(List.of("   "), DECLARED))
        .contains("0 of its 1 fields")
        .doesNotContain("'");
    // Two known names out of six fields: still too few to be a header.
    assertThat(
            LandingFiles.headerMismatch(
                List.of("IPP", "NIR", "DUPONT", "Jean", "1949", "M"), DECLARED))
        .contains("2 of its 6 fields")
        .doesNotContain("DUPONT");
  }
}
