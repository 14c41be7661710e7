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

  private Names() {}

  /**
   * Returns the normalized form of a name, or null when nothing is left (null, blank, or only
   * punctuation).
   */
  public static String normalize(String raw) {
    if (raw == null) {
      return null;
    }
    // Most delivered names are plain ASCII: Unicode decomposition leaves them as they are, so it
    // and the accent removal are skipped (they are most of the cost).
    String s = isAscii(raw) ? raw : withoutAccents(raw);
    s = s.toUpperCase(Locale.ROOT);
    String withoutSuffix =
        s.contains("EP") || s.contains("VVE") || s.contains("VEUVE")
            ? MARRIED_SUFFIX.matcher(s).replaceFirst("$1")
            : s;
    // A name that is only the suffix word (someone called "Ep") keeps its letters.
    String letters = lettersOnly(withoutSuffix);
    if (letters.isEmpty()) {
      letters = lettersOnly(s);
    }
    return letters.isEmpty() ? null : letters;
  }

  private static String withoutAccents(String raw) {
    String s =
        raw.replace("œ", "oe")
            .replace("Œ", "OE")
            .replace("æ", "ae")
            .replace("Æ", "AE")
            .replace("ß", "ss");
    s = Normalizer.normalize(s, Normalizer.Form.NFD);
    return COMBINING.matcher(s).replaceAll("");
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /** The letters A-Z of an upper-cased string, in order. */
  private static String lettersOnly(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        out.append(c);
      }
    }
    return out.toString();
  }
}
