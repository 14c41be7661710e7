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
 * Two ingests of different batches of one source at once, on a table neither finds: both land,
 * nothing mixed up.
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
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<IngestResult> one =
          pool.submit(
              () ->
                  IngestJob.run(
                      spark, new IngestJob.Request(paths, SOURCE, "b1", P, "r1"), l -> {}));
      Future<IngestResult> two =
          pool.submit(
              () ->
                  IngestJob.run(
                      spark, new IngestJob.Request(paths, SOURCE, "b2", P, "r2"), l -> {}));
      assertThat(one.get().rowsAccepted()).isEqualTo(300);
      assertThat(two.get().rowsAccepted()).isEqualTo(200);
    } finally {
      pool.shutdownNow();
    }
    IngestJob.run(spark, new IngestJob.Request(paths, SOURCE, "b0", P, "r0"), l -> {});
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
}
