package org.trame.pseudo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PhoneticsTest {
  @ParameterizedTest
  @CsvSource({
    "GERARD, JERARD",
    "THOMAS, TOMAS",
    "DUBOIS, DUBOYS",
    "HELENE, ELENE",
    "MARTIN, MARTINN"
  })
  void soundAlikesShareAKey(String a, String b) {
    assertThat(Phonetics.french(a)).isNotNull().isEqualTo(Phonetics.french(b));
  }

  @ParameterizedTest
  @CsvSource({"MARTIN, BERNARD", "DUBOIS, DURAND", "HELENE, ISABELLE"})
  void differentNamesDiffer(String a, String b) {
    assertThat(Phonetics.french(a)).isNotEqualTo(Phonetics.french(b));
  }
}
