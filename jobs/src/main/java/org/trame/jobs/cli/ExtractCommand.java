package org.trame.jobs.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.trame.config.SourceConfig;
import org.trame.config.TrameConfig;
import org.trame.jobs.extract.ExtractEncryption;
import org.trame.jobs.extract.ExtractJob;
import org.trame.jobs.ledger.RunEntry;
import org.trame.jobs.ledger.RunLedger;
import org.trame.jobs.ledger.RunLock;
import org.trame.jobs.rekey.RekeyMarker;
import org.trame.jobs.rekey.WarehouseKey;
import org.trame.jobs.spark.SparkSessions;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.key.KeyId;
import org.trame.key.KeyStoreProvider;
import org.trame.key.KeyStores;
import org.trame.key.ProjectKeys;
import org.trame.key.SecretKey;
import org.trame.project.ProjectSpecs;
import org.trame.project.ProjectSpecs.LoadedSpec;
import org.trame.pseudo.Pseudonymizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code trame extract}: one approved project's extract. */
@Command(
    name = "extract",
    mixinStandardHelpOptions = true,
    description = {
      "Write an approved project's extract, as its spec conf/projects/<P>.yaml allows: the",
      "cohort, only the granted tables and columns (generalized as asked), project pseudonyms",
      "instead of person ids, a k-anonymity check, plain Parquet with a manifest (SHA-256 of",
      "every file, Delta versions read), a data dictionary and a disclosure report, in",
      "extracts/<P>/<extract-id>/. Exit 5 when the disclosure check fails with action: fail."
    })
final class ExtractCommand implements Callable<Integer> {
  @ParentCommand TrameCommand root;

  @Option(
      names = "--project",
      paramLabel = "P",
      required = true,
      description = "The project id: conf/projects/<P>.yaml.")
  String project;

  @Option(
      names = "--as-of",
      paramLabel = "RUN",
      description = {
        "Read the Delta versions (and the key version) an earlier extract or link run read, to",
        "make the same extract again. See 'trame runs --command extract'."
      })
  String asOf;

  @Option(
      names = "--validate",
      description = "Only check the spec against the source configurations; no Spark, no data.")
  boolean validate;

  @Option(names = "--json", description = "Print the result as one JSON object.")
  boolean json;

  @Override
  public Integer call() {
    Cli cli = root.cli();
    TrameConfig config = cli.config();
    List<SourceConfig> sources = SourceConfig.loadAll(cli.confDir());
    LoadedSpec spec = ProjectSpecs.load(cli.confDir(), project, sources);
    if (validate) {
      cli.out()
          .printf(
              "%s: valid (%d table%s, k = %d, action %s)%n",
              spec.file(),
              spec.spec().tables().size(),
              spec.spec().tables().size() == 1 ? "" : "s",
              spec.spec().disclosure().k(),
              spec.spec().disclosure().action().name().toLowerCase(java.util.Locale.ROOT));
      return ExitCode.OK;
    }
    KeyStoreProvider keys = KeyStores.open(config.keys(), cli.env());
    SparkSession spark = SparkSessions.start(config.spark(), "trame extract", cli.verbose());
    RunLedger ledger = new RunLedger(spark, config.warehouse());
    Map<String, Long> pinned = new TreeMap<>();
    SecretKey master;
    if (asOf != null) {
      RunEntry earlier =
          ledger
              .find(asOf)
              .filter(e -> RunEntry.SUCCEEDED.equals(e.status()))
              .orElseThrow(
                  () ->
                      CommandException.usage(
                          "Cannot use --as-of "
                              + asOf
                              + ": no successful run with that id in the ledger (see trame runs)"));
      pinned.putAll(versions(earlier));
      master =
          "extract".equals(earlier.command()) && earlier.keyId() != null
              ? keys.get(KeyId.parse(earlier.keyId()))
              : keys.latestKey(KeyId.EXTRACT);
    } else {
      master = keys.latestKey(KeyId.EXTRACT);
    }
    Instant readAt =
        asOf == null ? null : ledger.find(asOf).map(RunEntry::started).orElse(Instant.now());
    String warehouseKeyId =
        ledger.lastKeyId(readAt).orElseGet(() -> WarehouseKey.current(ledger, keys));
    ExtractJob.Request request =
        request(config, sources, spec, master, warehouseKeyId, pinned, asOf);
    ExtractJob.Result result = extract(cli, spark, ledger, request);
    cli.out().println(json ? json(request.extractId(), result) : text(request.extractId(), result));
    return ExitCode.OK;
  }

  /** An extract request with a new extract id, reading the latest or the pinned versions. */
  static ExtractJob.Request request(
      TrameConfig config,
      List<SourceConfig> sources,
      LoadedSpec spec,
      SecretKey master,
      String warehouseKeyId,
      Map<String, Long> pinned,
      String asOf) {
    String project = spec.spec().id();
    SecretKey projectKey = ProjectKeys.derive(master, project);
    return new ExtractJob.Request(
        spec,
        sources,
        WarehousePaths.of(config),
        pseudonymizer(projectKey),
        master.id().toString(),
        warehouseKeyId,
        RunIds.next(),
        pinned,
        asOf,
        TrameCommand.codeVersion(),
        spec.spec().encrypt() ? ExtractEncryption.of(projectKey, project) : null,
        Set.of());
  }

  /** Extracts with its two ledger events; returns what was written or throws. */
  static ExtractJob.Result extract(
      Cli cli, SparkSession spark, RunLedger ledger, ExtractJob.Request request) {
    String project = request.spec().spec().id();
    String arguments =
        "--project " + project + (request.asOf() == null ? "" : " --as-of " + request.asOf());
    RunEntry entry =
        RunEntry.start(
            request.extractId(),
            "extract",
            arguments,
            null,
            null,
            request.masterKeyId(),
            TrameCommand.codeVersion());
    ledger.append(entry);
    cli.progress(
        "Extracting project "
            + project
            + " (extract "
            + request.extractId()
            + ", key "
            + request.project().keyId()
            + (request.asOf() == null ? "" : ", as of run " + request.asOf())
            + ")");
    long start = System.nanoTime();
    // The end is recorded before the lock is released, as link and ingest do: a run killed after
    // its extract was published but before its end was recorded still holds its lock, so the next
    // run that takes the lock over records it as interrupted instead of leaving it "running".
    try (RunLock lock =
        RunLock.acquire(
            ledger,
            spark.sparkContext().hadoopConfiguration(),
            request.paths(),
            "extract-" + project,
            request.extractId(),
            "extract of project " + project)) {
      RekeyMarker.refuseWhilePresent(spark, request.paths(), "extract project " + project);
      ExtractJob.Result result =
          ExtractJob.run(spark, request.ignoringLinkRuns(ledger.unfinished("link")), cli::progress);
      ledger.append(succeeded(entry, request, result));
      cli.progress(String.format("Extracted in %.1f s", (System.nanoTime() - start) / 1e9));
      return result;
    } catch (RuntimeException e) {
      int code = ErrorReporter.exitCode(e);
      ledger.append(
          entry.ended(
              code == ExitCode.DISCLOSURE ? RunEntry.REJECTED : RunEntry.FAILED,
              code,
              ErrorReporter.firstLine(e),
              List.of()));
      throw e;
    }
  }

  /** The ledger's end of a successful extract: the versions it read and the rows it wrote. */
  private static RunEntry succeeded(
      RunEntry entry, ExtractJob.Request request, ExtractJob.Result result) {
    String project = request.spec().spec().id();
    List<RunEntry.InputFile> inputs = new ArrayList<>();
    for (Map.Entry<String, Long> in : result.inputs().entrySet()) {
      inputs.add(
          new RunEntry.InputFile(
              in.getKey(), location(request.paths(), in.getKey()) + "@v" + in.getValue(), "", 0));
    }
    List<RunEntry.TableCounts> counts = new ArrayList<>();
    for (ExtractJob.TableResult t : result.tables()) {
      counts.add(
          new RunEntry.TableCounts(
              "extracts/" + project + "/" + t.name(),
              null,
              t.rows() + t.rowsSuppressed(),
              t.rows(),
              t.rowsSuppressed()));
    }
    String summary =
        String.format(
            "project %s: %,d persons in %d tables, in %s",
            project, result.persons(), result.tables().size(), result.folder());
    return entry.withInputs(inputs).ended(RunEntry.SUCCEEDED, ExitCode.OK, summary, counts);
  }

  /** The project's pseudonymizer, with its project key (derived from the extract master key). */
  private static Pseudonymizer pseudonymizer(SecretKey key) {
    byte[] bytes = key.bytes();
    try {
      return new Pseudonymizer(key.id().toString(), bytes);
    } finally {
      java.util.Arrays.fill(bytes, (byte) 0);
    }
  }

  /**
   * The Delta versions a run read: its inputs ({@code source.table} at {@code path@vN}) and, for a
   * link run, the person index it wrote.
   */
  static Map<String, Long> versions(RunEntry run) {
    Map<String, Long> out = new TreeMap<>();
    for (RunEntry.InputFile f : run.inputs()) {
      int at = f.path().lastIndexOf("@v");
      if (at > 0) {
        out.put(f.table(), Long.parseLong(f.path().substring(at + 2)));
      }
    }
    for (RunEntry.TableCounts t : run.tables()) {
      if (t.table().equals("linkage/person_index")) {
        out.put("linkage.person_index", t.version());
      }
    }
    if (out.isEmpty()) {
      throw CommandException.usage(
          "Cannot use --as-of "
              + run.runId()
              + ": that "
              + run.command()
              + " run read no Delta table");
    }
    return out;
  }

  private static String location(WarehousePaths paths, String table) {
    if (table.equals("linkage.person_index")) {
      return paths.linkage("person_index");
    }
    int dot = table.indexOf('.');
    return paths.sourceTable(table.substring(0, dot), table.substring(dot + 1));
  }

  static String text(String extractId, ExtractJob.Result r) {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            "Extract %s: %,d persons (cohort %,d)%n", extractId, r.persons(), r.cohort()));
    for (ExtractJob.TableResult t : r.tables()) {
      b.append(
          String.format(
              "  %-28s %,12d rows %,10d persons%s%n",
              t.name(),
              t.rows(),
              t.persons(),
              t.rowsSuppressed() > 0
                  ? String.format(" (%,d rows suppressed)", t.rowsSuppressed())
                  : ""));
    }
    Map<String, Object> d = r.disclosure();
    b.append(
        String.format(
            "Disclosure: k = %s on %s: %s persons suppressed, smallest combination written %s%n",
            d.get("k"),
            d.get("quasi_identifiers"),
            d.get("persons_suppressed"),
            d.get("smallest_combination_written")));
    b.append("Written to ").append(r.folder());
    return b.toString();
  }

  private static String json(String extractId, ExtractJob.Result r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("extract_id", extractId);
    m.put("folder", r.folder());
    m.put("cohort_persons", r.cohort());
    m.put("persons", r.persons());
    m.put("inputs", r.inputs());
    List<Object> tables = new ArrayList<>();
    for (ExtractJob.TableResult t : r.tables()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("name", t.name());
      e.put("rows", t.rows());
      e.put("persons", t.persons());
      e.put("rows_suppressed", t.rowsSuppressed());
      tables.add(e);
    }
    m.put("tables", tables);
    m.put("disclosure", r.disclosure());
    try {
      return new ObjectMapper().writeValueAsString(m);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
