package org.trame.config;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One table of a source: its files in a batch folder, their format, columns and pseudonyms.
 *
 * @param name table name, also the warehouse folder ({@code warehouse/sources/<source>/<name>})
 * @param files file name or glob in {@code landing/<source>/<batch>/}, such as {@code
 *     IR_BEN_R*.csv*}
 * @param key columns that identify a row; a row whose key appeared on an earlier line of the batch
 *     is quarantined as a duplicate
 * @param dateOrder pairs of date columns where the first must not come after the second
 * @param maxQuarantineRate the share of rows that may be quarantined before the whole batch is
 *     rejected (default 0.05)
 * @param quarantineAllowance rows that may be quarantined whatever the rate (default 10), so that
 *     one bad line in a 16-row table does not reject a batch
 * @param linkage how {@code trame link} treats the table (trusted-key conditions, parent table)
 */
public record TableConfig(
    String name,
    String files,
    FileFormat format,
    List<ColumnConfig> columns,
    List<PseudonymConfig> pseudonyms,
    List<String> key,
    List<DateOrder> dateOrder,
    Double maxQuarantineRate,
    Integer quarantineAllowance,
    TableLinkage linkage) {
  /** Two date columns that must be in order, such as care start and care end. */
  public record DateOrder(String first, String then) {
    public DateOrder {
      Require.nonBlank(first, "first");
      Require.nonBlank(then, "then");
    }
  }

  public TableConfig {
    Require.safeName(name, "name");
    Require.nonBlank(files, "files");
    if (files.contains("/") || files.contains("\\") || files.contains("..")) {
      throw new IllegalArgumentException(
          "table '"
              + name
              + "': 'files' is a name or glob inside the batch folder, got '"
              + files
              + "'");
    }
    format = format == null ? new FileFormat(null, null, null, null, null) : format;
    columns = List.copyOf(Require.nonEmpty(columns, "columns"));
    pseudonyms = pseudonyms == null ? List.of() : List.copyOf(pseudonyms);
    dateOrder = dateOrder == null ? List.of() : List.copyOf(dateOrder);
    key = key == null ? List.of() : List.copyOf(key);
    maxQuarantineRate = maxQuarantineRate == null ? 0.05 : maxQuarantineRate;
    quarantineAllowance = quarantineAllowance == null ? 10 : quarantineAllowance;
    if (quarantineAllowance < 0) {
      throw new IllegalArgumentException(
          "table '"
              + name
              + "': quarantine_allowance must not be negative, got "
              + quarantineAllowance);
    }
    if (maxQuarantineRate < 0 || maxQuarantineRate > 1) {
      throw new IllegalArgumentException(
          "table '"
              + name
              + "': max_quarantine_rate must be between 0 and 1, got "
              + maxQuarantineRate);
    }
    Set<String> names = new HashSet<>();
    for (ColumnConfig c : columns) {
      if (!names.add(c.name())) {
        throw new IllegalArgumentException(
            "table '" + name + "': column '" + c.name() + "' is declared twice");
      }
    }
    for (PseudonymConfig p : pseudonyms) {
      if (!names.add(p.name())) {
        throw new IllegalArgumentException(
            "table '" + name + "': pseudonym '" + p.name() + "' reuses a column name");
      }
      for (String f : p.from()) {
        ColumnConfig c = columns.stream().filter(x -> x.name().equals(f)).findFirst().orElse(null);
        if (c == null) {
          throw new IllegalArgumentException(
              "table '" + name + "': pseudonym '" + p.name() + "' uses unknown column '" + f + "'");
        }
        if (c.role() == null) {
          throw new IllegalArgumentException(
              "table '"
                  + name
                  + "': pseudonym '"
                  + p.name()
                  + "' uses column '"
                  + f
                  + "', which has no role");
        }
      }
    }
    checkDateOrder(name, columns, dateOrder);
    linkage = linkage == null ? TableLinkage.none() : linkage;
    for (String c : linkage.soundWhen().keySet()) {
      if (!names.contains(c)) {
        throw new IllegalArgumentException(
            "table '" + name + "': linkage.sound_when names undeclared column '" + c + "'");
      }
    }
    for (String c : linkage.on()) {
      if (!names.contains(c)) {
        throw new IllegalArgumentException(
            "table '" + name + "': linkage.on names undeclared column '" + c + "'");
      }
    }
    if (name.equals(linkage.personOf())) {
      throw new IllegalArgumentException(
          "table '" + name + "': linkage.person_of names the table itself");
    }
    for (String k : key) {
      if (columns.stream().noneMatch(c -> c.name().equals(k))) {
        throw new IllegalArgumentException(
            "table '" + name + "': key names undeclared column '" + k + "'");
      }
    }
  }

  /** Checks that date-order pairs name declared date columns. */
  private static void checkDateOrder(
      String table, List<ColumnConfig> columns, List<DateOrder> pairs) {
    for (DateOrder d : pairs) {
      for (String c : List.of(d.first(), d.then())) {
        boolean date =
            columns.stream().anyMatch(x -> x.name().equals(c) && x.type() == ColumnType.DATE);
        if (!date) {
          throw new IllegalArgumentException(
              "table '"
                  + table
                  + "': date_order names '"
                  + c
                  + "', which is not a declared date column");
        }
      }
    }
  }

  /** The column with this name, if declared. */
  public Optional<ColumnConfig> column(String columnName) {
    return columns.stream().filter(c -> c.name().equals(columnName)).findFirst();
  }
}
