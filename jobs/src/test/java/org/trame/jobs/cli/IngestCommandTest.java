package org.trame.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.trame.jobs.spark.SparkExtension;
import org.trame.pseudo.Nir;

/** ingest and runs through the command line, in process: ledger, change detection, exit codes. */
@ExtendWith(SparkExtension.class)
class IngestCommandTest {
  private static final String PASSWORD = "pw-for-tests-only-123";
  private static final String NIR = Nir.withKey("2690299341732");
  private static final Map<String, String> ENV = Map.of("TRAME_KEYSTORE_PASSWORD", PASSWORD);

  @TempDir Path dir;

  private InProcess.Run run(String... args) {
    return InProcess.run(dir, ENV, args);
  }

  private void land(String batch, String... rows) throws Exception {
    Path folder = Files.createDirectories(dir.resolve("landing/src").resolve(batch));
    StringBuilder b = new StringBuilder("ID;NIR;CODE\n");
    for (String r : rows) {
      b.append(r).append('\n');
    }
    Files.writeString(folder.resolve("t.csv"), b.toString(), StandardCharsets.UTF_8);
  }

  @Test
  void ledgerRecordsRunsAndChangedBatchesNeedReplace(SparkSession spark) throws Exception {
    Path conf = Files.createDirectories(dir.resolve("conf/sources"));
    Files.writeString(
        dir.resolve("conf/trame.yaml"),
        "landing: landing\nwarehouse: wh\nextracts: ex\nkeys:\n  keystore: k.p12\n");
    Files.writeString(
        conf.resolve("src.yaml"),
        """
        name: src
        tables:
          - name: t
            files: t.csv
            quarantine_allowance: 0
            columns:
              - { name: ID, type: integer, required: true }
              - { name: NIR, role: nir, fate: pseudonymize }
              - { name: CODE, codes: [A, B] }
        """);
    assertThat(run("keys", "init").code()).isZero();
    land("2023-01", "1;" + NIR + ";A", "2;;B");
    land("2023-02", "3;" + NIR + ";A");

    InProcess.Run all = run("ingest", "--source", "src", "--all-pending");
    assertThat(all.code()).as(all.err()).isZero();
    assertThat(all.out())
        .contains("Ingested src batch 2023-01: 2 rows read, 2 accepted, 0 quarantined")
        .contains("batch 2023-02");
    assertThat(run("ingest", "--source", "src", "--all-pending").out())
        .contains("Nothing to ingest for src");

    InProcess.Run same = run("ingest", "--source", "src", "--batch", "2023-01");
    assertThat(same.code()).as("same files: a rerun replaces").isZero();

    land("2023-01", "1;" + NIR + ";A", "2;;B", "4;;A");
    InProcess.Run changed = run("ingest", "--source", "src", "--batch", "2023-01");
    assertThat(changed.code()).isEqualTo(ExitCode.USAGE);
    assertThat(changed.err())
        .contains("its files changed since run")
        .contains("changed t.csv")
        .contains("pass --replace");
    InProcess.Run replaced = run("ingest", "--source", "src", "--batch", "2023-01", "--replace");
    assertThat(replaced.code()).isZero();
    assertThat(replaced.out()).contains("3 rows read");

    land("2023-03", "1;;Z", "2;;A");
    InProcess.Run rejected = run("ingest", "--source", "src", "--batch", "2023-03");
    assertThat(rejected.code()).isEqualTo(ExitCode.DATA_REJECTED);
    assertThat(rejected.err())
        .contains("1 of 2 rows rejected (50.0%, limit 5.0%); nothing was committed")
        .contains("CODE: unknown code");

    InProcess.Run runs = run("runs", "--json");
    assertThat(runs.code()).isZero();
    assertThat(runs.out().lines().count()).isEqualTo(6);
    assertThat(runs.out())
        .contains("\"status\":\"rejected\"")
        .contains("\"status\":\"failed\"")
        .contains("\"exit_code\":3")
        // A rejected run's ledger row keeps the top reasons, not only the first line.
        .contains("nothing was committed. Top reasons: | 1  CODE: unknown code");
    // ...and what each table counted, though nothing was written (no version).
    String rejectedRow =
        runs.out()
            .lines()
            .filter(l -> l.contains("\"status\":\"rejected\""))
            .findFirst()
            .orElseThrow();
    assertThat(rejectedRow)
        .contains(
            "\"tables\":[{\"table\":\"t\",\"version\":null,\"rows_read\":2,"
                + "\"rows_accepted\":1,\"rows_quarantined\":1}]");
    assertThat(run("runs", "--status", "rejected").out())
        .contains("src/2023-03")
        .doesNotContain("src/2023-02");
    long read =
        spark.read().format("delta").load(dir.resolve("wh/sources/src/t").toString()).count();
    assertThat(read).isEqualTo(4);

    String ledger =
        spark
            .read()
            .format("delta")
            .load(dir.resolve("wh/runs").toString())
            .toJSON()
            .collectAsList()
            .toString();
    assertThat(ledger)
        .doesNotContain(NIR)
        .doesNotContain(NIR.substring(0, 13))
        .doesNotContain(PASSWORD)
        .contains("sha256");

    // --all-pending tries every pending batch: the rejected 2023-03 does not hold back 2023-04.
    land("2023-04", "5;;A");
    // A run of 2023-04 killed during its start, before it took the batch's lock: only its running
    // row is in the ledger, and no lock is left for the next run to take over.
    new org.trame.jobs.ledger.RunLedger(spark, dir.resolve("wh").toString())
        .append(
            org.trame.jobs.ledger.RunEntry.start(
                "20230401T000000Z-killed",
                "ingest",
                "--source src --batch 2023-04",
                "src",
                "2023-04",
                "link-v1",
                "test"));
    assertThat(run("runs", "--status", "running", "--json").out())
        .contains("20230401T000000Z-killed")
        .contains("\"exit_code\":null");
    InProcess.Run pending = run("ingest", "--source", "src", "--all-pending");
    assertThat(pending.code()).isEqualTo(ExitCode.DATA_REJECTED);
    assertThat(pending.out()).contains("Ingested src batch 2023-04: 1 rows read, 1 accepted");
    assertThat(pending.err())
        .contains("Cannot ingest table t: 1 of 2 rows rejected")
        .contains("1 of 2 pending batches of src not ingested: 2023-03 (exit 3); the others were");
    assertThat(run("runs", "--status", "running").out()).doesNotContain("killed");
    assertThat(run("runs", "--json").out())
        .contains("interrupted: the run stopped before it took its lock (killed?)");
  }
}
