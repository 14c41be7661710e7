package org.trame.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.trame.config.ConfigLoader;
import org.trame.config.SourceConfig;
import org.trame.jobs.spark.SparkExtension;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.jobs.testing.LeakScanner;
import org.trame.pseudo.Nir;
import org.trame.pseudo.Pseudonymizer;

/**
 * Hostile landing files beyond the ordinary bad input: huge fields, control characters, a header of
 * a million columns, a gzip bomb, a file name that is not UTF-8. Each ends in a clear message or a
 * quarantined row, in bounded memory, with every row accounted for and no identifier shown.
 */
@ExtendWith(SparkExtension.class)
class HostileInputTest {
  private static final Pseudonymizer P =
      new Pseudonymizer("link-v1", "0123456789abcdef0123456789abcdef".getBytes());
  private static final String NIR = Nir.withKey("2750375114023");
  private static final String HEADER = "ID;NIR;NOM;CODE";
  private static final SourceConfig SOURCE =
      ConfigLoader.parse(
          """
          name: src
          tables:
            - name: t
              files: "*.csv*"
              max_quarantine_rate: 1.0
              columns:
                - { name: ID, type: integer, required: true }
                - { name: NIR, role: nir, fate: pseudonymize }
                - { name: NOM, role: last_name }
                - { name: CODE, codes: [A1, B2] }
          """,
          "src.yaml",
          SourceConfig.class);

  @TempDir Path dir;

  /** Whatever the case did, no identifier of its landing files reached the warehouse. */
  @AfterEach
  void noLandingIdentifierInTheWarehouse() throws IOException {
    LeakScanner scanner = LeakScanner.fromLanding(dir.resolve("landing"), List.of(SOURCE));
    assertThat(scanner.scanFiles(dir.resolve("wh"))).as("identifiers (values not shown)").isEmpty();
  }

  private WarehousePaths paths() {
    return new WarehousePaths(
        dir.resolve("landing").toUri().toString(),
        dir.resolve("wh").toUri().toString(),
        dir.resolve("ex").toUri().toString());
  }

  private Path batch(String batch) throws IOException {
    return Files.createDirectories(dir.resolve("landing/src").resolve(batch));
  }

  private IngestResult ingest(SparkSession spark, String batch) {
    return IngestJob.run(
        spark, new IngestJob.Request(paths(), SOURCE, batch, P, "r-" + batch), l -> {});
  }

  private List<Row> quarantined(SparkSession spark, String batch) {
    return spark
        .read()
        .format("delta")
        .load(paths().quarantineTable("src", "t"))
        .where("batch = '" + batch + "'")
        .orderBy("line")
        .collectAsList();
  }

  @Test
  void aHugeFieldIsQuarantinedAndTheRowsAroundItAreKept(SparkSession spark) throws IOException {
    String huge = "X".repeat(3 << 20);
    Files.writeString(
        batch("huge").resolve("t.csv"),
        HEADER + "\n1;" + NIR + ";Martin;A1\n2;;" + huge + ";A1\n3;;Durand;B2\n",
        StandardCharsets.UTF_8);
    IngestResult r = ingest(spark, "huge");
    assertThat(r.rowsRead()).isEqualTo(r.rowsAccepted() + r.rowsQuarantined());
    assertThat(r.rowsAccepted()).isEqualTo(2);
    List<Row> bad = quarantined(spark, "huge");
    assertThat(bad).hasSize(1);
    String reasons = bad.get(0).getList(bad.get(0).fieldIndex("reasons")).toString();
    assertThat(reasons).contains("line 3").doesNotContain("XXXX");
    assertThat(bad.get(0).toString()).doesNotContain("XXXXXXXX");
  }

  @Test
  void controlCharactersNeverReachAPseudonymOrAMessage(SparkSession spark) throws IOException {
    Files.writeString(
        batch("ctrl").resolve("t.csv"),
        HEADER + "\n1;;Mar\u0000tin\u0007;A1\n2;;Durand;A\u00001\n3;\u001b[2J;Petit;B2\n",
        StandardCharsets.UTF_8);
    IngestResult r = ingest(spark, "ctrl");
    assertThat(r.rowsRead()).isEqualTo(3);
    assertThat(r.rowsRead()).isEqualTo(r.rowsAccepted() + r.rowsQuarantined());
    Row first =
        spark.read().format("delta").load(paths().sourceTable("src", "t")).where("ID = 1").first();
    // Control characters are not letters: the name is normalized to MARTIN.
    assertThat(first.<String>getAs("NOM")).isEqualTo(P.pseudonym("name", "MARTIN"));
    // A reason shows a non-identifying value with its control characters as '?'; the raw text
    // is kept, escaped, in the JSON of raw_values, where it cannot reach a terminal as is.
    List<Row> bad = quarantined(spark, "ctrl");
    assertThat(bad).hasSize(1);
    assertThat(bad.get(0).getList(bad.get(0).fieldIndex("reasons")).toString())
        .isEqualTo("[CODE: unknown code 'A?1']");
    assertThat(bad.get(0).<String>getAs("raw_values")).contains("A\\u00001");
  }

  @Test
  void aHeaderOfAMillionColumnsIsRefusedByName(SparkSession spark) throws IOException {
    StringBuilder header = new StringBuilder(HEADER);
    for (int i = 0; i < 1_000_000; i++) {
      header.append(";C").append(i);
    }
    Files.writeString(
        batch("wide").resolve("t.csv"), header + "\n1;;Martin;A1\n", StandardCharsets.UTF_8);
    assertThatThrownBy(() -> ingest(spark, "wide"))
        .hasMessageContaining("t.csv")
        .hasMessageNotContaining("C999999");
    assertThat(dir.resolve("wh/sources/src/t/batch=wide")).doesNotExist();
  }

  @Test
  void aGzipBombStopsAtTheLineLimit(SparkSession spark) throws IOException {
    // 256 MiB of one endless line, about 0.25 MiB compressed.
    try (OutputStream out =
        new GZIPOutputStream(Files.newOutputStream(batch("bomb").resolve("t.csv.gz")))) {
      out.write((HEADER + "\n1;;").getBytes(StandardCharsets.UTF_8));
      byte[] block = new byte[1 << 20];
      java.util.Arrays.fill(block, (byte) 'A');
      for (int i = 0; i < 256; i++) {
        out.write(block);
      }
    }
    assertThat(Files.size(dir.resolve("landing/src/bomb/t.csv.gz"))).isLessThan(2 << 20);
    System.gc();
    long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    IngestResult r = ingest(spark, "bomb");
    assertThat(r.rowsRead()).isEqualTo(r.rowsAccepted() + r.rowsQuarantined());
    assertThat(r.rowsAccepted()).isZero();
    assertThat(quarantined(spark, "bomb")).hasSize(1);
    Row bomb = quarantined(spark, "bomb").get(0);
    String reasons = bomb.getList(bomb.fieldIndex("reasons")).toString();
    assertThat(reasons).contains("line 2").containsPattern("longer than|too long|limit");
    System.gc();
    long after = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    assertThat(after - before).as("heap kept after the run").isLessThan(128L << 20);
  }

  @Test
  void aFileNameThatIsNotUtf8IsNamedInTheError(SparkSession spark) throws Exception {
    Path folder = batch("latin1");
    Process p =
        new ProcessBuilder(
                "python3",
                "-c",
                "import sys; open(sys.argv[1].encode() + b'/t\\xe9.csv', 'wb')"
                    + ".write(b'ID;NIR;NOM;CODE\\n1;;Martin;A1\\n')",
                folder.toString())
            .inheritIO()
            .start();
    assertThat(p.waitFor()).isZero();
    Files.writeString(
        folder.resolve("t.csv"), "ID;NIR;NOM;CODE\n2;;Durand;B2\n", StandardCharsets.UTF_8);
    // Hadoop cannot open such a name and would skip the file: the batch is refused instead.
    assertThatThrownBy(() -> ingest(spark, "latin1"))
        .hasMessageContaining("the file name 't\uFFFD.csv' is not valid UTF-8")
        .hasMessageContaining("rename it");
    assertThat(dir.resolve("wh/sources/src/t/batch=latin1")).doesNotExist();
  }
}
