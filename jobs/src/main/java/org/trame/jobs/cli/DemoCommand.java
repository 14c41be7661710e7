package org.trame.jobs.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.trame.config.ConfigLoader;
import org.trame.config.SourceConfig;
import org.trame.config.TrameConfig;
import org.trame.jobs.demo.DemoWorkspace;
import org.trame.jobs.ingest.IngestJob;
import org.trame.jobs.ingest.IngestResult;
import org.trame.jobs.spark.SparkSessions;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.pseudo.Pseudonymizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code trame demo}: the whole pipeline on synthetic data, with nothing configured. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run the pipeline on synthetic data in ./work, with nothing to set up.",
      "Writes a configuration, a development keystore and landing data in the work folder,",
      "ingests them on embedded Spark, and prints where everything is. Safe to rerun."
    })
final class DemoCommand implements Callable<Integer> {
  static final String BATCH = "2023-01";

  @ParentCommand TrameCommand root;

  @Option(
      names = "--workdir",
      paramLabel = "DIR",
      description = "Work folder (default: $TRAME_WORKDIR, else ./work).")
  Path workdir;

  @Option(
      names = "--persons",
      paramLabel = "N",
      defaultValue = "2000",
      description = "Synthetic persons (default: ${DEFAULT-VALUE}).")
  int persons;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "42",
      description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws IOException {
    Cli cli = root.cli();
    if (persons < 1) {
      throw CommandException.usage("Cannot run demo: --persons must be at least 1, got " + persons);
    }
    Path dir = workdir != null ? workdir : Path.of(cli.env().getOrDefault("TRAME_WORKDIR", "work"));
    DemoWorkspace work = new DemoWorkspace(cli.workingDir().resolve(dir));
    long start = System.nanoTime();

    cli.progress("[1/4] Configuration in " + work.confDir());
    work.writeConfiguration();
    if (work.ensureDevKeystore()) {
      warnDevKeystore(cli, work);
    } else {
      cli.progress("      Reusing the development keystore " + work.keystore());
    }

    cli.progress("[2/4] Synthetic landing data (" + persons + " persons, seed " + seed + ")");
    long lines = work.writeLandingBatch(BATCH, persons, seed);
    cli.progress(
        "      "
            + lines
            + " beneficiary lines in "
            + work.landing().resolve("dcir").resolve(BATCH));

    TrameConfig config =
        ConfigLoader.loadTrameConfig(work.confDir()).resolve(work.root(), cli.env());
    SourceConfig dcir = SourceConfig.load(work.confDir(), "dcir");
    Pseudonymizer pseudonymizer = IngestCommand.linkPseudonymizer(cli, config);
    cli.progress("[3/4] Starting embedded Spark");
    SparkSession spark = SparkSessions.start(config.spark(), "trame demo", cli.verbose());
    cli.progress("[4/4] Ingesting dcir batch " + BATCH + " (key " + pseudonymizer.keyId() + ")");
    WarehousePaths paths = WarehousePaths.of(config);
    IngestResult result =
        IngestJob.run(
            spark,
            new IngestJob.Request(paths, dcir, BATCH, pseudonymizer, RunIds.next()),
            cli::progress);

    cli.out().println();
    cli.out().printf("Demo done in %.0f s.%n", (System.nanoTime() - start) / 1e9);
    cli.out()
        .printf(
            "  Ingested:   %,d rows read, %,d accepted, %,d quarantined%n",
            result.rowsRead(), result.rowsAccepted(), result.rowsQuarantined());
    cli.out().println("  Landing:    " + config.landing());
    cli.out()
        .println(
            "  Warehouse:  " + config.warehouse() + " (Delta tables, identifiers pseudonymized)");
    for (IngestResult.TableResult t : result.tables()) {
      cli.out().println("              " + t.location());
    }
    cli.out().println("  Extracts:   " + config.extracts() + " (trame extract is not built yet)");
    cli.out().println("  Keystore:   " + work.keystore() + " (development only)");
    cli.out().println();
    cli.out().println("Go on with this configuration:");
    Path conf = cli.workingDir().relativize(work.confDir());
    cli.out().println("  ./trame --conf " + conf + " status");
    cli.out().println("  ./trame --conf " + conf + " ingest --source dcir --batch " + BATCH);
    return ExitCode.OK;
  }

  private static void warnDevKeystore(Cli cli, DemoWorkspace work) {
    cli.progress("");
    cli.progress("  !!! WARNING: created a DEVELOPMENT keystore, its password in a plain file:");
    cli.progress("  !!!   " + work.keystore());
    cli.progress("  !!!   " + work.passwordFile());
    cli.progress("  !!! Fine for synthetic demo data, never for real data. For real use, run");
    cli.progress("  !!! 'trame keys init' with TRAME_KEYSTORE_PASSWORD from a secret store.");
    cli.progress("");
  }
}
