package org.trame.jobs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.trame.config.Require;
import org.trame.config.TrameConfig;
import org.trame.jobs.extract.ExtractEncryption;
import org.trame.jobs.extract.ExtractExport;
import org.trame.jobs.ledger.RunEntry;
import org.trame.jobs.ledger.RunLedger;
import org.trame.jobs.spark.SparkSessions;
import org.trame.key.KeyId;
import org.trame.key.KeyStores;
import org.trame.key.ProjectKeys;
import org.trame.key.SecretKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code trame export}: an extract's tables as CSV, for tools that read no Parquet. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Convert a project extract's tables to CSV for tools without Parquet support (SAS, Stata,",
      "a Python without pyarrow): one <table>.csv per table, UTF-8, header line, RFC 4180",
      "quoting, empty field for null. Every file is checked against the manifest's SHA-256",
      "first. Encrypted extracts are read with the project's key from the keystore."
    })
final class ExportCommand implements Callable<Integer> {
  @ParentCommand TrameCommand root;

  @Option(
      names = "--project",
      paramLabel = "P",
      required = true,
      description = "The project id (extracts/<P>/).")
  String project;

  @Option(
      names = "--extract",
      paramLabel = "E",
      description = "The extract id (default: the project's newest complete extract).")
  String extract;

  @Option(
      names = "--table",
      paramLabel = "T",
      description = "A table to export, such as dcir.ER_PHA_F; repeat it (default: every table).")
  List<String> tables = new ArrayList<>();

  @Option(
      names = "--format",
      paramLabel = "F",
      defaultValue = "csv",
      description = "Output format: csv (the only one so far; default).")
  String format;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Folder for the CSV files (default: export/<P>/<E> in the current folder).")
  String out;

  @Override
  public Integer call() {
    Cli cli = root.cli();
    if (!"csv".equals(format)) {
      throw CommandException.usage("Cannot export as " + format + ": the only format is csv");
    }
    String id = safe(project, "project");
    TrameConfig config = cli.config();
    SparkSession spark = SparkSessions.start(config.spark(), "trame export", cli.verbose());
    String projectFolder = config.extracts() + "/" + id;
    String extractId =
        extract != null
            ? safe(extract, "extract id")
            : ExtractExport.latest(spark, projectFolder)
                .orElseThrow(
                    () ->
                        CommandException.usage(
                            "Cannot export: project "
                                + id
                                + " has no complete extract in "
                                + projectFolder
                                + " (run trame extract --project "
                                + id
                                + ")"));
    String folder = projectFolder + "/" + extractId;
    Map<String, Object> manifest;
    try {
      manifest = ExtractExport.manifest(spark, folder);
    } catch (IllegalArgumentException e) {
      throw CommandException.usage("Cannot export: " + e.getMessage());
    }
    String target =
        out != null
            ? cli.workingDir().resolve(out).toUri().toString()
            : cli.workingDir().resolve("export").resolve(id).resolve(extractId).toUri().toString();
    target = target.endsWith("/") ? target.substring(0, target.length() - 1) : target;
    ExtractEncryption encryption = null;
    if (manifest.get("encryption") != null) {
      SecretKey master =
          KeyStores.open(config.keys(), cli.env())
              .get(KeyId.parse(String.valueOf(manifest.get("master_key_id"))));
      encryption = ExtractEncryption.of(ProjectKeys.derive(master, id), id);
    }
    RunLedger ledger = new RunLedger(spark, config.warehouse());
    RunEntry entry =
        RunEntry.start(
            RunIds.next(),
            "export",
            "--project " + id + " --extract " + extractId + " --format " + format,
            null,
            null,
            null,
            TrameCommand.codeVersion());
    ledger.append(entry);
    cli.progress("Exporting extract " + extractId + " of " + id + " as CSV to " + shown(target));
    List<ExtractExport.Exported> written;
    try {
      written =
          ExtractExport.run(
              spark,
              new ExtractExport.Request(folder, tables, target, encryption),
              manifest,
              cli::progress);
    } catch (IllegalArgumentException e) {
      ledger.append(
          entry.ended(RunEntry.FAILED, ExitCode.USAGE, ErrorReporter.firstLine(e), List.of()));
      throw CommandException.usage("Cannot export: " + e.getMessage());
    } catch (RuntimeException e) {
      ledger.append(
          entry.ended(
              RunEntry.FAILED, ErrorReporter.exitCode(e), ErrorReporter.firstLine(e), List.of()));
      throw e;
    }
    List<RunEntry.TableCounts> counts = new ArrayList<>();
    for (ExtractExport.Exported e : written) {
      counts.add(new RunEntry.TableCounts(e.file(), null, e.rows(), e.rows(), 0));
      cli.out().println(shown(e.file()));
    }
    ledger.append(
        entry.ended(
            RunEntry.SUCCEEDED,
            ExitCode.OK,
            String.format(
                "%d table%s to %s", written.size(), written.size() == 1 ? "" : "s", target),
            counts));
    return ExitCode.OK;
  }

  /** A local file as a path, anything else as its URI. */
  private static String shown(String uri) {
    return uri.startsWith("file:")
        ? java.nio.file.Path.of(java.net.URI.create(uri)).toString()
        : uri;
  }

  private static String safe(String value, String what) {
    try {
      return Require.safeName(value, what);
    } catch (IllegalArgumentException e) {
      throw CommandException.usage("Cannot use " + what + ": " + e.getMessage());
    }
  }
}
