package org.trame.pseudo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NamesTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "Hélène|HELENE",
        "  héLÈne |HELENE",
        "Jean-François|JEANFRANCOIS",
        "d'Artagnan|DARTAGNAN",
        "D’ARTAGNAN|DARTAGNAN",
        "Lætitia|LAETITIA",
        "Œdipe|OEDIPE",
        "Maëlys Noël|MAELYSNOEL",
        "Çağla|CAGLA",
        "Dupont épouse Martin|DUPONT",
        "DUPONT EPOUSE MARTIN|DUPONT",
        "Dupont ép. Martin|DUPONT",
        "Dupont Ep Martin|DUPONT",
        "DUPONT EPSE MARTIN|DUPONT",
        "Dupont vve Martin|DUPONT",
        "Lepine|LEPINE",
        "Depardieu|DEPARDIEU",
        "Ep|EP",
        "Saint-Exupéry|SAINTEXUPERY",
      })
  void normalizes(String raw, String expected) {
    assertThat(Names.normalize(raw)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(value = {"''", "'  '", "'--'", "'123'"})
  void nothingLeftIsNull(String raw) {
    assertThat(Names.normalize(raw)).isNull();
  }
}
