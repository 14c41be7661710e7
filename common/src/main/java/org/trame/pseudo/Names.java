package org.trame.pseudo;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Normalization of person names before keyed hashing, so that spelling variants of one name give
 * one pseudonym.
 *
 * <p>Rules, in order: accents removed (é → E), ligatures expanded (Œ → OE, Æ → AE, ß → SS), upper
 * case, a married-name suffix dropped ({@code DUPONT épouse MARTIN}, {@code DUPONT ép. MARTIN},
 * {@code DUPONT EPSE MARTIN}, {@code DUPONT VVE MARTIN} all give {@code DUPONT}), then everything
 * but the letters A-Z removed (hyphens, apostrophes, spaces, digits, punctuation).
 */
public final class Names {
  private static final Pattern COMBINING = Pattern.compile("\\p{M}+");
  private static final Pattern MARRIED_SUFFIX =
      Pattern.compile("(^|[^A-Z])(EPOUSE|EPSE|EP|VEUVE|VVE)([^A-Z]|$).*$");
  private static final Pattern NOT_LETTER = Pattern.compile("[^A-Z]+");

  private Names() {}

  /**
   * Returns the normalized form of a name, or null when nothing is left (null, blank, or only
   * punctuation).
   */
  public static String normalize(String raw) {
    if (raw == null) {
      return null;
    }
    String s =
        raw.replace("œ", "oe")
            .replace("Œ", "OE")
            .replace("æ", "ae")
            .replace("Æ", "AE")
            .replace("ß", "ss");
    s = Normalizer.normalize(s, Normalizer.Form.NFD);
    s = COMBINING.matcher(s).replaceAll("");
    s = s.toUpperCase(Locale.ROOT);
    String withoutSuffix = MARRIED_SUFFIX.matcher(s).replaceFirst("$1");
    // A name that is only the suffix word (someone called "Ep") keeps its letters.
    String letters = NOT_LETTER.matcher(withoutSuffix).replaceAll("");
    if (letters.isEmpty()) {
      letters = NOT_LETTER.matcher(s).replaceAll("");
    }
    return letters.isEmpty() ? null : letters;
  }
}
