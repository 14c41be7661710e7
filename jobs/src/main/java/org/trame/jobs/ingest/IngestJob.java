package org.trame.jobs.ingest;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.get;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.delta.tables.DeltaTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;
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
import org.trame.jobs.spark.CodeGeneration;
import org.trame.jobs.spark.DeltaCommits;
import org.trame.jobs.spark.HadoopFolders;
import org.trame.jobs.spark.PartitionReplace;
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
    for (TableConfig table : request.source().tables()) {
      out.putAll(landing.findWithSizes(folder, table));
    }
    return out;
  }

  /**
   * Runs the ingest; {@code progress} receives one line per step. The tables of the batch are read,
   * checked and written side by side (see {@link #tablesAtOnce}); nothing is written until all of
   * them are read and within their limits.
   */
  public static IngestResult run(SparkSession spark, Request request, Consumer<String> progress) {
    LandingFiles landing = new LandingFiles(spark);
    String folder = batchFolder(landing, request);
    CodeGeneration.fit(spark, CodeGeneration.bytesUnder(spark, List.of(folder)));
    Consumer<String> lines =
        line -> {
          synchronized (progress) {
            progress.accept(line);
          }
        };
    List<TableConfig> tables = request.source().tables();
    ExecutorService pool =
        Executors.newFixedThreadPool(tablesAtOnce(spark, tables.size()), IngestJob::thread);
    List<Prepared> prepared = new ArrayList<>();
    try {
      // Tables prepared before another failed are kept, so that their cached keys are released.
      eachTable(
          pool, tables, table -> prepare(spark, landing, folder, table, request, lines), prepared);
      List<RunEntry.TableCounts> counted = new ArrayList<>();
      for (Prepared p : prepared) {
        counted.add(
            new RunEntry.TableCounts(
                p.table().name(),
                null,
                p.accepted() + p.quarantined(),
                p.accepted(),
                p.quarantined()));
      }
      for (Prepared p : prepared) {
        checkThreshold(p, counted);
      }
      List<IngestResult.TableResult> results = new ArrayList<>();
      eachTable(pool, prepared, p -> write(spark, p, request, lines), results);
      return new IngestResult(
          request.source().name(),
          request.batch(),
          request.runId(),
          request.pseudonymizer().keyId(),
          results);
    } finally {
      pool.shutdownNow();
      prepared.forEach(p -> p.repeatedKeys().unpersist());
      deleteStaging(spark, request);
    }
  }

  /**
   * How many tables of a batch are worked on at once. A gzipped landing file is read by one task,
   * and a small table's Delta commit is mostly the driver's work, so one table at a time left cores
   * idle: on this 2-core machine, four at once took a warm 10^5 ingest of the three sources from
   * 50.5 s to 42.5-47 s. Bounded, since each table at work holds its plans and broadcasts on the
   * driver.
   */
  private static int tablesAtOnce(SparkSession spark, int tables) {
    int cores = spark.sparkContext().defaultParallelism();
    return Math.max(1, Math.min(tables, Math.min(MAX_TABLES_AT_ONCE, Math.max(2, cores))));
  }

  private static final int MAX_TABLES_AT_ONCE = 4;

  private static Thread thread(Runnable r) {
    Thread t = new Thread(r, "trame-ingest-table");
    t.setDaemon(true);
    return t;
  }

  /**
   * Applies {@code work} to every item on the pool and adds the results to {@code done} in the
   * items' order. Every item is finished before it returns; if some failed, the others' results are
   * still added, and the first failure in the items' order is thrown, so the error does not depend
   * on which table happened to finish first.
   */
  private static <T, R> void eachTable(
      ExecutorService pool, List<T> items, Function<T, R> work, List<R> done) {
    List<Future<R>> futures = new ArrayList<>();
    for (T item : items) {
      futures.add(pool.submit(() -> work.apply(item)));
    }
    RuntimeException failure = null;
    for (Future<R> f : futures) {
      try {
        done.add(f.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CommandException(ExitCode.FAILURE, "Ingest interrupted", e);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof Error error) {
          throw error;
        }
        if (failure == null) {
          failure =
              cause instanceof RuntimeException runtime
                  ? runtime
                  : new IllegalStateException(cause.getMessage(), cause);
        }
      }
    }
    if (failure != null) {
      throw failure;
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
    Map<String, Long> sizes = landing.findWithSizes(folder, table);
    List<String> files = new ArrayList<>(sizes.keySet());
    List<String> header = landing.checkHeaders(files, table);
    progress.accept(
        "  "
            + table.name()
            + ": reading "
            + files.size()
            + (files.size() == 1 ? " file" : " files"));
    Dataset<Row> raw =
        LandingReader.read(spark, LandingReader.slices(spark, sizes), header, table.format());
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
            count(when(size(col(IngestTransforms.REASONS)).equalTo(0), lit(1))).as("clean"),
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
    long clean = ((Number) m.get("clean")).longValue();
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
    // parsed once. The repeated keys are grouped once (see repeated), with the count of rows they
    // turn into duplicates, so the accepted count needs no further pass, and both writes read the
    // staged rows once each, with no further grouping.
    Dataset<Row> staged = spark.read().parquet(staging);
    Repeated repeated =
        repeated(
            spark,
            staged,
            files.stream().map(LandingReader::sourceFile).toList(),
            REPEATED_KEYS_ON_DRIVER);
    long cleanDuplicates = repeated.cleanDuplicates();
    Dataset<Row> checked = IngestTransforms.flagDuplicates(staged, repeated.keys());
    long accepted = clean - cleanDuplicates;
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
    return new Prepared(table, files, checked, repeated.keys(), accepted, quarantined);
  }

  /**
   * The most repeated row keys of a table collected to the driver: a few hundred bytes each there,
   * as rows and as the local table broadcast from them.
   */
  static final int REPEATED_KEYS_ON_DRIVER = 50_000;

  /**
   * A table's repeated row keys ({@link IngestTransforms#repeatedKeys}) and the clean rows they
   * turn into duplicates.
   */
  record Repeated(Dataset<Row> keys, long cleanDuplicates) {}

  /**
   * The repeated row keys of the staged rows. Usually there are none or a few: up to {@code
   * onDriver} of them are collected, summed here and broadcast from the driver, two Spark jobs
   * fewer per table than caching them (at 10,000 persons, ingest's three sources ran 61 jobs
   * instead of 90, each a few tens of milliseconds). More, which a batch repeating much of itself
   * has, are cached and broadcast by the writes as before, after the grouping that found them too
   * many: that batch pays one more pass over its staged keys.
   */
  static Repeated repeated(
      SparkSession spark, Dataset<Row> staged, List<String> fileNames, int onDriver) {
    Dataset<Row> keys = IngestTransforms.repeatedKeys(staged, fileNames);
    List<Row> few = keys.limit(onDriver + 1).collectAsList();
    if (few.size() <= onDriver) {
      int clean = keys.schema().fieldIndex(IngestTransforms.CLEAN_DUPLICATES);
      return new Repeated(
          spark.createDataFrame(few, keys.schema()),
          few.stream().mapToLong(r -> r.getLong(clean)).sum());
    }
    Dataset<Row> cached = keys.cache();
    return new Repeated(
        cached,
        cached
            .agg(coalesce(sum(col(IngestTransforms.CLEAN_DUPLICATES)), lit(0L)))
            .first()
            .getLong(0));
  }

  /**
   * A batch refused for its rows (exit 3): nothing was committed. It carries what every table of
   * the batch counted, with no version, for the run's ledger row.
   */
  public static final class Rejected extends CommandException {
    private static final long serialVersionUID = 1L;
    private final transient List<RunEntry.TableCounts> counts;

    Rejected(String message, List<RunEntry.TableCounts> counts) {
      super(ExitCode.DATA_REJECTED, message);
      this.counts = List.copyOf(counts);
    }

    /** Rows read, accepted and quarantined per table of the batch; no version (none written). */
    public List<RunEntry.TableCounts> counts() {
      return counts;
    }
  }

  private static void checkThreshold(Prepared p, List<RunEntry.TableCounts> counted) {
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
    throw new Rejected(
        String.format(
            "Cannot ingest table %s: %,d of %,d rows rejected (%.1f%%, limit %.1f%%); nothing was committed. Top reasons:%s",
            p.table().name(),
            p.quarantined(),
            read,
            rate * 100,
            p.table().maxQuarantineRate() * 100,
            b),
        counted);
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
    Commit accepted =
        replaceBatch(
            spark,
            good,
            target,
            request.batch(),
            false,
            request.runId(),
            statisticsOn(good.schema()));
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
          IngestTransforms.quarantined(p.rows(), p.table())
              .withColumn("_ingest_run", lit(request.runId()))
              .withColumn(BATCH, lit(request.batch()));
      // mergeSchema: a quarantine table written before reason codes existed gains the column.
      Commit quarantined =
          replaceBatch(
              spark,
              bad,
              quarantine,
              request.batch(),
              true,
              request.runId(),
              Map.of(INDEXED_COLUMNS, "0"));
      reconcile(p, "quarantined", p.quarantined(), quarantined);
    }
    reconcile(p, "accepted", p.accepted(), accepted);
    long version = accepted.version();
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

  /** A run's commit to a table: its version and the rows it wrote. */
  private record Commit(long version, long rows) {}

  /** How far back in a table's history a run looks for its own commit (others may follow it). */
  private static final int RECENT_COMMITS = 50;

  /** The Delta commit metadata ({@code userMetadata}) of an ingest run's writes. */
  static String tag(String runId) {
    return "trame ingest " + runId;
  }

  /**
   * Finds this run's commit by its {@link #tag}: nearly always the newest one, but another ingest
   * of the same source may have committed since, so the recent history is read when it is not. The
   * rows written come from the commit's metrics or, when Delta recorded none (statistics turned
   * off), from counting the batch's partition at that version.
   */
  private static Commit commitOf(SparkSession spark, String table, String batch, String runId) {
    DeltaTable delta = DeltaTable.forPath(spark, table);
    Column ours = col("userMetadata").equalTo(tag(runId));
    List<Row> found =
        delta.history(1).where(ours).select("version", "operationMetrics").collectAsList();
    if (found.isEmpty()) {
      found =
          delta
              .history(RECENT_COMMITS)
              .where(ours)
              .select("version", "operationMetrics")
              .orderBy(col("version").desc())
              .limit(1)
              .collectAsList();
    }
    if (found.isEmpty()) {
      // Delta commits nothing when an overwrite neither adds nor removes a file.
      return new Commit(delta.history(1).first().getLong(0), 0);
    }
    Row commit = found.get(0);
    long version = commit.getLong(0);
    long rows = DeltaCommits.rowsWritten(commit, () -> batchAt(spark, table, batch, version));
    return new Commit(version, rows);
  }

  /** The batch's partition of a table as a version left it. */
  private static Dataset<Row> batchAt(
      SparkSession spark, String table, String batch, long version) {
    return spark
        .read()
        .format("delta")
        .option("versionAsOf", version)
        .load(table)
        .where(col(BATCH).equalTo(batch));
  }

  /**
   * Checks that a table received exactly the rows counted for it before the commit, so that rows
   * read = accepted + quarantined holds for what was written, not only for what was counted.
   */
  private static void reconcile(Prepared p, String kind, long counted, Commit commit) {
    if (commit.rows() != counted) {
      throw new CommandException(
          ExitCode.FAILURE,
          String.format(
              Locale.ROOT,
              "Ingest of table %s does not reconcile: %,d rows were counted as %s but version %d"
                  + " holds %,d; run the batch again (it is replaced, not duplicated)",
              p.table().name(),
              counted,
              kind,
              commit.version(),
              commit.rows()));
    }
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static void deleteStaging(SparkSession spark, Request request) {
    HadoopFolders.delete(
        spark.sparkContext().hadoopConfiguration(), request.paths().staging(request.runId()));
  }

  private static final String STATISTICS_COLUMNS = "delta.dataSkippingStatsColumns";
  private static final String INDEXED_COLUMNS = "delta.dataSkippingNumIndexedCols";

  /**
   * The statistics a new source table keeps, as the table properties it is created with (Delta
   * ignores them on later writes). By default Delta records the minimum, maximum and null count of
   * the first 32 columns of every file it writes; here only date columns keep them, since extracts
   * select rows by period, and a quarantine table keeps none (only its row counts). On the 10^5
   * bench data, ingest into new tables took 7-10% less time (80.1 s against 87.7-89.7 s cold,
   * 44.1-46.3 s against 46.6-51.9 s warm).
   */
  static Map<String, String> statisticsOn(org.apache.spark.sql.types.StructType schema) {
    List<String> dates = new ArrayList<>();
    for (org.apache.spark.sql.types.StructField f : schema.fields()) {
      if (f.dataType() instanceof org.apache.spark.sql.types.DateType) {
        dates.add("`" + f.name().replace("`", "``") + "`");
      }
    }
    return dates.isEmpty()
        ? Map.of(INDEXED_COLUMNS, "0")
        : Map.of(STATISTICS_COLUMNS, String.join(",", dates));
  }

  /**
   * Replaces the batch's partition and returns the commit. A table that exists with the rows'
   * columns and lists its files in its checksum is written in one transaction without rebuilding
   * its state ({@link PartitionReplace}); others go through Delta's {@code replaceWhere}, which
   * also creates a new table. A commit that loses a race is tried again, up to three times: two
   * ingests of different batches may both find the table missing and both create it (Delta lets one
   * win, and the other then replaces its own partition like any later ingest), and a compaction
   * ({@code maintain --optimize}) may rewrite the batch's files while it is replaced.
   */
  private static Commit replaceBatch(
      SparkSession spark,
      Dataset<Row> rows,
      String table,
      String batch,
      boolean mergeSchema,
      String runId,
      Map<String, String> createdWith) {
    for (int attempt = 1; ; attempt++) {
      try {
        Optional<PartitionReplace.Written> direct =
            PartitionReplace.replace(spark, rows, table, BATCH, batch, tag(runId));
        if (direct.isPresent()) {
          long version = direct.get().version();
          long written = direct.get().rows();
          return written >= 0
              ? new Commit(version, written)
              : new Commit(version, batchAt(spark, table, batch, version).count());
        }
        rows.write()
            .format("delta")
            .options(createdWith)
            .mode(SaveMode.Overwrite)
            .option("mergeSchema", mergeSchema)
            .option("userMetadata", tag(runId))
            .option("replaceWhere", BATCH + " = '" + batch + "'")
            .partitionBy(BATCH)
            .save(table);
        return commitOf(spark, table, batch, runId);
      } catch (io.delta.exceptions.ProtocolChangedException
          | io.delta.exceptions.MetadataChangedException
          | io.delta.exceptions.ConcurrentAppendException
          | io.delta.exceptions.ConcurrentDeleteReadException
          | io.delta.exceptions.ConcurrentDeleteDeleteException e) {
        if (attempt >= 3) {
          throw e;
        }
      }
    }
  }
}
