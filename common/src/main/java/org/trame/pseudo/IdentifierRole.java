package org.trame.pseudo;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What an identifying column holds. The role decides how a value is normalized before keyed
 * hashing, so that one person's identifier gives one pseudonym in every source.
 */
public enum IdentifierRole {
  /** A NIR (social-security number), 13 characters with or without its 2-digit key. */
  NIR,
  /**
   * The NIR of the insured person who opens the rights (a parent, for a child on their card):
   * normalized and hashed like {@link #NIR}, but it is not the record's own person's number, so
   * linkage never uses it alone.
   */
  INSURED_NIR,
  /** A birth date, normalized to ISO {@code yyyy-MM-dd}. */
  BIRTH_DATE,
  /** Sex: {@code 1}/{@code M}/{@code H} → 1, {@code 2}/{@code F} → 2, anything else → 9. */
  SEX,
  /** Birth rank among same-sex twins under one insured person's NIR. */
  BIRTH_RANK,
  /** Last name (birth or usage name). */
  LAST_NAME,
  /** First name. */
  FIRST_NAME,
  /** A postcode: French ones are 5 characters (2A/2B kept for Corsica); others 3 to 10. */
  POSTCODE,
  /** A local identifier such as a hospital patient number: trimmed, case kept. */
  LOCAL_ID;

  /**
   * The domain-separation tag of this role's pseudonyms: the YAML name, except that last and first
   * names share {@code name}, so that swapped first and last names can still be compared, and an
   * insured person's NIR shares {@code nir}, so that it equals that person's own NIR pseudonym.
   */
  public String kind() {
    if (this == LAST_NAME || this == FIRST_NAME) {
      return "name";
    }
    return this == INSURED_NIR ? "nir" : yamlName();
  }

  /** The lower-case name used in YAML ({@code birth_date}). */
  public String yamlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Normalizes one raw value for this role, or returns null when it is absent or unusable (an
   * absent identifier must never get a pseudonym, or all absent values would become one person).
   * NIRs are returned as their 13-character body only when the control key checks out or is
   * missing; see {@link Nir#check} to tell the cases apart.
   */
  public String normalize(String raw) {
    if (raw == null || raw.isBlank()) {
      return null;
    }
    switch (this) {
      case NIR:
      case INSURED_NIR:
        Nir.Check c = Nir.check(raw);
        return c.status() == Nir.Status.VALID || c.status() == Nir.Status.MISSING_KEY
            ? c.body()
            : null;
      case BIRTH_DATE:
        try {
          return Dates.toIso(raw);
        } catch (java.time.format.DateTimeParseException e) {
          return null;
        }
      case SEX:
        return normalizeSex(raw);
      case BIRTH_RANK:
        String rank = Shapes.LEADING_ZEROS.matcher(raw.trim()).replaceFirst("");
        return rank.chars().allMatch(Character::isDigit) ? rank : null;
      case LAST_NAME:
      case FIRST_NAME:
        return Names.normalize(raw);
      case POSTCODE:
        String p = raw.trim().toUpperCase(Locale.ROOT).replace(" ", "");
        // French codes are five digits (2A/2B kept for Corsica); other countries' are accepted
        // as 3 to 10 letters and digits, so that any partner's file can be described.
        return Shapes.POSTCODE.matcher(p).matches() ? p : null;
      case LOCAL_ID:
        return raw.trim();
      default:
        throw new IllegalStateException("Unhandled role " + this);
    }
  }

  /** Patterns compiled once, not per value (normalize runs once per identifier per row). */
  private static final class Shapes {
    static final Pattern LEADING_ZEROS = Pattern.compile("^0+(?=\\d)");
    static final Pattern POSTCODE = Pattern.compile("[0-9A-Z]{3,10}");
  }

  private static String normalizeSex(String raw) {
    switch (raw.trim().toUpperCase(Locale.ROOT)) {
      case "1":
      case "M":
      case "H":
        return "1";
      case "2":
      case "F":
        return "2";
      default:
        return null;
    }
  }
}
