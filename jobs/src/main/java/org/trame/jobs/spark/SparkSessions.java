package org.trame.jobs.spark;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.sql.SparkSession;
import org.trame.config.SparkConfig;

/**
 * Builds the SparkSession of a command: embedded {@code local[*]} by default, or whatever master
 * spark-submit set. Delta's extension and catalog are always on; the Spark UI is off unless the
 * configuration turns it on; the session time zone is UTC so dates never shift.
 */
public final class SparkSessions {
  private static final String HADOOP_PREFIX = "spark.hadoop.";

  /** How many files a Delta version's checksum lists at most. */
  static final String CHECKSUM_FILES = "spark.databricks.delta.allFilesInCrc.thresholdNumFiles";

  /**
   * At most about 0.6 MB of checksum per commit: a file of the generated claims table, with
   * statistics on four date columns, takes 611 bytes there.
   */
  static final int CHECKSUM_FILES_LIMIT = 1000;

  private SparkSessions() {}

  /**
   * Starts (or reuses, in tests) the session.
   *
   * @param verbose when false, Spark's INFO logs stay hidden
   */
  public static SparkSession start(SparkConfig config, String appName, boolean verbose) {
    setLogLevel(verbose);
    SparkSession.Builder builder = SparkSession.builder().appName(appName);
    boolean submitted = System.getProperty("spark.master") != null;
    if (!submitted) {
      builder.master(config.master());
      int cores = Runtime.getRuntime().availableProcessors();
      // Few, larger shuffle partitions on a laptop; adaptive execution coalesces further.
      builder.config("spark.sql.shuffle.partitions", String.valueOf(Math.max(4, 2 * cores)));
      builder.config("spark.ui.enabled", "false");
      // Delta rebuilds a table's state with 50 tasks by default: on a laptop that is seconds of
      // scheduling per table read, for a log of a few files.
      builder.config(
          "spark.databricks.delta.snapshotPartitions", String.valueOf(Math.max(2, cores)));
    }
    builder
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config(
            "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.sources.partitionOverwriteMode", "static")
        .config("spark.databricks.delta.schema.autoMerge.enabled", "false")
        // A version's checksum lists the table's files up to this many (Delta's default: 50), and
        // ingest replaces a batch from that list without rebuilding the table state
        // (PartitionReplace). Monthly batches of a few files each pass 50 within a few years.
        .config(CHECKSUM_FILES, String.valueOf(CHECKSUM_FILES_LIMIT))
        // Trame names tables by path; the catalog only holds trame sql's views. Its folder goes to
        // the temporary directory, never a spark-warehouse/ in the user's current folder.
        .config(
            "spark.sql.warehouse.dir",
            java.nio.file.Path.of(
                    System.getProperty("java.io.tmpdir"),
                    "trame-catalog-" + System.getProperty("user.name"))
                .toUri()
                .toString());
    // On a session already running in this JVM, spark.hadoop.* settings would become session
    // settings, which Spark copies into every job's properties and, not being in the SparkConf,
    // writes unredacted to the event log (an S3 secret key, say). They go to the Hadoop
    // configuration only, below.
    boolean reused = SparkSession.getDefaultSession().isDefined();
    config
        .settings()
        .forEach(
            (key, value) -> {
              if (!(reused && key.startsWith(HADOOP_PREFIX))) {
                builder.config(key, value);
              }
            });
    SparkSession spark = builder.getOrCreate();
    // A session reused in one JVM (a notebook, the tests) keeps the Hadoop settings it started
    // with; the configuration's spark.hadoop.* settings are applied to it too, as at a start.
    config
        .settings()
        .forEach(
            (key, value) -> {
              if (key.startsWith(HADOOP_PREFIX)) {
                spark
                    .sparkContext()
                    .hadoopConfiguration()
                    .set(key.substring(HADOOP_PREFIX.length()), value);
              }
            });
    if (!verbose) {
      spark.sparkContext().setLogLevel("WARN");
    }
    return spark;
  }

  private static void setLogLevel(boolean verbose) {
    try {
      if (verbose) {
        Configurator.setRootLevel(Level.INFO);
      } else if (LogManager.getRootLogger().getLevel().isLessSpecificThan(Level.WARN)) {
        Configurator.setRootLevel(Level.WARN);
      }
    } catch (NoClassDefFoundError | ClassCastException e) {
      // Under spark-submit the cluster's logging configuration applies.
    }
  }
}
