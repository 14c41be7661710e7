package org.trame.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.trame.config.ConfigLoader;
import org.trame.config.SourceConfig;
import org.trame.jobs.cli.CommandException;
import org.trame.jobs.spark.SparkExtension;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.pseudo.Pseudonymizer;

/**
 * A landing file read in slices is ingested as it is read whole: the same rows accepted, the same
 * lines quarantined for the same reasons, duplicates found across slices.
 */
@ExtendWith(SparkExtension.class)
class IngestSlicesTest {
  private static final Pseudonymizer P =
      new Pseudonymizer("link-v1", "0123456789abcdef0123456789abcdef".getBytes());

  private static final String SOURCE =
      """
      name: s
      tables:
        - name: t
          files: t*.csv*
          max_quarantine_rate: 1.0
          key: [ID]
          columns:
            - { name: ID, type: integer, required: true }
            - { name: V, type: integer }
      """;

  /** More records than two blocks, so that both slices of a file hold some. */
  private static final int RECORDS = 3 * LandingReader.SLICE_BLOCK;

  @TempDir Path dir;

  private WarehousePaths paths() {
    return new WarehousePaths(
        dir.resolve("landing").toUri().toString(),
        dir.resolve("wh").toUri().toString(),
        dir.resolve("ex").toUri().toString());
  }

  /**
   * Record 5,000 has a bad value; record 8,000 repeats the key of record 50. Records 1-4,096 are
   * the first slice's, 4,097-8,192 the second's.
   */
  private Path land(String batch) throws IOException {
    Path folder = dir.resolve("landing/s").resolve(batch);
    Files.createDirectories(folder);
    StringBuilder text = new StringBuilder("ID;V\n");
    for (int i = 1; i <= RECORDS; i++) {
      text.append(i == 8000 ? 50 : i).append(';').append(i == 5000 ? "x" : i).append('\n');
    }
    Path file = folder.resolve("t.csv.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(text.toString().getBytes(StandardCharsets.UTF_8));
    }
    return file;
  }

  private static Map<String, Long> sizes(Path file) throws IOException {
    return Map.of(file.toUri().toString(), Files.size(file));
  }

  private IngestResult.TableResult ingest(SparkSession spark, String batch) {
    SourceConfig source = ConfigLoader.parse(SOURCE, "s.yaml", SourceConfig.class);
    return IngestJob.run(
            spark, new IngestJob.Request(paths(), source, batch, P, "run-" + batch), line -> {})
        .tables()
        .get(0);
  }

  private List<String> quarantined(SparkSession spark, String batch) {
    List<String> out = new ArrayList<>();
    for (Row r :
        spark
            .read()
            .format("delta")
            .load(paths().quarantineTable("s", "t"))
            .where("batch = '" + batch + "'")
            .orderBy("line")
            .collectAsList()) {
      out.add(r.getAs("line") + " " + r.getList(r.fieldIndex("reasons")));
    }
    return out;
  }

  @Test
  void aFileReadInSlicesIsIngestedAsAWholeRead(SparkSession spark) throws IOException {
    Path whole = land("whole");
    IngestResult.TableResult read = ingest(spark, "whole");

    Path sliced = land("sliced");
    spark.conf().set(LandingReader.SLICE_BYTES_SETTING, "1");
    IngestResult.TableResult inSlices;
    try {
      assertThat(LandingReader.slices(spark, sizes(sliced))).as("slices of the file").hasSize(2);
      inSlices = ingest(spark, "sliced");
    } finally {
      spark.conf().unset(LandingReader.SLICE_BYTES_SETTING);
    }
    assertThat(LandingReader.slices(spark, sizes(whole))).hasSize(1);

    assertThat(inSlices.rowsRead()).isEqualTo(read.rowsRead()).isEqualTo(RECORDS);
    assertThat(inSlices.rowsAccepted()).isEqualTo(read.rowsAccepted()).isEqualTo(RECORDS - 2);
    assertThat(quarantined(spark, "sliced"))
        .isEqualTo(quarantined(spark, "whole"))
        .containsExactly(
            "5001 [V: cannot parse 'x' as an integer]", "8001 [duplicate of t.csv.gz line 51]");
    List<Row> sums =
        spark
            .read()
            .format("delta")
            .load(paths().sourceTable("s", "t"))
            .groupBy("batch")
            .agg(org.apache.spark.sql.functions.sum("V"), org.apache.spark.sql.functions.count("V"))
            .orderBy("batch")
            .collectAsList();
    assertThat(sums).hasSize(2);
    assertThat(sums.get(0).toSeq().drop(1)).isEqualTo(sums.get(1).toSeq().drop(1));
  }

  @Test
  void aSliceSizeThatIsNoPositiveNumberIsAUsageError(SparkSession spark) {
    spark.conf().set(LandingReader.SLICE_BYTES_SETTING, "8MB");
    try {
      assertThatThrownBy(() -> LandingReader.slices(spark, Map.of()))
          .isInstanceOf(CommandException.class)
          .hasMessage(
              "Spark setting spark.trame.ingest.sliceBytes must be a positive number of bytes,"
                  + " not '8MB'");
    } finally {
      spark.conf().unset(LandingReader.SLICE_BYTES_SETTING);
    }
  }
}
