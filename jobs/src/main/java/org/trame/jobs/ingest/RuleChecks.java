package org.trame.jobs.ingest;

import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.when;

import java.math.BigDecimal;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.trame.config.ColumnConfig;
import org.trame.config.ColumnType;

/**
 * The declared value rules of a column (pattern, range, code list) as reason expressions: null when
 * the value passes, else {@code COLUMN: what is wrong}. The value is shown for non-identifying
 * columns only.
 */
final class RuleChecks {
  private RuleChecks() {}

  static List<Column> reasons(ColumnConfig c, Column text, Column present, Column typed) {
    List<Column> out = new ArrayList<>();
    Column shown =
        c.role() == null
            // Control characters (NUL, ESC sequences) are shown as '?': a reason is printed on
            // terminals and in logs, where they could hide or rewrite text.
            ? concat(
                lit(" '"),
                regexp_replace(substring(text, 1, 40), "[\\p{Cntrl}\\p{Cf}]", "?"),
                lit("'"))
            : lit(" (identifier value not shown)");
    if (c.pattern() != null) {
      Column ok = text.rlike("^(?:" + c.pattern() + ")$");
      out.add(
          when(
              present.and(not(ok)),
              concat(lit(c.name() + ":"), shown, lit(" does not match " + c.pattern()))));
    }
    if (c.codes() != null) {
      Column known = text.isin(c.codes().toArray());
      out.add(when(present.and(not(known)), concat(lit(c.name() + ": unknown code"), shown)));
    }
    if (c.min() != null) {
      out.add(
          when(
              typed.lt(bound(c, c.min())),
              concat(lit(c.name() + ":"), shown, lit(" is below " + c.min()))));
    }
    if (c.max() != null) {
      out.add(
          when(
              typed.gt(bound(c, c.max())),
              concat(lit(c.name() + ":"), shown, lit(" is above " + c.max()))));
    }
    return out;
  }

  private static Column bound(ColumnConfig c, String value) {
    if (c.type() == ColumnType.DATE) {
      return lit(Date.valueOf(LocalDate.parse(value)));
    }
    return lit(new BigDecimal(value));
  }
}
