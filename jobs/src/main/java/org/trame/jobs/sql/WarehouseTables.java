package org.trame.jobs.sql;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.trame.config.SourceConfig;
import org.trame.config.TableConfig;
import org.trame.jobs.spark.WarehousePaths;

/**
 * The warehouse's Delta tables under stable SQL names, for {@code trame sql}: {@code
 * <source>.<table>} (pseudonymized source tables), {@code <source>_quarantine.<table>} (rejected
 * rows), {@code linkage.<table>} and {@code runs} (the ledger). Only tables that exist are named.
 * They are registered as views in the session's in-memory catalog, one database per prefix, so a
 * query can name them and nothing else.
 */
public final class WarehouseTables {
  /** One table: its SQL name and where its Delta log is. */
  public record Table(String name, String path, String what) {}

  private static final List<String> LINKAGE =
      List.of("person_index", "person_ids", "person_events", "review", "reports");

  private WarehouseTables() {}

  /** The tables that exist, by lower-case name. */
  public static Map<String, Table> find(
      SparkSession spark, WarehousePaths paths, List<SourceConfig> sources) {
    List<Table> candidates = new ArrayList<>();
    for (SourceConfig source : sources) {
      for (TableConfig t : source.tables()) {
        candidates.add(
            new Table(
                source.name() + "." + t.name(),
                paths.sourceTable(source.name(), t.name()),
                "source table, identifiers pseudonymized"));
        candidates.add(
            new Table(
                source.name() + "_quarantine." + t.name(),
                paths.quarantineTable(source.name(), t.name()),
                "rejected rows with file, line and reasons"));
      }
    }
    for (String t : LINKAGE) {
      candidates.add(new Table("linkage." + t, paths.linkage(t), "linkage"));
    }
    candidates.add(new Table("runs", paths.warehouse() + "/runs", "the run ledger"));
    Map<String, Table> out = new TreeMap<>();
    for (Table t : candidates) {
      if (isDelta(spark, t.path())) {
        out.put(t.name().toLowerCase(Locale.ROOT), t);
      }
    }
    return out;
  }

  /**
   * Registers {@code tables} as views, their databases placed under {@code scratch} (the in-memory
   * catalog makes a folder per database; nothing is written to the warehouse).
   */
  public static void register(SparkSession spark, List<Table> tables, String scratch) {
    for (Table t : tables) {
      int dot = t.name().indexOf('.');
      String database = dot < 0 ? "default" : t.name().substring(0, dot);
      if (dot > 0) {
        spark.sql(
            "CREATE DATABASE IF NOT EXISTS "
                + quote(database)
                + " LOCATION '"
                + scratch.replace("'", "")
                + "/"
                + database
                + "'");
      }
      String view =
          dot < 0 ? quote(t.name()) : quote(database) + "." + quote(t.name().substring(dot + 1));
      spark.sql("CREATE OR REPLACE VIEW " + view + " AS SELECT * FROM delta." + quote(t.path()));
    }
  }

  private static String quote(String identifier) {
    return "`" + identifier.replace("`", "``") + "`";
  }

  private static boolean isDelta(SparkSession spark, String path) {
    try {
      Path log = new Path(path, "_delta_log");
      FileSystem fs = log.getFileSystem(spark.sparkContext().hadoopConfiguration());
      return fs.exists(log);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot look at " + path, e);
    }
  }
}
