package org.trame.pseudo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
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

  /**
   * The fast paths (ASCII input, no married-name word) give what the plain rules give, on random
   * names mixing ASCII, accents, ligatures, punctuation and suffix words.
   */
  @Test
  void fastPathsAgreeWithThePlainRules() {
    String[] pieces = {
      "a", "E", "z", "é", "È", "ç", "œ", "Æ", "ß", "ï", " ", "-", "'", "’", ".", "1", "ep", "EP",
      "epse", "vve", "Veuve", "épouse", "Ép.", "x", "Lep", "ine", "ñ", "ğ", "\t"
    };
    java.util.Random random = new java.util.Random(7);
    for (int n = 0; n < 20_000; n++) {
      StringBuilder raw = new StringBuilder();
      for (int k = random.nextInt(8); k >= 0; k--) {
        raw.append(pieces[random.nextInt(pieces.length)]);
      }
      assertThat(Names.normalize(raw.toString()))
          .as(raw.toString())
          .isEqualTo(plainRules(raw.toString()));
    }
  }

  /** The rules of {@link Names}, applied one after the other with no shortcut. */
  private static String plainRules(String raw) {
    String s =
        raw.replace("œ", "oe")
            .replace("Œ", "OE")
            .replace("æ", "ae")
            .replace("Æ", "AE")
            .replace("ß", "ss");
    s = java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFD).replaceAll("\\p{M}+", "");
    s = s.toUpperCase(java.util.Locale.ROOT);
    String without = s.replaceFirst("(^|[^A-Z])(EPOUSE|EPSE|EP|VEUVE|VVE)([^A-Z]|$).*$", "$1");
    String letters = without.replaceAll("[^A-Z]+", "");
    if (letters.isEmpty()) {
      letters = s.replaceAll("[^A-Z]+", "");
    }
    return letters.isEmpty() ? null : letters;
  }
}
