package org.trame.jobs.spark;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One {@code local[2]} SparkSession for the whole test JVM (UI off, two shuffle partitions, UTC,
 * Delta on), injected as a test parameter. Fails loudly when it cannot start.
 */
public final class SparkExtension implements ParameterResolver {
  private static SparkSession session;

  /** The shared session, started on first use. */
  public static synchronized SparkSession session() {
    if (session == null) {
      try {
        session =
            SparkSession.builder()
                .master("local[2]")
                .appName("trame-tests")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.default.parallelism", "2")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
                .config(
                    "spark.sql.catalog.spark_catalog",
                    "org.apache.spark.sql.delta.catalog.DeltaCatalog")
                .config("spark.databricks.delta.snapshotPartitions", "2")
                .config("spark.sql.sources.parallelPartitionDiscovery.parallelism", "2")
                .getOrCreate();
        session.sparkContext().setLogLevel("WARN");
      } catch (RuntimeException e) {
        throw new IllegalStateException("Cannot start the test SparkSession: " + e.getMessage(), e);
      }
    }
    return session;
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == SparkSession.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context)
      throws ParameterResolutionException {
    return session();
  }
}
