package org.trame.jobs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.trame.jobs.spark.SparkExtension;

@ExtendWith(SparkExtension.class)
class ReadOnlyQueryTest {
  private static final Set<String> TABLES =
      Set.of("dcir.er_prs_f", "dcir_quarantine.er_prs_f", "linkage.person_index", "runs");

  @Test
  void queriesOverNamedTablesMayRunAndSayWhatTheyRead(SparkSession spark) {
    ReadOnlyQuery.Verdict v =
        ReadOnlyQuery.check(
            spark,
            "WITH q AS (SELECT batch, explode(reasons) AS reason FROM dcir_quarantine.ER_PRS_F)"
                + " SELECT r.command, count(*) FROM runs r JOIN q ON r.batch = q.batch"
                + " WHERE r.run_id IN (SELECT link_run_id FROM linkage.person_index)"
                + " GROUP BY 1",
            TABLES);
    assertThat(v.problems()).isEmpty();
    assertThat(v.tables())
        .containsExactly("dcir_quarantine.er_prs_f", "linkage.person_index", "runs");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "INSERT INTO runs SELECT * FROM runs | only queries",
        "INSERT OVERWRITE TABLE dcir.ER_PRS_F SELECT * FROM dcir.ER_PRS_F | only queries",
        "DELETE FROM runs WHERE true | only queries",
        "UPDATE runs SET status = 'x' | only queries",
        "MERGE INTO runs t USING runs s ON t.run_id = s.run_id WHEN MATCHED THEN DELETE"
            + " | only queries",
        "CREATE TABLE x AS SELECT * FROM runs | only queries",
        "DROP TABLE runs | only queries",
        "SET spark.sql.runSQLOnFiles=true | only queries",
        "CACHE TABLE runs | only queries",
        "SELECT * FROM delta.`/tmp/warehouse/runs` | no table delta./tmp/warehouse/runs",
        "SELECT * FROM csv.`/landing/dcir/2023-01/ER_PRS_F.csv.gz` | no table csv.",
        "SELECT * FROM runs WHERE run_id IN (SELECT value FROM text.`/etc/passwd`)"
            + " | no table text./etc/passwd",
        "SELECT * FROM spark_catalog.dcir.ER_PRS_F | no table spark_catalog.dcir.ER_PRS_F",
        "SELECT * FROM range(10) | table-valued functions are not allowed",
        "SELECT reflect('java.lang.System', 'getenv', 'HOME') | function reflect",
        "SELECT * FROM runs WHERE java_method('java.lang.System', 'exit', 1) > 0"
            + " | function java_method",
        "SELEKT * FROM runs | not valid SQL",
      })
  void anythingElseIsRefusedBeforeItRuns(String sql, String reason, SparkSession spark) {
    assertThat(ReadOnlyQuery.check(spark, sql, TABLES).problems())
        .anySatisfy(p -> assertThat(p).contains(reason));
  }
}
