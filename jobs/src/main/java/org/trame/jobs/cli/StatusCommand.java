package org.trame.jobs.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.trame.config.ConfigLoader;
import org.trame.config.SourceConfig;
import org.trame.config.TrameConfig;
import org.trame.jobs.ingest.IngestJob;
import org.trame.jobs.ledger.RunEntry;
import org.trame.jobs.ledger.RunLedger;
import org.trame.jobs.ledger.RunLock;
import org.trame.jobs.rekey.RekeyMarker;
import org.trame.jobs.spark.SparkSessions;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.key.KeyAccessException;
import org.trame.key.KeyInfo;
import org.trame.key.KeyStores;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code trame status}: per source, every landed batch and its state from the ledger, the last link
 * run and the extracts made.
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Show per source every landed batch and its state (pending, ingested with run and",
      "counts, failed with reason, running, interrupted, changed since ingest), the last link",
      "run, the extracts made, the keys and any unfinished rekey."
    })
final class StatusCommand implements Callable<Integer> {
  @ParentCommand TrameCommand root;

  @Option(names = "--source", paramLabel = "S", description = "Only this source.")
  String only;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Option(
      names = "--verify",
      description =
          "Recompute every landed file's SHA-256 to detect changes (default: compare names and"
              + " sizes, which is cheap).")
  boolean verify;

  /** Batch states. */
  static final String PENDING = "pending";

  static final String INGESTED = "ingested";
  static final String CHANGED = "changed since ingest";
  static final String FAILED = "failed";
  static final String RUNNING = "running";
  static final String INTERRUPTED = "interrupted";

  @Override
  public Integer call() {
    Cli cli = root.cli();
    TrameConfig config = cli.config();
    List<SourceConfig> sources =
        only == null
            ? SourceConfig.loadAll(cli.confDir())
            : List.of(SourceConfig.load(cli.confDir(), only));
    SparkSession spark = SparkSessions.start(config.spark(), "trame status", cli.verbose());
    WarehousePaths paths = WarehousePaths.of(config);
    RunLedger ledger = new RunLedger(spark, config.warehouse());
    List<RunEntry> runs = ledger.runs(null, null, null, Integer.MAX_VALUE);
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("configuration", cli.confDir().resolve("trame.yaml").toString());
    status.put("landing", config.landing());
    status.put("warehouse", config.warehouse());
    status.put("extracts", config.extracts());
    status.put("keystore", keys(cli, config));
    status.put("warehouse_key_id", ledger.lastKeyId().orElse(null));
    status.put(
        "unfinished_rekey",
        RekeyMarker.read(spark, paths)
            .map(s -> Map.of("run_id", s.runId(), "from", s.from(), "to", s.to()))
            .orElse(null));
    List<Object> sourceStates = new ArrayList<>();
    for (SourceConfig source : sources) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("source", source.name());
      s.put("batches", batches(spark, paths, source, runs));
      sourceStates.add(s);
    }
    status.put("sources", sourceStates);
    status.put(
        "last_link",
        runs.stream()
            .filter(r -> r.command().equals("link"))
            .findFirst()
            .map(StatusCommand::run)
            .orElse(null));
    Map<String, Object> extracts = new TreeMap<>();
    for (RunEntry r : runs) {
      if (r.command().equals("extract") && RunEntry.SUCCEEDED.equals(r.status())) {
        String project = r.arguments().replaceFirst("^--project (\\S+).*$", "$1");
        @SuppressWarnings("unchecked")
        Map<String, Object> p =
            (Map<String, Object>) extracts.computeIfAbsent(project, k -> new LinkedHashMap<>());
        p.merge("extracts", 1, (a, b) -> (Integer) a + (Integer) b);
        p.putIfAbsent("latest", run(r));
      }
    }
    status.put("extracts_made", extracts);
    if (json) {
      cli.out().println(ConfigLoader.toJson(status));
    } else {
      print(cli, status);
    }
    return ExitCode.OK;
  }

  private List<Object> batches(
      SparkSession spark, WarehousePaths paths, SourceConfig source, List<RunEntry> runs) {
    Map<String, List<RunEntry>> byBatch = new TreeMap<>();
    for (RunEntry r : runs) {
      if (r.command().equals("ingest") && source.name().equals(r.source())) {
        byBatch.computeIfAbsent(r.batch(), b -> new ArrayList<>()).add(r);
      }
    }
    TreeSet<String> all = new TreeSet<>(byBatch.keySet());
    List<String> landed = IngestCommand.landedBatches(spark, paths, source.name());
    all.addAll(landed);
    List<Object> out = new ArrayList<>();
    for (String batch : all) {
      List<RunEntry> history = new ArrayList<>(byBatch.getOrDefault(batch, List.of()));
      history.sort(Comparator.comparing(RunEntry::started).reversed());
      Optional<RunEntry> success =
          history.stream().filter(r -> RunEntry.SUCCEEDED.equals(r.status())).findFirst();
      Map<String, Object> b = new LinkedHashMap<>();
      b.put("batch", batch);
      b.put("landed", landed.contains(batch));
      String state = PENDING;
      String detail = null;
      if (!history.isEmpty()) {
        RunEntry last = history.get(0);
        if (RunEntry.RUNNING.equals(last.status())) {
          boolean live =
              RunLock.isLive(
                  spark.sparkContext().hadoopConfiguration(),
                  paths.lock("ingest-" + source.name() + "-" + batch),
                  RunLock.DEFAULT_LEASE);
          state = live ? RUNNING : INTERRUPTED;
          detail = "run " + last.runId() + " started " + last.started();
        } else if (!RunEntry.SUCCEEDED.equals(last.status())) {
          state = FAILED;
          detail = "run " + last.runId() + " (exit " + last.exitCode() + "): " + last.message();
        }
      }
      if (success.isPresent()) {
        RunEntry s = success.get();
        b.put("ingested_by", s.runId());
        b.put("ingested_at", s.ended() == null ? null : s.ended().toString());
        b.put("rows_read", s.tables().stream().mapToLong(RunEntry.TableCounts::rowsRead).sum());
        b.put(
            "rows_accepted",
            s.tables().stream().mapToLong(RunEntry.TableCounts::rowsAccepted).sum());
        b.put(
            "rows_quarantined",
            s.tables().stream().mapToLong(RunEntry.TableCounts::rowsQuarantined).sum());
        if (state.equals(PENDING)) {
          state = INGESTED;
          if (!landed.contains(batch)) {
            detail = "its landing folder is gone";
          } else if (changed(spark, paths, source, batch, s)) {
            state = CHANGED;
            detail = "rerun with `ingest --replace` or `backfill --replace`";
          }
        }
      }
      b.put("state", state);
      b.put("detail", detail);
      out.add(b);
    }
    return out;
  }

  private boolean changed(
      SparkSession spark, WarehousePaths paths, SourceConfig source, String batch, RunEntry s) {
    IngestJob.Request request = new IngestJob.Request(paths, source, batch, null, "status");
    try {
      if (verify) {
        return !RunEntry.checksums(IngestJob.fingerprint(spark, request)).equals(s.checksums());
      }
      Map<String, Long> before = new TreeMap<>();
      s.inputs().forEach(f -> before.put(f.path(), f.bytes()));
      return !IngestJob.sizes(spark, request).equals(before);
    } catch (RuntimeException e) {
      return true; // files gone or unreadable: not as ingested
    }
  }

  private static Map<String, Object> run(RunEntry r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("run_id", r.runId());
    m.put("status", r.status());
    m.put("ended", r.ended() == null ? null : r.ended().toString());
    m.put("message", r.message());
    return m;
  }

  @SuppressWarnings("unchecked")
  private static void print(Cli cli, Map<String, Object> status) {
    var out = cli.out();
    out.println("Configuration " + status.get("configuration"));
    out.println("  landing    " + status.get("landing"));
    out.println("  warehouse  " + status.get("warehouse"));
    out.println("  extracts   " + status.get("extracts"));
    out.println("  keystore   " + status.get("keystore"));
    out.println(
        "  pseudonyms "
            + (status.get("warehouse_key_id") == null
                ? "(nothing ingested yet)"
                : "under link key " + status.get("warehouse_key_id")));
    Map<String, Object> rekey = (Map<String, Object>) status.get("unfinished_rekey");
    if (rekey != null) {
      out.println(
          "  UNFINISHED REKEY from "
              + rekey.get("from")
              + " to "
              + rekey.get("to")
              + " (run "
              + rekey.get("run_id")
              + "): run `trame rekey` to finish it");
    }
    for (Object o : (List<Object>) status.get("sources")) {
      Map<String, Object> s = (Map<String, Object>) o;
      List<Object> batches = (List<Object>) s.get("batches");
      Map<String, Integer> tally = new TreeMap<>();
      batches.forEach(
          b -> tally.merge((String) ((Map<String, Object>) b).get("state"), 1, Integer::sum));
      out.println();
      out.println("Source " + s.get("source") + ": " + batches.size() + " batches " + tally);
      for (Object bo : batches) {
        Map<String, Object> b = (Map<String, Object>) bo;
        StringBuilder line =
            new StringBuilder(String.format("  %-12s %-21s", b.get("batch"), b.get("state")));
        if (b.get("ingested_by") != null) {
          line.append(
              String.format(
                  " run %s: %,d rows, %,d accepted, %,d quarantined",
                  b.get("ingested_by"),
                  (Long) b.get("rows_read"),
                  (Long) b.get("rows_accepted"),
                  (Long) b.get("rows_quarantined")));
        }
        if (b.get("detail") != null) {
          line.append(b.get("ingested_by") != null ? "; " : " ").append(b.get("detail"));
        }
        out.println(line);
      }
    }
    out.println();
    Map<String, Object> link = (Map<String, Object>) status.get("last_link");
    out.println(
        "Last link: "
            + (link == null
                ? "none yet"
                : link.get("run_id") + " " + link.get("status") + ": " + link.get("message")));
    Map<String, Object> extracts = (Map<String, Object>) status.get("extracts_made");
    out.println("Extracts: " + (extracts.isEmpty() ? "none yet" : ""));
    extracts.forEach(
        (project, v) -> {
          Map<String, Object> p = (Map<String, Object>) v;
          Map<String, Object> latest = (Map<String, Object>) p.get("latest");
          out.println(
              "  "
                  + project
                  + ": "
                  + p.get("extracts")
                  + " made, latest "
                  + latest.get("run_id")
                  + " ("
                  + latest.get("ended")
                  + ")");
        });
  }

  private static String keys(Cli cli, TrameConfig config) {
    if (config.keys().keystore() == null) {
      return "(none configured)";
    }
    try {
      List<String> ids = new ArrayList<>();
      for (KeyInfo k : KeyStores.open(config.keys(), cli.env()).list()) {
        ids.add(k.id().toString());
      }
      return config.keys().keystore() + " (keys " + String.join(", ", ids) + ")";
    } catch (KeyAccessException e) {
      return config.keys().keystore() + " (not opened: " + e.getMessage() + ")";
    }
  }
}
