package org.trame.jobs.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.trame.config.ConfigLoader;
import org.trame.config.SourceConfig;
import org.trame.config.TrameConfig;
import org.trame.jobs.demo.DemoWorkspace;
import org.trame.jobs.extract.ExtractJob;
import org.trame.jobs.generate.GenerateJob;
import org.trame.jobs.ingest.IngestJob;
import org.trame.jobs.ingest.IngestResult;
import org.trame.jobs.ledger.RunLedger;
import org.trame.jobs.link.LinkEvaluation;
import org.trame.jobs.link.LinkJob;
import org.trame.jobs.spark.SparkSessions;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.key.KeyId;
import org.trame.key.KeyStores;
import org.trame.key.SecretKey;
import org.trame.project.ProjectSpecs;
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
      "Writes a configuration, a development keystore, synthetic landing data and its truth",
      "in the work folder, ingests every source on embedded Spark, and prints where everything is."
    })
final class DemoCommand implements Callable<Integer> {
  static final YearMonth START = YearMonth.of(2023, 1);
  static final List<String> SOURCES = List.of("dcir", "pmsi_mco", "hospital_eds");

  /** The example project the demo extracts (conf/projects/). */
  static final String DEMO_PROJECT = "diabetes_care";

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
      names = "--months",
      paramLabel = "M",
      defaultValue = "1",
      description = "Monthly batches (default: ${DEFAULT-VALUE}).")
  int months;

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

    cli.progress("[1/6] Configuration in " + work.confDir());
    work.writeConfiguration();
    if (work.ensureDevKeystore()) {
      warnDevKeystore(cli, work);
    } else {
      cli.progress("      Reusing the development keystore " + work.keystore());
    }
    TrameConfig config =
        ConfigLoader.loadTrameConfig(work.confDir()).resolve(work.root(), cli.env());

    cli.progress("[2/6] Starting embedded Spark");
    SparkSession spark = SparkSessions.start(config.spark(), "trame demo", cli.verbose());
    Pseudonymizer pseudonymizer =
        org.trame.jobs.rekey.WarehouseKey.forWrites(
            new RunLedger(spark, config.warehouse()), KeyStores.open(config.keys(), cli.env()));

    cli.progress("[3/6] Generating synthetic landing data");
    GenerateJob.Result generated =
        GenerateJob.run(
            spark,
            new GenerateJob.Request(
                work.root().toUri().toString(), persons, months, START, seed, 0.02, true),
            line -> cli.progress("      " + line));

    cli.progress("[4/6] Ingesting every source and batch (key " + pseudonymizer.keyId() + ")");
    WarehousePaths paths = WarehousePaths.of(config);
    RunLedger ledger = new RunLedger(spark, config.warehouse());
    List<IngestResult> results = new ArrayList<>();
    for (String source : SOURCES) {
      SourceConfig sourceConfig = SourceConfig.load(work.confDir(), source);
      for (String batch : generated.batches()) {
        IngestJob.Request request =
            new IngestJob.Request(paths, sourceConfig, batch, pseudonymizer, RunIds.next());
        results.add(
            IngestCommand.ingest(
                quiet(cli),
                spark,
                ledger,
                request,
                true,
                "--source " + source + " --batch " + batch + " --replace"));
        cli.progress("      " + source + " " + batch + " done");
      }
    }

    cli.progress("[5/6] Linking persons across sources");
    List<SourceConfig> sources = new ArrayList<>();
    for (String source : SOURCES) {
      sources.add(SourceConfig.load(work.confDir(), source));
    }
    LinkJob.Result linked =
        LinkCommand.link(
            quiet(cli),
            spark,
            ledger,
            new LinkJob.Request(paths, sources, config.linkage(), pseudonymizer, RunIds.next()),
            "");
    String truth = work.root().resolve("truth").toUri().toString();
    Map<String, Object> evaluation =
        LinkEvaluation.evaluate(
            spark
                .read()
                .format("delta")
                .option("versionAsOf", linked.indexVersion())
                .load(paths.linkage("person_index")),
            LinkEvaluation.truth(spark, truth, sources, pseudonymizer));

    cli.progress(
        "[6/6] Extracting project " + DEMO_PROJECT + " (conf/projects/" + DEMO_PROJECT + ".yaml)");
    ProjectSpecs.LoadedSpec spec = ProjectSpecs.load(work.confDir(), DEMO_PROJECT, sources);
    SecretKey master = KeyStores.open(config.keys(), cli.env()).latestKey(KeyId.EXTRACT);
    ExtractJob.Request extractRequest =
        ExtractCommand.request(
            config, sources, spec, master, pseudonymizer.keyId(), Map.of(), null);
    ExtractJob.Result extracted = ExtractCommand.extract(quiet(cli), spark, ledger, extractRequest);

    cli.out().println();
    cli.out().printf("Demo done in %.0f s.%n", (System.nanoTime() - start) / 1e9);
    cli.out().println("  Landing:    " + config.landing() + " (synthetic, as sources deliver)");
    cli.out().println("  Truth:      " + work.root().resolve("truth").toUri() + " (who is who)");
    cli.out()
        .println("  Warehouse:  " + config.warehouse() + " (Delta, identifiers pseudonymized)");
    cli.out()
        .printf(
            "  %-24s %-8s %10s %10s %12s%n", "TABLE", "BATCH", "READ", "ACCEPTED", "QUARANTINED");
    for (IngestResult r : results) {
      for (IngestResult.TableResult t : r.tables()) {
        cli.out()
            .printf(
                "  %-24s %-8s %,10d %,10d %,12d%n",
                r.source() + "." + t.table(),
                r.batch(),
                t.rowsRead(),
                t.rowsAccepted(),
                t.rowsQuarantined());
      }
    }
    cli.out().println();
    cli.out().println(LinkSummary.report(linked.report()));
    cli.out().println();
    cli.out().println(LinkSummary.evaluation(evaluation));
    cli.out().println();
    cli.out().println("  Persons:    " + paths.linkage("person_index") + " (record -> person_id)");
    cli.out().println();
    cli.out().println(ExtractCommand.text(extractRequest.extractId(), extracted));
    cli.out().println();
    cli.out()
        .println(
            "  Extract:    " + extracted.folder() + " (Parquet, manifest.json, dictionary.md)");
    cli.out().println("  Keystore:   " + work.keystore() + " (development only)");
    cli.out().println();
    cli.out().println("Go on with this configuration:");
    Path conf = cli.workingDir().relativize(work.confDir());
    cli.out().println("  ./trame --conf " + conf + " status");
    cli.out()
        .println(
            "  ./trame --conf "
                + conf
                + " link --report --html "
                + dir.resolve("link-report.html"));
    cli.out().println("  ./trame --conf " + conf + " link --evaluate " + dir.resolve("truth"));
    cli.out()
        .println(
            "  ./trame --conf "
                + conf
                + " extract --project hypertension_women"
                + "   (action: fail; on few persons it exits 5 and writes nothing)");
    cli.out()
        .println(
            "  ./trame --conf "
                + conf
                + " extract --project "
                + DEMO_PROJECT
                + " --as-of "
                + extractRequest.extractId()
                + "   (the same extract again)");
    cli.out()
        .println(
            "  ./trame --conf "
                + conf
                + " ingest --source dcir --batch "
                + generated.batches().get(0));
    cli.out().println("  ./trame --conf " + conf + " sql \"SELECT * FROM runs\"");
    cli.out()
        .println(
            "  jupyter notebook notebooks/   (researcher.ipynb, operator.ipynb"
                + (workdir == null && !cli.env().containsKey("TRAME_WORKDIR")
                    ? ")"
                    : "; set TRAME_WORKDIR=" + work.root() + ")"));
    return ExitCode.OK;
  }

  /** The same CLI context with per-table progress muted: the demo prints its own summary. */
  private static Cli quiet(Cli cli) {
    return cli.withProgress(false);
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
