package org.trame.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.trame.config.ConfigLoader;
import org.trame.config.SourceConfig;
import org.trame.jobs.spark.SparkExtension;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.pseudo.Pseudonymizer;

/**
 * Two ingests of different batches of one source at once, on a table neither finds and then on the
 * table they made: all land, nothing mixed up.
 */
@ExtendWith(SparkExtension.class)
class IngestConcurrencyTest {
  private static final Pseudonymizer P =
      new Pseudonymizer("link-v1", "0123456789abcdef0123456789abcdef".getBytes());
  private static final SourceConfig SOURCE =
      ConfigLoader.parse(
          """
          name: src
          tables:
            - name: t
              files: t.csv
              columns:
                - { name: ID, type: integer, required: true }
                - { name: NOM, role: last_name }
          """,
          "src.yaml",
          SourceConfig.class);

  @TempDir Path dir;

  @Test
  void differentBatchesOfOneSourceCanRunAtOnce(SparkSession spark) throws Exception {
    WarehousePaths paths =
        new WarehousePaths(
            dir.resolve("landing").toUri().toString(),
            dir.resolve("wh").toUri().toString(),
            dir.resolve("ex").toUri().toString());
    for (String batch : List.of("b0", "b1", "b2")) {
      Path folder = Files.createDirectories(dir.resolve("landing/src").resolve(batch));
      StringBuilder b = new StringBuilder("ID;NOM\n");
      int rows = batch.equals("b1") ? 300 : 200;
      for (int i = 0; i < rows; i++) {
        b.append(i).append(";Nom").append(batch).append(i).append('\n');
      }
      Files.writeString(folder.resolve("t.csv"), b.toString(), StandardCharsets.UTF_8);
    }
    // The table does not exist yet: both runs try to create it, and both batches must land.
    bothAtOnce(spark, paths, "r1", "r2");
    IngestJob.run(spark, new IngestJob.Request(paths, SOURCE, "b0", P, "r0"), l -> {});
    // Reruns of the same two batches on the table they made: each replaces its own partition in a
    // commit of its own, and neither undoes the other.
    bothAtOnce(spark, paths, "r3", "r4");
    List<Row> counts =
        spark
            .read()
            .format("delta")
            .load(paths.sourceTable("src", "t"))
            .groupBy("batch")
            .count()
            .orderBy("batch")
            .collectAsList();
    assertThat(counts.toString()).isEqualTo("[[b0,200], [b1,300], [b2,200]]");
    assertThat(dir.resolve("wh/_staging/r1")).doesNotExist();
  }

  /**
   * Ingests batches b1 (300 rows) and b2 (200 rows) side by side, as runs {@code one}, {@code two}.
   */
  private static void bothAtOnce(SparkSession spark, WarehousePaths paths, String one, String two)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<IngestResult> first =
          pool.submit(
              () ->
                  IngestJob.run(
                      spark, new IngestJob.Request(paths, SOURCE, "b1", P, one), l -> {}));
      Future<IngestResult> second =
          pool.submit(
              () ->
                  IngestJob.run(
                      spark, new IngestJob.Request(paths, SOURCE, "b2", P, two), l -> {}));
      assertThat(first.get().rowsAccepted()).isEqualTo(300);
      assertThat(second.get().rowsAccepted()).isEqualTo(200);
    } finally {
      pool.shutdownNow();
    }
  }
}
