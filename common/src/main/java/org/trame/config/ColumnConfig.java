package org.trame.config;

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
 */
public record ColumnConfig(
    String name, ColumnType type, String format, IdentifierRole role, Fate fate, Boolean required) {
  /** Roles that identify a person directly: never kept in clear. */
  public static final Set<IdentifierRole> DIRECT =
      Set.of(
          IdentifierRole.NIR,
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
    if (fate == Fate.PSEUDONYMIZE && role == null) {
      throw new IllegalArgumentException(
          "column '" + name + "': fate pseudonymize needs a role (nir, last_name, ...)");
    }
  }
}
