package org.trame.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.trame.config.ConfigLoader;
import org.trame.config.SourceConfig;
import org.trame.config.SparkConfig;
import org.trame.config.TrameConfig;
import org.trame.jobs.bench.Bench;
import org.trame.jobs.demo.DemoWorkspace;
import org.trame.jobs.extract.ExtractJob;
import org.trame.jobs.generate.GenerateJob;
import org.trame.jobs.ingest.IngestJob;
import org.trame.jobs.ingest.IngestResult;
import org.trame.jobs.link.LinkJob;
import org.trame.jobs.spark.HadoopFolders;
import org.trame.jobs.spark.SparkSessions;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.key.KeyId;
import org.trame.key.KeyStores;
import org.trame.project.ProjectSpecs;
import org.trame.pseudo.Pseudonymizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code trame bench}: each stage's cost at several scales, beside plain Spark baselines. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measure each stage at several scales, in one JVM and SparkSession, beside plain Spark",
      "baselines on the same files: a CSV copy to Parquet and to Delta, the copy with identifiers",
      "hashed by sha2 and by Trame's keyed pseudonyms, then ingest, link and extract. Writes",
      "bench.json and bench.png to --out and prints a table."
    })
final class BenchCommand implements Callable<Integer> {
  @ParentCommand TrameCommand root;

  @Option(
      names = "--persons",
      paramLabel = "N,N",
      defaultValue = "1e4,1e5",
      split = ",",
      description = "Scales, in persons (default: ${DEFAULT-VALUE}).")
  List<String> persons;

  @Option(
      names = "--months",
      paramLabel = "M",
      defaultValue = "1",
      description = "Monthly batches per scale (default: ${DEFAULT-VALUE}).")
  int months;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      defaultValue = "work/bench",
      description =
          "Where data, results and the chart go; data is reused (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Generator seed.")
  long seed;

  @Option(
      names = "--repeat",
      paramLabel = "N",
      defaultValue = "3",
      description = {
        "Runs of the baselines and ingest at each scale, taking turns; each stage reports its",
        "run of median time and the ratios are of medians (default: ${DEFAULT-VALUE}). On a",
        "busy machine one run's ratio moves by a quarter. Link and extract run once."
      })
  int repeat;

  @Option(
      names = "--master",
      paramLabel = "URL",
      description = {
        "Spark master to run on instead of local[*], such as spark://host:7077. The driver is",
        "then this JVM alone, so the heap figures are the driver's. The data stays under --out,",
        "which every executor must reach at the same path."
      })
  String master;

  @Option(
      names = "--spark",
      paramLabel = "KEY=VALUE",
      description = {
        "A Spark setting for the bench's session, repeatable: spark.jars=.../trame-cluster.jar",
        "with --master, spark.executor.memory=4g, ..."
      })
  Map<String, String> sparkSettings = new java.util.LinkedHashMap<>();

  private boolean warmedUp;

  @Override
  public Integer call() throws IOException {
    Cli cli = root.cli();
    List<Long> scales = new ArrayList<>();
    for (String p : persons) {
      try {
        double v = Double.parseDouble(p.trim());
        if (v < 10 || v != Math.floor(v)) {
          throw new NumberFormatException();
        }
        scales.add((long) v);
      } catch (NumberFormatException e) {
        throw CommandException.usage(
            "Cannot bench: --persons takes whole numbers of at least 10 such as 1e4,1e5, got '"
                + p
                + "'");
      }
    }
    if (repeat < 1) {
      throw CommandException.usage("Cannot bench: --repeat takes 1 or more, got " + repeat);
    }
    Path dir = cli.workingDir().resolve(out).toAbsolutePath().normalize();
    Files.createDirectories(dir);
    SparkSession spark = null;
    Bench bench = null;
    List<Map<String, Object>> results = new ArrayList<>();
    try {
      for (long n : scales) {
        DemoWorkspace work = new DemoWorkspace(dir.resolve("n" + n));
        work.writeConfiguration();
        work.ensureDevKeystore();
        TrameConfig config =
            withSpark(ConfigLoader.loadTrameConfig(work.confDir()).resolve(work.root(), Map.of()));
        if (spark == null) {
          spark = SparkSessions.start(config.spark(), "trame bench", cli.verbose());
          bench = new Bench(spark);
        }
        cli.progress(String.format("Scale %,d persons (%s)", n, work.root()));
        try {
          results.add(scale(cli, spark, bench, work, config, n));
        } catch (RuntimeException e) {
          // What was measured before the failure is kept: the finished scales, and this one's
          // stages up to the one that failed.
          results.add(bench.failedScale(n, e));
          write(dir, bench, results);
          cli.progress("  failed; what was measured is in " + dir.resolve("bench.json"));
          throw e;
        }
        // Written after every scale, so that a later scale's failure loses none of this one.
        write(dir, bench, results);
      }
      cli.out().println(Bench.table(write(dir, bench, results)));
      cli.out().println("Written: " + dir.resolve("bench.json") + ", " + dir.resolve("bench.png"));
    } finally {
      if (bench != null) {
        bench.close();
      }
    }
    return ExitCode.OK;
  }

  private static Map<String, Object> write(Path dir, Bench bench, List<Map<String, Object>> results)
      throws IOException {
    Map<String, Object> report =
        bench.report(results, TrameCommand.versions().getProperty("delta", "unknown"));
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    Files.writeString(dir.resolve("bench.json"), json.writeValueAsString(report) + "\n");
    Files.write(dir.resolve("bench.png"), bench.chart(results));
    return report;
  }

  /** The workspace's configuration with this command's master and Spark settings. */
  private TrameConfig withSpark(TrameConfig config) {
    if (master == null && sparkSettings.isEmpty()) {
      return config;
    }
    Map<String, String> settings = new java.util.TreeMap<>(config.spark().settings());
    settings.putAll(sparkSettings);
    SparkConfig spark;
    try {
      spark = new SparkConfig(master == null ? config.spark().master() : master, settings);
    } catch (IllegalArgumentException e) {
      throw CommandException.usage("Cannot bench: --spark " + e.getMessage());
    }
    return new TrameConfig(
        config.landing(),
        config.warehouse(),
        config.extracts(),
        spark,
        config.keys(),
        config.linkage());
  }

  /** One baseline over every source and batch, into {@code out/<source>/<batch>}. */
  private static Void copyAll(
      Bench bench,
      Bench.Baseline b,
      WarehousePaths paths,
      List<SourceConfig> sources,
      List<String> batches,
      String out,
      Pseudonymizer pseudonymizer) {
    for (SourceConfig s : sources) {
      for (String batch : batches) {
        bench.baseline(
            b,
            paths.landingBatch(s.name(), batch),
            s,
            out + "/" + s.name() + "/" + batch,
            pseudonymizer);
      }
    }
    return null;
  }

  /** Ingests every source and batch into {@code paths}' warehouse, each batch as its own run. */
  private static List<IngestResult> ingestAll(
      SparkSession spark,
      WarehousePaths paths,
      List<SourceConfig> sources,
      List<String> batches,
      Pseudonymizer pseudonymizer) {
    List<IngestResult> all = new ArrayList<>();
    for (SourceConfig s : sources) {
      for (String batch : batches) {
        all.add(
            IngestJob.run(
                spark,
                new IngestJob.Request(paths, s, batch, pseudonymizer, RunIds.next()),
                line -> {}));
      }
    }
    return all;
  }

  private Map<String, Object> scale(
      Cli cli, SparkSession spark, Bench bench, DemoWorkspace work, TrameConfig config, long n)
      throws IOException {
    // The bench's own development keystore: its password file, never the caller's environment.
    org.trame.key.SecretKey link = KeyStores.open(config.keys(), Map.of()).latestKey(KeyId.LINK);
    byte[] bytes = link.bytes();
    Pseudonymizer pseudonymizer = new Pseudonymizer(link.id().toString(), bytes);
    java.util.Arrays.fill(bytes, (byte) 0);
    WarehousePaths paths = WarehousePaths.of(config);
    List<SourceConfig> sources = SourceConfig.loadAll(work.confDir());
    Path marker = work.root().resolve("bench-landing.txt");
    String wanted = "persons=" + n + " months=" + months + " seed=" + seed + "\n";
    List<String> batches;
    if (Files.exists(marker) && Files.readString(marker).startsWith(wanted)) {
      batches = List.of(Files.readString(marker).substring(wanted.length()).trim().split(" "));
      cli.progress("  reusing the landing data of " + marker);
      bench.skip("generate");
    } else {
      GenerateJob.Result generated =
          bench.stage(
              "generate",
              () ->
                  GenerateJob.run(
                      spark,
                      new GenerateJob.Request(
                          work.root().toUri().toString(),
                          n,
                          months,
                          DemoCommand.START,
                          seed,
                          0.02,
                          true),
                      line -> {}));
      batches = generated.batches();
      Files.writeString(marker, wanted + String.join(" ", batches) + "\n");
    }
    String baseline = work.root().resolve("baseline").toUri().toString();
    if (!warmedUp) {
      // The first Spark jobs of a JVM pay for class loading and JIT compilation, and ingest, with
      // more code behind it, pays more of it than a copy: on this 2-core machine a first ingest
      // at 10^5 took 26-28 s and later ones 8-12 s, against 8 s and 3 s for the Parquet copy.
      // Each runs once here, into scratch folders, recorded as its own stage and kept out of the
      // ratios, which set warm runs against warm runs.
      cli.progress("  first runs in this JVM (a copy and an ingest, kept out of the ratios)");
      String scratch = baseline + "/first-run";
      HadoopFolders.delete(spark.sparkContext().hadoopConfiguration(), scratch);
      bench.stage(
          "copy_parquet_first_run",
          () ->
              copyAll(
                  bench,
                  Bench.Baseline.COPY_PARQUET,
                  paths,
                  sources,
                  batches,
                  scratch + "/copy",
                  pseudonymizer));
      WarehousePaths scratchPaths =
          new WarehousePaths(paths.landing(), scratch + "/warehouse", paths.extracts());
      bench.stage(
          "ingest_first_run",
          () -> ingestAll(spark, scratchPaths, sources, batches, pseudonymizer));
      warmedUp = true;
    }
    cli.progress("  DuckDB reference");
    bench.duckDb(sources, batches, paths::landingBatch, work.root().resolve("baseline"));
    // The baselines and ingest take turns, so that a slow spell of the machine falls on all of
    // them rather than on one stage's every run.
    List<IngestResult> ingested = List.of();
    for (int round = 1; round <= repeat; round++) {
      String run = repeat == 1 ? "" : String.format(" (run %d of %d)", round, repeat);
      for (Bench.Baseline b : Bench.Baseline.values()) {
        cli.progress("  baseline " + b.label() + run);
        bench.stage(
            b.label(),
            () ->
                copyAll(
                    bench, b, paths, sources, batches, baseline + "/" + b.label(), pseudonymizer));
      }
      cli.progress("  ingest" + run);
      // A rerun of a batch replaces it: link reads what the last run wrote.
      ingested =
          bench.stage("ingest", () -> ingestAll(spark, paths, sources, batches, pseudonymizer));
    }
    cli.progress("  link");
    LinkJob.Result linked =
        bench.stage(
            "link",
            () ->
                LinkJob.run(
                    spark,
                    new LinkJob.Request(
                        paths, sources, config.linkage(), pseudonymizer, RunIds.next()),
                    line -> {}));
    cli.progress("  extract");
    ProjectSpecs.LoadedSpec spec =
        ProjectSpecs.load(work.confDir(), DemoCommand.DEMO_PROJECT, sources);
    ExtractJob.Request request =
        ExtractCommand.request(
            config,
            sources,
            spec,
            KeyStores.open(config.keys(), Map.of()).latestKey(KeyId.EXTRACT),
            pseudonymizer.keyId(),
            Map.of(),
            null);
    ExtractJob.Result extracted =
        bench.stage("extract", () -> ExtractJob.run(spark, request, line -> {}));
    long rows = ingested.stream().mapToLong(IngestResult::rowsRead).sum();
    long written = extracted.tables().stream().mapToLong(ExtractJob.TableResult::rows).sum();
    long landingBytes;
    try (var files = Files.walk(work.landing())) {
      landingBytes = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
    return bench.scaleResult(n, rows, landingBytes, linked.records(), written, Instant.now());
  }
}
