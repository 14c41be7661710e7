package org.trame.jobs.pseudonymize;

import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.udf;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.trame.pseudo.Pseudonymizer;

/**
 * The record key of a row: a keyed hash of its source, table and declared key values, so that a
 * record can be named across the warehouse (the linkage index, ground truth) without its key, which
 * may hold identifiers. Stable over runs for a given key version, unlike a salted hash.
 */
public final class RecordKeys {
  /** The column holding the record key in source tables and the linkage index. */
  public static final String COLUMN = "_record_key";

  /** The pseudonym kind of record keys. */
  static final String KIND = "record";

  private RecordKeys() {}

  /**
   * The record key expression over the key values as text (typed values written as text: dates in
   * ISO form, integers without leading zeros); an absent part counts as empty.
   */
  public static Column of(
      Pseudonymizer pseudonymizer, String source, String table, List<Column> keyTexts) {
    if (keyTexts.isEmpty()) {
      throw new IllegalArgumentException("A record key needs at least one key column");
    }
    return udf(new KeyUdf(pseudonymizer, source, table), DataTypes.StringType)
        .apply(struct(keyTexts.toArray(new Column[0])));
  }

  /** The same record key computed in plain Java, for tests and tools. */
  public static String of(Pseudonymizer pseudonymizer, String source, String table, String... key) {
    String[] parts = new String[key.length + 2];
    parts[0] = source;
    parts[1] = table;
    for (int i = 0; i < key.length; i++) {
      parts[i + 2] = key[i] == null ? "" : key[i];
    }
    return pseudonymizer.pseudonym(KIND, parts);
  }

  private static final class KeyUdf implements UDF1<Row, String> {
    private static final long serialVersionUID = 1L;
    private final Pseudonymizer pseudonymizer;
    private final String source;
    private final String table;

    KeyUdf(Pseudonymizer pseudonymizer, String source, String table) {
      this.pseudonymizer = pseudonymizer;
      this.source = source;
      this.table = table;
    }

    @Override
    public String call(Row row) {
      String[] key = new String[row.length()];
      for (int i = 0; i < key.length; i++) {
        Object v = row.get(i);
        key[i] = v == null ? null : v.toString();
      }
      return of(pseudonymizer, source, table, key);
    }
  }
}
