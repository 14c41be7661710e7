package org.trame.jobs.pseudonymize;

import org.apache.spark.sql.api.java.UDF1;
import org.trame.pseudo.IdentifierRole;
import org.trame.pseudo.Pseudonymizer;

/**
 * {@link PseudonymUdf} for a pseudonym of one column: the same value for the same input, without
 * wrapping each row's value in a struct that Spark turns into a {@code Row} on every call. Spark
 * hands it the column's external value (a {@code String}, a {@code java.sql.Date}, ...), as it
 * hands the struct's fields to {@link PseudonymUdf}, and both normalize its text.
 */
final class SingleColumnPseudonymUdf implements UDF1<Object, String> {
  private static final long serialVersionUID = 1L;

  private final Pseudonymizer pseudonymizer;
  private final String kind;
  private final IdentifierRole role;

  SingleColumnPseudonymUdf(Pseudonymizer pseudonymizer, String kind, IdentifierRole role) {
    this.pseudonymizer = pseudonymizer;
    this.kind = kind;
    this.role = role;
  }

  @Override
  public String call(Object value) {
    String part = value == null ? null : role.normalize(value.toString());
    return part == null ? null : pseudonymizer.pseudonym(kind, part);
  }

  @Override
  public String toString() {
    return "SingleColumnPseudonymUdf[" + kind + ", " + pseudonymizer + "]";
  }
}
