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
 */
public record TableConfig(
    String name,
    String files,
    FileFormat format,
    List<ColumnConfig> columns,
    List<PseudonymConfig> pseudonyms) {
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
  }

  /** The column with this name, if declared. */
  public Optional<ColumnConfig> column(String columnName) {
    return columns.stream().filter(c -> c.name().equals(columnName)).findFirst();
  }
}
