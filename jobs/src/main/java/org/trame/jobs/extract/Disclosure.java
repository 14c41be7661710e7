package org.trame.jobs.extract;

import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.trame.project.ProjectSpec.ColumnRef;

/**
 * The k-anonymity check of an extract: each person's combination of quasi-identifier values (as
 * they will be written, after generalization; the set of a person's values when a table has several
 * rows) must be shared by at least k persons. Pure: plans over the prepared tables.
 */
final class Disclosure {
  private Disclosure() {}

  /**
   * What the check found.
   *
   * @param persons persons in the extract before any suppression
   * @param classes distinct combinations
   * @param classesUnderK combinations shared by fewer than k persons
   * @param personsUnderK persons in those combinations
   * @param smallestClass size of the smallest combination (0 when there are no persons)
   */
  record Finding(
      long persons, long classes, long classesUnderK, long personsUnderK, long smallestClass) {}

  /**
   * Every person of the extract with the size of their combination ({@code person_id}, {@code
   * _class_size}).
   *
   * @param tables the prepared tables by {@code source.table}, with {@code person_id}
   * @param persons the extract's persons ({@code person_id})
   */
  static Dataset<Row> classSizes(
      Map<String, Dataset<Row>> tables, Dataset<Row> persons, List<ColumnRef> quasiIdentifiers) {
    Dataset<Row> combos = persons.select(ExtractInputs.PERSON).distinct();
    List<Column> parts = new ArrayList<>();
    for (int i = 0; i < quasiIdentifiers.size(); i++) {
      ColumnRef q = quasiIdentifiers.get(i);
      String name = "_qi" + i;
      Dataset<Row> values =
          tables
              .get(q.table().toString())
              .groupBy(ExtractInputs.PERSON)
              .agg(
                  concat_ws(
                          "|", array_sort(collect_set(col(q.column()).cast(DataTypes.StringType))))
                      .as(name));
      combos = combos.join(values, ExtractInputs.PERSON, "left");
      parts.add(coalesce(col(name), lit("")));
    }
    Column combination = struct(parts.toArray(new Column[0])).as("_combination");
    Dataset<Row> keyed = combos.select(col(ExtractInputs.PERSON), combination);
    Dataset<Row> sizes = keyed.groupBy("_combination").agg(count(lit(1)).as("_class_size"));
    return keyed.join(sizes, "_combination").select(ExtractInputs.PERSON, "_class_size");
  }

  /** Sums up class sizes against {@code k}. */
  static Finding finding(Dataset<Row> classSizes, int k) {
    Row r =
        classSizes
            .agg(
                count(lit(1)),
                sum(lit(1.0).divide(col("_class_size"))),
                sum(
                    when(col("_class_size").lt(k), lit(1.0).divide(col("_class_size")))
                        .otherwise(0.0)),
                sum(when(col("_class_size").lt(k), 1).otherwise(0)),
                min(col("_class_size")))
            .first();
    long persons = r.getLong(0);
    return new Finding(
        persons,
        persons == 0 ? 0 : Math.round(r.getDouble(1)),
        persons == 0 ? 0 : Math.round(r.getDouble(2)),
        persons == 0 ? 0 : r.getLong(3),
        r.isNullAt(4) ? 0 : r.getLong(4));
  }

  /** The persons to leave out under {@code suppress}. */
  static Dataset<Row> underK(Dataset<Row> classSizes, int k) {
    return classSizes.where(col("_class_size").lt(k)).select(ExtractInputs.PERSON);
  }
}
