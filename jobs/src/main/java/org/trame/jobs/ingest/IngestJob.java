package org.trame.jobs.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.get;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

import io.delta.tables.DeltaTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.trame.config.SourceConfig;
import org.trame.config.TableConfig;
import org.trame.jobs.cli.CommandException;
import org.trame.jobs.cli.ExitCode;
import org.trame.jobs.ledger.RunEntry;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.pseudo.Pseudonymizer;

/**
 * Ingests one landing batch of one source. For every table: find its files, check their headers,
 * read every line with its number, type and validate each row, replace identifiers by keyed-hash
 * pseudonyms, and count. Only when every table's quarantine rate is within its limit and no file
 * broke off does it write: accepted rows to {@code warehouse/sources/<source>/<table>}, rejected
 * ones to {@code warehouse/quarantine/<source>/<table>}, both Delta tables partitioned by {@code
 * batch}. A rerun replaces the batch's partitions, never duplicates them.
 */
public final class IngestJob {
  /** The partition column of source and quarantine tables. */
  public static final String BATCH = "batch";

  private IngestJob() {}

  /** What to ingest, with what key, under which run id. */
  public record Request(
      WarehousePaths paths,
      SourceConfig source,
      String batch,
      Pseudonymizer pseudonymizer,
      String runId) {}

  /** The batch's landing folder; a usage error when it does not exist. */
  private static String batchFolder(LandingFiles landing, Request request) {
    String folder = request.paths().landingBatch(request.source().name(), request.batch());
    if (!landing.exists(folder)) {
      throw CommandException.usage(
          "Cannot ingest "
              + request.source().name()
              + " batch "
              + request.batch()
              + ": batch folder "
              + folder
              + " does not exist");
    }
    return folder;
  }

  /** One table, read, checked and staged, until written. */
  private record Prepared(
      TableConfig table,
      List<String> files,
      Dataset<Row> rows,
      Dataset<Row> repeatedKeys,
      long accepted,
      long quarantined) {}

  /** Lists the batch's files with their SHA-256, without reading them further. */
  public static List<RunEntry.InputFile> fingerprint(SparkSession spark, Request request) {
    LandingFiles landing = new LandingFiles(spark);
    String folder = batchFolder(landing, request);
    List<String> files = new ArrayList<>();
    List<String> tables = new ArrayList<>();
    for (TableConfig table : request.source().tables()) {
      for (String f : landing.find(folder, table)) {
        files.add(f);
        tables.add(table.name());
      }
    }
    List<RunEntry.InputFile> fingerprints = landing.fingerprint(files, tables);
    Map<String, String> seen = new LinkedHashMap<>();
    for (RunEntry.InputFile f : fingerprints) {
      String other = seen.putIfAbsent(f.sha256(), f.path());
      if (other != null && f.bytes() > 0) {
        throw LandingFiles.rejected(
            "Cannot ingest "
                + f.path()
                + ": same content as "
                + other
                + " (a file delivered twice?)");
      }
    }
    return fingerprints;
  }

  /**
   * The batch's files and their sizes, without reading them: a cheap check that a batch is still as
   * it was ingested ({@link #fingerprint} is the thorough one).
   */
  public static Map<String, Long> sizes(SparkSession spark, Request request) {
    LandingFiles landing = new LandingFiles(spark);
    String folder = batchFolder(landing, request);
    Map<String, Long> out = new java.util.TreeMap<>();
    try {
      for (TableConfig table : request.source().tables()) {
        for (String f : landing.find(folder, table)) {
          org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(f);
          out.put(
              f,
              path.getFileSystem(spark.sparkContext().hadoopConfiguration())
                  .getFileStatus(path)
                  .getLen());
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("Cannot list " + folder, e);
    }
    return out;
  }

  /** Runs the ingest; {@code progress} receives one line per step. */
  public static IngestResult run(SparkSession spark, Request request, Consumer<String> progress) {
    LandingFiles landing = new LandingFiles(spark);
    String folder = batchFolder(landing, request);
    List<Prepared> prepared = new ArrayList<>();
    try {
      for (TableConfig table : request.source().tables()) {
        prepared.add(prepare(spark, landing, folder, table, request, progress));
      }
      for (Prepared p : prepared) {
        checkThreshold(p);
      }
      List<IngestResult.TableResult> results = new ArrayList<>();
      for (Prepared p : prepared) {
        results.add(write(spark, p, request, progress));
      }
      return new IngestResult(
          request.source().name(),
          request.batch(),
          request.runId(),
          request.pseudonymizer().keyId(),
          results);
    } finally {
      prepared.forEach(p -> p.repeatedKeys().unpersist());
      deleteStaging(spark, request);
    }
  }

  private static Prepared prepare(
      SparkSession spark,
      LandingFiles landing,
      String folder,
      TableConfig table,
      Request request,
      Consumer<String> progress) {
    long start = System.nanoTime();
    List<String> files = landing.find(folder, table);
    List<String> header = landing.checkHeaders(files, table);
    progress.accept(
        "  "
            + table.name()
            + ": reading "
            + files.size()
            + (files.size() == 1 ? " file" : " files"));
    Dataset<Row> raw = LandingReader.read(spark, files, header, table.format());
    Dataset<Row> typed =
        IngestTransforms.withRowKey(
            IngestTransforms.typeAndValidate(raw, table),
            request.source().name(),
            table,
            request.pseudonymizer());
    Dataset<Row> pseudonymized =
        IngestTransforms.pseudonymize(typed, table, request.pseudonymizer());
    // One pass over the landing files: the checked, pseudonymized rows go to a staging folder in
    // the warehouse (no clear identifier in them) while an observation counts them. Nothing is
    // committed to a table until every table of the batch is known to be within its limits.
    Column first = get(col(IngestTransforms.REASONS), lit(0));
    Observation counts = new Observation("ingest-" + table.name());
    String staging = request.paths().staging(request.runId()) + "/" + table.name();
    pseudonymized
        .observe(
            counts,
            count(lit(1)).as("rows"),
            max(when(first.startsWith(LandingReader.FILE_ERROR_PREFIX), first)).as("file_error"))
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(staging);
    Map<String, Object> m;
    try {
      m = counts.getAsJava();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommandException(
          ExitCode.FAILURE, "Cannot ingest table " + table.name() + ": interrupted", e);
    }
    long total = ((Number) m.get("rows")).longValue();
    double stagedSeconds = seconds(start);
    Object fileError = m.get("file_error");
    if (fileError != null) {
      throw LandingFiles.rejected(
          "Cannot ingest table "
              + table.name()
              + ": "
              + fileError.toString().substring(LandingReader.FILE_ERROR_PREFIX.length())
              + "; nothing was committed");
    }
    // Duplicates are found on the staged rows, by their keyed row key: the landing files are
    // parsed once.
    // The repeated keys are grouped once and cached; counting and both writes then read the
    // staged rows once each, with no further grouping.
    Dataset<Row> staged = spark.read().parquet(staging);
    Dataset<Row> repeated = IngestTransforms.repeatedKeys(staged).cache();
    Dataset<Row> checked = IngestTransforms.flagDuplicates(staged, repeated);
    long accepted = checked.where(size(col(IngestTransforms.REASONS)).equalTo(0)).count();
    long quarantined = total - accepted;
    progress.accept(
        String.format(
            Locale.ROOT,
            "  %s: %,d rows read and checked (parsed, checked and staged in %.1f s, duplicates"
                + " and counts in %.1f s)",
            table.name(),
            total,
            stagedSeconds,
            seconds(start) - stagedSeconds));
    return new Prepared(table, files, checked, repeated, accepted, quarantined);
  }

  private static void checkThreshold(Prepared p) {
    long read = p.accepted() + p.quarantined();
    double rate = read == 0 ? 0 : (double) p.quarantined() / read;
    if (rate <= p.table().maxQuarantineRate()
        || p.quarantined() <= p.table().quarantineAllowance()) {
      return;
    }
    List<Row> top =
        p.rows()
            .where(size(col(IngestTransforms.REASONS)).gt(0))
            .select(explode(col(IngestTransforms.REASONS)).as("reason"))
            .select(
                regexp_replace(
                        regexp_replace(col("reason"), "'[^']*'", "'…'"), "line [0-9]+", "line N")
                    .as("reason"))
            .groupBy("reason")
            .agg(count(lit(1)).as("n"))
            .orderBy(col("n").desc(), col("reason"))
            .limit(5)
            .collectAsList();
    StringBuilder b = new StringBuilder();
    for (Row r : top) {
      b.append(String.format("%n  %,8d  %s", r.getLong(1), r.getString(0)));
    }
    throw new CommandException(
        ExitCode.DATA_REJECTED,
        String.format(
            "Cannot ingest table %s: %,d of %,d rows rejected (%.1f%%, limit %.1f%%); nothing was committed. Top reasons:%s",
            p.table().name(),
            p.quarantined(),
            read,
            rate * 100,
            p.table().maxQuarantineRate() * 100,
            b));
  }

  private static IngestResult.TableResult write(
      SparkSession spark, Prepared p, Request request, Consumer<String> progress) {
    String source = request.source().name();
    long start = System.nanoTime();
    String target = request.paths().sourceTable(source, p.table().name());
    Dataset<Row> good =
        IngestTransforms.accepted(p.rows())
            .withColumn("_ingest_run", lit(request.runId()))
            .withColumn("_key_id", lit(request.pseudonymizer().keyId()))
            .withColumn(BATCH, lit(request.batch()));
    replaceBatch(good, target, request.batch(), false);
    progress.accept(
        String.format(
            Locale.ROOT,
            "  %s: accepted rows written in %.1f s",
            p.table().name(),
            seconds(start)));
    long quarantineStart = System.nanoTime();
    String quarantine = request.paths().quarantineTable(source, p.table().name());
    if (p.quarantined() > 0 || DeltaTable.isDeltaTable(spark, quarantine)) {
      Dataset<Row> bad =
          IngestTransforms.quarantined(p.rows())
              .withColumn("_ingest_run", lit(request.runId()))
              .withColumn(BATCH, lit(request.batch()));
      // mergeSchema: a quarantine table written before reason codes existed gains the column.
      replaceBatch(bad, quarantine, request.batch(), true);
    }
    long version = DeltaTable.forPath(spark, target).history(1).first().getLong(0);
    long read = p.accepted() + p.quarantined();
    progress.accept(
        String.format(
            Locale.ROOT,
            "  %s: %,d rows read, %,d accepted, %,d quarantined -> version %d (quarantine and"
                + " version in %.1f s)",
            p.table().name(),
            read,
            p.accepted(),
            p.quarantined(),
            version,
            seconds(quarantineStart)));
    return new IngestResult.TableResult(
        p.table().name(), p.files(), read, p.accepted(), p.quarantined(), target, version);
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static void deleteStaging(SparkSession spark, Request request) {
    String staging = request.paths().staging(request.runId());
    try {
      org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(staging);
      path.getFileSystem(spark.sparkContext().hadoopConfiguration()).delete(path, true);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("Cannot delete staging folder " + staging, e);
    }
  }

  /**
   * Replaces the batch's partition. Two ingests of different batches may both find the table
   * missing and both create it; Delta lets one win and refuses the other, which then finds the
   * table and replaces its own partition like any later ingest.
   */
  private static void replaceBatch(
      Dataset<Row> rows, String table, String batch, boolean mergeSchema) {
    for (int attempt = 1; ; attempt++) {
      try {
        rows.write()
            .format("delta")
            .mode(SaveMode.Overwrite)
            .option("mergeSchema", mergeSchema)
            .option("replaceWhere", BATCH + " = '" + batch + "'")
            .partitionBy(BATCH)
            .save(table);
        return;
      } catch (io.delta.exceptions.ProtocolChangedException
          | io.delta.exceptions.MetadataChangedException e) {
        if (attempt >= 3) {
          throw e;
        }
      }
    }
  }
}
