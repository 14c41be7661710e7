package org.trame.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.trame.config.ConfigLoader;
import org.trame.config.SourceConfig;
import org.trame.jobs.cli.CommandException;
import org.trame.jobs.cli.ExitCode;
import org.trame.jobs.spark.SparkExtension;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.jobs.testing.LeakScanner;
import org.trame.pseudo.Nir;
import org.trame.pseudo.Pseudonymizer;

/** The bad-input list of ingest: each case named, rows accounted for, no identifier in reasons. */
@ExtendWith(SparkExtension.class)
class IngestBadInputTest {
  private static final Pseudonymizer P =
      new Pseudonymizer("link-v1", "0123456789abcdef0123456789abcdef".getBytes());
  private static final String NIR = Nir.withKey("1850578006048");
  private static final String HEADER = "ID;NIR;NOM;NAISSANCE;SOIN_DEBUT;SOIN_FIN;CODE";

  private static String source(double limit) {
    return """
        name: src
        tables:
          - name: t
            files: t*.csv*
            max_quarantine_rate: %s
            quarantine_allowance: 0
            date_order: [{ first: SOIN_DEBUT, then: SOIN_FIN }]
            columns:
              - { name: ID, type: integer, required: true, min: "1" }
              - { name: NIR, role: nir, fate: pseudonymize }
              - { name: NOM, role: last_name }
              - { name: NAISSANCE, type: date, role: birth_date, fate: drop }
              - { name: SOIN_DEBUT, type: date, min: "2000-01-01" }
              - { name: SOIN_FIN, type: date }
              - { name: CODE, codes: [A1, B2], pattern: "[A-Z][0-9]" }
        """
        .formatted(limit);
  }

  @TempDir Path dir;

  /** Whatever the case did, no identifier of its landing files reached the warehouse. */
  @AfterEach
  void noLandingIdentifierInTheWarehouse() throws IOException {
    LeakScanner scanner =
        LeakScanner.fromLanding(
            dir.resolve("landing"),
            List.of(ConfigLoader.parse(source(1.0), "src.yaml", SourceConfig.class)));
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

  private IngestResult ingest(SparkSession spark, String batch, double limit) {
    SourceConfig config = ConfigLoader.parse(source(limit), "src.yaml", SourceConfig.class);
    return IngestJob.run(
        spark, new IngestJob.Request(paths(), config, batch, P, "r-" + batch), l -> {});
  }

  private static void gz(Path file, byte[] content) throws IOException {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(content);
    }
  }

  private static byte[] text(Charset charset, String... lines) {
    return (String.join("\n", lines) + "\n").getBytes(charset);
  }

  private List<Row> quarantineRows(SparkSession spark, String batch) {
    return spark
        .read()
        .format("delta")
        .load(paths().quarantineTable("src", "t"))
        .where("batch = '" + batch + "'")
        .collectAsList();
  }

  private Map<Long, String> quarantine(SparkSession spark, String batch) {
    Map<Long, String> out = new TreeMap<>();
    for (Row r : quarantineRows(spark, batch)) {
      out.put(r.getAs("line"), r.getList(r.fieldIndex("reasons")).toString());
    }
    return out;
  }

  /** Each quarantined line's reason codes, sorted. */
  private Map<Long, List<String>> codes(SparkSession spark, String batch) {
    Map<Long, List<String>> out = new TreeMap<>();
    for (Row r : quarantineRows(spark, batch)) {
      List<String> codes =
          new java.util.ArrayList<>(r.<String>getList(r.fieldIndex("reason_codes")));
      assertThat(codes).hasSameSizeAs(r.getList(r.fieldIndex("reasons")));
      java.util.Collections.sort(codes);
      out.put(r.getAs("line"), codes);
    }
    return out;
  }

  @Test
  void eachBadLineIsQuarantinedWithItsLineAndReason(SparkSession spark) throws IOException {
    byte[] content =
        text(
            StandardCharsets.UTF_8,
            HEADER,
            "1;" + NIR + ";Martin;1985-05-12;2023-01-02;2023-01-03;A1",
            "2;" + NIR + ";Martin;1985-05-12;2023-01-02",
            "3;" + NIR + ";\"Martin;1985-05-12;2023-01-02;2023-01-03;A1",
            "4;" + NIR + ";\"Mar\ntin\";1985-05-12;2023-01-02;2023-01-03;A1",
            "5;" + NIR + ";Martin;1985-02-30;2023-02-30;2023-01-03;A1",
            "6;" + NIR + ";Martin;1985-05-12;2023-01-05;2023-01-03;Z9",
            "7;" + NIR.substring(0, 13) + "99;Martin;1985-05-12;2023-01-02;2023-01-03;a1",
            "0;" + NIR + ";Martin;1985-05-12;1999-01-02;2023-01-03;B2",
            ";;;;;;",
            "10;" + NIR + ";Martin;1985-05-12;2023-01-02;2023-01-03;B2");
    gz(batch("b1").resolve("t.csv.gz"), content);
    IngestResult r = ingest(spark, "b1", 1.0);
    IngestResult.TableResult t = r.tables().get(0);
    assertThat(t.rowsRead()).isEqualTo(10);
    assertThat(t.rowsAccepted() + t.rowsQuarantined()).isEqualTo(10);
    Map<Long, String> q = quarantine(spark, "b1");
    assertThat(q.get(3L)).contains("line 3: 5 fields, the header has 7");
    assertThat(q.get(4L)).contains("line 4, column 19: quote opened here is never closed");
    assertThat(q.get(7L))
        .contains("NAISSANCE: not a valid date (yyyy-MM-dd) (identifier value not shown)")
        .contains("SOIN_DEBUT: cannot parse '2023-02-30' as date (yyyy-MM-dd)");
    assertThat(q.get(8L))
        .contains("SOIN_FIN: before SOIN_DEBUT")
        .contains("CODE: unknown code 'Z9'");
    assertThat(q.get(9L))
        .contains("CODE: unknown code 'a1'")
        .contains("CODE: 'a1' does not match [A-Z][0-9]");
    assertThat(q.get(10L))
        .contains("ID: '0' is below 1")
        .contains("SOIN_DEBUT: '1999-01-02' is below 2000-01-01");
    assertThat(q.get(11L)).contains("ID: required value missing");
    assertThat(q).doesNotContainKeys(2L, 5L, 12L);
    Map<Long, List<String>> codes = codes(spark, "b1");
    assertThat(codes.get(3L)).containsExactly("field_count");
    assertThat(codes.get(4L)).containsExactly("quoting");
    assertThat(codes.get(7L)).containsExactly("unparsable", "unparsable");
    assertThat(codes.get(8L)).containsExactly("date_order", "unknown_code");
    assertThat(codes.get(9L)).containsExactly("pattern", "unknown_code");
    assertThat(codes.get(10L)).containsExactly("out_of_range", "out_of_range");
    assertThat(codes.get(11L)).containsExactly("required");
    assertThat(q.toString()).doesNotContain(NIR).doesNotContain("1985").doesNotContain("Martin");
    // The embedded line break (lines 5-6) is one record, accepted; the invalid NIR key too.
    List<Row> accepted =
        spark
            .read()
            .format("delta")
            .load(paths().sourceTable("src", "t"))
            .where("batch = 'b1'")
            .orderBy("ID")
            .collectAsList();
    assertThat(accepted).extracting(x -> x.<Long>getAs("ID")).containsExactly(1L, 4L, 10L);
    assertThat(accepted.get(1).<String>getAs("NOM")).isEqualTo(P.pseudonym("name", "MARTIN"));
    assertThat(accepted.get(1).<String>getAs("NOM_phon"))
        .isEqualTo(P.pseudonym("name_phon", org.trame.pseudo.Phonetics.french("MARTIN")));
  }

  @Test
  void wrongCharsetBomAndHeaderOnly(SparkSession spark) throws IOException {
    Path b = batch("b2");
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    byte[] body =
        text(
            StandardCharsets.ISO_8859_1,
            HEADER,
            "1;" + NIR + ";Hélène;1985-05-12;2023-01-02;2023-01-03;A1");
    byte[] file = Arrays.copyOf(bom, bom.length + body.length);
    System.arraycopy(body, 0, file, bom.length, body.length);
    Files.write(b.resolve("t1.csv"), file);
    Files.write(b.resolve("t2.csv"), text(StandardCharsets.UTF_8, HEADER));
    IngestResult r = ingest(spark, "b2", 1.0);
    assertThat(r.tables().get(0).rowsRead()).isEqualTo(1);
    assertThat(quarantine(spark, "b2").get(2L))
        .contains("line 2, not valid UTF-8 text (check the declared charset)");
    assertThat(codes(spark, "b2").get(2L)).containsExactly("charset");
  }

  @Test
  void overTheThresholdNothingIsCommittedAndTopReasonsAreGiven(SparkSession spark)
      throws IOException {
    gz(
        batch("b3").resolve("t.csv.gz"),
        text(
            StandardCharsets.UTF_8,
            HEADER,
            "1;x;y;1985-05-12;2023-01-01;2023-01-02;Q9",
            "2;x;y;1985-05-12;2023-01-01;2023-01-02;A1"));
    assertThatThrownBy(() -> ingest(spark, "b3", 0.05))
        .isInstanceOfSatisfying(
            CommandException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.DATA_REJECTED))
        .hasMessageContaining(
            "Cannot ingest table t: 1 of 2 rows rejected (50.0%, limit 5.0%); nothing was committed")
        .hasMessageContaining("1  CODE: unknown code '…'");
    assertThat(dir.resolve("wh/sources/src/t/batch=b3")).doesNotExist();
  }

  @Test
  void truncatedGzipRejectsTheBatch(SparkSession spark) throws IOException {
    ByteArrayOutputStream whole = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(whole)) {
      StringBuilder b = new StringBuilder(HEADER + "\n");
      for (int i = 1; i < 5000; i++) {
        b.append(i).append(";;Nom").append(i).append(";;2023-01-01;2023-01-02;A1\n");
      }
      out.write(b.toString().getBytes(StandardCharsets.UTF_8));
    }
    byte[] bytes = whole.toByteArray();
    Files.write(batch("b4").resolve("t.csv.gz"), Arrays.copyOf(bytes, bytes.length / 2));
    assertThatThrownBy(() -> ingest(spark, "b4", 1.0))
        .isInstanceOfSatisfying(
            CommandException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.DATA_REJECTED))
        .hasMessageMatching(
            "Cannot ingest table t: t\\.csv\\.gz cannot be read after line \\d+ .*is it truncated\\?; nothing was committed");
  }

  @Test
  void emptyFileAndMissingFilesAreNamed(SparkSession spark) throws IOException {
    Files.write(batch("b5").resolve("t.csv"), new byte[0]);
    assertThatThrownBy(() -> ingest(spark, "b5", 1.0))
        .hasMessageContaining("t.csv: the file is empty (not even a header line)");
    batch("b6");
    assertThatThrownBy(() -> ingest(spark, "b6", 1.0))
        .hasMessageContaining("no file matching 't*.csv*'");
  }

  @Test
  void fileDeliveredTwiceIsRefused(SparkSession spark) throws IOException {
    Path b = batch("b7");
    byte[] content = text(StandardCharsets.UTF_8, HEADER, "1;;x;;2023-01-01;2023-01-02;A1");
    Files.write(b.resolve("t.csv"), content);
    Files.write(b.resolve("t_copy.csv"), content);
    SourceConfig config = ConfigLoader.parse(source(1.0), "src.yaml", SourceConfig.class);
    assertThatThrownBy(
            () ->
                IngestJob.fingerprint(spark, new IngestJob.Request(paths(), config, "b7", P, "r")))
        .hasMessageContaining("t_copy.csv: same content as")
        .hasMessageContaining("(a file delivered twice?)");
  }

  @Test
  void symbolicLinksInLandingAreRefused(SparkSession spark) throws IOException {
    Path b = batch("b8");
    Path real = Files.write(dir.resolve("elsewhere.csv"), text(StandardCharsets.UTF_8, HEADER));
    Files.createSymbolicLink(b.resolve("t.csv"), real);
    assertThatThrownBy(() -> ingest(spark, "b8", 1.0))
        .hasMessageContaining("symbolic links are not read in landing");
  }
}
