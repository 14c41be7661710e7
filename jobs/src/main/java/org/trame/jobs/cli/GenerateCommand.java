package org.trame.jobs.cli;

import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.trame.config.SparkConfig;
import org.trame.config.StorageRoots;
import org.trame.jobs.generate.GenerateJob;
import org.trame.jobs.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code trame generate}: synthetic landing data with linkage ground truth. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = {
      "Generate synthetic landing data (dcir, pmsi_mco, hospital_eds) and its ground truth.",
      "Writes OUT/landing/<source>/<batch>/<table>.csv.gz, one batch per month, and OUT/truth/.",
      "The same arguments give byte-identical files."
    })
final class GenerateCommand implements Callable<Integer> {
  @ParentCommand TrameCommand root;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "URI",
      description = "Output folder (URI or path).")
  String out;

  @Option(
      names = "--persons",
      required = true,
      paramLabel = "N",
      description = "Number of persons, e.g. 100000 or 1e5.")
  String persons;

  @Option(
      names = "--months",
      paramLabel = "M",
      defaultValue = "3",
      description = "Monthly batches (default: ${DEFAULT-VALUE}).")
  int months;

  @Option(
      names = "--start",
      paramLabel = "YYYY-MM",
      defaultValue = "2023-01",
      description = "First batch month (default: ${DEFAULT-VALUE}).")
  String start;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "1",
      description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--defects",
      paramLabel = "RATE",
      defaultValue = "0.02",
      description = "Share of records with an injected defect (default: ${DEFAULT-VALUE}).")
  double defects;

  @Option(names = "--overwrite", description = "Replace OUT/landing and OUT/truth if they exist.")
  boolean overwrite;

  @Override
  public Integer call() {
    Cli cli = root.cli();
    GenerateJob.Request request =
        request(cli, out, persons, months, start, seed, defects, overwrite);
    SparkConfig spark =
        cli.confDir().resolve("trame.yaml").toFile().exists()
            ? cli.config().spark()
            : SparkConfig.defaults();
    SparkSession session = SparkSessions.start(spark, "trame generate", cli.verbose());
    GenerateJob.Result result = GenerateJob.run(session, request, cli::progress);
    print(cli, result);
    return ExitCode.OK;
  }

  static GenerateJob.Request request(
      Cli cli,
      String out,
      String persons,
      int months,
      String start,
      long seed,
      double defects,
      boolean overwrite) {
    long n;
    try {
      double value = Double.parseDouble(persons);
      n = (long) value;
      if (n != value) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw CommandException.usage(
          "Cannot generate: --persons must be a whole number such as 100000 or 1e5, got '"
              + persons
              + "'");
    }
    YearMonth first;
    try {
      first = YearMonth.parse(start);
    } catch (DateTimeParseException e) {
      throw CommandException.usage(
          "Cannot generate: --start must be a month such as 2023-01, got '" + start + "'");
    }
    String uri;
    try {
      uri = StorageRoots.resolve(out, cli.workingDir(), "--out");
    } catch (IllegalArgumentException e) {
      throw CommandException.usage("Cannot generate: " + e.getMessage());
    }
    return new GenerateJob.Request(uri, n, months, first, seed, defects, overwrite);
  }

  static void print(Cli cli, GenerateJob.Result result) {
    long lines = 0;
    long bytes = 0;
    cli.out().printf("%-70s %12s %12s%n", "FILE", "LINES", "BYTES");
    for (GenerateJob.FileStat f : result.files()) {
      cli.out().printf("%-70s %,12d %,12d%n", shorten(f.path()), f.lines(), f.bytes());
      lines += f.lines();
      bytes += f.bytes();
    }
    cli.out()
        .printf(
            "Generated %,d lines (%,d bytes gzipped) in %d files, batches %s, in %.1f s%n",
            lines,
            bytes,
            result.files().size(),
            String.join(", ", result.batches()),
            result.seconds());
  }

  private static String shorten(String path) {
    int i = path.indexOf("/landing/");
    if (i < 0) {
      i = path.indexOf("/truth/");
    }
    return i < 0 ? path : path.substring(i + 1);
  }
}
