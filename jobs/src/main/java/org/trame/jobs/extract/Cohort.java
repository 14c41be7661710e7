package org.trame.jobs.extract;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.upper;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.trame.project.ProjectSpec.AgeCriterion;
import org.trame.project.ProjectSpec.CodeCriterion;
import org.trame.project.ProjectSpec.Criterion;
import org.trame.project.ProjectSpec.Period;
import org.trame.project.ProjectSpec.TableRef;
import org.trame.project.ProjectSpec.ValueCriterion;

/**
 * Evaluates a spec's cohort: the warehouse person ids that satisfy it. Each criterion is a plan
 * over the tables it names, never text handed to SQL: codes are compared with {@code startsWith},
 * values with {@code isin}.
 */
final class Cohort {
  private Cohort() {}

  /** The distinct persons (one column, {@code person_id}) satisfying {@code criterion}. */
  static Dataset<Row> persons(Criterion criterion, Period period, ExtractInputs inputs) {
    return switch (criterion.kind()) {
      case "any" ->
          criterion.any().stream()
              .map(c -> persons(c, period, inputs))
              .reduce(Dataset::union)
              .orElseThrow()
              .distinct();
      case "all" ->
          criterion.all().stream()
              .map(c -> persons(c, period, inputs))
              .reduce((a, b) -> a.join(b, ExtractInputs.PERSON))
              .orElseThrow()
              .distinct();
      case "age" -> age(criterion.age(), period, inputs);
      case "sex" -> values(criterion.sex(), inputs);
      default -> codes(criterion.codes(), period, inputs);
    };
  }

  /** Persons with a code starting with one of the prefixes, dated within the period if asked. */
  static Dataset<Row> codes(CodeCriterion c, Period period, ExtractInputs inputs) {
    TableRef ref = TableRef.parse(c.table(), "table");
    Dataset<Row> rows = inputs.withPersons(ref, parentColumn(c.date()));
    if (c.date() != null) {
      rows = rows.where(inPeriod(dateColumn(c.date()), period));
    }
    Dataset<Row> codes =
        rows.select(
            col(ExtractInputs.PERSON),
            explode(array(c.columns().stream().map(Cohort::code).toArray(Column[]::new)))
                .as("_code"));
    if (c.lookup() != null) {
      Dataset<Row> reference =
          inputs
              .rows(TableRef.parse(c.lookup().table(), "table"))
              .select(
                  code(c.lookup().key()).as("_lookup_key"), code(c.lookup().value()).as("_mapped"));
      codes =
          codes
              .join(reference, col("_code").equalTo(col("_lookup_key")))
              .select(col(ExtractInputs.PERSON), col("_mapped").as("_code"));
    }
    return codes
        .where(startsWithAny(col("_code"), c.prefixes()))
        .select(ExtractInputs.PERSON)
        .distinct();
  }

  static Dataset<Row> age(AgeCriterion a, Period period, ExtractInputs inputs) {
    Dataset<Row> rows = inputs.withPersons(TableRef.parse(a.table(), "table"), null);
    Column age =
        lit(period.start().getYear()).minus(col(a.birthYear()).cast(DataTypes.IntegerType));
    Column keep = col(a.birthYear()).isNotNull();
    if (a.min() != null) {
      keep = keep.and(age.geq(a.min()));
    }
    if (a.max() != null) {
      keep = keep.and(age.leq(a.max()));
    }
    return rows.where(keep).select(ExtractInputs.PERSON).distinct();
  }

  static Dataset<Row> values(ValueCriterion v, ExtractInputs inputs) {
    return inputs
        .withPersons(TableRef.parse(v.table(), "table"), null)
        .where(trim(col(v.column()).cast(DataTypes.StringType)).isin(v.values().toArray()))
        .select(ExtractInputs.PERSON)
        .distinct();
  }

  /** Whether {@code value} starts with one of {@code prefixes} (already upper case). */
  static Column startsWithAny(Column value, List<String> prefixes) {
    Column any = lit(false);
    for (String p : prefixes) {
      any = any.or(value.startsWith(p));
    }
    return value.isNotNull().and(any);
  }

  /** Whether a date column falls within the period, both days included. */
  static Column inPeriod(Column date, Period period) {
    return date.between(
        lit(java.sql.Date.valueOf(period.start())), lit(java.sql.Date.valueOf(period.end())));
  }

  /** The column a date reference reads: its own, or the parent's carried as {@code _parent_X}. */
  static Column dateColumn(String ref) {
    int dot = ref.indexOf('.');
    return dot < 0 ? col(ref) : col("_parent_" + ref.substring(dot + 1));
  }

  /** The parent column a date reference needs carried, or null. */
  static String parentColumn(String ref) {
    if (ref == null) {
      return null;
    }
    int dot = ref.indexOf('.');
    return dot < 0 ? null : ref.substring(dot + 1);
  }

  private static Column code(String column) {
    return upper(trim(col(column).cast(DataTypes.StringType)));
  }
}
