package org.trame.jobs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.trame.config.SourceConfig;
import org.trame.config.TrameConfig;
import org.trame.jobs.ledger.RunEntry;
import org.trame.jobs.ledger.RunLedger;
import org.trame.jobs.maintain.Maintenance;
import org.trame.jobs.rekey.RekeyMarker;
import org.trame.jobs.spark.SparkSessions;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.jobs.sql.WarehouseTables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code trame maintain}: Delta compaction and vacuum of the warehouse's tables, with a report. */
@Command(
    name = "maintain",
    mixinStandardHelpOptions = true,
    description = {
      "Report the files and bytes of every warehouse table; with --optimize, compact small",
      "files; with --vacuum, delete files no version of the last --retain-hours needs",
      "(never below Delta's 168 h, so running jobs and time travel within it are safe)."
    })
final class MaintainCommand implements Callable<Integer> {
  @ParentCommand TrameCommand root;

  @Option(names = "--optimize", description = "Compact small files (Delta OPTIMIZE).")
  boolean optimize;

  @Option(names = "--vacuum", description = "Delete files older versions no longer need.")
  boolean vacuum;

  @Option(
      names = "--retain-hours",
      paramLabel = "H",
      defaultValue = "168",
      description = "Keep what the versions of the last H hours need (default and minimum: 168).")
  double retainHours;

  @Option(
      names = "--table",
      paramLabel = "NAME",
      description = "Only this table (as in `trame sql --tables`); repeatable. Default: all.")
  List<String> only;

  @Override
  public Integer call() {
    if (retainHours < Maintenance.MIN_RETAIN_HOURS) {
      throw CommandException.usage(
          String.format(
              Locale.ROOT,
              "Cannot vacuum with --retain-hours %.0f: below Delta's minimum of %.0f hours, a"
                  + " vacuum could delete files a running job or a pinned extract (--as-of) still"
                  + " reads",
              retainHours,
              Maintenance.MIN_RETAIN_HOURS));
    }
    Cli cli = root.cli();
    TrameConfig config = cli.config();
    List<SourceConfig> sources = SourceConfig.loadAll(cli.confDir());
    SparkSession spark = SparkSessions.start(config.spark(), "trame maintain", cli.verbose());
    Map<String, WarehouseTables.Table> tables =
        WarehouseTables.find(spark, WarehousePaths.of(config), sources);
    List<WarehouseTables.Table> chosen = new ArrayList<>();
    if (only == null || only.isEmpty()) {
      chosen.addAll(tables.values());
    } else {
      for (String name : only) {
        WarehouseTables.Table t = tables.get(name.toLowerCase(Locale.ROOT));
        if (t == null) {
          throw CommandException.usage(
              "Cannot maintain table '" + name + "': no such table (see `trame sql --tables`)");
        }
        chosen.add(t);
      }
    }
    RunLedger ledger = new RunLedger(spark, config.warehouse());
    String runId = RunIds.next();
    String arguments =
        (optimize ? "--optimize " : "")
            + (vacuum ? "--vacuum --retain-hours " + retainHours : "")
            + (only == null ? "" : " --table " + String.join(" --table ", only));
    RunEntry entry =
        RunEntry.start(
            runId, "maintain", arguments.trim(), null, null, null, TrameCommand.codeVersion());
    boolean writes = optimize || vacuum;
    if (writes) {
      RekeyMarker.refuseWhilePresent(spark, WarehousePaths.of(config), "maintain the warehouse");
      ledger.append(entry);
    }
    cli.out()
        .printf(
            "%-34s %19s %19s %21s%n",
            "table", "live files/MB", "stored files/MB", writes ? "after: stored/MB" : "");
    List<RunEntry.TableCounts> counts = new ArrayList<>();
    long before = 0;
    long after = 0;
    try {
      for (WarehouseTables.Table t : chosen) {
        cli.progress("  " + t.name() + (writes ? ": maintaining" : ": measuring"));
        Maintenance.Outcome o =
            Maintenance.run(spark, t.name(), t.path(), optimize, vacuum, retainHours);
        before += o.before().storedBytes();
        after += o.after().storedBytes();
        counts.add(
            new RunEntry.TableCounts(
                t.name(), null, o.before().storedFiles(), o.after().storedFiles(), 0));
        cli.out()
            .printf(
                Locale.ROOT,
                "%-34s %8d %10.1f %8d %10.1f %s%n",
                t.name(),
                o.before().liveFiles(),
                o.before().liveBytes() / 1e6,
                o.before().storedFiles(),
                o.before().storedBytes() / 1e6,
                writes
                    ? String.format(
                        Locale.ROOT,
                        "%8d %10.1f (%d compacted, %d removed)",
                        o.after().storedFiles(),
                        o.after().storedBytes() / 1e6,
                        o.filesCompacted(),
                        o.filesRemoved())
                    : "");
      }
    } catch (RuntimeException e) {
      if (writes) {
        ledger.append(
            entry.ended(
                RunEntry.FAILED, ErrorReporter.exitCode(e), ErrorReporter.firstLine(e), counts));
      }
      throw e;
    }
    String summary =
        String.format(
            Locale.ROOT,
            "%d tables, %.1f MB stored before, %.1f MB after",
            chosen.size(),
            before / 1e6,
            after / 1e6);
    if (writes) {
      ledger.append(entry.ended(RunEntry.SUCCEEDED, ExitCode.OK, summary, counts));
    } else {
      cli.out().println("(report only: add --optimize and/or --vacuum to change anything)");
    }
    cli.out().println(summary);
    return ExitCode.OK;
  }
}
