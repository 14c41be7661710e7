package org.trame.jobs.link;

import static org.apache.spark.sql.functions.arrays_overlap;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import org.apache.spark.sql.Column;

/**
 * The fields compared between two entities (sets of records already linked by keys) and their
 * agreement levels, as column expressions over a pair table whose columns are the entity features
 * prefixed {@code a_} and {@code b_}. Every field is a set, so a person known under two names or
 * postcodes agrees on either. A field one side lacks gives level -1: it counts for nothing.
 */
public final class Comparisons {
  /** Entity features: arrays of distinct values over the entity's records. */
  public static final String NIRS = "nirs";

  public static final String PSAS = "psas";
  public static final String DATES = "dates";
  public static final String DMS = "dms";
  public static final String YEARS = "years";
  public static final String SEXES = "sexes";
  public static final String POSTCODES = "postcodes";
  public static final String DEPTS = "depts";
  public static final String LASTS = "lasts";
  public static final String LAST_PHONS = "last_phons";
  public static final String FIRSTS = "firsts";
  public static final String FIRST_PHONS = "first_phons";
  public static final String RANKS = "ranks";

  /** One compared field: its name, its levels from disagreement (0) to full agreement. */
  public record Field(String name, List<String> levels, String frequencyFeature) {
    public int count() {
      return levels.size();
    }
  }

  /** The compared fields, in pattern order. */
  public static final List<Field> FIELDS =
      List.of(
          new Field(
              "birth_date", List.of("different", "same_year", "day_month_swapped", "exact"), DATES),
          new Field("sex", List.of("different", "same"), null),
          new Field("postcode", List.of("different", "same_departement", "exact"), POSTCODES),
          new Field(
              "last_name", List.of("different", "swapped_with_first", "phonetic", "exact"), LASTS),
          new Field("first_name", List.of("different", "phonetic", "exact"), FIRSTS),
          new Field("birth_rank", List.of("different", "same"), null));

  private Comparisons() {}

  /** The level expressions, one per field of {@link #FIELDS}, as integers (-1 = not compared). */
  public static List<Column> levels() {
    return List.of(birthDate(), sex(), postcode(), lastName(), firstName(), rank());
  }

  private static Column birthDate() {
    Column bothDates = has(DATES);
    Column bothYears = has(YEARS);
    return when(bothDates.and(overlap(DATES, DATES)), lit(3))
        .when(bothDates.and(overlap(DMS, DATES).or(overlap(DATES, DMS))), lit(2))
        .when(bothYears.and(overlap(YEARS, YEARS)), lit(1))
        .when(bothYears, lit(0))
        .otherwise(lit(-1));
  }

  private static Column sex() {
    return when(has(SEXES), when(overlap(SEXES, SEXES), lit(1)).otherwise(lit(0)))
        .otherwise(lit(-1));
  }

  private static Column postcode() {
    return when(has(POSTCODES).and(overlap(POSTCODES, POSTCODES)), lit(2))
        .when(has(DEPTS).and(overlap(DEPTS, DEPTS)), lit(1))
        .when(has(POSTCODES).or(has(DEPTS)), lit(0))
        .otherwise(lit(-1));
  }

  private static Column lastName() {
    return when(
            has(LASTS),
            when(overlap(LASTS, LASTS), lit(3))
                .when(overlap(LAST_PHONS, LAST_PHONS), lit(2))
                .when(overlap(LASTS, FIRSTS).or(overlap(FIRSTS, LASTS)), lit(1))
                .otherwise(lit(0)))
        .otherwise(lit(-1));
  }

  private static Column firstName() {
    return when(
            has(FIRSTS),
            when(overlap(FIRSTS, FIRSTS), lit(2))
                .when(overlap(FIRST_PHONS, FIRST_PHONS), lit(1))
                .otherwise(lit(0)))
        .otherwise(lit(-1));
  }

  private static Column rank() {
    return when(has(RANKS), when(overlap(RANKS, RANKS), lit(1)).otherwise(lit(0)))
        .otherwise(lit(-1));
  }

  /** Both sides have at least one value of the feature. */
  private static Column has(String feature) {
    return size(col("a_" + feature)).gt(0).and(size(col("b_" + feature)).gt(0));
  }

  private static Column overlap(String left, String right) {
    return arrays_overlap(col("a_" + left), col("b_" + right));
  }
}
