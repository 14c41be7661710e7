package org.trame.jobs.spark;

import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** What a Delta commit recorded about itself, read from a table's history. */
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
}
