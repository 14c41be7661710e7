package org.trame.key;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A versioned key name such as {@code link-v1}: a purpose and a version. Purposes: {@code link}
 * (linkage pseudonyms inside the warehouse) and {@code extract} (master key from which each
 * project's key is derived).
 */
public record KeyId(String purpose, int version) implements Comparable<KeyId> {
  private static final Pattern FORM = Pattern.compile("([a-z][a-z0-9]*)-v([1-9][0-9]{0,5})");

  /** Purpose of the keys that make linkage pseudonyms. */
  public static final String LINK = "link";

  /** Purpose of the master keys from which project keys are derived. */
  public static final String EXTRACT = "extract";

  public KeyId {
    if (purpose == null || !purpose.matches("[a-z][a-z0-9]*")) {
      throw new IllegalArgumentException("Cannot name key: purpose '" + purpose + "' is invalid");
    }
    if (version < 1) {
      throw new IllegalArgumentException("Cannot name key: version " + version + " is below 1");
    }
  }

  /**
   * Parses {@code purpose-vN}.
   *
   * @throws IllegalArgumentException if the text is not of that form
   */
  public static KeyId parse(String text) {
    Matcher m = FORM.matcher(text == null ? "" : text);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "Cannot parse key id '" + text + "': expected <purpose>-v<version>, e.g. link-v1");
    }
    return new KeyId(m.group(1), Integer.parseInt(m.group(2)));
  }

  /** The next version of the same purpose. */
  public KeyId next() {
    return new KeyId(purpose, version + 1);
  }

  @Override
  public int compareTo(KeyId o) {
    int c = purpose.compareTo(o.purpose);
    return c != 0 ? c : Integer.compare(version, o.version);
  }

  @Override
  public String toString() {
    return purpose + "-v" + version;
  }
}
