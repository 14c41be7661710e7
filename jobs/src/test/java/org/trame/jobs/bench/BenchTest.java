package org.trame.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.trame.config.SourceConfig;
import org.trame.jobs.generate.GenerateJob;
import org.trame.jobs.spark.SparkExtension;
import org.trame.pseudo.Pseudonymizer;

/** The bench's baselines, meter, report and chart, on a small generated batch. */
@ExtendWith(SparkExtension.class)
class BenchTest {
  private static final Pseudonymizer P =
      new Pseudonymizer("link-v1", "0123456789abcdef0123456789abcdef".getBytes());

  @TempDir Path dir;

  @Test
  @SuppressWarnings("unchecked")
  void baselinesRunOnTheLandingFilesAndTheReportAddsUp(SparkSession spark) throws Exception {
    GenerateJob.run(
        spark,
        new GenerateJob.Request(
            dir.toUri().toString(), 200, 1, YearMonth.of(2023, 1), 5, 0.0, false),
        l -> {});
    SourceConfig dcir = SourceConfig.load(Path.of("..", "conf"), "dcir");
    String landing = dir.resolve("landing/dcir/2023-01").toUri().toString();
    Bench bench = new Bench(spark);
    List<Map<String, Object>> scales = new java.util.ArrayList<>();
    for (int scale = 1; scale <= 2; scale++) {
      // Every baseline (and DuckDB's) at the first scale; the second, for the report's growth
      // columns and chart, needs only one stage measured twice.
      for (Bench.Baseline b :
          scale == 1 ? List.of(Bench.Baseline.values()) : List.of(Bench.Baseline.COPY_PARQUET)) {
        String out = dir.resolve("b" + scale + "/" + b.label()).toUri().toString();
        bench.stage(
            b.label(),
            () -> {
              bench.baseline(b, landing, dcir, out, P);
              return null;
            });
      }
      if (scale == 1) {
        bench.duckDb(
            List.of(dcir),
            List.of("2023-01"),
            (source, batch) ->
                dir.resolve("landing").resolve(source).resolve(batch).toUri().toString(),
            dir.resolve("b1"));
      }
      // Stand-ins for the pipeline stages, measured like them.
      long size = scale;
      if (scale == 1) {
        bench.stage(
            "copy_parquet_first_run", () -> spark.range(20_000L).selectExpr("sum(id)").first());
        bench.stage("ingest_first_run", () -> spark.range(200_000L).selectExpr("sum(id)").first());
      }
      bench.stage("ingest", () -> spark.range(100_000L * size).selectExpr("sum(id)").first());
      if (scale == 1) {
        // Run again in the same scale: reported by its median run, here the faster of two.
        bench.stage("ingest", () -> spark.range(10L).selectExpr("sum(id)").first());
      }
      bench.stage("link", () -> spark.range(50_000L * size).selectExpr("sum(id)").first());
      bench.stage("extract", () -> spark.range(10_000L).selectExpr("sum(id)").first());
      scales.add(
          bench.scaleResult(100L * scale, 1000L * scale, 5000L, 800L * scale, 50, Instant.now()));
    }
    assertThat(dir.resolve("b1/copy_parquet/IR_BEN_R")).isDirectory();
    assertThat(dir.resolve("b1/copy_delta/ER_PRS_F/_delta_log")).isDirectory();
    assertThat(dir.resolve("b1/sha2_projection/IR_BEN_R")).isDirectory();
    assertThat(dir.resolve("b1/pseudonym_projection/IR_PHA_R"))
        .as("a table without identifiers is not a hashing baseline")
        .doesNotExist();
    String hashed =
        spark
            .read()
            .parquet(dir.resolve("b1/pseudonym_projection/IR_BEN_R").toString())
            .select("ASS_NIR")
            .first()
            .getString(0);
    assertThat(hashed).hasSize(26);

    Path duck = dir.resolve("b1/duckdb_sha256_projection/dcir/2023-01/IR_BEN_R.parquet");
    assertThat(duck).isRegularFile();
    Row duckRow = spark.read().parquet(duck.toString()).select("ASS_NIR", "BEN_RES_DPT").first();
    assertThat(duckRow.getString(0)).matches("[0-9a-f]{64}");
    assertThat(duckRow.getString(1))
        .as("a column without a role stays as it is")
        .matches("[0-9AB]{2,3}");
    assertThat(
            spark
                .read()
                .parquet(
                    dir.resolve("b1/duckdb_copy_parquet/dcir/2023-01/ER_PRS_F.parquet").toString())
                .count())
        .isEqualTo(
            spark
                .read()
                .format("delta")
                .load(dir.resolve("b1/copy_delta/ER_PRS_F").toString())
                .count());
    Map<?, ?> copy = (Map<?, ?>) ((Map<?, ?>) scales.get(0).get("stages")).get("copy_parquet");
    assertThat((Double) copy.get("seconds")).isPositive();
    assertThat((Long) copy.get("bytes_read")).isPositive();
    assertThat((Long) copy.get("bytes_written")).isPositive();
    assertThat((Long) copy.get("peak_heap_bytes")).isPositive();
    // What collections left in use: positive, and at least what the stage left behind.
    assertThat((Long) copy.get("heap_after_stage_bytes")).isPositive();
    assertThat((Long) copy.get("most_heap_after_gc_bytes"))
        .isGreaterThanOrEqualTo((Long) copy.get("heap_after_stage_bytes"));
    Map<?, ?> ingest = (Map<?, ?>) ((Map<?, ?>) scales.get(0).get("stages")).get("ingest");
    List<?> ingestRuns = (List<?>) ingest.get("runs_seconds");
    assertThat(ingestRuns).hasSize(2);
    assertThat((Double) ingest.get("seconds"))
        .isEqualTo(Math.min((Double) ingestRuns.get(0), (Double) ingestRuns.get(1)));
    assertThat(
            ((Map<?, ?>) ((Map<?, ?>) scales.get(1).get("stages")).get("ingest"))
                .containsKey("runs_seconds"))
        .as("the next scale starts afresh, and a stage run once is reported as it ran")
        .isFalse();
    Map<?, ?> ratios = (Map<?, ?>) scales.get(0).get("ratios");
    assertThat((Double) ratios.get("pseudonyms_vs_sha2")).isPositive();
    assertThat((Double) ratios.get("copy_parquet_vs_duckdb")).isPositive();
    assertThat((Double) ratios.get("first_runs_ingest_vs_copy_parquet")).isPositive();
    assertThat(((Map<?, ?>) scales.get(1).get("ratios")).get("first_runs_ingest_vs_copy_parquet"))
        .as("the first runs are measured once, at the first scale")
        .isNull();
    // A ratio to a stage that did not run this time is null (shown as "-"), not 0 or NaN.
    bench.stage("copy_parquet", () -> spark.range(10).count());
    bench.skip("duckdb_copy_parquet");
    @SuppressWarnings("unchecked")
    Map<String, Object> partial =
        (Map<String, Object>)
            bench.scaleResult(10L, 10L, 10L, 10L, 10L, Instant.now()).get("ratios");
    assertThat(partial).containsEntry("copy_parquet_vs_duckdb", null);
    // A stage that fails: what was measured before it is kept, and it is named with its error.
    bench.stage("copy_parquet", () -> spark.range(10).count());
    IllegalStateException boom = new IllegalStateException("disk full");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                bench.stage(
                    "link",
                    () -> {
                      throw boom;
                    }))
        .isSameAs(boom);
    Map<String, Object> failed = bench.failedScale(10L, boom);
    Map<?, ?> failedStages = (Map<?, ?>) failed.get("stages");
    assertThat(failed.get("failed")).isEqualTo("IllegalStateException: disk full");
    assertThat(((Map<?, ?>) failedStages.get("copy_parquet")).get("seconds")).isNotNull();
    assertThat(failedStages.get("link")).isEqualTo(Map.of("failed", "disk full"));
    assertThat(Bench.table(bench.report(List.of(failed), "4.1.0"))).containsPattern("link +failed");

    Map<String, Object> report = bench.report(scales, "4.1.0");
    Map<?, ?> growth = (Map<?, ?>) ((List<?>) report.get("link_growth")).get(0);
    assertThat(growth.get("link_time_exponent")).isInstanceOf(Double.class);
    assertThat(((Map<?, ?>) report.get("machine")).get("cores"))
        .isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(((Map<?, ?>) report.get("machine")).get("heap_measured"))
        .isEqualTo("driver and executors (one JVM)");
    scales
        .get(1)
        .put("stages", new java.util.LinkedHashMap<>((Map<?, ?>) scales.get(1).get("stages")));
    ((Map<String, Object>) scales.get(1).get("stages"))
        .put("duckdb_copy_parquet", Map.of("skipped", "not in this jar"));
    String table = Bench.table(report);
    assertThat(table).containsPattern("duckdb_copy_parquet +[0-9.]+ +skipped");
    assertThat(table)
        .contains("copy_parquet")
        .contains("ingest_vs_copy_parquet")
        .contains("records^");
    byte[] png = bench.chart(scales);
    assertThat(new String(png, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
    Files.write(dir.resolve("bench.png"), png);
    assertThat(javax.imageio.ImageIO.read(dir.resolve("bench.png").toFile()).getWidth())
        .isEqualTo(900);
  }

  @Test
  void theMedianOfAnEvenCountIsTheFasterMiddleRunWithItsOwnFigures() {
    List<Map<String, Object>> runs =
        List.of(
            Map.of("seconds", 4.0, "bytes_read", 40L),
            Map.of("seconds", 1.0, "bytes_read", 10L),
            Map.of("seconds", 3.0, "bytes_read", 30L),
            Map.of("seconds", 2.0, "bytes_read", 20L));
    Map<String, Object> median = Bench.median(runs);
    assertThat(median)
        .containsEntry("seconds", 2.0)
        .containsEntry("bytes_read", 20L)
        .containsEntry("runs_seconds", List.of(4.0, 1.0, 3.0, 2.0));
  }
}
