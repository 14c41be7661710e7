package org.trame.config;

import java.util.List;
import java.util.Set;
import org.trame.pseudo.IdentifierRole;

/**
 * One landing column ({@code columns:} in a source's YAML).
 *
 * @param name the column's name in the file header
 * @param type the type it is parsed into (default {@code string})
 * @param format the date pattern for {@code date} columns (default {@code yyyy-MM-dd})
 * @param role what identifier it holds, if any ({@code nir}, {@code birth_date}, ...)
 * @param fate what ingest does with it (default {@code keep} without a role, {@code pseudonymize}
 *     with one)
 * @param required whether an empty value is an error (default false)
 * @param pattern a regular expression every non-empty value must match entirely
 * @param min the smallest value allowed (a number, or an ISO date for date columns)
 * @param max the largest value allowed
 * @param codes the only values allowed (a code list)
 * @param generalize with fate {@code generalize}: {@code year} or {@code month} for dates ({@code
 *     2023} / {@code 2023-05}), {@code departement} for postcodes ({@code 75}, {@code 2A})
 */
public record ColumnConfig(
    String name,
    ColumnType type,
    String format,
    IdentifierRole role,
    Fate fate,
    Boolean required,
    String pattern,
    String min,
    String max,
    List<String> codes,
    Generalization generalize) {
  /** How a {@code generalize} column is coarsened. */
  public enum Generalization {
    YEAR,
    MONTH,
    DEPARTEMENT
  }

  /** Roles that identify a person directly: never kept in clear. */
  public static final Set<IdentifierRole> DIRECT =
      Set.of(
          IdentifierRole.NIR,
          IdentifierRole.INSURED_NIR,
          IdentifierRole.LAST_NAME,
          IdentifierRole.FIRST_NAME,
          IdentifierRole.LOCAL_ID);

  public ColumnConfig {
    Require.nonBlank(name, "name");
    type = type == null ? ColumnType.STRING : type;
    fate = fate == null ? (role == null ? Fate.KEEP : Fate.PSEUDONYMIZE) : fate;
    required = required == null ? Boolean.FALSE : required;
    if (format != null && type != ColumnType.DATE) {
      throw new IllegalArgumentException(
          "column '" + name + "': 'format' only applies to date columns");
    }
    if (type == ColumnType.DATE) {
      format = format == null ? "yyyy-MM-dd" : format;
      try {
        org.trame.pseudo.Dates.formatter(format);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "column '" + name + "': invalid date format '" + format + "': " + e.getMessage());
      }
    }
    if (fate == Fate.KEEP && role != null && DIRECT.contains(role)) {
      throw new IllegalArgumentException(
          "column '"
              + name
              + "' holds a direct identifier ("
              + role.yamlName()
              + ") and cannot be kept in clear; use fate pseudonymize or drop");
    }
    codes = codes == null ? null : List.copyOf(codes);
    if (pattern != null) {
      try {
        java.util.regex.Pattern.compile(pattern);
      } catch (java.util.regex.PatternSyntaxException e) {
        throw new IllegalArgumentException(
            "column '" + name + "': invalid pattern '" + pattern + "': " + e.getDescription());
      }
    }
    for (String bound : new String[] {min, max}) {
      if (bound != null) {
        checkBound(name, type, bound);
      }
    }
    if ((min != null || max != null) && type == ColumnType.STRING) {
      throw new IllegalArgumentException(
          "column '" + name + "': 'min' and 'max' apply to integer, decimal and date columns");
    }
    if ((fate == Fate.GENERALIZE) != (generalize != null)) {
      throw new IllegalArgumentException(
          "column '"
              + name
              + "': fate generalize and 'generalize: year|month|departement' go together");
    }
    if (generalize != null
        && (generalize == Generalization.DEPARTEMENT) == (type == ColumnType.DATE)) {
      throw new IllegalArgumentException(
          "column '"
              + name
              + "': generalize "
              + generalize.name().toLowerCase(java.util.Locale.ROOT)
              + " does not apply to a "
              + type.name().toLowerCase(java.util.Locale.ROOT)
              + " column");
    }
    if (fate == Fate.PSEUDONYMIZE && role == null) {
      throw new IllegalArgumentException(
          "column '" + name + "': fate pseudonymize needs a role (nir, last_name, ...)");
    }
  }

  private static void checkBound(String name, ColumnType type, String bound) {
    try {
      if (type == ColumnType.DATE) {
        java.time.LocalDate.parse(bound);
      } else if (type != ColumnType.STRING) {
        new java.math.BigDecimal(bound);
      }
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "column '"
              + name
              + "': bound '"
              + bound
              + "' is not a "
              + type.name().toLowerCase(java.util.Locale.ROOT)
              + (type == ColumnType.DATE ? " (write it yyyy-MM-dd)" : ""));
    }
  }
}
