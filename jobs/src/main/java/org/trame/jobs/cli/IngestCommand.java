package org.trame.jobs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.trame.config.SourceConfig;
import org.trame.config.TrameConfig;
import org.trame.jobs.ingest.IngestJob;
import org.trame.jobs.ingest.IngestResult;
import org.trame.jobs.ledger.RunEntry;
import org.trame.jobs.ledger.RunLedger;
import org.trame.jobs.ledger.RunLock;
import org.trame.jobs.rekey.RekeyMarker;
import org.trame.jobs.rekey.WarehouseKey;
import org.trame.jobs.spark.SparkSessions;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.key.KeyStoreProvider;
import org.trame.key.KeyStores;
import org.trame.pseudo.Pseudonymizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code trame ingest}: landing batches of one source into the warehouse, recorded in the ledger.
 */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description = {
      "Read, validate and pseudonymize a landing batch into Delta tables.",
      "Accepted rows go to warehouse/sources/<source>/<table>, rejected ones (with file, line",
      "and reasons) to warehouse/quarantine/<source>/<table>. A rerun replaces the batch; a batch",
      "whose files changed since it was ingested is refused unless --replace."
    })
final class IngestCommand implements Callable<Integer> {
  @ParentCommand TrameCommand root;

  @Option(
      names = "--source",
      required = true,
      paramLabel = "S",
      description = "Source name (conf/sources/S.yaml).")
  String source;

  @ArgGroup(multiplicity = "1")
  Which which;

  static final class Which {
    @Option(names = "--batch", paramLabel = "B", description = "Batch id: the folder landing/S/B.")
    String batch;

    @Option(
        names = "--all-pending",
        description =
            "Every landed batch not ingested yet, oldest first; a batch refused does not stop the"
                + " others.")
    boolean allPending;
  }

  @Option(
      names = "--replace",
      description = "Ingest even if the batch's files changed since its last ingest.")
  boolean replace;

  @Override
  public Integer call() {
    Cli cli = root.cli();
    TrameConfig config = cli.config();
    SourceConfig sourceConfig = SourceConfig.load(cli.confDir(), source);
    WarehousePaths paths = WarehousePaths.of(config);
    if (which.batch != null) {
      paths.landingBatch(source, which.batch);
    }
    // Opened before Spark starts, so that a wrong password fails at once.
    KeyStoreProvider keys = KeyStores.open(config.keys(), cli.env());
    SparkSession spark =
        SparkSessions.start(config.spark(), "trame ingest " + source, cli.verbose());
    RunLedger ledger = new RunLedger(spark, config.warehouse());
    Pseudonymizer pseudonymizer = WarehouseKey.forWrites(ledger, keys);
    List<String> batches =
        which.batch != null ? List.of(which.batch) : pending(spark, paths, ledger);
    if (batches.isEmpty()) {
      cli.out().println("Nothing to ingest for " + source + ": every landed batch is ingested.");
      return ExitCode.OK;
    }
    // With --all-pending, a batch refused for its own data, files or lock does not hold back the
    // batches after it: each is tried, and the command fails at the end, naming what was left.
    List<String> failed = new ArrayList<>();
    CommandException first = null;
    for (String batch : batches) {
      try {
        ingest(
            cli,
            spark,
            ledger,
            new IngestJob.Request(paths, sourceConfig, batch, pseudonymizer, RunIds.next()),
            replace,
            arguments(batch));
      } catch (CommandException e) {
        if (which.batch != null || !aboutOneBatch(e)) {
          throw e;
        }
        ErrorReporter.report(e, "ingest", false, cli.err());
        failed.add(batch + " (exit " + e.exitCode() + ")");
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw new CommandException(
          first.exitCode(),
          String.format(
              "%d of %d pending batches of %s not ingested: %s%s",
              failed.size(),
              batches.size(),
              source,
              String.join(", ", failed),
              failed.size() < batches.size() ? "; the others were" : ""));
    }
    return ExitCode.OK;
  }

  /** A refusal that concerns one batch (its rows, its files, its lock), not the whole command. */
  private static boolean aboutOneBatch(CommandException e) {
    return e.exitCode() == ExitCode.DATA_REJECTED
        || e.exitCode() == ExitCode.USAGE
        || e.exitCode() == ExitCode.WRITE_CONFLICT;
  }

  private String arguments(String batch) {
    return "--source " + source + " --batch " + batch + (replace ? " --replace" : "");
  }

  /**
   * Ingests one batch with its two ledger events; returns what it did or throws with the exit code.
   */
  static IngestResult ingest(
      Cli cli,
      SparkSession spark,
      RunLedger ledger,
      IngestJob.Request request,
      boolean replace,
      String arguments) {
    return ingest(cli, spark, ledger, request, replace, arguments, null);
  }

  /**
   * As above, with the batch's files already fingerprinted by the caller ({@code null}: compute
   * them here).
   */
  static IngestResult ingest(
      Cli cli,
      SparkSession spark,
      RunLedger ledger,
      IngestJob.Request request,
      boolean replace,
      String arguments,
      List<RunEntry.InputFile> fingerprint) {
    String source = request.source().name();
    String batch = request.batch();
    RunEntry entry =
        RunEntry.start(
            request.runId(),
            "ingest",
            arguments,
            source,
            batch,
            request.pseudonymizer().keyId(),
            TrameCommand.codeVersion());
    ledger.append(entry);
    cli.progress(
        "Ingesting "
            + source
            + " batch "
            + batch
            + " (run "
            + request.runId()
            + ", key "
            + request.pseudonymizer().keyId()
            + ")");
    long start = System.nanoTime();
    try (RunLock lock =
        RunLock.acquire(
            ledger,
            spark.sparkContext().hadoopConfiguration(),
            request.paths(),
            "ingest-" + source + "-" + batch,
            request.runId(),
            "ingest of " + source + " batch " + batch)) {
      RekeyMarker.refuseWhilePresent(spark, request.paths(), "ingest " + source + " " + batch);
      ledger.markInterruptedBefore(source, batch, entry);
      entry =
          entry.withInputs(
              fingerprint != null ? fingerprint : IngestJob.fingerprint(spark, request));
      Optional<RunEntry> prior = ledger.lastIngest(source, batch);
      Map<String, String> now = entry.checksums();
      if (prior.isPresent() && !prior.get().checksums().equals(now) && !replace) {
        throw CommandException.usage(
            "Cannot ingest "
                + source
                + " batch "
                + batch
                + ": its files changed since run "
                + prior.get().runId()
                + " ingested it ("
                + changed(prior.get().checksums(), now)
                + "); pass --replace to replace it");
      }
      IngestResult result = IngestJob.run(spark, request, cli::progress);
      List<RunEntry.TableCounts> counts = new ArrayList<>();
      for (IngestResult.TableResult t : result.tables()) {
        counts.add(
            new RunEntry.TableCounts(
                t.table(), t.version(), t.rowsRead(), t.rowsAccepted(), t.rowsQuarantined()));
      }
      String summary =
          String.format(
              "%,d rows read, %,d accepted, %,d quarantined",
              result.rowsRead(), result.rowsAccepted(), result.rowsQuarantined());
      ledger.append(entry.ended(RunEntry.SUCCEEDED, ExitCode.OK, summary, counts));
      cli.out()
          .printf(
              "Ingested %s batch %s: %s in %.1f s%n",
              source, batch, summary, (System.nanoTime() - start) / 1e9);
      return result;
    } catch (RuntimeException e) {
      int code = ErrorReporter.exitCode(e);
      String message = ErrorReporter.forLedger(e);
      ledger.append(
          entry.ended(
              code == ExitCode.DATA_REJECTED ? RunEntry.REJECTED : RunEntry.FAILED,
              code,
              message,
              e instanceof IngestJob.Rejected rejected ? rejected.counts() : List.of()));
      throw e;
    }
  }

  private static String changed(Map<String, String> before, Map<String, String> now) {
    List<String> out = new ArrayList<>();
    for (String f : now.keySet()) {
      if (!now.get(f).equals(before.get(f))) {
        out.add((before.containsKey(f) ? "changed " : "new ") + new Path(f).getName());
      }
    }
    for (String f : before.keySet()) {
      if (!now.containsKey(f)) {
        out.add("gone " + new Path(f).getName());
      }
    }
    return String.join(", ", out);
  }

  /** Landed batches of this source without a successful ingest, oldest first. */
  private List<String> pending(SparkSession spark, WarehousePaths paths, RunLedger ledger) {
    List<String> out = new ArrayList<>();
    for (String batch : landedBatches(spark, paths, source)) {
      if (ledger.lastIngest(source, batch).isEmpty()) {
        out.add(batch);
      }
    }
    return out;
  }

  /** The batch folders under landing/<source>, sorted. */
  static List<String> landedBatches(SparkSession spark, WarehousePaths paths, String source) {
    try {
      Path folder = new Path(paths.landingSource(source));
      FileSystem fs = folder.getFileSystem(spark.sparkContext().hadoopConfiguration());
      List<String> batches = new ArrayList<>();
      if (fs.exists(folder)) {
        for (FileStatus s : fs.listStatus(folder)) {
          if (s.isDirectory()
              && !s.getPath().getName().startsWith("_")
              && !s.getPath().getName().startsWith(".")) {
            batches.add(s.getPath().getName());
          }
        }
      }
      batches.sort(null);
      return batches;
    } catch (java.io.IOException e) {
      throw new CommandException(
          ExitCode.FAILURE,
          "Cannot list " + paths.landingSource(source) + ": " + e.getMessage(),
          e);
    }
  }
}
