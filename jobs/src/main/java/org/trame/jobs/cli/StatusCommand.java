package org.trame.jobs.cli;

import static org.apache.spark.sql.functions.col;

import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.trame.config.SourceConfig;
import org.trame.config.TableConfig;
import org.trame.config.TrameConfig;
import org.trame.jobs.ingest.IngestJob;
import org.trame.jobs.spark.SparkSessions;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.key.KeyAccessException;
import org.trame.key.KeyInfo;
import org.trame.key.KeyStores;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code trame status}: what is configured, landed and ingested. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = "Show the roots, the keys, and per source the landed and ingested batches.")
final class StatusCommand implements Callable<Integer> {
  @ParentCommand TrameCommand root;

  @Override
  public Integer call() throws IOException {
    Cli cli = root.cli();
    TrameConfig config = cli.config();
    List<SourceConfig> sources = sources(cli.confDir());
    var out = cli.out();
    out.println("Configuration " + cli.confDir().resolve("trame.yaml"));
    out.println("  landing    " + config.landing());
    out.println("  warehouse  " + config.warehouse());
    out.println("  extracts   " + config.extracts());
    out.println("  keystore   " + keys(cli, config));
    SparkSession spark = SparkSessions.start(config.spark(), "trame status", cli.verbose());
    WarehousePaths paths = WarehousePaths.of(config);
    for (SourceConfig source : sources) {
      out.println();
      out.println(
          "Source "
              + source.name()
              + (source.description() == null ? "" : ": " + source.description()));
      out.println("  landed batches: " + String.join(", ", landed(spark, paths, source.name())));
      for (TableConfig table : source.tables()) {
        out.println(
            "  "
                + table.name()
                + ": "
                + ingested(
                    spark,
                    paths.sourceTable(source.name(), table.name()),
                    paths.quarantineTable(source.name(), table.name())));
      }
    }
    return ExitCode.OK;
  }

  private static String keys(Cli cli, TrameConfig config) {
    if (config.keys().keystore() == null) {
      return "(none configured)";
    }
    try {
      List<String> ids = new ArrayList<>();
      for (KeyInfo k : KeyStores.open(config.keys(), cli.env()).list()) {
        ids.add(k.id().toString());
      }
      return config.keys().keystore() + " (keys " + String.join(", ", ids) + ")";
    } catch (KeyAccessException e) {
      return config.keys().keystore() + " (not opened: " + e.getMessage() + ")";
    }
  }

  private static List<SourceConfig> sources(Path confDir) throws IOException {
    List<SourceConfig> out = new ArrayList<>();
    Path dir = confDir.resolve("sources");
    if (!Files.isDirectory(dir)) {
      return out;
    }
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.yaml")) {
      s.forEach(files::add);
    }
    files.sort(null);
    for (Path f : files) {
      String name = f.getFileName().toString().replaceFirst("\\.yaml$", "");
      out.add(SourceConfig.load(confDir, name));
    }
    return out;
  }

  private static List<String> landed(SparkSession spark, WarehousePaths paths, String source)
      throws IOException {
    org.apache.hadoop.fs.Path folder = new org.apache.hadoop.fs.Path(paths.landingSource(source));
    FileSystem fs = folder.getFileSystem(spark.sparkContext().hadoopConfiguration());
    List<String> batches = new ArrayList<>();
    if (fs.exists(folder)) {
      for (FileStatus s : fs.listStatus(folder)) {
        if (s.isDirectory()) {
          batches.add(s.getPath().getName());
        }
      }
    }
    batches.sort(null);
    return batches.isEmpty() ? List.of("(none)") : batches;
  }

  private static String ingested(SparkSession spark, String table, String quarantine) {
    if (!DeltaTable.isDeltaTable(spark, table)) {
      return "not ingested yet";
    }
    long version = DeltaTable.forPath(spark, table).history(1).first().getLong(0);
    TreeMap<String, long[]> batches = new TreeMap<>();
    for (Row r :
        spark.read().format("delta").load(table).groupBy(IngestJob.BATCH).count().collectAsList()) {
      batches.computeIfAbsent(r.getString(0), b -> new long[2])[0] = r.getLong(1);
    }
    if (DeltaTable.isDeltaTable(spark, quarantine)) {
      for (Row r :
          spark
              .read()
              .format("delta")
              .load(quarantine)
              .groupBy(col(IngestJob.BATCH))
              .count()
              .collectAsList()) {
        batches.computeIfAbsent(r.getString(0), b -> new long[2])[1] = r.getLong(1);
      }
    }
    StringBuilder b = new StringBuilder("Delta version " + version);
    batches.forEach(
        (batch, n) ->
            b.append(
                String.format("%n      batch %s: %,d rows, %,d quarantined", batch, n[0], n[1])));
    return b.toString();
  }
}
