package org.trame.pseudo;

import java.util.Locale;

/**
 * The French social-security number (NIR): 13 characters and a 2-digit control key.
 *
 * <p>Layout of the 13 characters: sex (1 digit: 1, 2, or 3, 4, 7, 8 for provisional numbers), birth
 * year (2), birth month (2), birth département (2, {@code 2A}/{@code 2B} for Corsica), commune (3),
 * order number (3). The key is {@code 97 - (n mod 97)} where {@code n} is the 13-character number
 * read as an integer, with {@code 2A} counted as {@code 19} and {@code 2B} as {@code 18}.
 */
public final class Nir {
  /** Length of the NIR without its key. */
  public static final int BODY_LENGTH = 13;

  private Nir() {}

  /** The outcome of checking one NIR. */
  public enum Status {
    /** 13 characters and a matching control key. */
    VALID,
    /** Well formed, but the control key does not match. */
    INVALID_KEY,
    /** 13 well-formed characters without a control key: cannot be verified. */
    MISSING_KEY,
    /** Not a NIR: wrong length, characters or layout. */
    MALFORMED,
    /** Null or blank. */
    ABSENT
  }

  /**
   * The result of {@link #check}: the normalized 13-character body (null unless well formed) and
   * the status. Its {@code toString()} never shows the number.
   */
  public record Check(String body, Status status) {
    /** True when the body can be used as a linkage key. */
    public boolean usable() {
      return status == Status.VALID;
    }

    @Override
    public String toString() {
      return "Nir.Check[" + status + "]";
    }
  }

  /**
   * Normalizes and checks a NIR as delivered: spaces, dots and dashes are removed, letters upper
   * cased. A 15-character value is checked against its key; a 13-character value is reported as
   * {@link Status#MISSING_KEY}.
   */
  public static Check check(String raw) {
    if (raw == null || raw.isBlank()) {
      return new Check(null, Status.ABSENT);
    }
    String s = strip(raw);
    if (s.length() != BODY_LENGTH && s.length() != BODY_LENGTH + 2) {
      return new Check(null, Status.MALFORMED);
    }
    String body = s.substring(0, BODY_LENGTH);
    if (!wellFormedBody(body)) {
      return new Check(null, Status.MALFORMED);
    }
    if (s.length() == BODY_LENGTH) {
      return new Check(body, Status.MISSING_KEY);
    }
    String key = s.substring(BODY_LENGTH);
    if (!isDigits(key)) {
      return new Check(null, Status.MALFORMED);
    }
    boolean ok = Integer.parseInt(key) == controlKey(body);
    return new Check(body, ok ? Status.VALID : Status.INVALID_KEY);
  }

  /**
   * The control key of a well-formed 13-character body, Corsica included.
   *
   * @throws IllegalArgumentException if the body is not well formed (the value is not shown)
   */
  public static int controlKey(String body) {
    if (body == null || !wellFormedBody(body)) {
      throw new IllegalArgumentException("Cannot compute NIR control key: malformed NIR body");
    }
    String digits = body;
    if (body.startsWith("2A", 5)) {
      digits = body.substring(0, 5) + "19" + body.substring(7);
    } else if (body.startsWith("2B", 5)) {
      digits = body.substring(0, 5) + "18" + body.substring(7);
    }
    long n = Long.parseLong(digits);
    return (int) (97 - (n % 97));
  }

  /** The 15-character form of a body: the body followed by its 2-digit key. */
  public static String withKey(String body) {
    return body + String.format(Locale.ROOT, "%02d", controlKey(body));
  }

  private static String strip(String raw) {
    StringBuilder b = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == ' ' || c == '.' || c == '-' || c == '\u00a0' || c == '\t') {
        continue;
      }
      b.append(Character.toUpperCase(c));
    }
    return b.toString();
  }

  private static boolean wellFormedBody(String body) {
    if (body.length() != BODY_LENGTH) {
      return false;
    }
    char sex = body.charAt(0);
    if ("123478".indexOf(sex) < 0) {
      return false;
    }
    String dept = body.substring(5, 7);
    boolean corsica = dept.equals("2A") || dept.equals("2B");
    return isDigits(body.substring(0, 5))
        && (corsica || isDigits(dept))
        && isDigits(body.substring(7));
  }

  private static boolean isDigits(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return !s.isEmpty();
  }
}
