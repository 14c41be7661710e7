package org.trame.config;

import java.util.List;

/**
 * A pseudonym computed from several columns ({@code pseudonyms:} in a table's YAML), such as DCIR's
 * {@code BEN_NIR_PSA} from the insured person's NIR, the beneficiary's birth date and sex.
 *
 * @param name the output column
 * @param kind the domain-separation tag; two tables that must link use the same kind
 * @param from the input columns, in order; each must have a role
 */
public record PseudonymConfig(String name, String kind, List<String> from) {
  public PseudonymConfig {
    Require.nonBlank(name, "name");
    Require.nonBlank(kind, "kind");
    if (!kind.matches("[a-z][a-z0-9_]*")) {
      throw new IllegalArgumentException(
          "pseudonym '"
              + name
              + "': kind must be lower-case letters, digits and '_', got '"
              + kind
              + "'");
    }
    from = List.copyOf(Require.nonEmpty(from, "from"));
  }
}
