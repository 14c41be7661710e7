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
 * A backfill killed with SIGKILL in a separate JVM, then rerun: the warehouse equals that of a
 * backfill never interrupted, the ledger keeps the killed run, and nothing is duplicated.
 */
@ExtendWith(SparkExtension.class)
class BackfillCrashTest {
  private static final String[] TABLES = {"ER_PRS_F", "ER_PHA_F", "IR_BEN_R"};

  @TempDir Path dir;

  private static InProcess.Run run(Path workdir, String... args) {
    return InProcess.run(workdir, Map.of(), args);
  }

  @Test
  void aBackfillKilledMidwayAndRerunEqualsOneNeverInterrupted(SparkSession spark) throws Exception {
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

    // The backfill in its own JVM, killed with SIGKILL during the second batch: after its lock
    // (and so its ledger row) exists, at a random point of its read, staging or commits.
    Process child = childJvm(crashed, "backfill", "--source", "dcir");
    Path secondLock = crashed.resolve("warehouse/_locks/ingest-dcir-2023-02.lock");
    List<String> seen = new ArrayList<>();
    Thread drain =
        new Thread(
            () -> {
              try (BufferedReader err =
                  new BufferedReader(
                      new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = err.readLine()) != null) {
                  synchronized (seen) {
                    seen.add(line);
                  }
                }
              } catch (java.io.IOException e) {
                // the process is gone
              }
            });
    drain.start();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!Files.exists(secondLock) && child.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(secondLock).as("the second batch started: %s", seen).exists();
    long delay = new java.util.Random().nextInt(3000);
    Thread.sleep(delay);
    child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    drain.join();
    assertThat(child.exitValue()).as("killed %d ms into batch 2: %s", delay, seen).isEqualTo(137);

    InProcess.Run resumed =
        run(crashed, "--conf", "conf", "backfill", "--source", "dcir", "--parallel", "2");
    assertThat(resumed.code()).as(resumed.err()).isZero();
    assertThat(resumed.out()).contains("2 batches: 1 ingested, 1 skipped");
    InProcess.Run uninterrupted =
        run(clean, "--conf", "conf", "backfill", "--source", "dcir", "--parallel", "2");
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
            "\"batch\":\"2023-02\".*\"status\":\"failed\".*|\"status\":\"failed\".*\"batch\":\"2023-02\"")
        .contains("interrupted: the run stopped without recording its end");
    assertThat(runs.out().lines().filter(l -> l.contains("\"status\":\"succeeded\"")).count())
        .isEqualTo(2);
    InProcess.Run status = run(crashed, "--conf", "conf", "status", "--source", "dcir");
    assertThat(status.out()).contains("2 batches {ingested=2}");
  }

  /** A table's rows without the run that wrote them, which differs between the two warehouses. */
  private static Dataset<Row> content(SparkSession spark, Path table) {
    return spark.read().format("delta").load(table.toString()).drop("_ingest_run");
  }

  private static Process childJvm(Path workdir, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("--add-exports")) {
        command.add(a);
      }
    }
    command.add("-Xmx1g");
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
