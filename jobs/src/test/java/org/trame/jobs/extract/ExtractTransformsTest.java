package org.trame.jobs.extract;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Date;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.trame.jobs.spark.SparkExtension;
import org.trame.project.ProjectSpec.ColumnRef;
import org.trame.project.ProjectSpec.ColumnRequest;
import org.trame.project.ProjectSpec.Generalization;
import org.trame.project.ProjectSpec.Period;
import org.trame.project.ProjectSpec.TableRef;
import org.trame.pseudo.Pseudonymizer;

/** Minimization, generalization, project pseudonyms and the k-anonymity check, without I/O. */
@ExtendWith(SparkExtension.class)
class ExtractTransformsTest {
  private static final TableRef TABLE = new TableRef("src", "T");
  private static final Pseudonymizer PROJECT_A = new Pseudonymizer("project-v1", bytes(1));
  private static final Pseudonymizer PROJECT_B = new Pseudonymizer("project-v1", bytes(2));

  @Test
  void onlyTheRequestedColumnsLeaveEachAsGranted(SparkSession spark) {
    Dataset<Row> rows = rows(spark);
    List<ColumnRequest> asked =
        List.of(
            new ColumnRequest("CARE", Generalization.MONTH, null, null, null),
            new ColumnRequest("BIRTH", Generalization.BAND, 10, null, null),
            new ColumnRequest("POSTCODE", Generalization.DEPARTEMENT, null, null, null),
            new ColumnRequest("STAY", null, null, true, null),
            ColumnRequest.named("CODE"));
    Dataset<Row> out = ExtractColumns.select(rows, TABLE, asked, true, PROJECT_A);
    assertThat(out.columns())
        .containsExactly("subject_id", "CARE", "BIRTH", "POSTCODE", "STAY", "CODE", "person_id");
    Row first = out.where(col("person_id").equalTo("p1")).orderBy("CODE").first();
    assertThat(first.getString(1)).isEqualTo("2023-05");
    assertThat(first.getString(2)).isEqualTo("1970-1979");
    assertThat(first.getString(3)).isEqualTo("2A");
    assertThat(first.getString(4)).hasSize(26).isNotEqualTo("S1");
    assertThat(first.getString(0)).hasSize(26).isNotEqualTo("p1");
    assertThat(
            ExtractColumns.select(rows, TABLE, asked, true, PROJECT_A)
                .drop("person_id")
                .collectAsList())
        .as("deterministic")
        .containsExactlyInAnyOrderElementsOf(out.drop("person_id").collectAsList());
  }

  @Test
  void twoProjectsShareNoSubjectIdAndNoPseudonymizedValue(SparkSession spark) {
    List<ColumnRequest> asked = List.of(new ColumnRequest("STAY", null, null, true, null));
    List<Row> a = ExtractColumns.select(rows(spark), TABLE, asked, true, PROJECT_A).collectAsList();
    List<Row> b = ExtractColumns.select(rows(spark), TABLE, asked, true, PROJECT_B).collectAsList();
    Map<String, String> subjectA = new HashMap<>();
    Map<String, String> subjectB = new HashMap<>();
    for (Row r : a) {
      subjectA.put(r.getString(2), r.getString(0));
    }
    for (Row r : b) {
      subjectB.put(r.getString(2), r.getString(0));
    }
    assertThat(subjectA.keySet()).isEqualTo(subjectB.keySet()).hasSize(3);
    for (String person : subjectA.keySet()) {
      assertThat(subjectA.get(person)).isNotEqualTo(subjectB.get(person));
    }
    assertThat(a.stream().map(r -> r.getString(1)).toList())
        .doesNotContainAnyElementsOf(b.stream().map(r -> r.getString(1)).toList());
    // Within one project, the same person has one subject id in every row.
    assertThat(
            a.stream().filter(r -> r.getString(2).equals("p1")).map(r -> r.getString(0)).distinct())
        .hasSize(1);
  }

  /**
   * A subject id is recomputed from a person id only with the project key, which comes from the
   * keystore's extract master key: not from a plain hash, not with the master key itself, not with
   * the warehouse's link key; a rotated master key changes every subject id.
   */
  @Test
  void subjectIdsNeedTheProjectKeyAndChangeWithTheMasterKey(SparkSession spark) throws Exception {
    org.trame.key.SecretKey master =
        new org.trame.key.SecretKey(org.trame.key.KeyId.parse("extract-v1"), bytes(7));
    org.trame.key.SecretKey rotated =
        new org.trame.key.SecretKey(org.trame.key.KeyId.parse("extract-v2"), bytes(8));
    Pseudonymizer project = fromKey(org.trame.key.ProjectKeys.derive(master, "p001"));
    Pseudonymizer afterRotation = fromKey(org.trame.key.ProjectKeys.derive(rotated, "p001"));
    List<ColumnRequest> asked = List.of(ColumnRequest.named("CODE"));
    Map<String, String> subjects = new HashMap<>();
    for (Row r : ExtractColumns.select(rows(spark), TABLE, asked, true, project).collectAsList()) {
      subjects.put(r.getString(2), r.getString(0));
    }
    Map<String, String> rotatedSubjects = new HashMap<>();
    for (Row r :
        ExtractColumns.select(rows(spark), TABLE, asked, true, afterRotation).collectAsList()) {
      rotatedSubjects.put(r.getString(2), r.getString(0));
    }
    assertThat(subjects).hasSize(3);
    java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
    Pseudonymizer masterItself = fromKey(master);
    Pseudonymizer linkKey = new Pseudonymizer("link-v1", bytes(7));
    for (Map.Entry<String, String> e : subjects.entrySet()) {
      String person = e.getKey();
      String subject = e.getValue();
      // With the project key, anyone recomputes it (this is what the key protects).
      assertThat(project.pseudonym("subject", "", person)).isEqualTo(subject);
      Set<String> guesses = new HashSet<>();
      for (byte[] digest :
          List.of(
              sha.digest(person.getBytes(StandardCharsets.UTF_8)),
              sha.digest(("subject" + person).getBytes(StandardCharsets.UTF_8)))) {
        guesses.add(java.util.HexFormat.of().formatHex(digest));
        guesses.add(Base64.getUrlEncoder().withoutPadding().encodeToString(digest));
      }
      guesses.add(masterItself.pseudonym("subject", "", person));
      guesses.add(linkKey.pseudonym("subject", "", person));
      guesses.add(linkKey.pseudonym("person", person));
      for (String guess : guesses) {
        assertThat(guess).doesNotContain(subject);
        assertThat(subject).isNotEqualTo(guess.substring(0, Math.min(guess.length(), 26)));
      }
      assertThat(rotatedSubjects.get(person)).as("the rotated key's").isNotEqualTo(subject);
    }
  }

  private static Pseudonymizer fromKey(org.trame.key.SecretKey key) {
    return new Pseudonymizer(key.id().toString(), key.bytes());
  }

  @Test
  void periodsCodesAndBandsCutWhereTheySay(SparkSession spark) {
    Period period = new Period("2023-01-01", "2023-06-30");
    Dataset<Row> rows = rows(spark);
    List<String> inPeriod =
        rows.where(Cohort.inPeriod(col("CARE"), period))
            .select("CODE")
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList();
    assertThat(inPeriod).containsExactlyInAnyOrder("E119", "A10BA02");
    List<String> diabetes =
        rows.where(Cohort.startsWithAny(col("CODE"), List.of("E11", "A10")))
            .select("CODE")
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList();
    assertThat(diabetes).containsExactlyInAnyOrder("E119", "A10BA02");
    Row band =
        spark
            .range(1)
            .select(
                ExtractColumns.band(org.apache.spark.sql.functions.lit(1969L), 5).as("a"),
                ExtractColumns.band(org.apache.spark.sql.functions.lit(1970L), 5).as("b"),
                ExtractColumns.band(org.apache.spark.sql.functions.lit(null).cast("long"), 5)
                    .as("c"))
            .first();
    assertThat(band.getString(0)).isEqualTo("1965-1969");
    assertThat(band.getString(1)).isEqualTo("1970-1974");
    assertThat(band.isNullAt(2)).isTrue();
  }

  @Test
  void combinationsUnderKAreFoundPerPersonAcrossTables(SparkSession spark) {
    StructType people =
        new StructType()
            .add("person_id", DataTypes.StringType)
            .add("SEX", DataTypes.StringType)
            .add("BAND", DataTypes.StringType);
    // Three men born in the 1970s, one woman born in the 1980s, one person with two bands.
    Dataset<Row> ben =
        spark.createDataFrame(
            List.of(
                RowFactory.create("p1", "1", "1970-1979"),
                RowFactory.create("p2", "1", "1970-1979"),
                RowFactory.create("p3", "1", "1970-1979"),
                RowFactory.create("p4", "2", "1980-1989"),
                RowFactory.create("p5", "1", "1970-1979"),
                RowFactory.create("p5", "1", "1980-1989")),
            people);
    Dataset<Row> persons =
        ben.select("person_id")
            .distinct()
            .union(
                spark.createDataFrame(
                    List.of(RowFactory.create("p6")),
                    new StructType().add("person_id", DataTypes.StringType)));
    List<ColumnRef> qis =
        List.of(ColumnRef.parse("s.B.SEX", "q"), ColumnRef.parse("s.B.BAND", "q"));
    Dataset<Row> sizes = Disclosure.classSizes(Map.of("s.B", ben), persons, qis);
    Map<String, Long> size = new HashMap<>();
    for (Row r : sizes.collectAsList()) {
      size.put(r.getString(0), r.getLong(1));
    }
    assertThat(size).containsEntry("p1", 3L).containsEntry("p4", 1L).containsEntry("p5", 1L);
    assertThat(size)
        .as("a person without the table's row is a combination too")
        .containsEntry("p6", 1L);

    Disclosure.Finding k3 = Disclosure.finding(sizes, 3);
    assertThat(k3.persons()).isEqualTo(6);
    assertThat(k3.classes()).isEqualTo(4);
    assertThat(k3.classesUnderK()).isEqualTo(3);
    assertThat(k3.personsUnderK()).isEqualTo(3);
    assertThat(k3.smallestClass()).isEqualTo(1);
    assertThat(
            Disclosure.underK(sizes, 3).as(org.apache.spark.sql.Encoders.STRING()).collectAsList())
        .containsExactlyInAnyOrder("p4", "p5", "p6");
    assertThat(Disclosure.finding(sizes, 2).personsUnderK()).isEqualTo(3);
    assertThat(Disclosure.finding(sizes, 1).personsUnderK()).isZero();
  }

  private static Dataset<Row> rows(SparkSession spark) {
    StructType schema =
        new StructType()
            .add("person_id", DataTypes.StringType)
            .add("CARE", DataTypes.DateType)
            .add("BIRTH", DataTypes.LongType)
            .add("POSTCODE", DataTypes.StringType)
            .add("STAY", DataTypes.StringType)
            .add("CODE", DataTypes.StringType);
    return spark.createDataFrame(
        List.of(
            RowFactory.create("p1", Date.valueOf("2023-05-17"), 1974L, "20167", "S1", "E119"),
            RowFactory.create("p1", Date.valueOf("2023-07-02"), 1974L, "20167", "S2", "I10"),
            RowFactory.create("p2", Date.valueOf("2023-01-01"), 1981L, "75011", "S3", "A10BA02"),
            RowFactory.create("p3", Date.valueOf("2022-12-31"), 1990L, "97411", "S4", "E1")),
        schema);
  }

  private static byte[] bytes(int seed) {
    byte[] b = new byte[32];
    java.util.Arrays.fill(b, (byte) seed);
    return b;
  }
}
