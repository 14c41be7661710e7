package org.trame.project;

import java.util.Optional;
import org.trame.config.ColumnConfig;
import org.trame.config.ColumnType;
import org.trame.config.Fate;
import org.trame.config.PseudonymConfig;
import org.trame.config.TableConfig;
import org.trame.pseudo.IdentifierRole;

/**
 * A column as ingest stores it in clear in a warehouse table, which is all a project may ever
 * receive: declared columns kept or generalized, and the birth year ingest keeps beside a hashed
 * birth date. Everything else (hashes, internal columns, dropped identifiers) is refused with the
 * reason.
 *
 * @param type the stored type; generalized columns are text
 * @param potentialIdentifier a date, a postcode or a birth year: granted only generalized or with
 *     {@code exact: true}
 */
public record StoredColumn(String name, ColumnType type, boolean potentialIdentifier) {

  /** The column stored in clear under this name, if any. */
  public static Optional<StoredColumn> of(TableConfig table, String name) {
    Optional<ColumnConfig> declared = table.column(name);
    if (declared.isPresent()) {
      ColumnConfig c = declared.get();
      if (c.fate() == Fate.KEEP) {
        boolean potential =
            c.type() == ColumnType.DATE
                || c.role() == IdentifierRole.POSTCODE
                || c.role() == IdentifierRole.BIRTH_DATE;
        return Optional.of(new StoredColumn(name, c.type(), potential));
      }
      if (c.fate() == Fate.GENERALIZE) {
        // Already coarsened at ingest (a year, a month, a département): still a quasi-identifier,
        // but granted as stored.
        return Optional.of(new StoredColumn(name, ColumnType.STRING, false));
      }
      return Optional.empty();
    }
    if (name.endsWith("_year")) {
      String base = name.substring(0, name.length() - "_year".length());
      Optional<ColumnConfig> birth = table.column(base);
      if (birth.isPresent()
          && birth.get().role() == IdentifierRole.BIRTH_DATE
          && birth.get().fate() == Fate.PSEUDONYMIZE
          && birth.get().type() == ColumnType.DATE) {
        return Optional.of(new StoredColumn(name, ColumnType.INTEGER, true));
      }
    }
    return Optional.empty();
  }

  /** Why a name that is not stored in clear cannot be extracted. */
  public static String refusal(TableConfig table, String name) {
    Optional<ColumnConfig> declared = table.column(name);
    if (declared.isPresent()) {
      ColumnConfig c = declared.get();
      if (c.role() != null && ColumnConfig.DIRECT.contains(c.role())) {
        return "is a direct identifier (" + c.role().yamlName() + "); no project receives it";
      }
      if (c.fate() == Fate.DROP) {
        return "is dropped at ingest and never stored";
      }
      return "is a warehouse pseudonym; the extract identifies persons by subject_id only";
    }
    for (PseudonymConfig p : table.pseudonyms()) {
      if (p.name().equals(name)) {
        return "is a warehouse pseudonym; the extract identifies persons by subject_id only";
      }
    }
    for (String suffix : new String[] {"_phon", "_dm", "_status"}) {
      if (name.endsWith(suffix)
          && table.column(name.substring(0, name.length() - suffix.length())).isPresent()) {
        return "is a linkage form of an identifier, kept for linkage only";
      }
    }
    if (name.startsWith("_") || name.equals("batch")) {
      return "is internal to the warehouse";
    }
    return "is not a column of the table (columns: "
        + String.join(
            ", ",
            table.columns().stream()
                .map(ColumnConfig::name)
                .filter(n -> of(table, n).isPresent())
                .toList())
        + ")";
  }

  /** Whether rows of the table belong to persons (through the linkage index or a parent table). */
  public static boolean holdsPersons(TableConfig table) {
    if (table.linkage().personOf() != null) {
      return true;
    }
    boolean identity =
        table.columns().stream()
                .anyMatch(c -> c.role() != null && c.role() != IdentifierRole.INSURED_NIR)
            || !table.pseudonyms().isEmpty();
    return !table.key().isEmpty() && identity;
  }
}
