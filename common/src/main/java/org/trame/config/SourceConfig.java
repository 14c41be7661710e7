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
    for (TableConfig t : tables) {
      String parent = t.linkage().personOf();
      if (parent == null) {
        continue;
      }
      TableConfig p =
          tables.stream()
              .filter(x -> x.name().equals(parent))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "table '"
                              + t.name()
                              + "': linkage.person_of names unknown table '"
                              + parent
                              + "'"));
      if (p.linkage().personOf() != null) {
        throw new IllegalArgumentException(
            "table '"
                + t.name()
                + "': linkage.person_of names '"
                + parent
                + "', which takes its own person from '"
                + p.linkage().personOf()
                + "'; name that table instead");
      }
      for (String c : t.linkage().on()) {
        if (p.column(c).isEmpty()) {
          throw new IllegalArgumentException(
              "table '"
                  + t.name()
                  + "': linkage.on column '"
                  + c
                  + "' is not declared in '"
                  + parent
                  + "'");
        }
      }
    }
  }

  /** The table with this name, if declared. */
  public Optional<TableConfig> table(String tableName) {
    return tables.stream().filter(t -> t.name().equals(tableName)).findFirst();
  }

  /**
   * Loads every {@code <confDir>/sources/*.yaml}, sorted by name.
   *
   * @throws ConfigException when the folder cannot be read or a file is invalid
   */
  public static List<SourceConfig> loadAll(Path confDir) {
    Path folder = confDir.resolve("sources");
    List<SourceConfig> out = new java.util.ArrayList<>();
    try (var files = java.nio.file.Files.list(folder)) {
      for (Path f : files.sorted().toList()) {
        String file = f.getFileName().toString();
        if (file.endsWith(".yaml") && !file.startsWith(".")) {
          out.add(load(confDir, file.substring(0, file.length() - ".yaml".length())));
        }
      }
    } catch (java.io.IOException e) {
      throw new ConfigException("Cannot list source configurations in " + folder + ": " + e);
    }
    return out;
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
