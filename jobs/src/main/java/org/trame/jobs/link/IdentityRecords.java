package org.trame.jobs.link;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_compact;
import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.upper;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.trame.config.ColumnConfig;
import org.trame.config.ColumnType;
import org.trame.config.Fate;
import org.trame.config.PseudonymConfig;
import org.trame.config.SourceConfig;
import org.trame.config.TableConfig;
import org.trame.jobs.ingest.IngestJob;
import org.trame.jobs.ingest.IngestTransforms;
import org.trame.jobs.pseudonymize.RecordKeys;
import org.trame.pseudo.IdentifierRole;

/**
 * The identity of every record of a warehouse table in one shape, whatever the source: the keys
 * that link it deterministically and the pseudonymized fields that are compared probabilistically.
 * Which column feeds which field comes from the roles and fates in the source's configuration, so
 * any source described with identity roles can be linked. Pure: it builds a plan.
 *
 * <p>Deterministic keys: the person's own NIR (a pseudonym of kind {@code nir} made only from a
 * {@code nir} column, or a pseudonymized {@code nir} column); the SNDS pair of a {@code nir_psa}
 * pseudonym and the birth rank; a {@code local_id} within its source; and the row of the table
 * named by {@code linkage.person_of}. The first two are person keys: two records holding different
 * values of one are never linked probabilistically.
 */
public final class IdentityRecords {
  public static final String SOURCE = "source";
  public static final String TABLE = "table";
  public static final String RECORD_KEY = "record_key";
  public static final String BATCH = "batch";
  public static final String NIR = "nir";
  public static final String PSA = "psa";
  public static final String KEYS = "keys";
  public static final String LAST_NAMES = "last_names";
  public static final String LAST_PHONS = "last_phons";
  public static final String FIRST_NAMES = "first_names";
  public static final String FIRST_PHONS = "first_phons";
  public static final String BIRTH_DATE = "birth_date";
  public static final String BIRTH_DATE_DM = "birth_date_dm";
  public static final String BIRTH_YEAR = "birth_year";
  public static final String SEX = "sex";
  public static final String POSTCODE = "postcode";
  public static final String DEPT = "dept";
  public static final String RANK = "birth_rank";

  /** The identity fields, in profile order (everything but the record's own names). */
  public static final List<String> FIELDS =
      List.of(
          NIR,
          PSA,
          KEYS,
          LAST_NAMES,
          LAST_PHONS,
          FIRST_NAMES,
          FIRST_PHONS,
          BIRTH_DATE,
          BIRTH_DATE_DM,
          BIRTH_YEAR,
          SEX,
          POSTCODE,
          DEPT,
          RANK);

  private IdentityRecords() {}

  /**
   * Whether linkage indexes the table's records: it needs a key (to name each record) and either an
   * identity field or a {@code person_of} table.
   */
  public static boolean indexed(TableConfig table) {
    return !table.key().isEmpty() && (hasIdentity(table) || table.linkage().personOf() != null);
  }

  /** Whether the table has a column or pseudonym that linkage can use. */
  public static boolean hasIdentity(TableConfig table) {
    boolean roles =
        table.columns().stream()
            .anyMatch(c -> c.role() != null && c.role() != IdentifierRole.INSURED_NIR);
    return roles || table.pseudonyms().stream().anyMatch(p -> isPersonKey(table, p) != null);
  }

  /**
   * The identity records of one table.
   *
   * @param rows the warehouse table, with its batch and record key columns
   * @param childLinks the {@code on} column lists of the tables that take their person from this
   *     one, so that this table's rows carry the keys those tables match
   */
  public static Dataset<Row> of(
      SourceConfig source, TableConfig table, Dataset<Row> rows, List<List<String>> childLinks) {
    List<Column> nirs = new ArrayList<>();
    List<Column> psas = new ArrayList<>();
    List<Column> locals = new ArrayList<>();
    List<Column> lasts = new ArrayList<>();
    List<Column> lastPhons = new ArrayList<>();
    List<Column> firsts = new ArrayList<>();
    List<Column> firstPhons = new ArrayList<>();
    List<Column> dates = new ArrayList<>();
    List<Column> dms = new ArrayList<>();
    List<Column> years = new ArrayList<>();
    List<Column> sexes = new ArrayList<>();
    List<Column> postcodes = new ArrayList<>();
    List<Column> depts = new ArrayList<>();
    List<Column> ranks = new ArrayList<>();
    for (ColumnConfig c : table.columns()) {
      if (c.role() == null || c.fate() == Fate.DROP) {
        continue;
      }
      Column v = col(c.name());
      boolean hashed = c.fate() == Fate.PSEUDONYMIZE;
      switch (c.role()) {
        case NIR -> {
          if (hashed) {
            nirs.add(v);
          }
        }
        case LOCAL_ID -> locals.add(v.cast(DataTypes.StringType));
        case LAST_NAME -> {
          if (hashed) {
            lasts.add(v);
            lastPhons.add(col(c.name() + "_phon"));
          }
        }
        case FIRST_NAME -> {
          if (hashed) {
            firsts.add(v);
            firstPhons.add(col(c.name() + "_phon"));
          }
        }
        case BIRTH_DATE -> {
          if (hashed) {
            dates.add(v);
            if (c.type() == ColumnType.DATE) {
              dms.add(col(c.name() + "_dm"));
              years.add(col(c.name() + "_year").cast(DataTypes.IntegerType));
            }
          } else if (c.type() == ColumnType.DATE) {
            years.add(org.apache.spark.sql.functions.year(v));
          }
        }
        case SEX -> sexes.add(hashed ? v : sex(v));
        case POSTCODE -> {
          if (c.fate() == Fate.GENERALIZE) {
            depts.add(v);
          } else if (hashed) {
            postcodes.add(v);
          } else {
            Column p = upper(regexp_replace(trim(v), " ", ""));
            postcodes.add(when(p.rlike("^[0-9A-Z]{3,10}$"), p));
            depts.add(when(p.rlike("^[0-9A-Z]{3,10}$"), IngestTransforms.departement(p)));
          }
        }
        case BIRTH_RANK ->
            ranks.add(regexp_replace(trim(v.cast(DataTypes.StringType)), "^0+(?=\\d)", ""));
        default -> {}
      }
    }
    for (PseudonymConfig p : table.pseudonyms()) {
      String kind = isPersonKey(table, p);
      if (NIR.equals(kind)) {
        nirs.add(col(p.name()));
      } else if (PSA.equals(kind)) {
        psas.add(col(p.name()));
      }
    }
    Column sound = lit(true);
    for (Map.Entry<String, String> e : table.linkage().soundWhen().entrySet()) {
      sound = sound.and(coalesce(trim(col(e.getKey())).equalTo(e.getValue()), lit(false)));
    }
    Column rank = first(ranks, DataTypes.StringType);
    Column nir = when(sound, first(nirs, DataTypes.StringType));
    Column psa = when(sound, first(psas, DataTypes.StringType));
    Column psaKey = when(psa.isNotNull(), concat(psa, lit(":"), coalesce(rank, lit("1"))));
    List<Column> keys = new ArrayList<>();
    keys.add(when(nir.isNotNull(), concat(lit("n:"), nir)));
    keys.add(when(psaKey.isNotNull(), concat(lit("p:"), psaKey)));
    Column local = first(locals, DataTypes.StringType);
    keys.add(when(local.isNotNull(), concat(lit("l:" + source.name() + ":"), local)));
    String parent = table.linkage().personOf();
    if (parent != null) {
      keys.add(parentKey(source.name(), parent, table.linkage().on()));
    }
    for (List<String> on : childLinks) {
      keys.add(parentKey(source.name(), table.name(), on));
    }
    // Rows without a record key (a key part was missing) cannot be named in the index.
    return rows.where(col(RecordKeys.COLUMN).isNotNull())
        .select(
            lit(source.name()).as(SOURCE),
            lit(table.name()).as(TABLE),
            col(RecordKeys.COLUMN).as(RECORD_KEY),
            col(IngestJob.BATCH).as(BATCH),
            nir.as(NIR),
            psaKey.as(PSA),
            array_compact(array(keys.toArray(new Column[0]))).as(KEYS),
            set(lasts).as(LAST_NAMES),
            set(lastPhons).as(LAST_PHONS),
            set(firsts).as(FIRST_NAMES),
            set(firstPhons).as(FIRST_PHONS),
            first(dates, DataTypes.StringType).as(BIRTH_DATE),
            first(dms, DataTypes.StringType).as(BIRTH_DATE_DM),
            first(years, DataTypes.IntegerType).as(BIRTH_YEAR),
            first(sexes, DataTypes.StringType).as(SEX),
            first(postcodes, DataTypes.StringType).as(POSTCODE),
            first(depts, DataTypes.StringType).as(DEPT),
            rank.as(RANK));
  }

  /**
   * {@code nir} when the pseudonym is made only from the person's own NIR, {@code psa} for a {@code
   * nir_psa} pseudonym, else null (an insured person's NIR alone is not the person's).
   */
  static String isPersonKey(TableConfig table, PseudonymConfig p) {
    if (p.kind().equals("nir_psa")) {
      return PSA;
    }
    if (p.kind().equals("nir")
        && p.from().stream()
            .allMatch(
                f -> table.column(f).map(c -> c.role() == IdentifierRole.NIR).orElse(false))) {
      return NIR;
    }
    return null;
  }

  /** The key shared by a row and the row of its {@code person_of} table: a hash of the join. */
  private static Column parentKey(String source, String parent, List<String> on) {
    List<Column> parts = new ArrayList<>();
    for (String c : on) {
      parts.add(coalesce(col(c).cast(DataTypes.StringType), lit("")));
    }
    Column joined = concat_ws("\u001f", parts.toArray(new Column[0]));
    Column allPresent = lit(true);
    for (String c : on) {
      allPresent = allPresent.and(col(c).isNotNull());
    }
    return when(
        allPresent,
        concat(lit("r:" + source + ":" + parent + ":"), sha2(joined, 256).substr(1, 32)));
  }

  /** Normalized sex: 1 (1, M, H) or 2 (2, F); anything else is unknown. */
  static Column sex(Column raw) {
    Column v = upper(trim(raw.cast(DataTypes.StringType)));
    return when(v.isin("1", "M", "H"), lit("1")).when(v.isin("2", "F"), lit("2"));
  }

  private static Column first(List<Column> columns, org.apache.spark.sql.types.DataType type) {
    if (columns.isEmpty()) {
      return lit(null).cast(type);
    }
    return columns.size() == 1
        ? columns.get(0).cast(type)
        : coalesce(columns.toArray(new Column[0])).cast(type);
  }

  private static Column set(List<Column> columns) {
    if (columns.isEmpty()) {
      return org.apache
          .spark
          .sql
          .functions
          .array()
          .cast(DataTypes.createArrayType(DataTypes.StringType));
    }
    return array_distinct(array_compact(array(columns.toArray(new Column[0]))));
  }
}
