package org.trame.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.trame.config.ConfigLoader;
import org.trame.config.SourceConfig;
import org.trame.jobs.cli.CommandException;
import org.trame.jobs.spark.SparkExtension;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.pseudo.Pseudonymizer;

@ExtendWith(SparkExtension.class)
class IngestJobTest {
  private static final Pseudonymizer P =
      new Pseudonymizer("link-v1", "0123456789abcdef0123456789abcdef".getBytes());

  private static final String SOURCE =
      """
      name: hosp
      tables:
        - name: patients
          files: patients*.csv*
          max_quarantine_rate: 1.0
          columns:
            - { name: IPP, role: local_id, fate: pseudonymize }
            - { name: NIR, role: nir, fate: drop }
            - { name: NOM, role: last_name }
            - { name: NAISSANCE, type: date, format: dd/MM/yyyy, role: birth_date, fate: drop, required: true }
            - { name: SEXE, role: sex, fate: keep }
            - { name: POIDS, type: decimal }
            - { name: VISITES, type: integer }
          pseudonyms:
            - { name: NIR_PSEUDO, kind: nir, from: [NIR] }
      """;

  private static final List<String> LINES =
      List.of(
          "IPP;NIR;NOM;NAISSANCE;SEXE;POIDS;VISITES",
          "P0001;185057800604830;Hélène Dupont;12/05/1985;2;61,5;3",
          "P0002;185057800604831;MARTIN;01/02/1970;1;80;1",
          "P0003;;Durand;30/02/1990;1;70;2",
          "P0004;269029934173285;Petit;03/03/1969;2;abc;x",
          "P0005;1850578006048;Leroy;;1;;",
          "P0006;185052A00604871;Moreau;05/05/1985;1;72.25;4;extra");

  @TempDir Path dir;

  private IngestResult ingest(SparkSession spark, String batch) {
    SourceConfig source = ConfigLoader.parse(SOURCE, "hosp.yaml", SourceConfig.class);
    WarehousePaths paths = paths();
    return IngestJob.run(
        spark, new IngestJob.Request(paths, source, batch, P, "run-" + batch), line -> {});
  }

  private WarehousePaths paths() {
    return new WarehousePaths(
        dir.resolve("landing").toUri().toString(),
        dir.resolve("wh").toUri().toString(),
        dir.resolve("ex").toUri().toString());
  }

  private void land(String batch, List<String> lines) throws IOException {
    Path folder = dir.resolve("landing/hosp").resolve(batch);
    Files.createDirectories(folder);
    try (OutputStream out =
        new GZIPOutputStream(Files.newOutputStream(folder.resolve("patients.csv.gz")))) {
      out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void everyRowIsAcceptedOrQuarantinedAndIdentifiersArePseudonymized(SparkSession spark)
      throws IOException {
    land("2023-01", LINES);
    IngestResult result = ingest(spark, "2023-01");

    IngestResult.TableResult t = result.tables().get(0);
    assertThat(t.rowsRead()).isEqualTo(6);
    assertThat(t.rowsAccepted() + t.rowsQuarantined()).isEqualTo(t.rowsRead());
    assertThat(t.rowsQuarantined()).isEqualTo(4);

    List<Row> accepted =
        spark
            .read()
            .format("delta")
            .load(paths().sourceTable("hosp", "patients"))
            .orderBy("POIDS")
            .collectAsList();
    assertThat(accepted).hasSize(2);
    Row first = accepted.get(0);
    assertThat(first.<String>getAs("IPP")).isEqualTo(P.pseudonym("local_id", "P0001"));
    assertThat(first.<String>getAs("NOM")).isEqualTo(P.pseudonym("name", "HELENEDUPONT"));
    assertThat(first.<String>getAs("NIR_PSEUDO")).isEqualTo(P.pseudonym("nir", "1850578006048"));
    assertThat(first.<String>getAs("NIR_status")).isEqualTo("VALID");
    assertThat(first.getAs("POIDS").toString()).isEqualTo("61.5000");
    assertThat(first.<Long>getAs("VISITES")).isEqualTo(3L);
    assertThat(first.<String>getAs("batch")).isEqualTo("2023-01");
    assertThat(List.of(accepted.get(0).schema().fieldNames())).doesNotContain("NIR", "NAISSANCE");
    Row second = accepted.get(1);
    assertThat(second.<String>getAs("NIR_status")).isEqualTo("INVALID_KEY");
    assertThat(second.<String>getAs("NIR_PSEUDO")).isNull();

    List<Row> rejected =
        spark
            .read()
            .format("delta")
            .load(paths().quarantineTable("hosp", "patients"))
            .collectAsList();
    String reasons =
        rejected.stream()
            .map(r -> r.getList(r.fieldIndex("reasons")).toString())
            .sorted()
            .collect(Collectors.joining("\n"));
    assertThat(reasons)
        .contains("NAISSANCE: not a valid date (dd/MM/yyyy) (identifier value not shown)")
        .contains("NAISSANCE: required value missing")
        .contains("POIDS: cannot parse 'abc' as a decimal number")
        .contains("VISITES: cannot parse 'x' as an integer")
        .contains("line 7: 8 fields, the header has 7");
    assertThat(rejected)
        .allSatisfy(r -> assertThat(r.<String>getAs("file")).isEqualTo("patients.csv.gz"));
    assertNoClearIdentifier(spark);
    // Neither table keeps per-column statistics: the source table has no date column left (the
    // birth date is dropped), the quarantine table never keeps any.
    for (String table :
        List.of(
            paths().sourceTable("hosp", "patients"), paths().quarantineTable("hosp", "patients"))) {
      assertThat(properties(spark, table))
          .as(table)
          .containsEntry("delta.dataSkippingNumIndexedCols", "0");
    }
  }

  private static java.util.Map<String, String> properties(SparkSession spark, String table) {
    Row detail = io.delta.tables.DeltaTable.forPath(spark, table).detail().first();
    return detail.getJavaMap(detail.fieldIndex("properties"));
  }

  @Test
  void aNewSourceTableKeepsStatisticsOnItsDateColumnsOnly() {
    org.apache.spark.sql.types.StructType schema =
        new org.apache.spark.sql.types.StructType()
            .add("SOINS DEBUT", org.apache.spark.sql.types.DataTypes.DateType)
            .add("CODE", org.apache.spark.sql.types.DataTypes.StringType)
            .add("FIN", org.apache.spark.sql.types.DataTypes.DateType)
            .add("N", org.apache.spark.sql.types.DataTypes.LongType);
    assertThat(IngestJob.statisticsOn(schema))
        .containsExactly(
            java.util.Map.entry("delta.dataSkippingStatsColumns", "`SOINS DEBUT`,`FIN`"));
    assertThat(
            IngestJob.statisticsOn(
                new org.apache.spark.sql.types.StructType(
                    new org.apache.spark.sql.types.StructField[] {
                      schema.apply("CODE"), schema.apply("N")
                    })))
        .containsExactly(java.util.Map.entry("delta.dataSkippingNumIndexedCols", "0"));
  }

  @Test
  void eachCommitNamesItsRunAndItsRowsAreReconciledEvenWithoutDeltaStatistics(SparkSession spark)
      throws IOException {
    land("2023-01", LINES);
    land("2023-02", LINES);
    ingest(spark, "2023-01");
    // Without statistics Delta records no row count for a write: ingest counts the partition.
    spark.conf().set("spark.databricks.delta.stats.collect", "false");
    IngestResult second;
    try {
      second = ingest(spark, "2023-02");
    } finally {
      spark.conf().unset("spark.databricks.delta.stats.collect");
    }
    assertThat(second.tables().get(0).rowsAccepted()).isEqualTo(2);
    for (String table :
        List.of(
            paths().sourceTable("hosp", "patients"), paths().quarantineTable("hosp", "patients"))) {
      List<Row> history =
          io.delta.tables.DeltaTable.forPath(spark, table)
              .history()
              .orderBy("version")
              .select("version", "userMetadata")
              .collectAsList();
      assertThat(history)
          .extracting(r -> r.getString(1))
          .containsExactly("trame ingest run-2023-01", "trame ingest run-2023-02");
    }
    assertThat(second.tables().get(0).version()).isEqualTo(1);
  }

  @Test
  void aTableThatBreaksOffRejectsTheWholeBatchWhileTheOthersAreReadAlongside(SparkSession spark)
      throws IOException {
    SourceConfig twoTables =
        ConfigLoader.parse(
            """
            name: hosp
            tables:
              - name: patients
                files: patients*.csv*
                columns:
                  - { name: IPP, role: local_id, fate: pseudonymize }
              - name: stays
                files: stays*.csv*
                columns:
                  - { name: STAY }
            """,
            "hosp.yaml",
            SourceConfig.class);
    Path folder = dir.resolve("landing/hosp/2023-03");
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("patients.csv"), "IPP\nP1\nP2\n");
    java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(whole)) {
      StringBuilder b = new StringBuilder("STAY\n");
      for (int i = 1; i < 5000; i++) {
        b.append("S").append(i).append('\n');
      }
      out.write(b.toString().getBytes(StandardCharsets.UTF_8));
    }
    byte[] bytes = whole.toByteArray();
    Files.write(folder.resolve("stays.csv.gz"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
    List<String> progress = java.util.Collections.synchronizedList(new ArrayList<>());
    assertThatThrownBy(
            () ->
                IngestJob.run(
                    spark,
                    new IngestJob.Request(paths(), twoTables, "2023-03", P, "run-broken"),
                    progress::add))
        .isInstanceOf(CommandException.class)
        .hasMessageStartingWith("Cannot ingest table stays: stays.csv.gz cannot be read after line")
        .hasMessageEndingWith("nothing was committed");
    assertThat(progress).anyMatch(l -> l.startsWith("  patients: 2 rows read and checked"));
    assertThat(dir.resolve("wh/sources/hosp/patients")).doesNotExist();
    assertThat(dir.resolve("wh/_staging/run-broken")).doesNotExist();
  }

  @Test
  void rerunReplacesTheBatchAndOtherBatchesStay(SparkSession spark) throws Exception {
    land("2023-01", LINES);
    land("2023-02", LINES.subList(0, 3));
    ingest(spark, "2023-01");
    ingest(spark, "2023-02");
    // The rerun replaces the batch in tables that exist: from their checksums, without the Spark
    // jobs that rebuild a table's state (PartitionReplace), which replaceWhere would run.
    List<String> stateJobs = java.util.Collections.synchronizedList(new ArrayList<>());
    org.apache.spark.scheduler.SparkListener listener =
        new org.apache.spark.scheduler.SparkListener() {
          @Override
          public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart job) {
            String description = job.properties().getProperty("spark.job.description");
            if (description != null && description.contains("Compute snapshot")) {
              stateJobs.add(description);
            }
          }
        };
    spark.sparkContext().addSparkListener(listener);
    IngestResult again;
    try {
      again = ingest(spark, "2023-01");
      spark.sparkContext().listenerBus().waitUntilEmpty();
    } finally {
      spark.sparkContext().removeSparkListener(listener);
    }
    assertThat(stateJobs).isEmpty();
    assertThat(again.tables().get(0).version()).as("one Delta commit per ingest").isEqualTo(2);
    String table = paths().sourceTable("hosp", "patients");
    List<Row> counts =
        spark
            .read()
            .format("delta")
            .load(table)
            .groupBy("batch")
            .count()
            .orderBy("batch")
            .collectAsList();
    assertThat(counts.toString()).isEqualTo("[[2023-01,2], [2023-02,2]]");
    long quarantined =
        spark.read().format("delta").load(paths().quarantineTable("hosp", "patients")).count();
    assertThat(quarantined).isEqualTo(4);
  }

  @Test
  void headerMismatchNamesFileAndColumns(SparkSession spark) throws IOException {
    List<String> lines = new ArrayList<>(LINES);
    lines.set(0, "IPP;NIR;NOM;NAISSANCE;SEXE;POIDS;VISITS");
    land("2023-03", lines);
    assertThatThrownBy(() -> ingest(spark, "2023-03"))
        .isInstanceOf(CommandException.class)
        .hasMessageContaining("patients.csv.gz line 1: header does not match table patients")
        .hasMessageContaining("missing columns [VISITES]")
        .hasMessageContaining("undeclared columns: 'VISITS' at column 7");
  }

  @Test
  void missingBatchFolderIsNamed(SparkSession spark) {
    assertThatThrownBy(() -> ingest(spark, "2031-01"))
        .isInstanceOf(CommandException.class)
        .hasMessageContaining("batch folder")
        .hasMessageContaining("2031-01 does not exist");
  }

  private void assertNoClearIdentifier(SparkSession spark) {
    for (String table :
        List.of(
            paths().sourceTable("hosp", "patients"), paths().quarantineTable("hosp", "patients"))) {
      String all = spark.read().format("delta").load(table).toJSON().collectAsList().toString();
      for (String clear :
          List.of(
              "185057800604830",
              "1850578006048",
              "P0001",
              "Dupont",
              "DUPONT",
              "HELENE",
              "Hélène",
              "12/05/1985",
              "1985-05-12",
              "Moreau")) {
        assertThat(all).as("table %s", table).doesNotContain(clear);
      }
    }
  }
}
