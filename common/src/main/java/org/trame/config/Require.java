package org.trame.config;

import java.util.Collection;

/** Argument checks for record constructors; each message names the field. */
public final class Require {
  private Require() {}

  /** Fails with "missing required field" when the value is null. */
  public static <T> T present(T value, String field) {
    if (value == null) {
      throw new IllegalArgumentException("missing required field '" + field + "'");
    }
    return value;
  }

  /** Fails when the text is null or blank. */
  public static String nonBlank(String value, String field) {
    if (value == null) {
      throw new IllegalArgumentException("missing required field '" + field + "'");
    }
    if (value.isBlank()) {
      throw new IllegalArgumentException("field '" + field + "' is blank");
    }
    return value;
  }

  /** Fails when the collection is null or empty. */
  public static <C extends Collection<?>> C nonEmpty(C value, String field) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("field '" + field + "' needs at least one entry");
    }
    return value;
  }

  /**
   * A name that is safe as one path segment: letters, digits, '_', '-' and '.', not starting with
   * '.', at most 128 characters. Used for sources, tables, batches and projects so that no
   * configured name can point outside its root.
   */
  public static String safeName(String value, String field) {
    nonBlank(value, field);
    if (!value.matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}") || value.contains("..")) {
      throw new IllegalArgumentException(
          "field '"
              + field
              + "' must be a plain name (letters, digits, '_', '-', '.'; no '/', no '..'), got '"
              + value
              + "'");
    }
    return value;
  }
}
