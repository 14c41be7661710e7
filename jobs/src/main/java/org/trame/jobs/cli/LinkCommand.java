package org.trame.jobs.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.trame.config.SourceConfig;
import org.trame.config.TrameConfig;
import org.trame.jobs.ledger.RunEntry;
import org.trame.jobs.ledger.RunLedger;
import org.trame.jobs.ledger.RunLock;
import org.trame.jobs.link.LinkEvaluation;
import org.trame.jobs.link.LinkJob;
import org.trame.jobs.link.LinkReport;
import org.trame.jobs.link.LinkReportPage;
import org.trame.jobs.rekey.RekeyMarker;
import org.trame.jobs.spark.SparkSessions;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.pseudo.Pseudonymizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code trame link}: the person index, its quality report and its evaluation. */
@Command(
    name = "link",
    mixinStandardHelpOptions = true,
    description = {
      "Link every ingested record of every source to a person, in",
      "warehouse/linkage/person_index: deterministically on sound keys, probabilistically",
      "(Fellegi-Sunter, EM, blocking) where keys are missing or unsound. Person ids are stable",
      "across runs. A quality report is written with every run."
    })
final class LinkCommand implements Callable<Integer> {
  @ParentCommand TrameCommand root;

  @Option(
      names = "--evaluate",
      paramLabel = "TRUTH",
      description = {
        "After linking, compare with ground truth: a generator truth/ folder, or a CSV with",
        "source, table, record_key and person_id columns (record_key: the key values as",
        "delivered, joined by '|'). Prints pairwise precision, recall and F1."
      })
  String truth;

  @Option(
      names = "--report",
      description = "Print the quality report of the latest run (or of --run) instead of linking.")
  boolean report;

  @Option(names = "--run", paramLabel = "RUN", description = "With --report: this run's report.")
  String run;

  @Option(names = "--json", description = "Print the evaluation or report as one JSON object.")
  boolean json;

  @Option(
      names = "--html",
      paramLabel = "FILE",
      description = {
        "Also write the report as one HTML page with charts (match-weight histogram, m and u",
        "per comparison level, link rates per source) that opens in a browser without a server."
      })
  Path html;

  @Override
  public Integer call() {
    Cli cli = root.cli();
    TrameConfig config = cli.config();
    WarehousePaths paths = WarehousePaths.of(config);
    if (report) {
      if (truth != null) {
        throw CommandException.usage("--report prints a stored report; it cannot --evaluate");
      }
      SparkSession spark =
          SparkSessions.start(config.spark(), "trame link --report", cli.verbose());
      Map<String, Object> r =
          LinkReport.load(
                  spark,
                  paths.linkage("reports"),
                  run,
                  new RunLedger(spark, config.warehouse()).unfinished("link"))
              .orElseThrow(
                  () ->
                      CommandException.usage(
                          run == null
                              ? "No link report yet: run trame link first"
                              : "No link report for run " + run));
      cli.out().println(json ? LinkReport.toJson(r) : LinkSummary.report(r));
      writePage(cli, r);
      return ExitCode.OK;
    }
    if (run != null) {
      throw CommandException.usage("--run only applies to --report");
    }
    List<SourceConfig> sources = SourceConfig.loadAll(cli.confDir());
    org.trame.key.KeyStoreProvider keys = org.trame.key.KeyStores.open(config.keys(), cli.env());
    SparkSession spark = SparkSessions.start(config.spark(), "trame link", cli.verbose());
    RunLedger ledger = new RunLedger(spark, config.warehouse());
    Pseudonymizer pseudonymizer = org.trame.jobs.rekey.WarehouseKey.forWrites(ledger, keys);
    String runId = RunIds.next();
    LinkJob.Result result =
        link(
            cli,
            spark,
            ledger,
            new LinkJob.Request(paths, sources, config.linkage(), pseudonymizer, runId),
            truth == null ? "" : "--evaluate " + truth);
    if (!json) {
      cli.out().println(LinkSummary.report(result.report()));
    }
    writePage(cli, result.report());
    if (truth != null) {
      cli.progress("Evaluating against " + truth);
      Dataset<Row> index =
          spark
              .read()
              .format("delta")
              .option("versionAsOf", result.indexVersion())
              .load(paths.linkage("person_index"));
      Map<String, Object> evaluation =
          LinkEvaluation.evaluate(
              index, LinkEvaluation.truth(spark, truth, sources, pseudonymizer));
      cli.out().println(json ? LinkReport.toJson(evaluation) : LinkSummary.evaluation(evaluation));
    } else if (json) {
      cli.out().println(LinkReport.toJson(result.report()));
    }
    return ExitCode.OK;
  }

  private void writePage(Cli cli, Map<String, Object> report) {
    if (html == null) {
      return;
    }
    Path file = cli.workingDir().resolve(html);
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      Files.writeString(file, LinkReportPage.render(report), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CommandException(
          ExitCode.FAILURE, "Cannot write the HTML report " + file + ": " + e.getMessage(), e);
    }
    cli.progress("HTML report: " + file);
  }

  /** Links with its two ledger events; returns what it did or throws. */
  static LinkJob.Result link(
      Cli cli, SparkSession spark, RunLedger ledger, LinkJob.Request request, String arguments) {
    RunEntry entry =
        RunEntry.start(
            request.runId(),
            "link",
            arguments,
            null,
            null,
            request.pseudonymizer().keyId(),
            TrameCommand.codeVersion());
    ledger.append(entry);
    cli.progress(
        "Linking (run " + request.runId() + ", key " + request.pseudonymizer().keyId() + ")");
    long start = System.nanoTime();
    try (RunLock lock =
        RunLock.acquire(
            ledger,
            spark.sparkContext().hadoopConfiguration(),
            request.paths(),
            "link",
            request.runId(),
            "link run")) {
      RekeyMarker.refuseWhilePresent(spark, request.paths(), "link");
      LinkJob.Result result =
          LinkJob.run(spark, request.ignoring(ledger.unfinished("link")), cli::progress);
      List<RunEntry.InputFile> inputs = new ArrayList<>();
      for (LinkJob.Input in : result.inputs()) {
        // Delta inputs: the table and the version read (no file checksum applies).
        inputs.add(
            new RunEntry.InputFile(
                in.source() + "." + in.table(),
                request.paths().sourceTable(in.source(), in.table()) + "@v" + in.version(),
                "",
                0));
      }
      String summary =
          String.format(
              "%,d records, %,d persons (%,d deterministic, %,d probabilistic, %,d singleton)",
              result.records(),
              result.persons(),
              result.byMethod().getOrDefault("deterministic", 0L),
              result.byMethod().getOrDefault("probabilistic", 0L),
              result.byMethod().getOrDefault("singleton", 0L));
      ledger.append(
          entry
              .withInputs(inputs)
              .ended(
                  RunEntry.SUCCEEDED,
                  ExitCode.OK,
                  summary,
                  List.of(
                      new RunEntry.TableCounts(
                          "linkage/person_index",
                          result.indexVersion(),
                          result.records(),
                          result.records(),
                          0))));
      cli.progress(
          String.format("Linked: %s in %.1f s", summary, (System.nanoTime() - start) / 1e9));
      return result;
    } catch (RuntimeException e) {
      int code = ErrorReporter.exitCode(e);
      String message = ErrorReporter.firstLine(e);
      ledger.append(entry.ended(RunEntry.FAILED, code, message, List.of()));
      throw e;
    }
  }
}
