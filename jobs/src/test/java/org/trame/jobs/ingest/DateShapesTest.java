package org.trame.jobs.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.when;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.trame.jobs.spark.SparkExtension;

/**
 * Ingest's dates in the usual layouts are parsed as they were when a regular expression checked
 * their shape: the expressions below are that reference, kept on purpose.
 */
@ExtendWith(SparkExtension.class)
class DateShapesTest {
  private static Column byRegularExpression(Column text, String format) {
    switch (format) {
      case "yyyy-MM-dd":
        return when(text.rlike("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), text.try_cast(DataTypes.DateType));
      case "dd/MM/yyyy":
        return when(
            text.rlike("^[0-9]{2}/[0-9]{2}/[0-9]{4}$"),
            regexp_replace(text, "^([0-9]{2})/([0-9]{2})/([0-9]{4})$", "$3-$2-$1")
                .try_cast(DataTypes.DateType));
      default:
        return when(
            text.rlike("^[0-9]{8}$"),
            regexp_replace(text, "^([0-9]{4})([0-9]{2})([0-9]{2})$", "$1-$2-$3")
                .try_cast(DataTypes.DateType));
    }
  }

  /** Well-formed and malformed texts of each layout, with what may surround or replace a digit. */
  private static List<String> texts() {
    List<String> base =
        new ArrayList<>(
            List.of(
                "2023-01-05",
                "2024-02-29",
                "2023-02-29",
                "2023-02-30",
                "2023-13-01",
                "2023-00-10",
                "2023-01-00",
                "2023-01-32",
                "0000-01-01",
                "0999-12-31",
                "9999-12-31",
                "05/01/2023",
                "29/02/2024",
                "30/02/2023",
                "31/04/2023",
                "01/13/2023",
                "00/01/2023",
                "20230105",
                "20240229",
                "20230230",
                "20231301",
                "00000101",
                "2023-1-5",
                "2023-01-5",
                "5/1/2023",
                "05/1/2023",
                "2023105",
                "202301055",
                "+2023-01-05",
                "-2023-01-05",
                "+0230105",
                "12023-01-05",
                "05/01/12023",
                "2023/01/05",
                "05-01-2023",
                "2023-01-05T10:00",
                "2023-01-05 10:00",
                "2023-01-0T",
                "2023-01-1 ",
                "2023-0a-05",
                "2O23-01-05",
                "\uff12\uff10\uff12\uff13-01-05",
                "\u0662\u0660\u0662\u0663-01-05",
                "2023",
                "2023-01",
                "",
                " ",
                "-",
                "--",
                "//"));
    List<String> out = new ArrayList<>(base);
    for (String b : List.of("2023-01-05", "05/01/2023", "20230105", "2023-1-5")) {
      for (String end :
          List.of(
              "\n",
              "\r\n",
              "\r",
              "\u0085",
              "\u2028",
              "\u2029",
              "\n\n",
              "\n\r",
              "\r\r",
              "\r\n\n",
              "\r\n\r\n",
              "\r\u0085",
              "\u2028\n",
              "\t",
              "\ud83d",
              "\ud83d\ude00")) {
        out.add(b + end);
        out.add(end + b);
      }
      out.add(b.substring(0, 3) + "\n" + b.substring(3));
    }
    out.add(null);
    return out;
  }

  @Test
  void theUsualLayoutsParseAsTheRegularExpressionsDid(SparkSession spark) {
    List<String> texts = texts();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      rows.add(RowFactory.create(i, texts.get(i)));
    }
    Dataset<Row> in =
        spark.createDataFrame(
            rows,
            new StructType().add("i", DataTypes.IntegerType).add("text", DataTypes.StringType));
    for (String format : List.of("yyyy-MM-dd", "dd/MM/yyyy", "yyyyMMdd")) {
      List<Row> out =
          in.select(
                  col("i"),
                  IngestTransforms.date(col("text"), format).as("now"),
                  byRegularExpression(col("text"), format).as("before"))
              .orderBy("i")
              .collectAsList();
      long parsed = 0;
      for (Row r : out) {
        String shown = String.valueOf(texts.get(r.getInt(0))).replace("\n", "\\n");
        assertThat(r.get(1)).as(format + " of '" + shown + "'").isEqualTo(r.get(2));
        parsed += r.isNullAt(1) ? 0 : 1;
      }
      assertThat(parsed).as("dates parsed in layout " + format).isGreaterThanOrEqualTo(5);
    }
  }

  @Test
  void aLayoutItDoesNotRearrangeIsRefused() {
    assertThat(DateShapes.handles("dd.MM.yyyy")).isFalse();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new DateShapes("dd.MM.yyyy"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
