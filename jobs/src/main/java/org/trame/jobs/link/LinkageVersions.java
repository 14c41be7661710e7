package org.trame.jobs.link;

import io.delta.tables.DeltaTable;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The version of a linkage table that the last finished link run left. A link run writes four
 * tables one commit after another, each commit tagged with its run ({@link #tag}); when a run is
 * killed between them, its commits are skipped here, so the next run builds on the tables as they
 * were and overwrites the partial writes. Commits by anything else (a rekey, an older release) are
 * built on.
 */
public final class LinkageVersions {
  private static final String PREFIX = "trame link ";

  private final SparkSession spark;
  private final Set<String> unfinishedRuns;

  /**
   * @param unfinishedRuns link runs that did not succeed (failed, killed, or still running)
   */
  public LinkageVersions(SparkSession spark, Set<String> unfinishedRuns) {
    this.spark = spark;
    this.unfinishedRuns = unfinishedRuns;
  }

  /** The Delta commit metadata ({@code userMetadata}) of a link run's writes. */
  public static String tag(String runId) {
    return PREFIX + runId;
  }

  /** The newest version of the table not written by an unfinished link run, if any. */
  public Optional<Long> version(String path) {
    if (!DeltaTable.isDeltaTable(spark, path)) {
      return Optional.empty();
    }
    DeltaTable table = DeltaTable.forPath(spark, path);
    // Nearly always the newest commit is a finished one: read the whole history only when not.
    Row newest = table.history(1).select("version", "userMetadata").first();
    if (!unfinished(newest)) {
      return Optional.of(newest.getLong(0));
    }
    List<Row> commits =
        table
            .history()
            .select("version", "userMetadata")
            .orderBy(org.apache.spark.sql.functions.col("version").desc())
            .collectAsList();
    for (Row c : commits) {
      if (!unfinished(c)) {
        return Optional.of(c.getLong(0));
      }
    }
    return Optional.empty();
  }

  /** Whether the table's newest commit is one of an unfinished link run: it is partial. */
  public boolean partial(String path) {
    return DeltaTable.isDeltaTable(spark, path)
        && unfinished(
            DeltaTable.forPath(spark, path).history(1).select("version", "userMetadata").first());
  }

  private boolean unfinished(Row commit) {
    String meta = commit.isNullAt(1) ? "" : commit.getString(1);
    return meta.startsWith(PREFIX) && unfinishedRuns.contains(meta.substring(PREFIX.length()));
  }

  /** The table at {@link #version}, if there is one. */
  public Optional<Dataset<Row>> read(String path) {
    return version(path).map(v -> spark.read().format("delta").option("versionAsOf", v).load(path));
  }
}
