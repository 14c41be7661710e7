package org.trame.jobs.generate;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The data-quality defects real deliveries have, applied at a rate: typos, swapped names, married
 * names, day/month swaps, invalid NIR keys, missing NIRs, duplicated and malformed lines,
 * impossible dates, unknown codes. Each record gets at most one defect, chosen among those its
 * table can have.
 */
final class Defects {
  static final String TYPO_LAST_NAME = "typo_last_name";
  static final String TYPO_FIRST_NAME = "typo_first_name";
  static final String SWAPPED_NAMES = "swapped_names";
  static final String MARRIED_NAME = "married_name";
  static final String DAY_MONTH_SWAP = "day_month_swap";
  static final String INVALID_NIR_KEY = "invalid_nir_key";
  static final String MISSING_NIR = "missing_nir";
  static final String DUPLICATED_LINE = "duplicated_line";
  static final String MALFORMED_LINE = "malformed_line";
  static final String BROKEN_QUOTING = "broken_quoting";
  static final String BAD_DATE = "bad_date";
  static final String UNKNOWN_CODE = "unknown_code";
  static final String POSTCODE_TYPO = "postcode_typo";

  private final double rate;

  Defects(double rate) {
    this.rate = rate;
  }

  /** One of the defects, or null (most of the time). */
  String pick(SplittableRandom r, List<String> possible) {
    if (possible.isEmpty() || r.nextDouble() >= rate) {
      return null;
    }
    return possible.get(r.nextInt(possible.size()));
  }

  /** A keyboard-like typo: a letter replaced, dropped, doubled or two letters swapped. */
  static String typo(String name, SplittableRandom r) {
    if (name.length() < 3) {
      return name + "E";
    }
    int i = 1 + r.nextInt(name.length() - 2);
    char[] c = name.toCharArray();
    switch (r.nextInt(4)) {
      case 0:
        c[i] = (char) ((Character.isLowerCase(c[i]) ? 'a' : 'A') + r.nextInt(26));
        return new String(c);
      case 1:
        return name.substring(0, i) + name.substring(i + 1);
      case 2:
        return name.substring(0, i) + name.charAt(i) + name.substring(i);
      default:
        char t = c[i];
        c[i] = c[i + 1 < c.length ? i + 1 : i - 1];
        c[i + 1 < c.length ? i + 1 : i - 1] = t;
        return new String(c);
    }
  }

  /** The NIR with its control key off by one (a wrong key, as a mistyped digit gives). */
  static String invalidKey(String nir) {
    int key = Integer.parseInt(nir.substring(13));
    return nir.substring(0, 13) + String.format(Locale.ROOT, "%02d", key == 97 ? 1 : key + 1);
  }

  /** A line with its last field dropped: one field too few. */
  static String dropLastField(String line) {
    int cut = line.lastIndexOf(';');
    return cut < 0 ? line : line.substring(0, cut);
  }
}
