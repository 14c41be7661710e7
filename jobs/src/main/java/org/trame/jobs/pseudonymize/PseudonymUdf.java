package org.trame.jobs.pseudonymize;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.trame.pseudo.IdentifierRole;
import org.trame.pseudo.Pseudonymizer;

/**
 * Normalizes each field of a struct by its role and returns the keyed-hash pseudonym of the parts,
 * or null when any part is absent or unusable. The {@link Pseudonymizer} (key included) travels
 * with the task; its primed HMAC states are built once per deserialized copy, never per row.
 */
final class PseudonymUdf implements UDF1<Row, String> {
  private static final long serialVersionUID = 1L;

  private final Pseudonymizer pseudonymizer;
  private final String kind;
  private final IdentifierRole[] roles;

  PseudonymUdf(Pseudonymizer pseudonymizer, String kind, List<IdentifierRole> roles) {
    this.pseudonymizer = pseudonymizer;
    this.kind = kind;
    this.roles = roles.toArray(new IdentifierRole[0]);
  }

  @Override
  public String call(Row row) {
    String[] parts = new String[roles.length];
    for (int i = 0; i < roles.length; i++) {
      Object value = row.get(i);
      parts[i] = value == null ? null : roles[i].normalize(value.toString());
      if (parts[i] == null) {
        return null;
      }
    }
    return pseudonymizer.pseudonym(kind, parts);
  }

  @Override
  public String toString() {
    return "PseudonymUdf[" + kind + ", " + pseudonymizer + "]";
  }
}
