package org.trame.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.trame.config.SourceConfig;
import org.trame.jobs.ledger.RunLock;
import org.trame.jobs.rekey.RekeyJob;
import org.trame.jobs.rekey.RekeyMarker;
import org.trame.jobs.spark.SparkExtension;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.key.KeyId;
import org.trame.key.KeyStoreProvider;
import org.trame.pseudo.Nir;
import org.trame.pseudo.Pseudonymizer;

/**
 * The operations commands in process, on real Spark and Delta: backfill (range, skip, resume,
 * changed batches), status, maintain, run locks, key rotation and rekey.
 */
@ExtendWith(SparkExtension.class)
class OperationsCommandTest {
  private static final String PASSWORD = "pw-for-tests-only-456";
  private static final Map<String, String> ENV = Map.of("TRAME_KEYSTORE_PASSWORD", PASSWORD);
  private static final String NIR_A = Nir.withKey("1850575123456");
  private static final String NIR_B = Nir.withKey("2901233987654");

  @TempDir Path dir;

  private InProcess.Run run(String... args) {
    return InProcess.run(dir, ENV, args);
  }

  private void configure() throws Exception {
    Path sources = Files.createDirectories(dir.resolve("conf/sources"));
    Files.writeString(
        dir.resolve("conf/trame.yaml"),
        "landing: landing\nwarehouse: wh\nextracts: ex\nkeys:\n  keystore: k.p12\n");
    Files.writeString(
        sources.resolve("reg.yaml"),
        """
        name: reg
        tables:
          - name: people
            files: people*.csv
            key: [ID]
            quarantine_allowance: 1
            columns:
              - { name: ID, type: integer, required: true }
              - { name: NIR, role: nir, fate: drop }
              - { name: NOM, role: last_name }
              - { name: NAISSANCE, type: date, role: birth_date }
              - { name: CODE, codes: [A, B] }
            pseudonyms:
              - { name: NIR_ANO, kind: nir, from: [NIR] }
        """);
    assertThat(run("keys", "init").code()).isZero();
  }

  private void land(String batch, String... rows) throws Exception {
    Path folder = Files.createDirectories(dir.resolve("landing/reg").resolve(batch));
    StringBuilder b = new StringBuilder("ID;NIR;NOM;NAISSANCE;CODE\n");
    for (String r : rows) {
      b.append(r).append('\n');
    }
    Files.writeString(folder.resolve("people.csv"), b.toString(), StandardCharsets.UTF_8);
  }

  private String table() {
    return dir.resolve("wh/sources/reg/people").toString();
  }

  @Test
  void backfillTakesARangeSkipsWhatIsInAndStatusShowsEachBatch(SparkSession spark)
      throws Exception {
    configure();
    for (int m = 1; m <= 4; m++) {
      land("2023-0" + m, m + "1;" + NIR_A + ";Martin;1985-05-12;A", m + "2;;Durand;;B");
    }
    InProcess.Run first =
        run("backfill", "--source", "reg", "--from", "2023-02", "--to", "2023-03");
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out()).contains("2 batches: 2 ingested, 0 skipped");
    assertThat(first.err()).contains("[1/2] 2023-02 ingested").contains("ETA");

    Map<String, String> states = states(run("status", "--json"));
    assertThat(states)
        .containsEntry("2023-01", "pending")
        .containsEntry("2023-02", "ingested")
        .containsEntry("2023-03", "ingested")
        .containsEntry("2023-04", "pending");

    InProcess.Run all = run("backfill", "--source", "reg", "--parallel", "2");
    assertThat(all.code()).as(all.err()).isZero();
    assertThat(all.out()).contains("4 batches: 2 ingested, 2 skipped");
    assertThat(spark.read().format("delta").load(table()).count()).isEqualTo(8);

    // A batch whose files changed is not silently skipped, nor replaced without --replace.
    land("2023-02", "21;" + NIR_A + ";Martin;1985-05-12;A", "22;;Durand;;B", "23;;Petit;;A");
    assertThat(states(run("status", "--json"))).containsEntry("2023-02", "changed since ingest");
    InProcess.Run changed = run("backfill", "--source", "reg");
    assertThat(changed.code()).isEqualTo(ExitCode.USAGE);
    assertThat(changed.out())
        .contains("1 failed")
        .contains("failed 2023-02")
        .contains("pass --replace");
    InProcess.Run replaced = run("backfill", "--source", "reg", "--replace");
    assertThat(replaced.code()).as(replaced.err()).isZero();
    assertThat(replaced.out()).contains("4 batches: 1 ingested, 3 skipped");
    assertThat(spark.read().format("delta").load(table()).count()).isEqualTo(9);

    land("2023-05", "51;;Martin;;Z", "52;;Durand;;Z", "53;;Petit;;A");
    InProcess.Run rejected = run("backfill", "--source", "reg", "--from", "2023-05");
    assertThat(rejected.code()).isEqualTo(ExitCode.DATA_REJECTED);
    InProcess.Run status = run("status");
    assertThat(status.out())
        .containsPattern("2023-05 +failed +run \\S+ \\(exit 3\\)")
        .contains("2023-02      ingested")
        .contains("Last link: none yet");
    assertThat(run("runs", "--command", "backfill", "--json").out().lines().count()).isEqualTo(5);

    // Maintenance over the same warehouse. A batch of two files is written as two small files.
    land("2023-06", "61;" + NIR_A + ";Martin;1985-05-12;A");
    Files.writeString(
        dir.resolve("landing/reg/2023-06/people2.csv"),
        "ID;NIR;NOM;NAISSANCE;CODE\n62;;Petit;;B\n",
        StandardCharsets.UTF_8);
    assertThat(run("ingest", "--source", "reg", "--batch", "2023-06").code()).isZero();
    InProcess.Run report = run("maintain");
    assertThat(report.code()).as(report.err()).isZero();
    assertThat(report.out()).contains("reg.people").contains("runs").contains("report only");
    InProcess.Run optimized = run("maintain", "--optimize", "--vacuum", "--table", "reg.people");
    assertThat(optimized.code()).as(optimized.err()).isZero();
    // The two files of batch 2023-06 become one; none is old enough to be vacuumed.
    assertThat(optimized.out()).contains("reg.people").contains("(2 compacted, 0 removed)");
    InProcess.Run unsafe = run("maintain", "--vacuum", "--retain-hours", "1");
    assertThat(unsafe.code()).isEqualTo(ExitCode.USAGE);
    assertThat(unsafe.err()).contains("below Delta's minimum of 168 hours");
    assertThat(run("maintain", "--table", "nope").err()).contains("no such table");
    assertThat(spark.read().format("delta").load(table()).count()).isEqualTo(11);
  }

  @Test
  void aSecondRunOfOneBatchExitsFourWhileTheFirstHoldsItsLock(SparkSession spark) throws Exception {
    configure();
    land("2023-01", "1;" + NIR_A + ";Martin;1985-05-12;A");
    WarehousePaths paths =
        new WarehousePaths(
            dir.resolve("landing").toUri().toString(),
            dir.resolve("wh").toUri().toString(),
            dir.resolve("ex").toUri().toString());
    String lock = paths.lock("ingest-reg-2023-01");
    try (RunLock held =
        RunLock.acquire(
            spark.sparkContext().hadoopConfiguration(),
            lock,
            "other-run",
            "test",
            RunLock.DEFAULT_LEASE)) {
      InProcess.Run second = run("ingest", "--source", "reg", "--batch", "2023-01");
      assertThat(second.code()).isEqualTo(ExitCode.WRITE_CONFLICT);
      assertThat(second.err()).contains("run other-run").contains("is doing it now");
      assertThat(states(run("status", "--json"))).containsEntry("2023-01", "failed");
    }
    assertThat(Files.exists(dir.resolve("wh/_locks/ingest-reg-2023-01.lock"))).isFalse();

    // A lock left by a killed process is stale: the next run takes it over.
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Files.writeString(
        dir.resolve("wh/_locks/ingest-reg-2023-01.lock"),
        "run=killed-run\nhost="
            + java.net.InetAddress.getLocalHost().getHostName()
            + "\npid="
            + gone.pid()
            + "\nstarted=2026-01-01T00:00:00Z\n");
    InProcess.Run after = run("ingest", "--source", "reg", "--batch", "2023-01");
    assertThat(after.code()).as(after.err()).isZero();
    assertThat(Files.exists(dir.resolve("wh/_locks/ingest-reg-2023-01.lock"))).isFalse();

    // Two ingests of one batch started together: one ingests it; the other either finds the lock
    // (exit 4) or, if it came after, ingests the same files again, replacing them. Either way
    // the batch is in the table once.
    land("2023-02", "2;" + NIR_B + ";Durand;1990-12-01;B", "3;;Petit;1970-01-01;A");
    java.util.concurrent.CompletableFuture<InProcess.Run> first =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> run("ingest", "--source", "reg", "--batch", "2023-02"));
    InProcess.Run second = run("ingest", "--source", "reg", "--batch", "2023-02");
    InProcess.Run firstDone = first.get(3, java.util.concurrent.TimeUnit.MINUTES);
    assertThat(List.of(firstDone.code(), second.code()))
        .as(firstDone.err() + second.err())
        .allMatch(c -> c == ExitCode.OK || c == ExitCode.WRITE_CONFLICT)
        .contains(ExitCode.OK);
    assertThat(
            spark
                .read()
                .format("delta")
                .load(dir.resolve("wh/sources/reg/people").toString())
                .where("batch = '2023-02'")
                .count())
        .isEqualTo(2);
    System.out.printf(
        "[concurrency] two ingests of one batch: exit codes %d and %d%n",
        firstDone.code(), second.code());

    // The heartbeat keeps a lock alive past its lease: after 3 leases of 600 ms it is still live
    // and a second run is still refused.
    Duration lease = Duration.ofMillis(600);
    var hadoop = spark.sparkContext().hadoopConfiguration();
    try (RunLock held = RunLock.acquire(hadoop, lock, "a", "test", lease)) {
      Thread.sleep(1800);
      assertThat(RunLock.isLive(hadoop, lock, lease)).isTrue();
      assertThatThrownBy(() -> RunLock.acquire(hadoop, lock, "b", "test", lease))
          .isInstanceOfSatisfying(
              CommandException.class,
              e -> assertThat(e.exitCode()).isEqualTo(ExitCode.WRITE_CONFLICT))
          .hasMessageContaining("run a ");
    }
    assertThat(RunLock.holder(hadoop, lock)).isEmpty();
  }

  @Test
  void rekeyChainsEveryPseudonymAndLaterIngestsAndLinksMatchIt(SparkSession spark)
      throws Exception {
    configure();
    land(
        "2023-01",
        "1;" + NIR_A + ";Martin;1985-05-12;A",
        "2;" + NIR_B + ";Durand;1990-12-01;B",
        "3;" + NIR_B + ";Durand;1990-12-01;Z");
    assertThat(run("ingest", "--source", "reg", "--batch", "2023-01").code()).isZero();
    assertThat(run("link").code()).isZero();
    Map<String, String> before = nirPseudonyms(spark);
    Map<String, String> personsBefore = persons(spark);
    String payloadBefore = quarantinePayload(spark);
    assertThat(payloadBefore).contains(before.get("2"));

    InProcess.Run rotated = run("keys", "rotate");
    assertThat(rotated.code()).as(rotated.err()).isZero();
    assertThat(rotated.out()).contains("Added key link-v2").contains("trame rekey");
    // Until the rekey, ingest stays under link-v1: the new batch matches the old pseudonyms.
    land("2023-02", "4;" + NIR_A + ";Martin;1985-05-12;A");
    assertThat(run("ingest", "--source", "reg", "--batch", "2023-02").code()).isZero();
    assertThat(nirPseudonyms(spark).get("4")).isEqualTo(before.get("1"));

    // A link killed after rewriting the person index: rekey refuses until a link finishes (here,
    // the index rewritten by another writer stands in for that link).
    String index = dir.resolve("wh/linkage/person_index").toString();
    new org.trame.jobs.ledger.RunLedger(spark, dir.resolve("wh").toUri().toString())
        .append(
            org.trame.jobs.ledger.RunEntry.start(
                "killed-link", "link", "", null, null, "link-v1", "test"));
    spark
        .read()
        .format("delta")
        .load(index)
        .write()
        .format("delta")
        .mode("overwrite")
        .option("userMetadata", org.trame.jobs.link.LinkageVersions.tag("killed-link"))
        .save(index);
    InProcess.Run refused = run("rekey");
    assertThat(refused.code()).isEqualTo(ExitCode.USAGE);
    assertThat(refused.err()).contains("the last link run did not finish");
    spark.read().format("delta").load(index).write().format("delta").mode("overwrite").save(index);

    InProcess.Run rekey = run("rekey");
    assertThat(rekey.code()).as(rekey.err()).isZero();
    assertThat(rekey.out()).contains("now under link-v1>link-v2");
    Pseudonymizer v2 = key(2);
    Map<String, String> after = nirPseudonyms(spark);
    assertThat(after.get("1"))
        .isEqualTo(v2.rechained(before.get("1")))
        .isNotEqualTo(before.get("1"));
    assertThat(after.get("4")).isEqualTo(after.get("1"));
    assertThat(quarantinePayload(spark))
        .contains(v2.rechained(before.get("2")))
        .doesNotContain(before.get("2"));
    assertThat(
            spark.read().format("delta").load(table()).select("_key_id").distinct().collectAsList())
        .extracting(r -> r.getString(0))
        .containsExactly("link-v1>link-v2");
    Map<String, String> personsAfter = persons(spark);
    assertThat(personsAfter).hasSameSizeAs(personsBefore);
    personsBefore.forEach(
        (record, person) ->
            assertThat(personsAfter.get(v2.rechained(record))).isEqualTo(v2.rechained(person)));

    // After the rekey, an ingest computes the chained pseudonyms from the clear identifiers: a
    // new batch matches, and the first batch ingested again gives back exactly the rekeyed
    // values, record keys included, which is what the next link run matches person ids on.
    Map<String, String> rekeyedRows = rows(spark);
    land("2023-03", "5;" + NIR_A + ";Martin;1985-05-12;A");
    assertThat(run("ingest", "--source", "reg", "--batch", "2023-03").code()).isZero();
    assertThat(nirPseudonyms(spark).get("5")).isEqualTo(after.get("1"));
    assertThat(run("ingest", "--source", "reg", "--batch", "2023-01").code()).isZero();
    Map<String, String> reingested = rows(spark);
    rekeyedRows.forEach((id, row) -> assertThat(reingested.get(id)).isEqualTo(row));
    assertThat(run("rekey").out()).contains("Nothing to rekey");

    // An interrupted rekey blocks writers until a rerun finishes it; done tables are skipped.
    assertThat(run("keys", "rotate").code()).isZero();
    WarehousePaths paths =
        new WarehousePaths(
            dir.resolve("landing").toString(),
            dir.resolve("wh").toString(),
            dir.resolve("ex").toString());
    List<SourceConfig> sources = SourceConfig.loadAll(dir.resolve("conf"));
    RekeyJob.Request request =
        new RekeyJob.Request(paths, sources, "link-v1>link-v2", key(3), "crashed-run");
    RekeyMarker.write(
        spark, paths, new RekeyMarker.State("crashed-run", "link-v1>link-v2", request.toChain()));
    InProcess.Run blocked = run("ingest", "--source", "reg", "--batch", "2023-03");
    assertThat(blocked.code()).isEqualTo(ExitCode.WRITE_CONFLICT);
    assertThat(blocked.err()).contains("has not finished").contains("trame rekey");
    assertThat(run("status").out()).contains("UNFINISHED REKEY");
    // With Delta's statistics off its commits record no row count: the rows are counted instead.
    spark.conf().set("spark.databricks.delta.stats.collect", "false");
    InProcess.Run finished;
    List<RekeyJob.TableResult> again;
    try {
      finished = run("rekey");
      assertThat(finished.code()).as(finished.err()).isZero();
      again = RekeyJob.run(spark, request, line -> {});
    } finally {
      spark.conf().unset("spark.databricks.delta.stats.collect");
    }
    assertThat(finished.out()).contains("link-v1>link-v2>link-v3");
    long peopleRows = spark.read().format("delta").load(table()).count();
    assertThat(finished.err()).contains("reg.people: " + peopleRows + " rows rekeyed");
    assertThat(RekeyMarker.read(spark, paths)).isEmpty();
    assertThat(again)
        .isNotEmpty()
        .allSatisfy(t -> assertThat(t.rewrittenNow()).as(t.table()).isFalse());
    assertThat(again)
        .filteredOn(t -> t.table().equals("reg.people"))
        .singleElement()
        .satisfies(t -> assertThat(t.rows()).isEqualTo(peopleRows));
    assertThat(nirPseudonyms(spark).get("1")).isEqualTo(key(3).rechained(after.get("1")));
  }

  private Pseudonymizer key(int version) {
    KeyStoreProvider store = KeyStoreProvider.open(dir.resolve("k.p12"), PASSWORD.toCharArray());
    return new Pseudonymizer("link-v" + version, store.get(new KeyId(KeyId.LINK, version)).bytes());
  }

  private Map<String, String> nirPseudonyms(SparkSession spark) {
    Map<String, String> out = new TreeMap<>();
    for (Row r : spark.read().format("delta").load(table()).collectAsList()) {
      out.put(String.valueOf(r.<Object>getAs("ID")), r.getAs("NIR_ANO"));
    }
    return out;
  }

  /** Each row's pseudonymized columns, by ID. */
  private Map<String, String> rows(SparkSession spark) {
    Map<String, String> out = new TreeMap<>();
    for (Row r :
        spark
            .read()
            .format("delta")
            .load(table())
            .select("ID", "NOM", "NOM_phon", "NAISSANCE", "NAISSANCE_dm", "NIR_ANO", "_record_key")
            .collectAsList()) {
      out.put(String.valueOf(r.get(0)), r.toString());
    }
    return out;
  }

  private Map<String, String> persons(SparkSession spark) {
    Map<String, String> out = new TreeMap<>();
    for (Row r :
        spark
            .read()
            .format("delta")
            .load(dir.resolve("wh/linkage/person_index").toString())
            .collectAsList()) {
      out.put(r.getAs("record_key"), r.getAs("person_id"));
    }
    assertThat(new TreeSet<>(out.values())).isNotEmpty();
    return out;
  }

  private String quarantinePayload(SparkSession spark) {
    List<String> out = new ArrayList<>();
    for (Row r :
        spark
            .read()
            .format("delta")
            .load(dir.resolve("wh/quarantine/reg/people").toString())
            .collectAsList()) {
      out.add(r.getAs("payload"));
    }
    return String.join("\n", out);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> states(InProcess.Run status) {
    assertThat(status.code()).as(status.err()).isZero();
    Map<String, Object> json =
        org.trame.config.ConfigLoader.parse(status.out(), "status.json", Map.class);
    Map<String, String> out = new TreeMap<>();
    for (Object s : (List<Object>) json.get("sources")) {
      for (Object b : (List<Object>) ((Map<String, Object>) s).get("batches")) {
        Map<String, Object> batch = (Map<String, Object>) b;
        out.put((String) batch.get("batch"), (String) batch.get("state"));
      }
    }
    return out;
  }
}
