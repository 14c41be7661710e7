package org.trame.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.trame.pseudo.IdentifierRole;

class SourceConfigTest {
  private static final String SOURCE =
      """
      name: dcir
      tables:
        - name: IR_BEN_R
          files: IR_BEN_R*.csv*
          columns:
            - name: NIR_OD
              role: nir
              fate: drop
            - name: BEN_NAI_DTE
              type: date
              format: dd/MM/yyyy
              role: birth_date
              fate: drop
            - name: BEN_SEX_COD
              role: sex
              fate: keep
          pseudonyms:
            - name: BEN_NIR_PSA
              kind: nir_psa
              from: [NIR_OD, BEN_NAI_DTE, BEN_SEX_COD]
      """;

  @Test
  void readsRolesFatesAndPseudonyms() {
    SourceConfig s = ConfigLoader.parse(SOURCE, "dcir.yaml", SourceConfig.class);
    TableConfig t = s.table("IR_BEN_R").orElseThrow();
    assertThat(t.format().delimiter()).isEqualTo(";");
    assertThat(t.column("NIR_OD").orElseThrow().role()).isEqualTo(IdentifierRole.NIR);
    assertThat(t.column("BEN_SEX_COD").orElseThrow().fate()).isEqualTo(Fate.KEEP);
    assertThat(t.pseudonyms().get(0).from())
        .containsExactly("NIR_OD", "BEN_NAI_DTE", "BEN_SEX_COD");
  }

  @Test
  void refusesKeepingADirectIdentifier() {
    String yaml = SOURCE.replaceFirst("fate: drop", "fate: keep");
    assertThatThrownBy(() -> ConfigLoader.parse(yaml, "dcir.yaml", SourceConfig.class))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("dcir.yaml line ")
        .hasMessageContaining("tables[0].columns[0]: column 'NIR_OD' holds a direct identifier");
  }

  @Test
  void refusesUnknownRoleListingTheKnownOnes() {
    String yaml = SOURCE.replace("role: sex", "role: gender");
    assertThatThrownBy(() -> ConfigLoader.parse(yaml, "dcir.yaml", SourceConfig.class))
        .hasMessageContaining("dcir.yaml line 15, column 9:")
        .hasMessageContaining(
            "tables[0].columns[2].role: expected one of nir, insured_nir, birth_date");
  }

  @Test
  void refusesPseudonymOfUnknownColumn() {
    String yaml = SOURCE.replace("from: [NIR_OD,", "from: [NIR,");
    assertThatThrownBy(() -> ConfigLoader.parse(yaml, "dcir.yaml", SourceConfig.class))
        .hasMessageContaining("pseudonym 'BEN_NIR_PSA' uses unknown column 'NIR'");
  }

  @Test
  void refusesPathsInNames() {
    String yaml = SOURCE.replace("name: dcir", "name: ../etc");
    assertThatThrownBy(() -> ConfigLoader.parse(yaml, "dcir.yaml", SourceConfig.class))
        .hasMessageContaining("must be a plain name");
    String files = SOURCE.replace("files: IR_BEN_R*.csv*", "files: ../x.csv");
    assertThatThrownBy(() -> ConfigLoader.parse(files, "dcir.yaml", SourceConfig.class))
        .hasMessageContaining("inside the batch folder");
  }
}
