package org.trame.config;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One data source, {@code conf/sources/<name>.yaml}: what a partner delivers and how ingest reads,
 * validates and pseudonymizes it. Sources are data, not code.
 *
 * @param name source name, also its landing and warehouse folder
 */
public record SourceConfig(String name, String description, List<TableConfig> tables) {
  public SourceConfig {
    Require.safeName(name, "name");
    tables = List.copyOf(Require.nonEmpty(tables, "tables"));
    Set<String> names = new HashSet<>();
    for (TableConfig t : tables) {
      if (!names.add(t.name())) {
        throw new IllegalArgumentException("table '" + t.name() + "' is declared twice");
      }
    }
  }

  /** The table with this name, if declared. */
  public Optional<TableConfig> table(String tableName) {
    return tables.stream().filter(t -> t.name().equals(tableName)).findFirst();
  }

  /**
   * Loads {@code <confDir>/sources/<name>.yaml} and checks that the name inside matches the file.
   *
   * @throws ConfigException when the file is missing or invalid
   */
  public static SourceConfig load(Path confDir, String name) {
    try {
      Require.safeName(name, "source");
    } catch (IllegalArgumentException e) {
      throw new ConfigException("Cannot use source: " + e.getMessage());
    }
    Path file = confDir.resolve("sources").resolve(name + ".yaml");
    SourceConfig source = ConfigLoader.load(file, SourceConfig.class);
    if (!source.name().equals(name)) {
      throw new ConfigException(
          file + ": names source '" + source.name() + "' but the file is named '" + name + "'");
    }
    return source;
  }
}
