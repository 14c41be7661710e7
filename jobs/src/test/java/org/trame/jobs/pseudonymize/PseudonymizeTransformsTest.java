package org.trame.jobs.pseudonymize;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.trame.jobs.spark.SparkExtension;
import org.trame.pseudo.IdentifierRole;
import org.trame.pseudo.Pseudonymizer;

@ExtendWith(SparkExtension.class)
class PseudonymizeTransformsTest {
  private static final Pseudonymizer P =
      new Pseudonymizer("link-v1", "0123456789abcdef0123456789abcdef".getBytes());

  private static Dataset<Row> people(SparkSession spark) {
    StructType schema =
        new StructType()
            .add("nir", DataTypes.StringType)
            .add("birth", DataTypes.StringType)
            .add("sex", DataTypes.StringType)
            .add("name", DataTypes.StringType);
    return spark.createDataFrame(
        List.of(
            RowFactory.create("1 85 05 78 006 048 30", "1985-05-12", "1", "Hélène"),
            RowFactory.create("185057800604830", "12/05/1985", "M", "HELENE"),
            RowFactory.create("185057800604831", "1985-05-12", "1", "Dupont épouse Martin"),
            RowFactory.create(null, "1985-05-12", "2", null)),
        schema);
  }

  @Test
  void sparkPseudonymsEqualThePlainJavaOnes(SparkSession spark) {
    List<Row> rows =
        people(spark)
            .select(
                PseudonymizeTransforms.pseudonym(P, IdentifierRole.NIR, col("nir")).as("nir"),
                PseudonymizeTransforms.pseudonym(P, IdentifierRole.FIRST_NAME, col("name"))
                    .as("name"))
            .collectAsList();
    String expected = P.pseudonym("nir", "1850578006048");
    assertThat(rows.get(0).getString(0)).isEqualTo(expected);
    assertThat(rows.get(1).getString(0)).isEqualTo(expected);
    assertThat(rows.get(2).isNullAt(0)).as("wrong control key gives no pseudonym").isTrue();
    assertThat(rows.get(3).isNullAt(0)).as("absent NIR gives no pseudonym").isTrue();
    assertThat(rows.get(0).getString(1))
        .isEqualTo(rows.get(1).getString(1))
        .isEqualTo(P.pseudonym("name", "HELENE"));
  }

  @Test
  void multiColumnPseudonymNormalizesEachPart(SparkSession spark) {
    List<Row> rows =
        people(spark)
            .select(
                PseudonymizeTransforms.pseudonym(
                    P,
                    "nir_psa",
                    List.of(IdentifierRole.NIR, IdentifierRole.BIRTH_DATE, IdentifierRole.SEX),
                    List.of(col("nir"), col("birth"), col("sex"))))
            .collectAsList();
    String expected = P.pseudonym("nir_psa", "1850578006048", "1985-05-12", "1");
    assertThat(rows.get(0).getString(0)).isEqualTo(expected);
    assertThat(rows.get(1).getString(0)).isEqualTo(expected);
  }

  @Test
  void aTypedColumnGivesThePseudonymOfItsText(SparkSession spark) {
    // One column goes to its function as it is, several go in a struct: a date gives the same
    // pseudonym either way, that of its ISO text.
    Row row =
        people(spark)
            .select(
                PseudonymizeTransforms.pseudonym(
                    P, IdentifierRole.BIRTH_DATE, functions.to_date(functions.lit("1985-05-12"))),
                PseudonymizeTransforms.pseudonym(
                    P,
                    "birth_and_sex",
                    List.of(IdentifierRole.BIRTH_DATE, IdentifierRole.SEX),
                    List.of(functions.to_date(functions.lit("1985-05-12")), col("sex"))))
            .first();
    assertThat(row.getString(0)).isEqualTo(P.pseudonym("birth_date", "1985-05-12"));
    assertThat(row.getString(1)).isEqualTo(P.pseudonym("birth_and_sex", "1985-05-12", "1"));
  }

  @Test
  void nirStatusNeverShowsTheNumber(SparkSession spark) {
    List<String> statuses =
        people(spark)
            .select(PseudonymizeTransforms.nirStatus(col("nir")))
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList();
    assertThat(statuses).containsExactly("VALID", "VALID", "INVALID_KEY", "ABSENT");
  }
}
