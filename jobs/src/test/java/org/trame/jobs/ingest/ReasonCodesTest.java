package org.trame.jobs.ingest;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.trame.jobs.spark.SparkExtension;

/** Every kind of message ingest writes has its code, the same in Java and in Spark. */
@ExtendWith(SparkExtension.class)
class ReasonCodesTest {
  private static final Map<String, String> EXAMPLES = new LinkedHashMap<>();

  static {
    EXAMPLES.put(
        "file: t.csv.gz cannot be read after line 12 (EOFException); is it truncated?",
        "file_broken");
    EXAMPLES.put("duplicate of t.csv.gz line 12", "duplicate");
    EXAMPLES.put("line 3: 5 fields, the header has 7", "field_count");
    EXAMPLES.put("line 4, column 19: quote opened here is never closed", "quoting");
    EXAMPLES.put("line 4, column 7: text after a closing quote", "quoting");
    EXAMPLES.put("line 2, not valid UTF-8 text (check the declared charset)", "charset");
    EXAMPLES.put(
        "line 3, not valid ISO-8859-1 text, but UTF-8 text (check the declared charset)",
        "charset");
    EXAMPLES.put("line 9, line longer than 1048576 bytes", "too_long");
    EXAMPLES.put("line 9, more than 10000 fields", "too_long");
    EXAMPLES.put("ID: required value missing", "required");
    EXAMPLES.put("SOIN_DEBUT: cannot parse '2023-02-30' as date (yyyy-MM-dd)", "unparsable");
    EXAMPLES.put(
        "NAISSANCE: not a valid date (yyyy-MM-dd) (identifier value not shown)", "unparsable");
    EXAMPLES.put("CODE: unknown code 'Z9'", "unknown_code");
    EXAMPLES.put("NIR: unknown code (identifier value not shown)", "unknown_code");
    EXAMPLES.put("SOIN_FIN: before SOIN_DEBUT", "date_order");
    EXAMPLES.put("CODE: 'a1' does not match [A-Z][0-9]", "pattern");
    EXAMPLES.put("NIR: (identifier value not shown) does not match [0-9]{13}", "pattern");
    // A value shown in the message cannot pass for another kind of reason.
    EXAMPLES.put("CODE: 'x' is below 3' does not match [A-Z]", "pattern");
    EXAMPLES.put("CODE: 'unknown code' does not match [A-Z]", "pattern");
    EXAMPLES.put("CODE: 'required value missing' does not match [A-Z]", "pattern");
    EXAMPLES.put("ID: '0' is below 1", "out_of_range");
    EXAMPLES.put("SOIN_DEBUT: '2031-01-02' is above 2030-12-31", "out_of_range");
    EXAMPLES.put("something ingest does not write", ReasonCodes.OTHER);
  }

  @Test
  void eachMessageHasItsCode() {
    EXAMPLES.forEach(
        (reason, code) -> assertThat(ReasonCodes.of(reason)).as(reason).isEqualTo(code));
  }

  @Test
  void sparkGivesTheSameCodesInOrder(SparkSession spark) {
    List<String> reasons = List.copyOf(EXAMPLES.keySet());
    StructType schema =
        new StructType().add("reasons", DataTypes.createArrayType(DataTypes.StringType), false);
    Row row =
        spark
            .createDataFrame(
                List.of(RowFactory.create((Object) reasons.toArray(new String[0]))), schema)
            .select(ReasonCodes.of(col("reasons")))
            .first();
    assertThat(row.<String>getList(0)).containsExactlyElementsOf(EXAMPLES.values());
  }
}
