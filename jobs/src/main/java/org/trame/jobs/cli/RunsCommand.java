package org.trame.jobs.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.trame.config.ConfigLoader;
import org.trame.config.TrameConfig;
import org.trame.jobs.ledger.RunEntry;
import org.trame.jobs.ledger.RunLedger;
import org.trame.jobs.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code trame runs}: the run ledger, newest first. */
@Command(
    name = "runs",
    mixinStandardHelpOptions = true,
    description =
        "List runs from the ledger (warehouse/runs), newest first; --json for schedulers.")
final class RunsCommand implements Callable<Integer> {
  @ParentCommand TrameCommand root;

  @Option(
      names = "--last",
      paramLabel = "N",
      defaultValue = "20",
      description = "How many runs (default: ${DEFAULT-VALUE}).")
  int last;

  @Option(
      names = "--command",
      paramLabel = "C",
      description = "Only runs of this command (ingest, ...).")
  String command;

  @Option(
      names = "--status",
      paramLabel = "S",
      description = "Only runs with this status: running, succeeded, failed, rejected.")
  String status;

  @Option(
      names = "--since",
      paramLabel = "YYYY-MM-DD",
      description = "Only runs started on or after this day (UTC).")
  String since;

  @Option(names = "--json", description = "One JSON object per line.")
  boolean json;

  @Override
  public Integer call() {
    Cli cli = root.cli();
    TrameConfig config = cli.config();
    Instant from = null;
    if (since != null) {
      try {
        from = LocalDate.parse(since).atStartOfDay(ZoneOffset.UTC).toInstant();
      } catch (DateTimeParseException e) {
        throw CommandException.usage(
            "Cannot list runs: --since must be a day such as 2026-01-31, got '" + since + "'");
      }
    }
    SparkSession spark = SparkSessions.start(config.spark(), "trame runs", cli.verbose());
    List<RunEntry> runs =
        new RunLedger(spark, config.warehouse()).runs(command, status, from, last);
    if (json) {
      runs.forEach(r -> cli.out().println(ConfigLoader.toJson(asMap(r))));
      return ExitCode.OK;
    }
    cli.out()
        .printf(
            "%-24s %-8s %-10s %-20s %7s  %-22s %s%n",
            "RUN", "COMMAND", "STATUS", "STARTED (UTC)", "SECONDS", "SOURCE/BATCH", "MESSAGE");
    for (RunEntry r : runs) {
      String seconds =
          r.ended() == null
              ? ""
              : String.format("%.1f", Duration.between(r.started(), r.ended()).toMillis() / 1000.0);
      cli.out()
          .printf(
              "%-24s %-8s %-10s %-20s %7s  %-22s %s%n",
              r.runId(),
              r.command(),
              r.status(),
              r.started().toString().substring(0, 19).replace('T', ' '),
              seconds,
              r.source() == null ? "" : r.source() + "/" + r.batch(),
              r.message() == null ? "" : r.message());
    }
    return ExitCode.OK;
  }

  static Map<String, Object> asMap(RunEntry r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("run_id", r.runId());
    m.put("command", r.command());
    m.put("arguments", r.arguments());
    m.put("user", r.user());
    m.put("started", r.started().toString());
    m.put("ended", r.ended() == null ? null : r.ended().toString());
    m.put("status", r.status());
    // A run still running (or killed before recording its end) has no exit code yet.
    m.put("exit_code", r.ended() == null ? null : r.exitCode());
    m.put("message", r.message());
    m.put("source", r.source());
    m.put("batch", r.batch());
    m.put("inputs", r.inputs());
    m.put("tables", r.tables());
    m.put("key_id", r.keyId());
    m.put("code_version", r.codeVersion());
    return m;
  }
}
