package org.trame.jobs.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.trame.config.ConfigLoader;
import org.trame.config.SourceConfig;
import org.trame.jobs.spark.SparkExtension;

/** The leak scanner finds what was planted, wherever it hides, and nothing in clean output. */
@ExtendWith(SparkExtension.class)
class LeakScannerTest {
  private static final SourceConfig SOURCE =
      ConfigLoader.parse(
          """
          name: hosp
          tables:
            - name: patients
              files: "patients*.csv*"
              columns:
                - { name: IPP, role: local_id }
                - { name: NOM, role: last_name }
                - { name: PRENOM, role: first_name }
                - { name: NIR, role: nir }
                - { name: CODE }
          """,
          "hosp.yaml",
          SourceConfig.class);

  @TempDir Path dir;

  private LeakScanner scanner() throws IOException {
    Path batch = Files.createDirectories(dir.resolve("landing/hosp/2023-01"));
    try (OutputStream out =
        new GZIPOutputStream(Files.newOutputStream(batch.resolve("patients.csv.gz")))) {
      out.write(
          ("IPP;NOM;PRENOM;NIR;CODE\n"
                  + "8001701788;Le Goff;Hélène;2 49 12 35 589 789 15;A\n"
                  + "8001765140;\"HAMON\";Michel;122109365286852;B\n")
              .getBytes(StandardCharsets.UTF_8));
    }
    return LeakScanner.fromLanding(dir.resolve("landing"), List.of(SOURCE));
  }

  @Test
  void identifiersAreReadFromTheLandingFilesByRole() throws IOException {
    // NIRs 2491235589789 and 1221093652868; names GOFF, HELENE, HAMON, MICHEL ("Le" is too
    // short to tell from a word); local ids 8001701788 and 8001765140. CODE is no identifier.
    assertThat(scanner().sizes()).containsExactly(2, 4, 2);
  }

  @Test
  void plantedIdentifiersAreFoundInTextAndInDecodedParquet(SparkSession spark) throws IOException {
    LeakScanner scanner = scanner();
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.writeString(out.resolve("log.json"), "{\"msg\":\"patient helene, ward 3\"}");
    Files.writeString(out.resolve("ids.txt"), "ref=X8001765140Y\n");
    Files.writeString(out.resolve("nir.txt"), "value 1 22 10 93 652 868 52 in a message");
    Files.writeString(out.resolve("clean.txt"), "Michelin 2491235589 GOFFS 80017017");
    StructType schema =
        new StructType().add("id", DataTypes.StringType).add("note", DataTypes.StringType);
    spark
        .createDataFrame(
            List.<Row>of(
                RowFactory.create("a1b2", "nothing"),
                RowFactory.create("c3d4", "seen 2491235589789 here")),
            schema)
        .coalesce(1)
        .write()
        .parquet(out.resolve("table").toString());

    List<LeakScanner.Leak> leaks = scanner.scanFiles(out);
    assertThat(leaks)
        .extracting(l -> Path.of(l.where()).getFileName().toString() + ": " + l.kind())
        .containsExactlyInAnyOrder(
            "log.json: name", "ids.txt: local id", "nir.txt: NIR", findPart(out) + ": NIR");
    assertThat(leaks.toString())
        .as("a finding never shows the value")
        .doesNotContain("8001765140")
        .doesNotContain("2491235589789")
        .doesNotContainIgnoringCase("helene");
    assertThat(scanner.scanText("output", "Le Goff")).hasSize(1);
    assertThat(scanner.scanText("output", "all good, 2 rows")).isEmpty();
    // A pseudonym whose letters happen to spell a name is no leak.
    assertThat(scanner.scanText("output", "\"NOM\":\"x9-GOFF_3kQ\"")).isEmpty();
    assertThat(scanner.scanText("output", "Jean-Pierre HAMON")).hasSize(1);
  }

  private static String findPart(Path out) throws IOException {
    try (var files = Files.list(out.resolve("table"))) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("part-") && n.endsWith(".parquet"))
          .findFirst()
          .orElseThrow();
    }
  }
}
