package org.trame.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TableLinkageTest {
  private static final String SOURCE =
      """
      name: s
      tables:
        - name: stays
          files: stays*.csv
          key: [ID]
          linkage: { sound_when: { RET: "0" } }
          columns:
            - { name: ID }
            - { name: RET }
        - name: diagnoses
          files: dgn*.csv
          linkage: { person_of: %s, on: [%s] }
          columns:
            - { name: ID }
            - { name: CODE }
      """;

  @Test
  void aParentTableAndTrustConditionsAreRead() {
    SourceConfig s =
        ConfigLoader.parse(SOURCE.formatted("stays", "ID"), "s.yaml", SourceConfig.class);
    assertThat(s.table("diagnoses").orElseThrow().linkage().personOf()).isEqualTo("stays");
    assertThat(s.table("stays").orElseThrow().linkage().soundWhen()).containsEntry("RET", "0");
  }

  @Test
  void anUnknownParentOrJoinColumnIsRefusedWithItsLine() {
    assertThatThrownBy(
            () ->
                ConfigLoader.parse(SOURCE.formatted("nowhere", "ID"), "s.yaml", SourceConfig.class))
        .hasMessageContaining("unknown table 'nowhere'");
    assertThatThrownBy(
            () ->
                ConfigLoader.parse(SOURCE.formatted("stays", "CODE"), "s.yaml", SourceConfig.class))
        .hasMessageContaining("'CODE' is not declared in 'stays'");
  }
}
