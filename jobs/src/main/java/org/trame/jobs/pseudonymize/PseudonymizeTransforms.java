package org.trame.jobs.pseudonymize;

import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.udf;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.trame.pseudo.IdentifierRole;
import org.trame.pseudo.Nir;
import org.trame.pseudo.Pseudonymizer;

/**
 * Column expressions that pseudonymize identifiers. Pure: they build expressions, and the job
 * decides where they go.
 */
public final class PseudonymizeTransforms {
  private PseudonymizeTransforms() {}

  /**
   * The pseudonym of one or more identifier columns under {@code kind}: each input normalized by
   * its role, then HMAC-SHA256 over the domain-separated encoding. Null when any input is absent or
   * unusable (a NIR with a wrong control key, an impossible date).
   */
  public static Column pseudonym(
      Pseudonymizer pseudonymizer, String kind, List<IdentifierRole> roles, List<Column> inputs) {
    if (roles.size() != inputs.size()) {
      throw new IllegalArgumentException(
          "Cannot build pseudonym '"
              + kind
              + "': "
              + roles.size()
              + " roles for "
              + inputs.size()
              + " columns");
    }
    if (inputs.size() == 1) {
      // Most pseudonyms take one column: no struct to build and convert on every row.
      return udf(
              new SingleColumnPseudonymUdf(pseudonymizer, kind, roles.get(0)), DataTypes.StringType)
          .apply(inputs.get(0));
    }
    PseudonymUdf f = new PseudonymUdf(pseudonymizer, kind, roles);
    return udf(f, DataTypes.StringType).apply(struct(inputs.toArray(new Column[0])));
  }

  /** The pseudonym of a single column, with its role's name as the kind. */
  public static Column pseudonym(Pseudonymizer pseudonymizer, IdentifierRole role, Column input) {
    return pseudonym(pseudonymizer, role.kind(), List.of(role), List.of(input));
  }

  /**
   * The pseudonym of a column's values as text under {@code kind} within {@code scope}, with no
   * normalization: for values already stored in the warehouse (person ids, record numbers) that a
   * project receives re-pseudonymized with its own key. Null stays null.
   */
  public static Column scopedPseudonym(
      Pseudonymizer pseudonymizer, String kind, String scope, Column value) {
    return udf(new ScopedPseudonymUdf(pseudonymizer, kind, scope), DataTypes.StringType)
        .apply(value.cast(DataTypes.StringType));
  }

  /**
   * The pseudonym of a name's phonetic key (kind {@code name_phon}), for fuzzy linkage: names that
   * sound alike get the same value. Keys are cached per task, since names repeat a lot.
   */
  public static Column phoneticPseudonym(Pseudonymizer pseudonymizer, Column name) {
    return udf(new PhoneticUdf(pseudonymizer), DataTypes.StringType).apply(name);
  }

  /**
   * The NIR check of a column, without the number: {@code VALID}, {@code INVALID_KEY}, {@code
   * MISSING_KEY}, {@code MALFORMED} or {@code ABSENT}.
   */
  public static Column nirStatus(Column nir) {
    UDF1<String, String> check = value -> Nir.check(value).status().name();
    return udf(check, DataTypes.StringType).apply(nir);
  }
}
