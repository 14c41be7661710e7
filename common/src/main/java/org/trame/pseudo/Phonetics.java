package org.trame.pseudo;

import java.util.Set;
import org.apache.commons.codec.language.bm.Languages;
import org.apache.commons.codec.language.bm.NameType;
import org.apache.commons.codec.language.bm.PhoneticEngine;
import org.apache.commons.codec.language.bm.RuleType;

/**
 * A phonetic key of a normalized name, for fuzzy linkage: the first alternative of the Beider-Morse
 * approximate encoding with French rules (commons-codec), so that spellings that sound alike
 * ({@code GERARD}/{@code JERARD}, {@code THOMAS}/{@code TOMAS}, {@code DUBOIS}/{@code DUBOYS},
 * {@code HELENE}/{@code ELENE}) share a key. Thread-safe.
 */
public final class Phonetics {
  private static final PhoneticEngine ENGINE =
      new PhoneticEngine(NameType.GENERIC, RuleType.APPROX, true);
  private static final Languages.LanguageSet FRENCH = Languages.LanguageSet.from(Set.of("french"));

  private Phonetics() {}

  /** The phonetic key of a name already normalized by {@link Names#normalize}, or null. */
  public static String french(String normalized) {
    if (normalized == null || normalized.isEmpty()) {
      return null;
    }
    String all = ENGINE.encode(normalized, FRENCH);
    int bar = all.indexOf('|');
    String first = bar < 0 ? all : all.substring(0, bar);
    return first.isEmpty() ? null : first;
  }
}
