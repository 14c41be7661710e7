package org.trame.jobs.cli;

import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.trame.config.SourceConfig;
import org.trame.config.TrameConfig;
import org.trame.jobs.ingest.IngestJob;
import org.trame.jobs.ingest.IngestResult;
import org.trame.jobs.spark.SparkSessions;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.key.KeyId;
import org.trame.key.KeyStoreProvider;
import org.trame.key.KeyStores;
import org.trame.key.SecretKey;
import org.trame.pseudo.Pseudonymizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code trame ingest}: one landing batch of one source into the warehouse. */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description = {
      "Read, validate and pseudonymize a landing batch into Delta tables.",
      "Accepted rows go to warehouse/sources/<source>/<table>, rejected ones to",
      "warehouse/quarantine/<source>/<table>. A rerun replaces the batch, never duplicates it."
    })
final class IngestCommand implements Callable<Integer> {
  @ParentCommand TrameCommand root;

  @Option(
      names = "--source",
      required = true,
      paramLabel = "S",
      description = "Source name (conf/sources/S.yaml).")
  String source;

  @Option(
      names = "--batch",
      required = true,
      paramLabel = "B",
      description = "Batch id: the folder landing/S/B.")
  String batch;

  @Override
  public Integer call() {
    Cli cli = root.cli();
    TrameConfig config = cli.config();
    SourceConfig sourceConfig = SourceConfig.load(cli.confDir(), source);
    WarehousePaths paths = WarehousePaths.of(config);
    paths.landingBatch(source, batch);
    Pseudonymizer pseudonymizer = linkPseudonymizer(cli, config);
    SparkSession spark =
        SparkSessions.start(config.spark(), "trame ingest " + source + " " + batch, cli.verbose());
    String runId = RunIds.next();
    cli.progress(
        "Ingesting "
            + source
            + " batch "
            + batch
            + " (run "
            + runId
            + ", key "
            + pseudonymizer.keyId()
            + ")");
    long start = System.nanoTime();
    IngestResult result =
        IngestJob.run(
            spark,
            new IngestJob.Request(paths, sourceConfig, batch, pseudonymizer, runId),
            cli::progress);
    cli.out()
        .printf(
            "Ingested %s batch %s: %,d rows read, %,d accepted, %,d quarantined in %.1f s%n",
            source,
            batch,
            result.rowsRead(),
            result.rowsAccepted(),
            result.rowsQuarantined(),
            (System.nanoTime() - start) / 1e9);
    return ExitCode.OK;
  }

  /** The pseudonymizer of the newest {@code link} key of the configured keystore. */
  static Pseudonymizer linkPseudonymizer(Cli cli, TrameConfig config) {
    KeyStoreProvider keys = KeyStores.open(config.keys(), cli.env());
    SecretKey key = keys.latestKey(KeyId.LINK);
    byte[] bytes = key.bytes();
    try {
      return new Pseudonymizer(key.id().toString(), bytes);
    } finally {
      java.util.Arrays.fill(bytes, (byte) 0);
    }
  }
}
