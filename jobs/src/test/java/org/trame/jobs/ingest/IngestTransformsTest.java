package org.trame.jobs.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.trame.config.ConfigLoader;
import org.trame.config.TableConfig;
import org.trame.jobs.spark.SparkExtension;
import org.trame.pseudo.Pseudonymizer;

/** The pure steps of ingest on rows built in memory: no files, no Delta. */
@ExtendWith(SparkExtension.class)
class IngestTransformsTest {
  private static final Pseudonymizer P =
      new Pseudonymizer("link-v1", "0123456789abcdef0123456789abcdef".getBytes());

  private static final TableConfig TABLE =
      ConfigLoader.parse(
          """
          name: visits
          files: v.csv
          key: [VISIT]
          columns:
            - { name: VISIT, required: true }
            - { name: DAY, type: date, fate: generalize, generalize: month }
            - { name: CP, role: postcode, fate: generalize, generalize: departement }
          """,
          "visits.yaml",
          TableConfig.class);

  private static Dataset<Row> raw(SparkSession spark, Object[]... rows) {
    return landed(spark, List.of("VISIT", "DAY", "CP"), rows);
  }

  /** Rows as the landing reader yields them: file, line, parse error, then the text columns. */
  private static Dataset<Row> landed(SparkSession spark, List<String> columns, Object[]... rows) {
    StructType schema =
        new StructType()
            .add(IngestTransforms.SOURCE_FILE, DataTypes.StringType)
            .add(IngestTransforms.LINE, DataTypes.LongType)
            .add(IngestTransforms.PARSE_ERROR, DataTypes.StringType);
    for (String c : columns) {
      schema = schema.add(c, DataTypes.StringType);
    }
    return spark.createDataFrame(List.of(rows).stream().map(RowFactory::create).toList(), schema);
  }

  /** Typed, validated, keyed and pseudonymized as ingest does before the duplicate search. */
  private static Dataset<Row> checked(Dataset<Row> raw) {
    return IngestTransforms.pseudonymize(
        IngestTransforms.withRowKey(IngestTransforms.typeAndValidate(raw, TABLE), "test", TABLE, P),
        TABLE,
        P);
  }

  @Test
  void duplicatesOfAnEarlierLineAreQuarantinedAndGeneralizedColumnsCoarsened(SparkSession spark) {
    Dataset<Row> rows =
        raw(
            spark,
            new Object[] {"v.csv", 2L, null, "A", "2023-05-17", "75011"},
            new Object[] {"v.csv", 3L, null, "B", "2023-06-01", "20200"},
            new Object[] {"v.csv", 4L, null, "A", "2023-05-17", "75011"},
            new Object[] {"v.csv", 5L, "line 5: 2 fields, the header has 3", null, null, null},
            new Object[] {"v.csv", 6L, "line 6: 2 fields, the header has 3", null, null, null});
    Dataset<Row> out = IngestTransforms.flagDuplicates(checked(rows), List.of("v.csv"));
    List<Row> accepted = IngestTransforms.accepted(out).orderBy("VISIT").collectAsList();
    assertThat(accepted).hasSize(2);
    assertThat(accepted.get(0).<String>getAs("DAY")).isEqualTo("2023-05");
    assertThat(accepted.get(0).<String>getAs("CP")).isEqualTo("75");
    assertThat(accepted.get(1).<String>getAs("CP")).isEqualTo("2B");
    List<Row> rejected = IngestTransforms.quarantined(out, TABLE).orderBy("line").collectAsList();
    assertThat(rejected).extracting(r -> r.<Long>getAs("line")).containsExactly(4L, 5L, 6L);
    assertThat(rejected.get(0).getList(rejected.get(0).fieldIndex("reasons")))
        .containsExactly("duplicate of v.csv line 2");
    assertThat(rejected.get(0).getList(rejected.get(0).fieldIndex("reason_codes")))
        .containsExactly("duplicate");
    assertThat(rejected.get(2).getList(rejected.get(2).fieldIndex("reasons")))
        .containsExactly("line 6: 2 fields, the header has 3");
  }

  @Test
  void repeatedKeysCountTheCleanRowsThatBecomeDuplicates(SparkSession spark) {
    // A: its first line has a bad date, so both later (clean) lines are duplicates of it.
    // B: its second line is a duplicate. C: seen once. D: its first line is clean, its second not.
    Dataset<Row> rows =
        raw(
            spark,
            new Object[] {"v.csv", 2L, null, "A", "2023-02-30", "75011"},
            new Object[] {"v.csv", 3L, null, "B", "2023-06-01", "75011"},
            new Object[] {"v.csv", 4L, null, "A", "2023-05-17", "75011"},
            new Object[] {"v.csv", 5L, null, "C", "2023-05-17", "75011"},
            new Object[] {"w.csv", 2L, null, "A", "2023-05-18", "75011"},
            new Object[] {"w.csv", 3L, null, "B", "2023-06-01", "75011"},
            new Object[] {"w.csv", 4L, null, "D", "2023-06-01", "75011"},
            new Object[] {"w.csv", 5L, null, "D", "2023-13-01", "75011"});
    Dataset<Row> checked = checked(rows);
    long clean = checked.where(size(col(IngestTransforms.REASONS)).equalTo(0)).count();
    Dataset<Row> repeated = IngestTransforms.repeatedKeys(checked, List.of("w.csv", "v.csv"));
    long cleanDuplicates = repeated.agg(sum(IngestTransforms.CLEAN_DUPLICATES)).first().getLong(0);
    long accepted =
        IngestTransforms.accepted(IngestTransforms.flagDuplicates(checked, repeated)).count();
    assertThat(clean).isEqualTo(6);
    assertThat(cleanDuplicates).isEqualTo(3);
    assertThat(accepted).isEqualTo(clean - cleanDuplicates).isEqualTo(3);
    assertThat(repeated.count()).isEqualTo(3);
    // As ingest finds them: collected to the driver, or over the bound (two here) cached.
    List<Row> expected =
        IngestTransforms.flagDuplicates(checked, repeated)
            .orderBy("_source_file", "_line")
            .collectAsList();
    for (int onDriver : new int[] {IngestJob.REPEATED_KEYS_ON_DRIVER, 2}) {
      IngestJob.Repeated found =
          IngestJob.repeated(spark, checked, List.of("v.csv", "w.csv"), onDriver);
      assertThat(found.keys().storageLevel())
          .as("bound %d: cached on the executors only over the bound", onDriver)
          .isEqualTo(
              onDriver == 2
                  ? org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK()
                  : org.apache.spark.storage.StorageLevel.NONE());
      assertThat(found.cleanDuplicates()).as("bound %d", onDriver).isEqualTo(3);
      assertThat(found.keys().count()).isEqualTo(3);
      assertThat(
              IngestTransforms.flagDuplicates(checked, found.keys())
                  .orderBy("_source_file", "_line")
                  .collectAsList())
          .as("bound %d", onDriver)
          .isEqualTo(expected);
      found.keys().unpersist();
    }
  }

  @Test
  void aKeptIdentifierThatFailsItsCheckIsLeftOutOfTheQuarantinePayload(SparkSession spark) {
    TableConfig patients =
        ConfigLoader.parse(
            """
            name: patients
            files: p.csv
            columns:
              - { name: IPP, required: true }
              - { name: SEXE, role: sex, fate: keep, codes: [M, F] }
              - { name: POIDS, type: integer }
            """,
            "patients.yaml",
            TableConfig.class);
    Dataset<Row> raw =
        landed(
            spark,
            List.of("IPP", "SEXE", "POIDS"),
            new Object[] {"p.csv", 2L, null, "1", "THOMAS-SYLVIE", "70"},
            new Object[] {"p.csv", 3L, null, "2", "F", "heavy"});
    Dataset<Row> checked =
        IngestTransforms.pseudonymize(
            IngestTransforms.typeAndValidate(raw, patients)
                .withColumn(
                    IngestTransforms.ROW_KEY,
                    org.apache.spark.sql.functions.lit(null).cast("string")),
            patients,
            P);
    List<Row> rejected =
        IngestTransforms.quarantined(checked, patients).orderBy("line").collectAsList();
    assertThat(rejected).hasSize(2);
    String nameInSex = rejected.get(0).getAs("payload");
    assertThat(rejected.get(0).getList(rejected.get(0).fieldIndex("reasons")))
        .containsExactly("SEXE: unknown code (identifier value not shown)");
    assertThat(nameInSex).doesNotContain("THOMAS").doesNotContain("SEXE").contains("\"POIDS\":70");
    // A row rejected for another column keeps its valid sex code, as an accepted row would.
    String badWeight = rejected.get(1).getAs("payload");
    assertThat(badWeight).contains("\"SEXE\":\"F\"");
  }

  /**
   * The tests run Spark interpreted, as Trame does on small inputs; on large ones Spark compiles
   * (CodeGeneration). Both give the same accepted and quarantined rows.
   */
  @Test
  void compiledAndInterpretedQueriesGiveTheSameRows(SparkSession spark) {
    // Sessions of their own, leaving the shared one as it is. Rows built in memory would be
    // worked on by the optimizer itself (interpreted), so that rule is off in both.
    SparkSession interpreted = spark.newSession();
    SparkSession compiled = spark.newSession();
    for (SparkSession session : List.of(interpreted, compiled)) {
      session
          .conf()
          .set(
              "spark.sql.optimizer.excludedRules",
              "org.apache.spark.sql.catalyst.optimizer.ConvertToLocalRelation");
    }
    interpreted.conf().set("spark.sql.codegen.wholeStage", "false");
    interpreted.conf().set("spark.sql.codegen.factoryMode", "NO_CODEGEN");
    compiled.conf().set("spark.sql.codegen.wholeStage", "true");
    compiled.conf().set("spark.sql.codegen.factoryMode", "CODEGEN_ONLY");
    Object[][] rows = {
      {"v.csv", 2L, null, "A", "2023-05-17", "75011"},
      {"v.csv", 3L, null, "B", "2023-02-30", "2A004"},
      {"v.csv", 4L, null, "A", "2023-05-17", "75011"},
      {"v.csv", 5L, null, null, "17/05/2023", "7501"},
      {"v.csv", 6L, "line 6: 2 fields, the header has 3", null, null, null}
    };
    List<List<String>> results = new java.util.ArrayList<>();
    for (SparkSession session : List.of(interpreted, compiled)) {
      Dataset<Row> out =
          IngestTransforms.flagDuplicates(checked(raw(session, rows)), List.of("v.csv"));
      Dataset<Row> accepted = IngestTransforms.accepted(out).orderBy("VISIT");
      Dataset<Row> quarantined = IngestTransforms.quarantined(out, TABLE).orderBy("line");
      results.add(
          List.of(accepted.collectAsList().toString(), quarantined.collectAsList().toString()));
      // "*(n)" marks an operator compiled within whole-stage code generation.
      String plan = accepted.queryExecution().executedPlan().toString();
      if (session == compiled) {
        assertThat(plan).as("the plan run").containsPattern("\\*\\([0-9]+\\)");
      } else {
        assertThat(plan).as("the plan run").doesNotContainPattern("\\*\\([0-9]+\\)");
      }
    }
    assertThat(results.get(0).get(0)).contains("2023-05");
    assertThat(results.get(0).get(1)).contains("line 6");
    assertThat(results.get(1)).isEqualTo(results.get(0));
  }
}
