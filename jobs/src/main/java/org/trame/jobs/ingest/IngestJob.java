package org.trame.jobs.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;

import io.delta.tables.DeltaTable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.trame.config.FileFormat;
import org.trame.config.SourceConfig;
import org.trame.config.TableConfig;
import org.trame.jobs.cli.CommandException;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.pseudo.Pseudonymizer;

/**
 * Ingests one landing batch of one source: for every table, read its files, type and validate each
 * row, replace identifiers by keyed-hash pseudonyms, and write accepted rows to {@code
 * warehouse/sources/<source>/<table>} and rejected ones to {@code
 * warehouse/quarantine/<source>/<table>}, both Delta tables partitioned by {@code batch}. A rerun
 * replaces the batch's partition: it never duplicates rows.
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

  /** Runs the ingest; {@code progress} receives one line per step. */
  public static IngestResult run(SparkSession spark, Request request, Consumer<String> progress) {
    LandingFiles landing = new LandingFiles(spark.sparkContext().hadoopConfiguration());
    String folder = request.paths().landingBatch(request.source().name(), request.batch());
    List<IngestResult.TableResult> results = new ArrayList<>();
    for (TableConfig table : request.source().tables()) {
      progress.accept("  " + table.name() + ": reading " + folder);
      results.add(ingestTable(spark, landing, folder, table, request, progress));
    }
    return new IngestResult(
        request.source().name(),
        request.batch(),
        request.runId(),
        request.pseudonymizer().keyId(),
        results);
  }

  private static IngestResult.TableResult ingestTable(
      SparkSession spark,
      LandingFiles landing,
      String folder,
      TableConfig table,
      Request request,
      Consumer<String> progress) {
    List<String> files = landing.find(folder, table);
    List<String> header = checkHeaders(landing, files, table);
    Dataset<Row> raw = read(spark, files, header, table.format());
    Dataset<Row> typed = IngestTransforms.typeAndValidate(raw, table);
    Dataset<Row> pseudonymized =
        IngestTransforms.pseudonymize(typed, table, request.pseudonymizer())
            .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long accepted = 0;
      long quarantined = 0;
      for (Row r :
          pseudonymized
              .groupBy(size(col(IngestTransforms.REASONS)).equalTo(0))
              .count()
              .collectAsList()) {
        if (r.getBoolean(0)) {
          accepted = r.getLong(1);
        } else {
          quarantined = r.getLong(1);
        }
      }
      long read = accepted + quarantined;
      String source = request.source().name();
      String target = request.paths().sourceTable(source, table.name());
      Dataset<Row> good =
          IngestTransforms.accepted(pseudonymized)
              .withColumn("_ingest_run", lit(request.runId()))
              .withColumn("_key_id", lit(request.pseudonymizer().keyId()))
              .withColumn(BATCH, lit(request.batch()));
      replaceBatch(good, target, request.batch());
      String quarantine = request.paths().quarantineTable(source, table.name());
      if (quarantined > 0 || DeltaTable.isDeltaTable(spark, quarantine)) {
        Dataset<Row> bad =
            IngestTransforms.quarantined(pseudonymized)
                .withColumn("_ingest_run", lit(request.runId()))
                .withColumn(BATCH, lit(request.batch()));
        replaceBatch(bad, quarantine, request.batch());
      }
      long version = DeltaTable.forPath(spark, target).history(1).first().getLong(0);
      progress.accept(
          String.format(
              "  %s: %,d rows read, %,d accepted, %,d quarantined -> %s (version %d)",
              table.name(), read, accepted, quarantined, target, version));
      return new IngestResult.TableResult(
          table.name(), files, read, accepted, quarantined, target, version);
    } finally {
      pseudonymized.unpersist();
    }
  }

  private static List<String> checkHeaders(
      LandingFiles landing, List<String> files, TableConfig table) {
    List<String> first = null;
    Set<String> declared = new LinkedHashSet<>();
    table.columns().forEach(c -> declared.add(c.name()));
    for (String file : files) {
      List<String> header = landing.header(file, table.format());
      Set<String> present = new LinkedHashSet<>(header);
      List<String> missing = new ArrayList<>(declared);
      missing.removeAll(present);
      List<String> extra = new ArrayList<>(present);
      extra.removeAll(declared);
      if (!missing.isEmpty() || !extra.isEmpty() || present.size() != header.size()) {
        throw CommandException.usage(
            "Cannot ingest "
                + file
                + " line 1: header does not match table "
                + table.name()
                + (missing.isEmpty() ? "" : "; missing columns " + missing)
                + (extra.isEmpty() ? "" : "; undeclared columns " + extra)
                + (present.size() != header.size() ? "; a column is named twice" : "")
                + " (fix the file or conf/sources)");
      }
      if (first != null && !first.equals(header)) {
        throw CommandException.usage(
            "Cannot ingest "
                + file
                + " line 1: its columns are in another order than "
                + files.get(0));
      }
      first = header;
    }
    return first;
  }

  private static Dataset<Row> read(
      SparkSession spark, List<String> files, List<String> header, FileFormat format) {
    StructType schema = new StructType();
    for (String name : header) {
      schema = schema.add(name, DataTypes.StringType, true);
    }
    schema = schema.add(IngestTransforms.CORRUPT, DataTypes.StringType, true);
    return spark
        .read()
        .format("csv")
        .schema(schema)
        .option("header", format.header())
        .option("sep", format.delimiter())
        .option("quote", format.quote())
        .option("encoding", format.charset())
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", IngestTransforms.CORRUPT)
        .option("ignoreLeadingWhiteSpace", false)
        .option("ignoreTrailingWhiteSpace", false)
        .load(files.toArray(new String[0]))
        .withColumn(IngestTransforms.SOURCE_FILE, col("_metadata.file_name"));
  }

  private static void replaceBatch(Dataset<Row> rows, String table, String batch) {
    rows.write()
        .format("delta")
        .mode(SaveMode.Overwrite)
        .option("replaceWhere", BATCH + " = '" + batch + "'")
        .partitionBy(BATCH)
        .save(table);
  }
}
