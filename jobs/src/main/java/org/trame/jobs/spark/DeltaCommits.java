package org.trame.jobs.spark;

import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import scala.Option;

/** A Delta table's latest version, and what a commit recorded about itself. */
public final class DeltaCommits {
  private DeltaCommits() {}

  /**
   * The rows a commit wrote: its {@code numOutputRows} metric, or, when Delta recorded none (its
   * statistics off), the count of {@code written}, the rows that commit left.
   *
   * @param commit a row of {@code DeltaTable.history()} with its {@code operationMetrics}
   */
  public static long rowsWritten(Row commit, Supplier<Dataset<Row>> written) {
    int metrics = commit.fieldIndex("operationMetrics");
    Map<String, String> recorded = commit.isNullAt(metrics) ? Map.of() : commit.getJavaMap(metrics);
    String rows = recorded.get("numOutputRows");
    return rows != null ? Long.parseLong(rows) : written.get().count();
  }

  /**
   * The table's latest version, from its log as {@code versionAsOf} reads it. Unlike {@code
   * DeltaTable.history(1)}, which is a Spark job (a tenth to a quarter of a second each on a small
   * table, six of them in a link), this lists the log on the driver; the checksum of the latest
   * version, which Delta writes with every commit, spares it a log replay.
   */
  public static long latestVersion(SparkSession spark, String table) {
    return DeltaLog.forTable(spark, table).update(false, Option.empty(), Option.empty()).version();
  }
}
