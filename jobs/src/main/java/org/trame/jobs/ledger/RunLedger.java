package org.trame.jobs.ledger;

import static org.apache.spark.sql.functions.col;

import io.delta.tables.DeltaTable;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The run ledger: an append-only Delta table at {@code warehouse/runs}, one row per run event.
 * Appends never conflict in Delta, so concurrent runs can all record themselves.
 */
public final class RunLedger {
  static final StructType INPUT =
      new StructType()
          .add("table", DataTypes.StringType)
          .add("path", DataTypes.StringType)
          .add("sha256", DataTypes.StringType)
          .add("bytes", DataTypes.LongType);
  static final StructType COUNTS =
      new StructType()
          .add("table", DataTypes.StringType)
          .add("version", DataTypes.LongType)
          .add("rows_read", DataTypes.LongType)
          .add("rows_accepted", DataTypes.LongType)
          .add("rows_quarantined", DataTypes.LongType);
  static final StructType SCHEMA =
      new StructType()
          .add("run_id", DataTypes.StringType, false)
          .add("command", DataTypes.StringType)
          .add("arguments", DataTypes.StringType)
          .add("user", DataTypes.StringType)
          .add("started", DataTypes.TimestampType)
          .add("ended", DataTypes.TimestampType)
          .add("status", DataTypes.StringType)
          .add("exit_code", DataTypes.IntegerType)
          .add("message", DataTypes.StringType)
          .add("source", DataTypes.StringType)
          .add("batch", DataTypes.StringType)
          .add("inputs", DataTypes.createArrayType(INPUT))
          .add("tables", DataTypes.createArrayType(COUNTS))
          .add("key_id", DataTypes.StringType)
          .add("code_version", DataTypes.StringType);

  private final SparkSession spark;
  private final String location;

  public RunLedger(SparkSession spark, String warehouse) {
    this.spark = spark;
    this.location = warehouse + "/runs";
  }

  public String location() {
    return location;
  }

  /** Appends one event. */
  public void append(RunEntry e) {
    List<Row> inputs = new ArrayList<>();
    for (RunEntry.InputFile f : e.inputs()) {
      inputs.add(RowFactory.create(f.table(), f.path(), f.sha256(), f.bytes()));
    }
    List<Row> tables = new ArrayList<>();
    for (RunEntry.TableCounts t : e.tables()) {
      tables.add(
          RowFactory.create(
              t.table(), t.version(), t.rowsRead(), t.rowsAccepted(), t.rowsQuarantined()));
    }
    Row row =
        RowFactory.create(
            e.runId(),
            e.command(),
            e.arguments(),
            e.user(),
            ts(e.started()),
            ts(e.ended()),
            e.status(),
            e.exitCode(),
            e.message(),
            e.source(),
            e.batch(),
            scala.jdk.javaapi.CollectionConverters.asScala(inputs).toSeq(),
            scala.jdk.javaapi.CollectionConverters.asScala(tables).toSeq(),
            e.keyId(),
            e.codeVersion());
    spark
        .createDataFrame(List.of(row), SCHEMA)
        .coalesce(1)
        .write()
        .format("delta")
        .mode("append")
        .save(location);
  }

  /** Every run, latest event of each, newest first; optionally filtered. */
  public List<RunEntry> runs(String command, String status, Instant since, int limit) {
    if (!DeltaTable.isDeltaTable(spark, location)) {
      return List.of();
    }
    Dataset<Row> all = spark.read().format("delta").load(location);
    if (command != null) {
      all = all.where(col("command").equalTo(command));
    }
    if (since != null) {
      all = all.where(col("started").geq(new Timestamp(since.toEpochMilli())));
    }
    return latestEvents(all.collectAsList()).values().stream()
        .filter(e -> status == null || e.status().equals(status))
        .sorted(Comparator.comparing(RunEntry::started).reversed())
        .limit(limit)
        .toList();
  }

  /**
   * The runs of a command that did not succeed: failed, rejected, killed, or still running. A
   * killed run stays {@code running} until another run takes over its lock.
   */
  public java.util.Set<String> unfinished(String command) {
    java.util.Set<String> out = new java.util.HashSet<>();
    for (RunEntry e : runs(command, null, null, Integer.MAX_VALUE)) {
      if (!RunEntry.SUCCEEDED.equals(e.status())) {
        out.add(e.runId());
      }
    }
    return out;
  }

  /** The latest event of one run (its end, or {@code running}), if the ledger has it. */
  public Optional<RunEntry> find(String runId) {
    if (!DeltaTable.isDeltaTable(spark, location)) {
      return Optional.empty();
    }
    return Optional.ofNullable(
        latestEvents(
                spark
                    .read()
                    .format("delta")
                    .load(location)
                    .where(col("run_id").equalTo(runId))
                    .collectAsList())
            .get(runId));
  }

  /**
   * Records that a run left as {@code running} was killed: found when {@code byRun} took over its
   * stale lock. Does nothing if the ledger has an end for it.
   */
  public void markInterrupted(String runId, String byRun) {
    Optional<RunEntry> run = find(runId);
    if (run.isPresent() && RunEntry.RUNNING.equals(run.get().status())) {
      append(
          run.get()
              .ended(
                  RunEntry.FAILED,
                  1,
                  "interrupted: the run stopped without recording its end (killed?); run "
                      + byRun
                      + " took over its lock",
                  List.of()));
    }
  }

  /**
   * Records as interrupted the ingests of a batch left {@code running} that started before {@code
   * holder}, which now holds the batch's lock: a run killed before it took the lock (during its
   * start) left no lock to take over, so {@link #markInterrupted} never found it. One that is in
   * fact still starting would fail at the lock with exit 4 anyway.
   */
  public void markInterruptedBefore(String source, String batch, RunEntry holder) {
    if (!DeltaTable.isDeltaTable(spark, location)) {
      return;
    }
    Map<String, RunEntry> latest =
        latestEvents(
            spark
                .read()
                .format("delta")
                .load(location)
                .where(
                    col("command")
                        .equalTo("ingest")
                        .and(col("source").equalTo(source))
                        .and(col("batch").equalTo(batch))
                        .and(col("started").lt(new Timestamp(holder.started().toEpochMilli()))))
                .collectAsList());
    for (RunEntry e : latest.values()) {
      if (RunEntry.RUNNING.equals(e.status()) && !e.runId().equals(holder.runId())) {
        append(
            e.ended(
                RunEntry.FAILED,
                1,
                "interrupted: the run stopped before it took its lock (killed?); run "
                    + holder.runId()
                    + " took the lock after it",
                List.of()));
      }
    }
  }

  /**
   * The latest event of each run among ledger rows: its end when it has one, else {@code running}.
   */
  private static Map<String, RunEntry> latestEvents(List<Row> rows) {
    Map<String, RunEntry> latest = new LinkedHashMap<>();
    for (Row r : rows) {
      RunEntry e = entry(r);
      RunEntry seen = latest.get(e.runId());
      if (seen == null || RunEntry.RUNNING.equals(seen.status())) {
        latest.put(e.runId(), e);
      }
    }
    return latest;
  }

  /** The newest successful ingest of a source's batch, if any. */
  public Optional<RunEntry> lastIngest(String source, String batch) {
    return newestSucceeded(
        col("command")
            .equalTo("ingest")
            .and(col("source").equalTo(source))
            .and(col("batch").equalTo(batch)));
  }

  /**
   * The key id of the newest successful run that wrote pseudonyms ({@code ingest}, {@code link} or
   * {@code rekey}), if any: the key chain the warehouse is under.
   */
  public Optional<String> lastKeyId() {
    return lastKeyId(null);
  }

  /** As {@link #lastKeyId()}, among runs that ended before {@code before} (null: any). */
  public Optional<String> lastKeyId(Instant before) {
    Column wrote = col("command").isin("ingest", "link", "rekey").and(col("key_id").isNotNull());
    if (before != null) {
      wrote = wrote.and(col("ended").lt(new Timestamp(before.toEpochMilli())));
    }
    return newestSucceeded(wrote).map(RunEntry::keyId);
  }

  private Optional<RunEntry> newestSucceeded(Column filter) {
    if (!DeltaTable.isDeltaTable(spark, location)) {
      return Optional.empty();
    }
    List<Row> rows =
        spark
            .read()
            .format("delta")
            .load(location)
            .where(filter.and(col("status").equalTo(RunEntry.SUCCEEDED)))
            .orderBy(col("ended").desc())
            .limit(1)
            .collectAsList();
    return rows.isEmpty() ? Optional.empty() : Optional.of(entry(rows.get(0)));
  }

  private static RunEntry entry(Row r) {
    List<RunEntry.InputFile> inputs = new ArrayList<>();
    if (!r.isNullAt(r.fieldIndex("inputs"))) {
      for (Row f : r.<Row>getList(r.fieldIndex("inputs"))) {
        inputs.add(
            new RunEntry.InputFile(f.getString(0), f.getString(1), f.getString(2), f.getLong(3)));
      }
    }
    List<RunEntry.TableCounts> tables = new ArrayList<>();
    if (!r.isNullAt(r.fieldIndex("tables"))) {
      for (Row t : r.<Row>getList(r.fieldIndex("tables"))) {
        tables.add(
            new RunEntry.TableCounts(
                t.getString(0),
                t.isNullAt(1) ? null : t.getLong(1),
                t.getLong(2),
                t.getLong(3),
                t.getLong(4)));
      }
    }
    Timestamp ended = r.getAs("ended");
    Integer code = r.getAs("exit_code");
    return new RunEntry(
        r.getAs("run_id"),
        r.getAs("command"),
        r.getAs("arguments"),
        r.getAs("user"),
        ((Timestamp) r.getAs("started")).toInstant(),
        ended == null ? null : ended.toInstant(),
        r.getAs("status"),
        code == null ? 0 : code,
        r.getAs("message"),
        r.getAs("source"),
        r.getAs("batch"),
        inputs,
        tables,
        r.getAs("key_id"),
        r.getAs("code_version"));
  }

  private static Timestamp ts(Instant i) {
    return i == null ? null : Timestamp.from(i);
  }
}
