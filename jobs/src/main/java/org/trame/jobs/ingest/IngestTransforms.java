package org.trame.jobs.ingest;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_compact;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.dayofmonth;
import static org.apache.spark.sql.functions.exists;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.make_date;
import static org.apache.spark.sql.functions.month;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.try_to_timestamp;
import static org.apache.spark.sql.functions.upper;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.year;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.trame.config.ColumnConfig;
import org.trame.config.ColumnType;
import org.trame.config.Fate;
import org.trame.config.PseudonymConfig;
import org.trame.config.TableConfig;
import org.trame.jobs.pseudonymize.PseudonymizeTransforms;
import org.trame.jobs.pseudonymize.RecordKeys;
import org.trame.pseudo.IdentifierRole;
import org.trame.pseudo.Pseudonymizer;

/**
 * The pure steps of ingest on {@code Dataset<Row>}: type and validate the raw text columns, then
 * replace identifiers by pseudonyms and split accepted from quarantined rows. No reads, writes or
 * actions here.
 */
public final class IngestTransforms {
  /** Reason codes of a row; empty when the row is accepted. */
  public static final String REASONS = "_reasons";

  /** The landing file a row came from. */
  public static final String SOURCE_FILE = "_source_file";

  /** The line of the landing file a row starts at. */
  public static final String LINE = LandingReader.LINE;

  /** Why a line could not be read (wrong field count, broken quoting, charset), or null. */
  public static final String PARSE_ERROR = LandingReader.PARSE_ERROR;

  /** Raw text of the non-identifying columns, kept for the quarantine's payload. */
  static final String RAW = "_raw";

  /** The decimal type amounts are read into. */
  static final org.apache.spark.sql.types.DecimalType DECIMAL = DataTypes.createDecimalType(18, 4);

  private IngestTransforms() {}

  /**
   * Parses every configured column into its type and collects, per row, the reasons it cannot be
   * accepted ({@code column: cannot parse '31/02/1990' as date (yyyy-MM-dd)}). Values of identifier
   * columns never appear in a reason.
   *
   * @param raw text columns named as in the table config, plus {@link #SOURCE_FILE}, {@link #LINE}
   *     and {@link #PARSE_ERROR}
   */
  public static Dataset<Row> typeAndValidate(Dataset<Row> raw, TableConfig table) {
    List<Column> out = new ArrayList<>();
    List<Column> reasons = new ArrayList<>();
    List<Column> rawKept = new ArrayList<>();
    Column unreadable = col(PARSE_ERROR).isNotNull();
    reasons.add(col(PARSE_ERROR));
    for (ColumnConfig c : table.columns()) {
      Column text = trim(col(c.name()));
      Column present = text.isNotNull().and(text.notEqual(""));
      Column typed = typed(c, text, present);
      out.add(typed.as(c.name()));
      if (c.role() == null) {
        rawKept.add(col(c.name()));
      }
      if (c.required()) {
        reasons.add(
            when(not(present).and(not(unreadable)), lit(c.name() + ": required value missing")));
      }
      reasons.addAll(RuleChecks.reasons(c, text, present, typed));
      if (c.type() != ColumnType.STRING) {
        String expected = describe(c);
        Column shown =
            c.role() == null
                ? concat(
                    lit(c.name() + ": cannot parse '"),
                    substring(text, 1, 40),
                    lit("' as " + expected))
                : lit(c.name() + ": not a valid " + expected + " (identifier value not shown)");
        reasons.add(when(present.and(typed.isNull()), shown));
      }
    }
    for (TableConfig.DateOrder d : table.dateOrder()) {
      Column first = typed(table.column(d.first()).orElseThrow());
      Column then = typed(table.column(d.then()).orElseThrow());
      reasons.add(when(first.gt(then), lit(d.then() + ": before " + d.first())));
    }
    // array_compact is a higher-order function that Spark evaluates without code generation; on
    // every row it made typing the largest cost of ingest. The generated "any reason?" test runs
    // first, so the list is only built for the few rejected rows.
    Column any = reasons.stream().map(Column::isNotNull).reduce(Column::or).orElse(lit(false));
    Column reasonList =
        when(any, array_compact(array(reasons.toArray(new Column[0]))))
            .otherwise(array().cast(DataTypes.createArrayType(DataTypes.StringType)));
    out.add(reasonList.as(REASONS));
    out.add(col(SOURCE_FILE));
    out.add(col(LINE));
    // Raw text is kept for rejected rows only, so that staging the batch costs little.
    out.add(
        rawKept.isEmpty()
            ? lit(null).cast(DataTypes.StringType).as(RAW)
            : when(any, struct(rawKept.toArray(new Column[0]))).as(RAW));
    return raw.select(out.toArray(new Column[0]));
  }

  /**
   * The record key of a row (see {@link RecordKeys}): a keyed hash of its declared key, to find
   * duplicates without keeping identifiers and to name the record in the linkage index.
   */
  public static final String ROW_KEY = RecordKeys.COLUMN;

  /**
   * Adds {@link #ROW_KEY}, or a null one when the table declares no key or a key part is missing.
   * Key values are hashed as typed text (ISO dates, integers without leading zeros), so that {@code
   * 007} and {@code 7} are one key, as they are one value.
   */
  public static Dataset<Row> withRowKey(
      Dataset<Row> typed, String source, TableConfig table, Pseudonymizer pseudonymizer) {
    if (table.key().isEmpty()) {
      return typed.withColumn(ROW_KEY, lit(null).cast(DataTypes.StringType));
    }
    List<Column> parts = new ArrayList<>();
    Column complete = lit(true);
    for (String k : table.key()) {
      parts.add(col(k).cast(DataTypes.StringType));
      complete = complete.and(col(k).isNotNull());
    }
    // A row missing a key part has no record key: it is neither a duplicate nor linkable by key.
    return typed.withColumn(
        ROW_KEY, when(complete, RecordKeys.of(pseudonymizer, source, table.name(), parts)));
  }

  /**
   * Quarantines every row whose {@link #ROW_KEY} appeared on an earlier line of the batch ({@code
   * duplicate of ER_PRS_F.csv.gz line 12}), then drops the key. Only the key column is grouped; the
   * repeated keys (few) are broadcast back, so the rows are not shuffled.
   */
  public static Dataset<Row> flagDuplicates(
      Dataset<Row> rows, java.util.Collection<String> fileNames) {
    return flagDuplicates(rows, repeatedKeys(rows, fileNames));
  }

  /**
   * Per repeated key: how many of its rows had no reason before {@link #flagDuplicates} and become
   * duplicates there (all but the first line, if that one was clean). Summed, it turns the count of
   * rows without reasons into the count of accepted rows, with no further pass over the rows.
   */
  public static final String CLEAN_DUPLICATES = "_clean_duplicates";

  /**
   * The row keys seen more than once, each with its first (file, line) and {@link
   * #CLEAN_DUPLICATES}: few, and small enough to broadcast. Computed once per table by ingest, so
   * that counting and writing the flagged rows reads them without grouping again.
   *
   * <p>The first line is the least of one number per row: its file's rank among {@code fileNames}
   * (sorted), its line, and last whether it had reasons. The minimum of a number is a hash
   * aggregation, where the minimum of a (file, line, clean) struct made Spark sort every row of the
   * table, twice.
   *
   * @param fileNames the names of the files the rows come from (their {@link #SOURCE_FILE})
   */
  public static Dataset<Row> repeatedKeys(
      Dataset<Row> rows, java.util.Collection<String> fileNames) {
    List<String> names = new ArrayList<>(new java.util.TreeSet<>(fileNames));
    if (names.isEmpty()) {
      names.add("");
    }
    Column known = array(names.stream().map(functions::lit).toArray(Column[]::new));
    Column clean = when(size(col(REASONS)).equalTo(0), lit(1L)).otherwise(lit(0L));
    Column place =
        functions
            .shiftleft(
                functions
                    .shiftleft(
                        functions.array_position(known, col(SOURCE_FILE)).cast(DataTypes.LongType),
                        LINE_BITS)
                    .plus(col(LINE)),
                1)
            .plus(lit(1L).minus(clean));
    Column first = col("_first_place");
    Column line = functions.shiftright(first, 1);
    return rows.where(col(ROW_KEY).isNotNull())
        .groupBy(col(ROW_KEY))
        .agg(
            functions.min(place).as("_first_place"),
            functions.count(lit(1)).as("_n"),
            functions.sum(clean).as("_clean_rows"))
        .where(col("_n").gt(1))
        .select(
            col(ROW_KEY),
            struct(
                    functions
                        .element_at(known, functions.shiftright(line, LINE_BITS).cast("int"))
                        .as(SOURCE_FILE),
                    line.bitwiseAND(lit((1L << LINE_BITS) - 1)).as(LINE))
                .as("_first"),
            col("_clean_rows")
                .minus(lit(1L).minus(first.bitwiseAND(lit(1L))))
                .as(CLEAN_DUPLICATES));
  }

  /** Bits of a row's line in its place (a trillion lines at most), above its clean bit. */
  private static final int LINE_BITS = 40;

  /** {@link #flagDuplicates(Dataset, java.util.Collection)} with the repeated keys known. */
  public static Dataset<Row> flagDuplicates(Dataset<Row> rows, Dataset<Row> repeated) {
    Column first = col("_first");
    Column duplicate =
        first
            .isNotNull()
            .and(
                not(
                    first
                        .getField(SOURCE_FILE)
                        .equalTo(col(SOURCE_FILE))
                        .and(first.getField(LINE).equalTo(col(LINE)))));
    Column reason =
        concat(
            lit("duplicate of "),
            first.getField(SOURCE_FILE),
            lit(" line "),
            first.getField(LINE).cast("string"));
    return rows.join(
            functions.broadcast(repeated.select(col(ROW_KEY), col("_first"))),
            scala.jdk.javaapi.CollectionConverters.asScala(List.of(ROW_KEY)).toSeq(),
            "left")
        .withColumn(
            REASONS,
            when(duplicate, functions.concat(col(REASONS), array(reason))).otherwise(col(REASONS)))
        .drop("_first");
  }

  /**
   * Replaces identifiers by pseudonyms: columns with fate {@code pseudonymize} become their
   * pseudonym, configured multi-column pseudonyms are added, every NIR column gets {@code
   * <name>_status} (its check result), and columns with fate {@code drop} disappear.
   */
  public static Dataset<Row> pseudonymize(
      Dataset<Row> typed, TableConfig table, Pseudonymizer pseudonymizer) {
    List<Column> out = new ArrayList<>();
    for (ColumnConfig c : table.columns()) {
      if (c.fate() == Fate.KEEP) {
        out.add(col(c.name()));
      } else if (c.fate() == Fate.GENERALIZE) {
        out.add(generalized(c).as(c.name()));
      } else if (c.fate() == Fate.PSEUDONYMIZE) {
        out.add(PseudonymizeTransforms.pseudonym(pseudonymizer, c.role(), asText(c)).as(c.name()));
        out.addAll(linkageForms(c, pseudonymizer));
      }
      if (c.role() == IdentifierRole.NIR || c.role() == IdentifierRole.INSURED_NIR) {
        // The check result, never the number: linkage needs to know which keys are sound.
        out.add(PseudonymizeTransforms.nirStatus(col(c.name())).as(c.name() + "_status"));
      }
    }
    for (PseudonymConfig p : table.pseudonyms()) {
      List<IdentifierRole> roles = new ArrayList<>();
      List<Column> inputs = new ArrayList<>();
      for (String from : p.from()) {
        ColumnConfig c = table.column(from).orElseThrow();
        roles.add(c.role());
        inputs.add(asText(c));
      }
      out.add(
          PseudonymizeTransforms.pseudonym(pseudonymizer, p.kind(), roles, inputs).as(p.name()));
    }
    out.add(col(REASONS));
    out.add(col(SOURCE_FILE));
    out.add(col(LINE));
    out.add(col(RAW));
    if (List.of(typed.columns()).contains(ROW_KEY)) {
      out.add(col(ROW_KEY));
    }
    return typed.select(out.toArray(new Column[0]));
  }

  /**
   * The names of the columns {@link #pseudonymize} and {@link #withRowKey} fill with keyed hashes:
   * what a rekey chains through a new key. Kept beside them so the two stay in step.
   */
  public static List<String> pseudonymColumns(TableConfig table) {
    List<String> out = new ArrayList<>();
    for (ColumnConfig c : table.columns()) {
      if (c.fate() != Fate.PSEUDONYMIZE) {
        continue;
      }
      out.add(c.name());
      if (c.role() == IdentifierRole.LAST_NAME || c.role() == IdentifierRole.FIRST_NAME) {
        out.add(c.name() + "_phon");
      }
      if (c.role() == IdentifierRole.BIRTH_DATE && c.type() == ColumnType.DATE) {
        out.add(c.name() + "_dm");
      }
    }
    for (PseudonymConfig p : table.pseudonyms()) {
      out.add(p.name());
    }
    out.add(ROW_KEY);
    return out;
  }

  /**
   * Extra keyed forms for fuzzy linkage, since the clear values are dropped here: a name's phonetic
   * key ({@code <name>_phon}); a birth date with day and month swapped ({@code <name>_dm}, when the
   * day could be a month) and its year in clear ({@code <name>_year}).
   */
  private static List<Column> linkageForms(ColumnConfig c, Pseudonymizer pseudonymizer) {
    Column value = col(c.name());
    if (c.role() == IdentifierRole.LAST_NAME || c.role() == IdentifierRole.FIRST_NAME) {
      return List.of(
          PseudonymizeTransforms.phoneticPseudonym(pseudonymizer, value).as(c.name() + "_phon"));
    }
    if (c.role() == IdentifierRole.BIRTH_DATE && c.type() == ColumnType.DATE) {
      Column swappable = dayofmonth(value).leq(12).and(dayofmonth(value).notEqual(month(value)));
      Column swapped =
          date_format(make_date(year(value), dayofmonth(value), month(value)), "yyyy-MM-dd");
      return List.of(
          PseudonymizeTransforms.pseudonym(
                  pseudonymizer, IdentifierRole.BIRTH_DATE, when(swappable, swapped))
              .as(c.name() + "_dm"),
          year(value).as(c.name() + "_year"));
    }
    return List.of();
  }

  private static Column generalized(ColumnConfig c) {
    Column value = col(c.name());
    switch (c.generalize()) {
      case YEAR:
        return date_format(value, "yyyy");
      case MONTH:
        return date_format(value, "yyyy-MM");
      default:
        return departement(value);
    }
  }

  /**
   * The département of a French postcode: the overseas 97x keep three characters, Corsica's 200 and
   * 201 become 2A and 202 to 206 2B, elsewhere the first two digits.
   */
  public static Column departement(Column postcode) {
    Column v = upper(trim(postcode));
    return when(v.startsWith("97").or(v.startsWith("98")), substring(v, 1, 3))
        .when(v.startsWith("200").or(v.startsWith("201")).or(v.startsWith("2A")), lit("2A"))
        .when(v.startsWith("20").or(v.startsWith("2B")), lit("2B"))
        .otherwise(substring(v, 1, 2));
  }

  /**
   * A column's raw text typed as ingest types it, written back as text (ISO dates, integers without
   * leading zeros): the form record keys are computed from.
   */
  public static Column typedText(ColumnConfig c, Column rawText) {
    Column text = trim(rawText);
    return typed(c, text, text.isNotNull().and(text.notEqual(""))).cast(DataTypes.StringType);
  }

  /** Rows without reasons, without the bookkeeping columns but with their record key. */
  public static Dataset<Row> accepted(Dataset<Row> pseudonymized) {
    return pseudonymized.where(size(col(REASONS)).equalTo(0)).drop(REASONS, RAW, LINE);
  }

  /**
   * Rows with reasons: the file, the reasons and a JSON payload holding the raw text of
   * non-identifying columns and the pseudonyms of identifying ones (never a clear identifier). An
   * identifying column kept in clear (a sex code, say) is left out of the payload when it is one of
   * the row's reasons: its value was not what the column holds, and may be a name that slipped into
   * it; its reason already hides it.
   */
  public static Dataset<Row> quarantined(Dataset<Row> pseudonymized, TableConfig table) {
    List<Column> payload = new ArrayList<>();
    for (String name : pseudonymized.columns()) {
      if (List.of(REASONS, SOURCE_FILE, RAW, LINE, ROW_KEY).contains(name)) {
        continue;
      }
      boolean keptIdentifier =
          table.column(name).map(c -> c.role() != null && c.fate() == Fate.KEEP).orElse(false);
      payload.add(
          keptIdentifier
              ? when(not(exists(col(REASONS), r -> r.startsWith(name + ":"))), col(name)).as(name)
              : col(name));
    }
    boolean hasRaw = pseudonymized.schema().apply(RAW).dataType() instanceof StructType;
    Column rawFields = hasRaw ? to_json(col(RAW)) : lit(null).cast(DataTypes.StringType);
    return pseudonymized
        .where(size(col(REASONS)).gt(0))
        .select(
            col(SOURCE_FILE).as("file"),
            col(LINE).as("line"),
            col(REASONS).as("reasons"),
            ReasonCodes.of(col(REASONS)).as("reason_codes"),
            to_json(struct(payload.toArray(new Column[0]))).as("payload"),
            rawFields.as("raw_values"));
  }

  /** The typed value of a configured column, from its raw text. */
  private static Column typed(ColumnConfig c) {
    Column text = trim(col(c.name()));
    return typed(c, text, text.isNotNull().and(text.notEqual("")));
  }

  private static Column typed(ColumnConfig c, Column text, Column present) {
    switch (c.type()) {
      case INTEGER:
        return when(present, text.try_cast(DataTypes.LongType));
      case DECIMAL:
        return when(present, functions.replace(text, lit(","), lit(".")).try_cast(DECIMAL));
      case DATE:
        return when(present, date(text, c.format()));
      default:
        return when(present, text);
    }
  }

  /**
   * Parses dates. Spark's pattern-based parser costs about a microsecond a value, which made it the
   * largest cost of ingest; the usual layouts are rearranged to ISO and cast instead, after a
   * strict shape check ({@link DateShapes}), since a cast alone would accept {@code 2023} or {@code
   * 2023-1-5}. That check was a regular expression: 7-8% of the executors' time in a profile of
   * ingest on a 1.4-million-row table with five date columns.
   */
  static Column date(Column text, String format) {
    if (DateShapes.handles(format)) {
      return functions
          .udf(new DateShapes(format), DataTypes.StringType)
          .apply(text)
          .try_cast(DataTypes.DateType);
    }
    return to_date(try_to_timestamp(text, lit(format)));
  }

  /** The text a pseudonym is computed from: dates in ISO form, other values as they are. */
  private static Column asText(ColumnConfig c) {
    return c.type() == ColumnType.DATE
        ? date_format(col(c.name()), "yyyy-MM-dd")
        : col(c.name()).cast(DataTypes.StringType);
  }

  private static String describe(ColumnConfig c) {
    switch (c.type()) {
      case INTEGER:
        return "an integer";
      case DECIMAL:
        return "a decimal number";
      case DATE:
        return "date (" + c.format() + ")";
      default:
        return "text";
    }
  }
}
