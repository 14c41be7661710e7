package org.trame.jobs.extract;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.year;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.trame.jobs.ingest.IngestTransforms;
import org.trame.jobs.pseudonymize.PseudonymizeTransforms;
import org.trame.project.ProjectSpec.ColumnRequest;
import org.trame.project.ProjectSpec.TableRef;
import org.trame.pseudo.Pseudonymizer;

/**
 * Minimization and generalization: a table's rows reduced to the project's subject id and the
 * requested columns, each as granted. Pure: column expressions over a {@code Dataset<Row>}.
 */
final class ExtractColumns {
  /** The project's pseudonym of a person, first column of every table that holds persons. */
  static final String SUBJECT = "subject_id";

  /** The pseudonym kind of subject ids. */
  static final String SUBJECT_KIND = "subject";

  /** The pseudonym kind of re-pseudonymized column values. */
  static final String VALUE_KIND = "value";

  private ExtractColumns() {}

  /**
   * The requested columns of {@code rows}, generalized or pseudonymized as asked, after {@code
   * subject_id} when the rows hold persons; {@code person_id} is kept last, for the disclosure
   * check, and dropped before writing.
   */
  static Dataset<Row> select(
      Dataset<Row> rows,
      TableRef table,
      List<ColumnRequest> columns,
      boolean persons,
      Pseudonymizer project) {
    List<Column> out = new ArrayList<>();
    if (persons) {
      out.add(subjectId(col(ExtractInputs.PERSON), project).as(SUBJECT));
    }
    for (ColumnRequest c : columns) {
      out.add(column(col(c.name()), c, table, project).as(c.name()));
    }
    if (persons) {
      out.add(col(ExtractInputs.PERSON));
    }
    return rows.select(out.toArray(new Column[0]));
  }

  /** The project's subject id of a warehouse person id. */
  static Column subjectId(Column personId, Pseudonymizer project) {
    return PseudonymizeTransforms.scopedPseudonym(project, SUBJECT_KIND, "", personId);
  }

  /** One column as granted. */
  static Column column(Column value, ColumnRequest c, TableRef table, Pseudonymizer project) {
    if (c.pseudonymize()) {
      // Scoped by source and column, so equal values join across the source's tables.
      return PseudonymizeTransforms.scopedPseudonym(
          project, VALUE_KIND, table.source() + "." + c.name(), value);
    }
    if (c.generalize() == null) {
      return value;
    }
    return switch (c.generalize()) {
      case MONTH -> date_format(value, "yyyy-MM");
      case YEAR -> year(value);
      case DEPARTEMENT -> IngestTransforms.departement(value.cast(DataTypes.StringType));
      case BAND -> band(value, c.width());
    };
  }

  /** A whole number to its band of {@code width}, as text: {@code 1970-1974}. */
  static Column band(Column value, int width) {
    Column low = floor(value.divide(width)).multiply(width).cast(DataTypes.LongType);
    return when(
        value.isNotNull(),
        concat(
            low.cast(DataTypes.StringType),
            lit("-"),
            low.plus(width - 1).cast(DataTypes.StringType)));
  }

  /** What the data dictionary says was done to a column. */
  static String treatment(ColumnRequest c) {
    if (c.pseudonymize()) {
      return "project pseudonym of the value (joins across this extract's tables of the source)";
    }
    if (c.generalize() == null) {
      return c.exact() ? "as stored (granted exactly)" : "as stored";
    }
    return switch (c.generalize()) {
      case MONTH -> "month of the date (yyyy-MM)";
      case YEAR -> "year of the date";
      case DEPARTEMENT -> "département of the code";
      case BAND -> "band of " + c.width() + " (low-high)";
    };
  }
}
