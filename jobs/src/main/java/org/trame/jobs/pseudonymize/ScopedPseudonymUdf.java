package org.trame.jobs.pseudonymize;

import org.apache.spark.sql.api.java.UDF1;
import org.trame.pseudo.Pseudonymizer;

/**
 * The pseudonym of a value as text within a scope (a project's subject ids, one source column's
 * values): {@code kind, scope, value}. Null stays null. The {@link Pseudonymizer} travels with the
 * task and is primed once per deserialized copy.
 */
final class ScopedPseudonymUdf implements UDF1<String, String> {
  private static final long serialVersionUID = 1L;

  private final Pseudonymizer pseudonymizer;
  private final String kind;
  private final String scope;

  ScopedPseudonymUdf(Pseudonymizer pseudonymizer, String kind, String scope) {
    this.pseudonymizer = pseudonymizer;
    this.kind = kind;
    this.scope = scope;
  }

  @Override
  public String call(String value) {
    return value == null ? null : pseudonymizer.pseudonym(kind, scope, value);
  }

  @Override
  public String toString() {
    return "ScopedPseudonymUdf[" + kind + ", " + pseudonymizer + "]";
  }
}
