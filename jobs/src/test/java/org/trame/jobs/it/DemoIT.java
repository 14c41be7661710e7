package org.trame.jobs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.trame.config.SourceConfig;
import org.trame.jobs.testing.LeakScanner;
import org.trame.key.KeyInfo;
import org.trame.key.KeyStoreProvider;

/**
 * {@code trame demo}, then {@code status} and {@code extract}, through the real jar in fresh JVMs,
 * as a new user; then the demo's pipeline again on a standalone cluster over HDFS and over
 * S3-compatible storage ({@link ClusterRuns}), whose extracts must equal the demo's.
 */
class DemoIT {
  @TempDir Path dir;

  @Test
  void demoRunsFromNothingAndLeavesAWorkingConfiguration() throws Exception {
    try (ClusterRuns cluster = ClusterRuns.under(dir)) {
      demoAndChecks(cluster);
    }
  }

  private void demoAndChecks(ClusterRuns cluster) throws Exception {
    TrameJar.Result demo = TrameJar.run(dir, Map.of(), "demo", "--persons", "1000");
    assertThat(demo.code()).as(demo.err()).isZero();
    Path work = dir.resolve("work");
    assertThat(demo.out())
        .contains("Demo done")
        .contains(work.resolve("warehouse").toUri().toString().replaceAll("/$", ""))
        .contains("./trame --conf work/conf status")
        .contains("Linkage run")
        .containsPattern("Evaluation: [0-9,]+ records matched to truth")
        .containsPattern("  all +[0-9,]+ +[0-9,]+ +[0-9,]+ +(0\\.9[0-9]{3}|1\\.0000) ")
        .containsPattern("Extract [0-9A-Za-z-]+: [0-9,]+ persons \\(cohort [0-9,]+\\)")
        .contains(work.resolve("extracts/diabetes_care").toUri().toString());
    assertThat(demo.err())
        .contains("WARNING: created a DEVELOPMENT keystore")
        .doesNotContain(" INFO ");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(work.resolve("keys/dev-keystore.p12"))))
        .isEqualTo("rw-------");
    assertThat(work.resolve("warehouse/sources/dcir/IR_BEN_R/_delta_log")).isDirectory();
    assertThat(work.resolve("warehouse/linkage/person_index/_delta_log")).isDirectory();
    Path staging = work.resolve("warehouse/_staging");
    if (Files.exists(staging)) {
      assertThat(staging).as("run staging folders are deleted").isEmptyDirectory();
    }
    LeakScanner landing = scanner(work);

    ExtractChecks.run(dir, work);
    // The demo's pipeline again on a standalone cluster over HDFS, and over S3-compatible storage;
    // the link report and status come from there (in this JVM, whose Spark is then warm).
    String clusterOutput = cluster.checkAgainstTheDemo(work);
    ReportChecks.run(dir, work);
    assertThat(ParquetText.readAll(dir.resolve("eventlog")))
        .as("the cluster runs' jobs, on inputs of a few hundred KB, ran interpreted")
        .contains("\"spark.sql.codegen.factoryMode\":\"NO_CODEGEN\"")
        .doesNotContain("\"spark.sql.codegen.factoryMode\":\"FALLBACK\"");

    noIdentifierIn(landing, dir, work, clusterOutput);
    noSecretIn(dir, work, clusterOutput);
  }

  private static LeakScanner scanner(Path work) throws IOException {
    LeakScanner scanner =
        LeakScanner.fromLanding(
            work.resolve("landing"), SourceConfig.loadAll(work.resolve("conf")));
    int[] sizes = scanner.sizes();
    assertThat(sizes[0]).as("NIRs in landing").isGreaterThan(50);
    assertThat(sizes[1]).as("names in landing").isGreaterThanOrEqualTo(5);
    assertThat(sizes[2]).as("local ids in landing").isGreaterThanOrEqualTo(3);
    return scanner;
  }

  /**
   * No NIR, name or local patient number of the landing files in anything Trame wrote (warehouse
   * with its ledger and Delta logs, extracts, CSV export, HTML report, executed notebooks, Spark's
   * event log) or printed (every command's stdout and stderr, one run with --verbose).
   */
  private static void noIdentifierIn(LeakScanner scanner, Path dir, Path work, String clusterOutput)
      throws IOException {
    List<LeakScanner.Leak> leaks = new ArrayList<>();
    for (Path root :
        List.of(
            work.resolve("warehouse"),
            work.resolve("extracts"),
            dir.resolve("csv"),
            dir.resolve("reports"),
            dir.resolve("notebooks"),
            dir.resolve("eventlog"),
            // The cluster runs: what they wrote to the S3 server (its objects are plain files),
            // and the workers' folders with every executor's log.
            dir.resolve("s3/data/trame/warehouse"),
            dir.resolve("s3/data/trame/extracts"),
            dir.resolve("spark/work-1"),
            dir.resolve("spark/work-2"))) {
      leaks.addAll(scanner.scanFiles(root));
    }
    leaks.addAll(scanner.scanText("the output of every command", TrameJar.transcript()));
    leaks.addAll(scanner.scanText("the output of the cluster runs", clusterOutput));
    assertThat(leaks).as("identifiers found (values not shown)").isEmpty();
  }

  /**
   * The keystore password and the bytes of every key (hex, Base64) appear nowhere: not in any
   * command's output (one with --verbose), nor Spark's event log, nor the warehouse or extracts.
   */
  private static void noSecretIn(Path dir, Path work, String clusterOutput) throws IOException {
    String password = Files.readString(work.resolve("keys/dev-keystore.password")).strip();
    KeyStoreProvider keys =
        KeyStoreProvider.open(work.resolve("keys/dev-keystore.p12"), password.toCharArray());
    List<String> secrets = new ArrayList<>(List.of(password));
    for (KeyInfo info : keys.list()) {
      byte[] bytes = keys.get(info.id()).bytes();
      secrets.add(HexFormat.of().formatHex(bytes));
      secrets.add(HexFormat.of().withUpperCase().formatHex(bytes));
      secrets.add(Base64.getEncoder().withoutPadding().encodeToString(bytes));
      secrets.add(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }
    assertThat(secrets).hasSizeGreaterThan(4);
    try (var logs = Files.list(dir.resolve("eventlog"))) {
      assertThat(logs.count()).as("the event log was written").isPositive();
    }
    assertThat(ParquetText.readAll(dir.resolve("eventlog")))
        .as("the event log is plain JSON, so the scan reads it")
        .contains("SparkListenerApplicationStart");
    StringBuilder all = new StringBuilder(TrameJar.transcript()).append(clusterOutput);
    for (Path root :
        List.of(
            dir.resolve("eventlog"),
            work.resolve("warehouse"),
            work.resolve("extracts"),
            dir.resolve("s3/data/trame/warehouse"),
            dir.resolve("s3/data/trame/extracts"),
            dir.resolve("spark/work-1"),
            dir.resolve("spark/work-2"))) {
      all.append(ParquetText.readAll(root));
    }
    String text = all.toString();
    for (int i = 0; i < secrets.size(); i++) {
      assertThat(text.contains(secrets.get(i)))
          .as("secret #%d (password, then key bytes) appears", i)
          .isFalse();
    }
  }
}
