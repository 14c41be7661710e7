package org.trame.jobs.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.YearMonth;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.trame.config.SourceConfig;
import org.trame.jobs.ingest.IngestJob;
import org.trame.jobs.ingest.IngestResult;
import org.trame.jobs.spark.SparkExtension;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.pseudo.Pseudonymizer;

/** The source configs in conf/ read what the generator writes, every line accounted for. */
@ExtendWith(SparkExtension.class)
class GeneratedDataIngestTest {
  private static final Pseudonymizer P =
      new Pseudonymizer("link-v1", "0123456789abcdef0123456789abcdef".getBytes());

  @TempDir Path dir;

  @Test
  void everySourceIngestsWithEveryLineAccountedFor(SparkSession spark) throws Exception {
    GenerateJob.run(
        spark,
        new GenerateJob.Request(
            dir.toUri().toString(), 600, 1, YearMonth.of(2023, 5), 3, 0.03, false),
        l -> {});
    WarehousePaths paths =
        new WarehousePaths(
            dir.resolve("landing").toUri().toString(),
            dir.resolve("wh").toUri().toString(),
            dir.resolve("ex").toUri().toString());
    for (String source : LandingTable.sources()) {
      SourceConfig config = SourceConfig.load(Path.of("..", "conf"), source);
      IngestResult result =
          IngestJob.run(spark, new IngestJob.Request(paths, config, "2023-05", P, "t"), l -> {});
      for (IngestResult.TableResult t : result.tables()) {
        LandingTable table =
            List.of(LandingTable.values()).stream()
                .filter(x -> x.table.equals(t.table()))
                .findFirst()
                .orElseThrow();
        long lines =
            GenerateJobTest.lines(
                        dir.resolve(PartWriter.landingFile(table, "2023-05")), table.charset())
                    .size()
                - 1;
        assertThat(t.rowsRead()).as(t.table()).isEqualTo(lines);
        assertThat(t.rowsAccepted() + t.rowsQuarantined()).isEqualTo(t.rowsRead());
      }
    }
    // Latin-1 names survive: every first name in the table is the pseudonym of a landing name
    // read as Latin-1 (read as UTF-8, "Hélène" would hash as "HLNE").
    List<String> landing =
        GenerateJobTest.lines(
            dir.resolve(PartWriter.landingFile(LandingTable.PATIENTS, "2023-05")),
            LandingTable.PATIENTS.charset());
    java.util.Set<String> expected = new java.util.HashSet<>();
    boolean accented = false;
    for (String line : landing.subList(1, landing.size())) {
      String[] f = line.split(";", -1);
      if (f.length > 3) {
        expected.add(P.pseudonym("name", org.trame.pseudo.Names.normalize(f[3])));
        accented |= !f[3].matches("[A-Za-z -]*");
      }
    }
    assertThat(accented).as("some landing first name has an accent").isTrue();
    List<String> names =
        spark
            .read()
            .format("delta")
            .load(paths.sourceTable("hospital_eds", "patients"))
            .select("PRENOM")
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList();
    assertThat(names).isNotEmpty();
    assertThat(expected).containsAll(names);
    // Birth dates get their fuzzy forms: year in clear, and the day/month-swapped pseudonym.
    org.apache.spark.sql.Row patient =
        spark
            .read()
            .format("delta")
            .load(paths.sourceTable("hospital_eds", "patients"))
            .where("DATE_NAISSANCE_dm IS NOT NULL")
            .first();
    assertThat(patient.<Integer>getAs("DATE_NAISSANCE_year")).isBetween(1900, 2023);
    assertThat(patient.<String>getAs("DATE_NAISSANCE_dm"))
        .matches("[a-z2-7]{26}")
        .isNotEqualTo(patient.getAs("DATE_NAISSANCE"));
    // The claims' and stays' pseudonyms of one scheme link: some NIR_ANO_17 equal some BEN_NIR_PSA.
    long linked =
        spark
            .read()
            .format("delta")
            .load(paths.sourceTable("pmsi_mco", "T_MCOaaC"))
            .select("NIR_ANO_17")
            .join(
                spark
                    .read()
                    .format("delta")
                    .load(paths.sourceTable("dcir", "IR_BEN_R"))
                    .select("BEN_NIR_PSA"),
                org.apache
                    .spark
                    .sql
                    .functions
                    .col("NIR_ANO_17")
                    .equalTo(org.apache.spark.sql.functions.col("BEN_NIR_PSA")))
            .count();
    assertThat(linked).isGreaterThan(0);
    // The claims table keeps Delta statistics for its date columns only (data skipping by
    // period), as its files' entries in the Delta log show.
    String claims = paths.sourceTable("dcir", "ER_PRS_F");
    Row detail = io.delta.tables.DeltaTable.forPath(spark, claims).detail().first();
    assertThat(
            detail
                .<String, String>getJavaMap(detail.fieldIndex("properties"))
                .get("delta.dataSkippingStatsColumns"))
        .contains("`EXE_SOI_DTD`")
        .doesNotContain("PRS_NAT_REF");
    List<String> stats =
        spark
            .read()
            .json(claims + "/_delta_log/*.json")
            .where("add IS NOT NULL")
            .select("add.stats")
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList();
    assertThat(stats)
        .isNotEmpty()
        .allSatisfy(s -> assertThat(s).contains("\"EXE_SOI_DTD\"").doesNotContain("PRS_NAT_REF"));
  }
}
