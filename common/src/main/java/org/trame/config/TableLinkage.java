package org.trame.config;

import java.util.List;
import java.util.Map;

/**
 * How {@code trame link} treats one table ({@code linkage:} in a table's YAML).
 *
 * @param soundWhen columns and the value each must hold for the row's linkage keys to be trusted,
 *     such as PMSI's return codes ({@code NIR_RET: "0"}); a row failing any of them links only
 *     probabilistically
 * @param personOf another table of the same source whose matching row gives this table's rows their
 *     person, such as a stay's summary table taking the person of its linkage table
 * @param on the columns, declared in both tables, that match a row to its row in {@code personOf}
 */
public record TableLinkage(Map<String, String> soundWhen, String personOf, List<String> on) {
  public TableLinkage {
    soundWhen = soundWhen == null ? Map.of() : Map.copyOf(soundWhen);
    on = on == null ? List.of() : List.copyOf(on);
    if (personOf != null) {
      Require.safeName(personOf, "person_of");
      if (on.isEmpty()) {
        throw new IllegalArgumentException(
            "person_of '"
                + personOf
                + "' needs 'on': the columns that match a row to its row there");
      }
    } else if (!on.isEmpty()) {
      throw new IllegalArgumentException("'on' is only used with 'person_of'");
    }
  }

  /** No linkage settings. */
  public static TableLinkage none() {
    return new TableLinkage(null, null, null);
  }
}
