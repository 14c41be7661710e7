package org.trame.jobs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.SparkSession;
import org.trame.config.SourceConfig;
import org.trame.config.TrameConfig;
import org.trame.jobs.ingest.IngestJob;
import org.trame.jobs.ingest.IngestResult;
import org.trame.jobs.ledger.RunEntry;
import org.trame.jobs.ledger.RunLedger;
import org.trame.jobs.link.LinkJob;
import org.trame.jobs.rekey.WarehouseKey;
import org.trame.jobs.spark.SparkSessions;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.pseudo.Pseudonymizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code trame backfill}: every landed batch of a source in a range, oldest first, skipping those
 * already ingested from the same files. Each batch is one ingest run with its own ledger rows, so a
 * killed backfill rerun starts from the first batch not ingested, with nothing duplicated.
 */
@Command(
    name = "backfill",
    mixinStandardHelpOptions = true,
    description = {
      "Ingest every landed batch of a source from --from to --to (inclusive, batch ids in",
      "sorted order), skipping batches already ingested with the same file checksums.",
      "Resumable: rerun the same command after a crash. With --link, links once at the end."
    })
final class BackfillCommand implements Callable<Integer> {
  @ParentCommand TrameCommand root;

  @Option(names = "--source", required = true, paramLabel = "S", description = "Source name.")
  String source;

  @Option(names = "--from", paramLabel = "B1", description = "First batch (default: the oldest).")
  String from;

  @Option(names = "--to", paramLabel = "B2", description = "Last batch (default: the newest).")
  String to;

  @Option(
      names = "--replace",
      description = "Re-ingest batches whose files changed since they were ingested.")
  boolean replace;

  @Option(
      names = "--parallel",
      paramLabel = "K",
      defaultValue = "1",
      description = "Batches ingested at once in the same Spark application (default: 1).")
  int parallel;

  @Option(names = "--link", description = "Run one link when every batch is in.")
  boolean link;

  /** What happened to one batch. */
  private record Outcome(
      String batch, String state, IngestResult result, RuntimeException error, double seconds) {}

  @Override
  public Integer call() throws InterruptedException {
    if (parallel < 1 || parallel > 16) {
      throw CommandException.usage("--parallel must be between 1 and 16, got " + parallel);
    }
    if (from != null && to != null && from.compareTo(to) > 0) {
      throw CommandException.usage("--from " + from + " comes after --to " + to);
    }
    Cli cli = root.cli();
    TrameConfig config = cli.config();
    SourceConfig sourceConfig = SourceConfig.load(cli.confDir(), source);
    List<SourceConfig> sources = link ? SourceConfig.loadAll(cli.confDir()) : List.of();
    WarehousePaths paths = WarehousePaths.of(config);
    org.trame.key.KeyStoreProvider keys = org.trame.key.KeyStores.open(config.keys(), cli.env());
    SparkSession spark =
        SparkSessions.start(config.spark(), "trame backfill " + source, cli.verbose());
    RunLedger ledger = new RunLedger(spark, config.warehouse());
    Pseudonymizer pseudonymizer = WarehouseKey.forWrites(ledger, keys);
    List<String> batches = new ArrayList<>();
    for (String b : IngestCommand.landedBatches(spark, paths, source)) {
      if ((from == null || b.compareTo(from) >= 0) && (to == null || b.compareTo(to) <= 0)) {
        batches.add(b);
      }
    }
    if (batches.isEmpty()) {
      throw CommandException.usage(
          "Nothing to backfill: no landed batch of "
              + source
              + " in "
              + paths.landingSource(source)
              + " between "
              + (from == null ? "the first" : from)
              + " and "
              + (to == null ? "the last" : to));
    }
    String runId = RunIds.next();
    RunEntry entry =
        RunEntry.start(
            runId,
            "backfill",
            arguments(),
            source,
            batches.get(0) + ".." + batches.get(batches.size() - 1),
            null,
            TrameCommand.codeVersion());
    ledger.append(entry);
    cli.progress(
        String.format(
            "Backfilling %s: %d landed batches from %s to %s, %d at a time (run %s)",
            source,
            batches.size(),
            batches.get(0),
            batches.get(batches.size() - 1),
            parallel,
            runId));
    long start = System.nanoTime();
    Cli quiet = cli.withProgress(cli.verbose());
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    List<Outcome> outcomes = new ArrayList<>();
    try {
      List<Future<Outcome>> futures = new ArrayList<>();
      for (String batch : batches) {
        futures.add(
            pool.submit(
                () -> one(quiet, spark, ledger, paths, sourceConfig, pseudonymizer, batch)));
      }
      long rows = 0;
      int ingested = 0;
      for (int i = 0; i < futures.size(); i++) {
        Outcome o;
        try {
          o = futures.get(i).get();
        } catch (ExecutionException e) {
          throw new IllegalStateException("Backfill task failed", e.getCause());
        }
        outcomes.add(o);
        if (o.result() != null) {
          rows += o.result().rowsRead();
          ingested++;
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        int left = batches.size() - i - 1;
        double perBatch = ingested == 0 ? 0 : elapsed / (i + 1);
        cli.progress(
            String.format(
                Locale.ROOT,
                "  [%d/%d] %s %s%s | %,d rows so far, %,.0f rows/s | %d left, ETA %s",
                i + 1,
                batches.size(),
                o.batch(),
                o.state(),
                o.result() == null
                    ? ""
                    : String.format(
                        Locale.ROOT, " (%,d rows, %.1f s)", o.result().rowsRead(), o.seconds()),
                rows,
                elapsed == 0 ? 0 : rows / elapsed,
                left,
                left == 0 ? "0 s" : duration(perBatch * left)));
      }
    } finally {
      pool.shutdown();
    }
    return summarize(cli, spark, ledger, paths, sources, pseudonymizer, entry, outcomes, start);
  }

  private int summarize(
      Cli cli,
      SparkSession spark,
      RunLedger ledger,
      WarehousePaths paths,
      List<SourceConfig> sources,
      Pseudonymizer pseudonymizer,
      RunEntry entry,
      List<Outcome> outcomes,
      long start) {
    long ingested = outcomes.stream().filter(o -> o.result() != null).count();
    long skipped = outcomes.stream().filter(o -> o.state().startsWith("skipped")).count();
    List<Outcome> failed = outcomes.stream().filter(o -> o.error() != null).toList();
    long read = 0;
    long accepted = 0;
    long quarantined = 0;
    List<RunEntry.TableCounts> counts = new ArrayList<>();
    for (Outcome o : outcomes) {
      if (o.result() != null) {
        read += o.result().rowsRead();
        accepted += o.result().rowsAccepted();
        quarantined += o.result().rowsQuarantined();
        counts.add(
            new RunEntry.TableCounts(
                source + "/" + o.batch(),
                null,
                o.result().rowsRead(),
                o.result().rowsAccepted(),
                o.result().rowsQuarantined()));
      }
    }
    String summary =
        String.format(
            "%d batches: %d ingested, %d skipped (already ingested), %d failed; %,d rows read,"
                + " %,d accepted, %,d quarantined",
            outcomes.size(), ingested, skipped, failed.size(), read, accepted, quarantined);
    cli.out()
        .printf(
            "Backfill of %s: %s in %s%n",
            source, summary, duration((System.nanoTime() - start) / 1e9));
    for (Outcome o : failed) {
      cli.out().println("  failed " + o.batch() + ": " + ErrorReporter.firstLine(o.error()));
    }
    if (!failed.isEmpty()) {
      int code = ErrorReporter.exitCode(failed.get(0).error());
      ledger.append(entry.ended(RunEntry.FAILED, code, summary, counts));
      cli.out()
          .println("Fix the failed batches and rerun the same command: done ones are skipped.");
      return code;
    }
    ledger.append(entry.ended(RunEntry.SUCCEEDED, ExitCode.OK, summary, counts));
    if (link) {
      if (ingested == 0 && ledger.runs("link", RunEntry.SUCCEEDED, null, 1).size() == 1) {
        cli.out().println("No batch was ingested: the last link run is still current.");
      } else {
        LinkJob.Result linked =
            LinkCommand.link(
                cli,
                spark,
                ledger,
                new LinkJob.Request(
                    paths, sources, root.cli().config().linkage(), pseudonymizer, RunIds.next()),
                "--after backfill " + entry.runId());
        cli.out()
            .printf("Linked %,d records into %,d persons%n", linked.records(), linked.persons());
      }
    }
    return ExitCode.OK;
  }

  /** Ingests one batch unless it was ingested from the same files; never throws. */
  private Outcome one(
      Cli cli,
      SparkSession spark,
      RunLedger ledger,
      WarehousePaths paths,
      SourceConfig sourceConfig,
      Pseudonymizer pseudonymizer,
      String batch) {
    long start = System.nanoTime();
    IngestJob.Request request =
        new IngestJob.Request(paths, sourceConfig, batch, pseudonymizer, RunIds.next());
    try {
      List<RunEntry.InputFile> files = null;
      Optional<RunEntry> prior = ledger.lastIngest(source, batch);
      if (prior.isPresent()) {
        try {
          files = IngestJob.fingerprint(spark, request);
        } catch (RuntimeException e) {
          files = null; // the ingest below meets the same problem and records it
        }
        if (files != null && RunEntry.checksums(files).equals(prior.get().checksums())) {
          return new Outcome(
              batch, "skipped: ingested by run " + prior.get().runId(), null, null, 0);
        }
      }
      IngestResult result =
          IngestCommand.ingest(
              cli,
              spark,
              ledger,
              request,
              replace,
              "--source " + source + " --batch " + batch + (replace ? " --replace" : ""),
              files);
      return new Outcome(
          batch,
          prior.isPresent() ? "re-ingested (files changed)" : "ingested",
          result,
          null,
          (System.nanoTime() - start) / 1e9);
    } catch (RuntimeException e) {
      return new Outcome(
          batch,
          "FAILED: " + ErrorReporter.firstLine(e),
          null,
          e,
          (System.nanoTime() - start) / 1e9);
    }
  }

  private String arguments() {
    return "--source "
        + source
        + (from == null ? "" : " --from " + from)
        + (to == null ? "" : " --to " + to)
        + (replace ? " --replace" : "")
        + (parallel == 1 ? "" : " --parallel " + parallel)
        + (link ? " --link" : "");
  }

  private static String duration(double seconds) {
    long s = Math.round(seconds);
    return s < 60
        ? s + " s"
        : s < 3600
            ? (s / 60) + " min " + (s % 60) + " s"
            : (s / 3600) + " h " + (s % 3600 / 60) + " min";
  }
}
