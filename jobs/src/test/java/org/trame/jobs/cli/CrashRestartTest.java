package org.trame.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.trame.jobs.demo.DemoWorkspace;
import org.trame.jobs.generate.GenerateJob;
import org.trame.jobs.spark.SparkExtension;

/**
 * A backfill, a link and an extract, each killed with SIGKILL in a separate JVM at a random point
 * after it took its lock, then rerun: the warehouse and the extract equal those of runs never
 * interrupted, the ledger keeps the killed runs, nothing is duplicated, and no partial extract is
 * ever visible.
 */
@ExtendWith(SparkExtension.class)
class CrashRestartTest {
  private static final String PROJECT =
      """
      id: everyone
      title: Every person, for the crash test
      approval: test
      period: { from: "2023-01-01", to: "2023-12-31" }
      cohort:
        age: { table: dcir.IR_BEN_R, birth_year: BEN_NAI_ANN, min: 0 }
      tables:
        - table: dcir.IR_BEN_R
          columns:
            - BEN_SEX_COD
            - { name: BEN_NAI_ANN, generalize: band, width: 20 }
        - table: dcir.ER_PRS_F
          date: EXE_SOI_DTD
          columns: [PRS_NAT_REF, { name: EXE_SOI_DTD, generalize: month }]
      disclosure:
        quasi_identifiers: [dcir.IR_BEN_R.BEN_SEX_COD, dcir.IR_BEN_R.BEN_NAI_ANN]
        k: 2
        action: suppress
      encrypt: false
      """;
  private static final java.util.Random RANDOM = new java.util.Random();
  private static final String[] TABLES = {"ER_PRS_F", "ER_PHA_F", "IR_BEN_R"};

  @TempDir Path dir;

  private static InProcess.Run run(Path workdir, String... args) {
    return InProcess.run(workdir, Map.of(), args);
  }

  @Test
  void killedRunsRerunToTheWarehouseAndExtractOfRunsNeverInterrupted(SparkSession spark)
      throws Exception {
    Path crashed = dir.resolve("crashed");
    DemoWorkspace work = new DemoWorkspace(crashed);
    work.writeConfiguration();
    work.ensureDevKeystore();
    GenerateJob.run(
        spark,
        new GenerateJob.Request(
            crashed.toUri().toString(), 80, 2, YearMonth.of(2023, 1), 7, 0.02, true),
        line -> {});
    // The same landing files and keys in a second warehouse, for a backfill never interrupted.
    Path clean = dir.resolve("clean");
    DemoWorkspace cleanWork = new DemoWorkspace(clean);
    cleanWork.writeConfiguration();
    copy(work.landing(), cleanWork.landing());
    Files.createDirectories(cleanWork.keystore().getParent());
    Files.copy(work.keystore(), cleanWork.keystore());
    Files.copy(work.passwordFile(), cleanWork.passwordFile());

    // The backfill in its own JVM, killed with SIGKILL during its first batch: after the batch's
    // lock (and so its ledger row) exists, at a random point of its read, staging or commits. The
    // backfill never interrupted runs here meanwhile, on the same landing files and keys.
    CompletableFuture<InProcess.Run> cleanBackfill =
        CompletableFuture.supplyAsync(
            () -> run(clean, "--conf", "conf", "backfill", "--source", "dcir", "--parallel", "2"));
    String killed =
        killAt(
            crashed,
            "warehouse/_locks/ingest-dcir-2023-01.lock",
            null,
            3000,
            "backfill",
            "--source",
            "dcir");
    InProcess.Run resumed =
        run(crashed, "--conf", "conf", "backfill", "--source", "dcir", "--parallel", "2");
    assertThat(resumed.code()).as(killed + resumed.err()).isZero();
    assertThat(resumed.out()).contains("2 batches: 2 ingested, 0 skipped");
    InProcess.Run uninterrupted = cleanBackfill.get(10, TimeUnit.MINUTES);
    assertThat(uninterrupted.code()).as(uninterrupted.err()).isZero();
    assertThat(uninterrupted.out()).contains("2 batches: 2 ingested, 0 skipped");

    for (String table : TABLES) {
      for (String kind : List.of("sources", "quarantine")) {
        Path a = crashed.resolve("warehouse").resolve(kind).resolve("dcir").resolve(table);
        Path b = clean.resolve("warehouse").resolve(kind).resolve("dcir").resolve(table);
        if (!Files.exists(b)) {
          assertThat(a).doesNotExist();
          continue;
        }
        Dataset<Row> x = content(spark, a);
        Dataset<Row> y = content(spark, b);
        assertThat(x.count()).as(kind + " " + table).isEqualTo(y.count()).isPositive();
        assertThat(x.exceptAll(y).count()).as(kind + " " + table).isZero();
        assertThat(y.exceptAll(x).count()).as(kind + " " + table).isZero();
      }
    }
    InProcess.Run runs = run(crashed, "--conf", "conf", "runs", "--command", "ingest", "--json");
    // The killed ingest could not record its end; the run that took over its lock did.
    assertThat(runs.out())
        .containsPattern(
            "\"batch\":\"2023-01\".*\"status\":\"failed\".*|\"status\":\"failed\".*\"batch\":\"2023-01\"")
        .contains("interrupted: the run stopped without recording its end");
    assertThat(runs.out().lines().filter(l -> l.contains("\"status\":\"succeeded\"")).count())
        .isEqualTo(2);
    InProcess.Run status = run(crashed, "--conf", "conf", "status", "--source", "dcir");
    assertThat(status.out()).contains("2 batches {ingested=2}");

    linkKilledAndRerun(spark, crashed, clean);
    extractKilledAndRerun(crashed, clean);
    extractDuringAnIngest(spark, crashed);
  }

  /**
   * An extract while another thread ingests a new batch of a table it reads: both succeed; the
   * extract read one committed version of that table (before or after the batch, never a mix) and
   * wrote the same files as an extract of the same versions made with nothing running beside; the
   * table holds every row once.
   */
  private static void extractDuringAnIngest(SparkSession spark, Path crashed) throws Exception {
    copy(crashed.resolve("landing/dcir/2023-02"), crashed.resolve("landing/dcir/2023-03"));
    String table = crashed.resolve("warehouse/sources/dcir/ER_PRS_F").toString();
    long before = spark.read().format("delta").load(table).count();
    long versionBefore =
        io.delta.tables.DeltaTable.forPath(spark, table).history(1).first().getLong(0);
    Path previous = latestExtract(crashed.resolve("extracts/everyone"));
    // The batch's rows repeat 2023-02's under a new batch id: the ingest commits a new version.
    CompletableFuture<InProcess.Run> ingest =
        CompletableFuture.supplyAsync(
            () ->
                run(crashed, "--conf", "conf", "ingest", "--source", "dcir", "--batch", "2023-03"));
    InProcess.Run extract =
        run(crashed, "--conf", "conf", "extract", "--project", "everyone", "--json");
    InProcess.Run ingested = ingest.get(5, TimeUnit.MINUTES);
    assertThat(ingested.code()).as(ingested.err()).isZero();
    assertThat(extract.code()).as(extract.err()).isZero();
    long versionAfter =
        io.delta.tables.DeltaTable.forPath(spark, table).history(1).first().getLong(0);
    Path made = latestExtract(crashed.resolve("extracts/everyone"));
    assertThat(made).isNotEqualTo(previous);
    com.fasterxml.jackson.databind.JsonNode manifest =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(made.resolve("manifest.json").toFile());
    long read = manifest.get("inputs").get("dcir.ER_PRS_F").asLong();
    assertThat(read).isIn(versionBefore, versionAfter);
    // The same versions read again with nothing running beside: the same files.
    InProcess.Run again =
        run(
            crashed,
            "--conf",
            "conf",
            "extract",
            "--project",
            "everyone",
            "--as-of",
            made.getFileName().toString());
    assertThat(again.code()).as(again.err()).isZero();
    Path remade = latestExtract(crashed.resolve("extracts/everyone"));
    assertThat(remade).isNotEqualTo(made);
    com.fasterxml.jackson.databind.JsonNode manifest2 =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(remade.resolve("manifest.json").toFile());
    assertThat(manifest2.get("as_of").asText()).isEqualTo(made.getFileName().toString());
    // Every file (data, dictionary, disclosure report) and every count alike.
    assertThat(withoutRunFields(manifest2)).isEqualTo(withoutRunFields(manifest));
    InProcess.Run runs = run(crashed, "--conf", "conf", "runs", "--command", "extract", "--json");
    assertThat(runs.out())
        .contains("--as-of " + made.getFileName())
        .contains("\"rejected\"")
        .contains("\"succeeded\"");
    long batchRows = spark.read().format("delta").load(table).where("batch = '2023-03'").count();
    assertThat(batchRows).isPositive();
    assertThat(spark.read().format("delta").load(table).count()).isEqualTo(before + batchRows);
    System.out.printf(
        "[concurrency] the extract read dcir.ER_PRS_F version %d (before the ingest: %d, after: %d)%n",
        read, versionBefore, versionAfter);
  }

  /**
   * A link killed while it computes or between the four commits of its tables, then rerun: the
   * linkage tables equal those of a link never interrupted.
   */
  private static void linkKilledAndRerun(SparkSession spark, Path crashed, Path clean)
      throws Exception {
    String[] points = {null, "assigning stable person ids", "writing the person index"};
    String point = points[RANDOM.nextInt(points.length)];
    CompletableFuture<InProcess.Run> cleanLink =
        CompletableFuture.supplyAsync(() -> run(clean, "--conf", "conf", "link"));
    String killed = killAt(crashed, "warehouse/_locks/link.lock", point, 1500, "link");
    InProcess.Run reference = cleanLink.get(10, TimeUnit.MINUTES);
    assertThat(reference.code()).as(reference.err()).isZero();
    InProcess.Run rerun = run(crashed, "--conf", "conf", "link");
    assertThat(rerun.code()).as(killed + rerun.err()).isZero();
    for (String table : List.of("person_index", "person_ids", "person_events", "review")) {
      Path a = crashed.resolve("warehouse/linkage").resolve(table);
      Path b = clean.resolve("warehouse/linkage").resolve(table);
      Dataset<Row> x = withoutRun(spark, a);
      Dataset<Row> y = withoutRun(spark, b);
      assertThat(x.count()).as(killed + table).isEqualTo(y.count());
      assertThat(x.exceptAll(y).count()).as(killed + table).isZero();
      assertThat(y.exceptAll(x).count()).as(killed + table).isZero();
    }
    assertThat(withoutRun(spark, crashed.resolve("warehouse/linkage/person_index")).count())
        .isPositive();
    killedThenRerunInLedger(
        killed, run(crashed, "--conf", "conf", "runs", "--command", "link", "--json"));
    assertThat(crashed.resolve("warehouse/_staging")).isEmptyDirectory();
  }

  /**
   * An extract killed while it selects, checks or writes: no extract is visible until complete; the
   * rerun cleans what the killed one left and writes the same files as an extract never
   * interrupted.
   */
  private static void extractKilledAndRerun(Path crashed, Path clean) throws Exception {
    for (Path root : List.of(crashed, clean)) {
      Files.writeString(root.resolve("conf/projects/everyone.yaml"), PROJECT);
    }
    String[] points = {null, "checking k-anonymity", "dcir.IR_BEN_R:"};
    int which = RANDOM.nextInt(points.length);
    String point = points[which];
    // After its first table's line, an extract has one small table and its manifest left to write:
    // under a second on a quiet machine, so a later kill could find it finished (exit 0, seen once
    // after 1,362 ms).
    int maxDelayMs = which == 2 ? 150 : 1500;
    CompletableFuture<InProcess.Run> cleanExtract =
        CompletableFuture.supplyAsync(
            () -> run(clean, "--conf", "conf", "extract", "--project", "everyone", "--json"));
    String killed =
        killAt(
            crashed,
            "warehouse/_locks/extract-everyone.lock",
            point,
            maxDelayMs,
            "extract",
            "--project",
            "everyone");
    Path folder = crashed.resolve("extracts/everyone");
    if (Files.exists(folder)) {
      try (Stream<Path> s = Files.list(folder)) {
        for (Path p : s.toList()) {
          if (!p.getFileName().toString().startsWith(".")) {
            assertThat(p.resolve("manifest.json")).as(killed + "a visible extract").exists();
          }
        }
      }
    }
    InProcess.Run rerun =
        run(crashed, "--conf", "conf", "extract", "--project", "everyone", "--json");
    assertThat(rerun.code()).as(killed + rerun.err()).isZero();
    InProcess.Run reference = cleanExtract.get(10, TimeUnit.MINUTES);
    assertThat(reference.code()).as(reference.err()).isZero();
    Path written = latestExtract(folder);
    Path expected = latestExtract(clean.resolve("extracts/everyone"));
    Map<String, String> files = parquetChecksums(written);
    assertThat(files).as(killed).isNotEmpty().isEqualTo(parquetChecksums(expected));
    try (Stream<Path> s = Files.list(folder)) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .as(killed + "no unfinished extract folder is left")
          .noneMatch(n -> n.startsWith("."));
    }
    assertThat(crashed.resolve("warehouse/_staging")).isEmptyDirectory();
    killedThenRerunInLedger(
        killed, run(crashed, "--conf", "conf", "runs", "--command", "extract", "--json"));

    // A disclosure rule the cohort cannot meet, with action fail: exit 5, nothing written, and
    // the run recorded as rejected.
    Files.writeString(
        crashed.resolve("conf/projects/strict.yaml"),
        PROJECT
            .replace("id: everyone", "id: strict")
            .replace("k: 2", "k: 1000")
            .replace("action: suppress", "action: fail"));
    InProcess.Run strict = run(crashed, "--conf", "conf", "extract", "--project", "strict");
    assertThat(strict.code()).as(strict.err()).isEqualTo(ExitCode.DISCLOSURE);
    assertThat(strict.err()).contains("Disclosure check failed").contains("nothing was written");
    Path strictFolder = crashed.resolve("extracts/strict");
    if (Files.exists(strictFolder)) {
      assertThat(strictFolder).isEmptyDirectory();
    }
    assertThat(run(crashed, "--conf", "conf", "runs", "--command", "extract", "--json").out())
        .contains("\"rejected\"");
  }

  /**
   * The ledger of a command killed once and rerun: two runs, the rerun succeeded, and the killed
   * one either interrupted (the rerun that took over its lock recorded that it stopped without
   * recording its end) or, when the kill came after it had recorded its end and before its JVM
   * exited, succeeded too.
   */
  private static void killedThenRerunInLedger(String killed, InProcess.Run runs) {
    assertThat(runs.code()).as(runs.err()).isZero();
    List<String> rows = runs.out().lines().filter(l -> l.startsWith("{")).toList();
    long succeeded = rows.stream().filter(l -> l.contains("\"status\":\"succeeded\"")).count();
    long interrupted =
        rows.stream()
            .filter(l -> l.contains("interrupted: the run stopped without recording its end"))
            .count();
    assertThat(rows).as(killed).hasSize(2);
    assertThat(succeeded + interrupted).as(killed + rows).isEqualTo(2);
    assertThat(succeeded).as(killed + rows).isPositive();
    System.out.print(
        "[crash] "
            + (interrupted == 1
                ? "the killed run is recorded as interrupted"
                : "the kill came after the run had recorded its end")
            + "\n");
  }

  private static Path latestExtract(Path project) throws Exception {
    try (Stream<Path> s = Files.list(project)) {
      return s.filter(p -> Files.exists(p.resolve("manifest.json")))
          .sorted()
          .reduce((a, b) -> b)
          .orElseThrow();
    }
  }

  /** The SHA-256 of every Parquet file the manifest lists, by path. */
  private static Map<String, String> parquetChecksums(Path extract) throws Exception {
    com.fasterxml.jackson.databind.JsonNode manifest =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(extract.resolve("manifest.json").toFile());
    Map<String, String> out = new java.util.TreeMap<>();
    for (com.fasterxml.jackson.databind.JsonNode f : manifest.get("files")) {
      if (f.get("path").asText().endsWith(".parquet")) {
        out.put(f.get("path").asText(), f.get("sha256").asText());
      }
    }
    assertThat(manifest.get("persons").asLong()).isPositive();
    return out;
  }

  private static com.fasterxml.jackson.databind.JsonNode withoutRunFields(
      com.fasterxml.jackson.databind.JsonNode manifest) {
    com.fasterxml.jackson.databind.node.ObjectNode copy = manifest.deepCopy();
    copy.remove(List.of("extract_id", "created_at", "as_of"));
    return copy;
  }

  /** A linkage table without the columns naming the run that wrote a row. */
  private static Dataset<Row> withoutRun(SparkSession spark, Path table) {
    return spark
        .read()
        .format("delta")
        .load(table.toString())
        .drop("link_run_id", "first_link_run_id");
  }

  /**
   * Starts trame in its own JVM and kills it with SIGKILL once it holds {@code lock} (relative to
   * its root) and, if {@code line} is given, has printed a progress line containing it, after a
   * further random delay under {@code maxDelayMs}. Returns a description of the kill point.
   */
  private static String killAt(Path root, String lock, String line, int maxDelayMs, String... args)
      throws Exception {
    Process child = childJvm(root, args);
    List<String> seen = new ArrayList<>();
    Thread drain =
        new Thread(
            () -> {
              try (BufferedReader err =
                  new BufferedReader(
                      new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = err.readLine()) != null) {
                  synchronized (seen) {
                    seen.add(l);
                  }
                }
              } catch (java.io.IOException e) {
                // the process is gone
              }
            });
    drain.start();
    Path lockFile = root.resolve(lock);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (child.isAlive()
        && System.nanoTime() < deadline
        && !(Files.exists(lockFile) && (line == null || printed(seen, line)))) {
      Thread.sleep(20);
    }
    List<String> printedSoFar;
    synchronized (seen) {
      printedSoFar = List.copyOf(seen);
    }
    assertThat(child.isAlive()).as("%s reached %s: %s", args[0], line, printedSoFar).isTrue();
    long delay = RANDOM.nextInt(maxDelayMs);
    Thread.sleep(delay);
    child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    drain.join();
    String where =
        String.format(
            "%s killed %d ms after %s%n",
            String.join(" ", args), delay, line == null ? "taking its lock" : "'" + line + "'");
    assertThat(child.exitValue()).as(where + seen).isEqualTo(137);
    System.out.print("[crash] " + where);
    return where;
  }

  private static boolean printed(List<String> seen, String line) {
    synchronized (seen) {
      return seen.stream().anyMatch(l -> l.contains(line));
    }
  }

  /** A table's rows without the run that wrote them, which differs between the two warehouses. */
  private static Dataset<Row> content(SparkSession spark, Path table) {
    return spark.read().format("delta").load(table.toString()).drop("_ingest_run");
  }

  private static Process childJvm(Path workdir, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // The module flags Spark needs, and the Spark settings the test JVM was given (see pom.xml).
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens")
          || a.startsWith("--add-exports")
          || a.startsWith("-Dspark.")) {
        command.add(a);
      }
    }
    command.add("-Xmx1g");
    // The child is killed before it ends: C1 alone compiles its code, which leaves the machine's
    // cores to the runs it is compared with (the JIT changes nothing the test looks at).
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseParallelGC");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.add("--conf");
    command.add("conf");
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(workdir.toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    return pb.start();
  }

  private static void copy(Path from, Path to) throws Exception {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
