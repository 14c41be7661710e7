package org.trame.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.trame.config.ConfigException;
import org.trame.config.SourceConfig;
import org.trame.project.ProjectSpec.DisclosureAction;
import org.trame.project.ProjectSpec.Generalization;

/** Project specs checked against the repository's own source configurations. */
class ProjectSpecsTest {
  private static final Path REPO_CONF = Path.of("..", "conf");

  @TempDir Path conf;
  private List<SourceConfig> sources;

  @BeforeEach
  void copySources() throws IOException {
    Files.createDirectories(conf.resolve("sources"));
    Files.createDirectories(conf.resolve("projects"));
    try (var files = Files.list(REPO_CONF.resolve("sources"))) {
      for (Path f : files.toList()) {
        Files.copy(f, conf.resolve("sources").resolve(f.getFileName()));
      }
    }
    sources = SourceConfig.loadAll(conf);
  }

  @Test
  void theExampleProjectsAreValid() {
    List<String> ids = ProjectSpecs.ids(REPO_CONF);
    assertThat(ids).contains("diabetes_care", "hypertension_women");
    for (String id : ids) {
      ProjectSpecs.LoadedSpec loaded = ProjectSpecs.load(REPO_CONF, id, sources);
      assertThat(loaded.spec().id()).isEqualTo(id);
      assertThat(loaded.sha256()).hasSize(64);
    }
    ProjectSpec diabetes = ProjectSpecs.load(REPO_CONF, "diabetes_care", sources).spec();
    assertThat(diabetes.cohort().kind()).isEqualTo("all");
    assertThat(diabetes.cohort().all().get(0).any().get(0).drug().lookup().value())
        .isEqualTo("PHA_ATC_CLA");
    assertThat(diabetes.tables().get(0).columns().get(1).generalize())
        .isEqualTo(Generalization.BAND);
    assertThat(diabetes.disclosure().action()).isEqualTo(DisclosureAction.SUPPRESS);
  }

  @Test
  void aProjectIdThatLeavesTheFolderIsRefused() {
    for (String id : List.of("../sources/dcir", "a/b", "..", ".hidden", "x y")) {
      assertThatThrownBy(() -> ProjectSpecs.load(conf, id, sources))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("plain name");
    }
  }

  @Test
  void theIdInsideMustMatchTheFileName() throws IOException {
    write("p1", spec("p2", columns("BEN_SEX_COD")));
    assertThatThrownBy(() -> load("p1"))
        .hasMessageContaining("p1.yaml line 1, column 1: id: names project 'p2'");
  }

  @Test
  void codePrefixesAreCodesNotSql() throws IOException {
    String text =
        spec("p", columns("BEN_SEX_COD"))
            .replace("prefixes: [A10]", "prefixes: [\"A10' OR 1=1; DROP TABLE x; --\"]");
    write("p", text);
    assertThatThrownBy(() -> load("p"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("p.yaml line 6, column 3: cohort.drug: ")
        .hasMessageContaining("a code prefix is 1 to 20 letters or digits");
  }

  @Test
  void unknownNamesAreReportedWithTheirSpecLine() throws IOException {
    String text =
        spec("p", columns("BEN_SEX_COD", "BEN_NOPE"))
            .replace("table: dcir.ER_PHA_F", "table: dcir.ER_NOPE_F")
            .replace(
                "- table: dcir.IR_BEN_R",
                "- table: nosource.T\n    columns: [A]\n  - table: dcir.IR_BEN_R");
    write("p", text);
    assertThatThrownBy(() -> load("p"))
        .hasMessageContaining(
            "p.yaml line 7, column 5: cohort.drug.table: unknown table 'ER_NOPE_F' in source dcir")
        .hasMessageContaining(
            "line 16, column 5: tables[0].table: unknown source 'nosource' (sources: dcir,")
        .hasMessageContaining(
            "line 21, column 9: tables[1].columns[1]: BEN_NOPE of dcir.IR_BEN_R is not a column")
        .hasMessageContaining("(3 problems)");
  }

  @Test
  void identifiersAndWarehousePseudonymsAreRefused() throws IOException {
    write(
        "p",
        spec("p", columns("BEN_NIR_PSA", "ASS_NIR", "BEN_NAI_DTE_dm", "_record_key", "batch"))
            + "\n");
    assertThatThrownBy(() -> load("p"))
        .hasMessageContaining(
            "tables[0].columns[0]: BEN_NIR_PSA of dcir.IR_BEN_R is a warehouse pseudonym")
        .hasMessageContaining("columns[1]: ASS_NIR of dcir.IR_BEN_R is a direct identifier")
        .hasMessageContaining("columns[2]: BEN_NAI_DTE_dm of dcir.IR_BEN_R is a linkage form")
        .hasMessageContaining("columns[3]: _record_key of dcir.IR_BEN_R is internal")
        .hasMessageContaining("columns[4]: batch of dcir.IR_BEN_R is internal");

    String names =
        spec("p", columns("BEN_SEX_COD"))
            .replace(
                "  - table: dcir.IR_BEN_R",
                "  - table: hospital_eds.patients\n    columns: [NOM_NAISSANCE, IPP]\n"
                    + "  - table: dcir.IR_BEN_R");
    write("p", names);
    assertThatThrownBy(() -> load("p"))
        .hasMessageContaining("NOM_NAISSANCE of hospital_eds.patients is a direct identifier")
        .hasMessageContaining("IPP of hospital_eds.patients is a direct identifier (local_id)");
  }

  @Test
  void potentialIdentifiersAreGeneralizedOrGrantedOneAtATime() throws IOException {
    write("p", spec("p", columns("BEN_SEX_COD", "BEN_DCD_DTE", "BEN_RES_COM", "BEN_NAI_DTE_year")));
    assertThatThrownBy(() -> load("p"))
        .hasMessageContaining("BEN_DCD_DTE is a potential identifier (a date): generalize it")
        .hasMessageContaining("BEN_RES_COM is a potential identifier (a place or birth year)")
        .hasMessageContaining("BEN_NAI_DTE_year is a potential identifier");

    write(
        "p",
        spec(
            "p",
            "\n      - BEN_SEX_COD"
                + "\n      - { name: BEN_DCD_DTE, exact: true }"
                + "\n      - { name: BEN_RES_COM, generalize: departement }"
                + "\n      - { name: BEN_NAI_DTE_year, generalize: band, width: 5 }"));
    assertThat(load("p").spec().tables().get(0).columns()).hasSize(4);
  }

  @Test
  void aGeneralizationMustFitTheColumn() throws IOException {
    write(
        "p",
        spec(
            "p",
            "\n      - BEN_SEX_COD\n      - { name: BEN_RES_DPT, generalize: month }"
                + "\n      - { name: BEN_DCD_DTE, generalize: band, width: 10 }"));
    assertThatThrownBy(() -> load("p"))
        .hasMessageContaining("BEN_RES_DPT: generalize month applies to dates only")
        .hasMessageContaining("BEN_DCD_DTE: generalize band applies to whole numbers only");
  }

  @Test
  void aRecordKeyMayNotGoOutWholeInClear() throws IOException {
    String text =
        spec("p", columns("BEN_SEX_COD"))
            + "  - table: pmsi_mco.T_MCOaaB\n    columns: [ETA_NUM, RSA_NUM, DGN_PAL]\n";
    write("p", text);
    assertThatThrownBy(() -> load("p"))
        .hasMessageContaining(
            "pmsi_mco.T_MCOaaB: ETA_NUM, RSA_NUM together name a warehouse record and would join"
                + " the extract back to it");

    write(
        "p",
        text.replace(
            "[ETA_NUM, RSA_NUM, DGN_PAL]", "[ETA_NUM, { name: RSA_NUM, pseudonymize: true }]"));
    assertThat(load("p").spec().tables()).hasSize(2);
  }

  @Test
  void quasiIdentifiersMustBeExtractColumns() throws IOException {
    write(
        "p",
        spec("p", columns("BEN_SEX_COD"))
            .replace(
                "[dcir.IR_BEN_R.BEN_SEX_COD]",
                "[dcir.IR_BEN_R.BEN_SEX_COD, dcir.IR_BEN_R.BEN_RES_DPT]"));
    assertThatThrownBy(() -> load("p"))
        .hasMessageContaining(
            "disclosure.quasi_identifiers[1]: dcir.IR_BEN_R.BEN_RES_DPT is not a column of the"
                + " extract");
  }

  @Test
  void aQuasiIdentifierDescribesPersons() throws IOException {
    write(
        "p",
        spec("p", columns("BEN_SEX_COD"))
            + "  - table: dcir.IR_PHA_R\n    columns: [PHA_ATC_CLA]\n");
    String text =
        Files.readString(conf.resolve("projects/p.yaml"))
            .replace("[dcir.IR_BEN_R.BEN_SEX_COD]", "[dcir.IR_PHA_R.PHA_ATC_CLA]");
    write("p", text);
    assertThatThrownBy(() -> load("p"))
        .hasMessageContaining(
            "disclosure.quasi_identifiers[0]: dcir.IR_PHA_R.PHA_ATC_CLA is in a reference table");
  }

  @Test
  void aReferenceTableCannotSelectPersons() throws IOException {
    write(
        "p",
        spec("p", columns("BEN_SEX_COD"))
            .replace("table: dcir.ER_PHA_F", "table: dcir.IR_PHA_R")
            .replace("columns: [PHA_PRS_C13]", "columns: [PHA_ATC_CLA]"));
    assertThatThrownBy(() -> load("p"))
        .hasMessageContaining("cohort.drug.table: dcir.IR_PHA_R is a reference table");
  }

  @Test
  void shapeErrorsNameTheLineToo() throws IOException {
    write("p", spec("p", columns("BEN_SEX_COD")).replace("k: 5", "k: 1"));
    assertThatThrownBy(() -> load("p")).hasMessageContaining("'k' must be from 2 to 1000, got 1");
    write("p", spec("p", columns("BEN_SEX_COD")).replace("action: fail", "action: publish"));
    assertThatThrownBy(() -> load("p"))
        .hasMessageContaining("disclosure.action: expected one of fail, suppress, got 'publish'");
    write(
        "p", spec("p", columns("BEN_SEX_COD")).replace("to: \"2023-12-31\"", "to: \"2022-12-31\""));
    assertThatThrownBy(() -> load("p")).hasMessageContaining("'to' (2022-12-31) is before 'from'");
  }

  private ProjectSpecs.LoadedSpec load(String id) {
    return ProjectSpecs.load(conf, id, sources);
  }

  private void write(String id, String text) throws IOException {
    Files.writeString(conf.resolve("projects").resolve(id + ".yaml"), text);
  }

  private static String columns(String... names) {
    StringBuilder b = new StringBuilder();
    for (String n : names) {
      b.append("\n      - ").append(n);
    }
    return b.toString();
  }

  /** A small spec whose only table is IR_BEN_R with these columns (line 18 on). */
  private static String spec(String id, String irBenColumns) {
    return "id: "
        + id
        + "\n"
        + "title: Test project\n"
        + "approval: TEST-1\n"
        + "period: { from: \"2023-01-01\", to: \"2023-12-31\" }\n"
        + "cohort:\n"
        + "  drug:\n"
        + "    table: dcir.ER_PHA_F\n"
        + "    prefixes: [A10]\n"
        + "    columns: [PHA_PRS_C13]\n"
        + "    lookup: { table: dcir.IR_PHA_R, key: PHA_CIP_C13, value: PHA_ATC_CLA }\n"
        + "disclosure:\n"
        + "  quasi_identifiers: [dcir.IR_BEN_R.BEN_SEX_COD]\n"
        + "  k: 5\n"
        + "  action: fail\n"
        + "tables:\n"
        + "  - table: dcir.IR_BEN_R\n"
        + "    columns:"
        + irBenColumns
        + "\n";
  }
}
