package org.trame.jobs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.trame.config.SourceConfig;
import org.trame.config.TrameConfig;
import org.trame.jobs.ledger.RunEntry;
import org.trame.jobs.ledger.RunLedger;
import org.trame.jobs.ledger.RunLock;
import org.trame.jobs.rekey.RekeyJob;
import org.trame.jobs.rekey.RekeyMarker;
import org.trame.jobs.rekey.WarehouseKey;
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

/** {@code trame rekey}: chain every stored pseudonym through a newer link key. */
@Command(
    name = "rekey",
    mixinStandardHelpOptions = true,
    description = {
      "Re-pseudonymize the warehouse under a newer link key (after `trame keys rotate`),",
      "without any clear identifier: each stored pseudonym p becomes HMAC(new key, p), which is",
      "what ingest computes from then on. One Delta commit per table; a rerun after a crash",
      "finishes the job. Ingest, link and extract refuse to run until it has finished."
    })
final class RekeyCommand implements Callable<Integer> {
  @ParentCommand TrameCommand root;

  @Option(
      names = "--to",
      paramLabel = "KEY",
      description = "The link key to chain through (default: the newest, e.g. link-v2).")
  String to;

  @Override
  public Integer call() {
    Cli cli = root.cli();
    TrameConfig config = cli.config();
    List<SourceConfig> sources = SourceConfig.loadAll(cli.confDir());
    KeyStoreProvider keys = KeyStores.open(config.keys(), cli.env());
    SparkSession spark = SparkSessions.start(config.spark(), "trame rekey", cli.verbose());
    RunLedger ledger = new RunLedger(spark, config.warehouse());
    WarehousePaths paths = WarehousePaths.of(config);
    Optional<RekeyMarker.State> unfinished = RekeyMarker.read(spark, paths);
    String from;
    KeyId next;
    if (unfinished.isPresent()) {
      from = unfinished.get().from();
      List<KeyId> chain = WarehouseKey.parse(unfinished.get().to());
      next = chain.get(chain.size() - 1);
      if (to != null && !KeyId.parse(to).equals(next)) {
        throw CommandException.usage(
            "Cannot rekey to "
                + to
                + ": the rekey to "
                + unfinished.get().to()
                + " has not finished; run `trame rekey` without --to to finish it first");
      }
      cli.progress("Finishing the rekey started by run " + unfinished.get().runId());
    } else {
      from = WarehouseKey.current(ledger, keys);
      next = to == null ? keys.latestKey(KeyId.LINK).id() : KeyId.parse(to);
      List<KeyId> chain = WarehouseKey.parse(from);
      KeyId last = chain.get(chain.size() - 1);
      if (!next.purpose().equals(KeyId.LINK)) {
        throw CommandException.usage("Cannot rekey to " + next + ": it is not a link key");
      }
      if (next.compareTo(last) <= 0) {
        cli.out()
            .println(
                "Nothing to rekey: the warehouse is under "
                    + from
                    + " and "
                    + next
                    + " is not newer; add a key with `trame keys rotate` first");
        return ExitCode.OK;
      }
    }
    SecretKey key = keys.get(next);
    byte[] bytes = key.bytes();
    Pseudonymizer nextKey;
    try {
      nextKey = new Pseudonymizer(next.toString(), bytes);
    } finally {
      java.util.Arrays.fill(bytes, (byte) 0);
    }
    String runId = RunIds.next();
    RekeyJob.Request request = new RekeyJob.Request(paths, sources, from, nextKey, runId);
    RunEntry entry =
        RunEntry.start(
            runId,
            "rekey",
            to == null ? "" : "--to " + to,
            null,
            null,
            request.toChain(),
            TrameCommand.codeVersion());
    ledger.append(entry);
    cli.progress("Rekeying the warehouse from " + from + " to " + request.toChain());
    long start = System.nanoTime();
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    try (RunLock lock =
        RunLock.acquire(ledger, hadoop, paths, "rekey", runId, "rekey of the warehouse")) {
      refuseWhileOthersRun(hadoop, paths);
      refuseAfterUnfinishedLink(spark, ledger, paths);
      boolean fresh = unfinished.isEmpty();
      RekeyMarker.write(spark, paths, new RekeyMarker.State(runId, from, request.toChain()));
      try {
        // A run that took its lock before the marker was written may not have seen it.
        refuseWhileOthersRun(hadoop, paths);
      } catch (CommandException e) {
        if (fresh) {
          RekeyMarker.delete(spark, paths);
        }
        throw e;
      }
      List<RekeyJob.TableResult> tables = RekeyJob.run(spark, request, cli::progress);
      RekeyMarker.delete(spark, paths);
      List<RunEntry.TableCounts> counts = new ArrayList<>();
      long rows = 0;
      for (RekeyJob.TableResult t : tables) {
        counts.add(new RunEntry.TableCounts(t.table(), t.version(), t.rows(), t.rows(), 0));
        rows += t.rows();
      }
      String summary =
          String.format("%d tables, %,d rows now under %s", tables.size(), rows, request.toChain());
      ledger.append(entry.ended(RunEntry.SUCCEEDED, ExitCode.OK, summary, counts));
      cli.out().printf("Rekeyed: %s in %.1f s%n", summary, (System.nanoTime() - start) / 1e9);
      cli.out()
          .println(
              "Extracts made from now on carry new project pseudonyms; earlier extracts are"
                  + " unchanged.");
      return ExitCode.OK;
    } catch (RuntimeException e) {
      ledger.append(
          entry.ended(
              RunEntry.FAILED, ErrorReporter.exitCode(e), ErrorReporter.firstLine(e), List.of()));
      throw e;
    }
  }

  private static void refuseWhileOthersRun(Configuration hadoop, WarehousePaths paths) {
    List<String> live =
        RunLock.liveHolders(hadoop, paths.locks(), paths.lock("rekey"), RunLock.DEFAULT_LEASE);
    if (!live.isEmpty()) {
      throw new CommandException(
          ExitCode.WRITE_CONFLICT,
          "Cannot rekey while other runs write to the warehouse: "
              + String.join("; ", live)
              + "; rerun when they have ended");
    }
  }

  /**
   * A link killed part way leaves commits that the next link overwrites; rekeyed, they would become
   * the base of every later link. The link is rerun first.
   */
  private static void refuseAfterUnfinishedLink(
      SparkSession spark, RunLedger ledger, WarehousePaths paths) {
    // The index is the first table a link writes: a partial link always shows there.
    if (new org.trame.jobs.link.LinkageVersions(spark, ledger.unfinished("link"))
        .partial(paths.linkage("person_index"))) {
      throw CommandException.usage(
          "Cannot rekey: the last link run did not finish and left partial linkage tables; run"
              + " trame link, then trame rekey");
    }
  }
}
