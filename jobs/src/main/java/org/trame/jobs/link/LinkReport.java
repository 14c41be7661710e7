package org.trame.jobs.link;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.substring_index;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.delta.tables.DeltaTable;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.trame.config.LinkageConfig;

/**
 * The quality report of a link run: link rates per source and table, records by method, unlinked
 * records, ambiguous and conflicting matches, twins, merges and splits, and the estimated model.
 * Kept as JSON in {@code warehouse/linkage/reports}, one row per run. Counts only: no identifier.
 */
public final class LinkReport {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final List<String> METHODS =
      List.of("deterministic", "probabilistic", "singleton");

  private LinkReport() {}

  static Map<String, Object> build(
      Dataset<Row> index,
      Dataset<Row> records,
      String runId,
      Map<String, Long> counts,
      Dataset<Row> events,
      Map<String, Object> model,
      LinkageConfig settings) {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("link_run_id", runId);
    report.put("created", Instant.now().toString());
    Dataset<Row> spread =
        index.groupBy("person_id").agg(countDistinct("source").as("sources")).cache();
    Row totals =
        spread
            .agg(
                count(lit(1)).as("persons"),
                sum(when(col("sources").gt(1), 1).otherwise(0)).as("several"))
            .first();
    Dataset<Row> withSpread = index.join(spread, "person_id");
    Map<String, Object> bySource = new LinkedHashMap<>();
    Map<String, Object> byTable = new LinkedHashMap<>();
    Map<String, Long> byMethod = new LinkedHashMap<>();
    METHODS.forEach(m -> byMethod.put(m, 0L));
    long total = 0;
    for (String level : List.of("source", "table")) {
      Column name =
          level.equals("source")
              ? col("source")
              : org.apache.spark.sql.functions.concat(col("source"), lit("."), col("table"));
      Dataset<Row> grouped =
          withSpread
              .groupBy(name.as("name"))
              .agg(
                  count(lit(1)).as("records"),
                  sum(when(col("sources").gt(1), 1).otherwise(0)).as("other"),
                  sum(when(col("method").equalTo("deterministic"), 1).otherwise(0)).as("d"),
                  sum(when(col("method").equalTo("probabilistic"), 1).otherwise(0)).as("p"),
                  sum(when(col("method").equalTo("singleton"), 1).otherwise(0)).as("s"));
      for (Row r : grouped.orderBy("name").collectAsList()) {
        long n = r.getLong(r.fieldIndex("records"));
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("records", n);
        one.put("linked_to_other_sources", r.getLong(r.fieldIndex("other")));
        one.put("link_rate", round(r.getLong(r.fieldIndex("other")) / (double) Math.max(1, n)));
        one.put("deterministic", r.getLong(r.fieldIndex("d")));
        one.put("probabilistic", r.getLong(r.fieldIndex("p")));
        one.put("singleton", r.getLong(r.fieldIndex("s")));
        (level.equals("source") ? bySource : byTable).put(r.getString(r.fieldIndex("name")), one);
        if (level.equals("source")) {
          total += n;
          byMethod.merge("deterministic", r.getLong(r.fieldIndex("d")), Long::sum);
          byMethod.merge("probabilistic", r.getLong(r.fieldIndex("p")), Long::sum);
          byMethod.merge("singleton", r.getLong(r.fieldIndex("s")), Long::sum);
        }
      }
    }
    report.put("records", total);
    report.put("persons", totals.getLong(0));
    report.put("persons_in_several_sources", totals.getLong(1));
    report.put("by_method", byMethod);
    report.put("unlinked_records", byMethod.get("singleton"));
    report.put("by_source", bySource);
    report.put("by_table", byTable);
    Map<String, Object> matching = new LinkedHashMap<>(counts);
    report.put("matching", matching);
    long twins =
        records
            .where(col(IdentityRecords.PSA).isNotNull())
            .select(
                substring_index(col(IdentityRecords.PSA), ":", 1).as("insured_key"),
                substring_index(col(IdentityRecords.PSA), ":", -1).as("rank"))
            .groupBy("insured_key")
            .agg(countDistinct("rank").as("ranks"))
            .where(col("ranks").gt(1))
            .count();
    report.put("twin_groups", twins);
    Map<String, Long> eventCounts = new LinkedHashMap<>();
    eventCounts.put("merge", 0L);
    eventCounts.put("split", 0L);
    for (Row r : events.groupBy("event").count().collectAsList()) {
      eventCounts.put(r.getString(0), r.getLong(1));
    }
    report.put("person_events", eventCounts);
    report.put("model", model);
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("match_threshold", settings.matchThreshold());
    s.put("review_threshold", settings.reviewThreshold());
    s.put("ambiguity_margin", settings.ambiguityMargin());
    s.put("max_block_size", settings.maxBlockSize());
    report.put("settings", s);
    spread.unpersist();
    return report;
  }

  /**
   * The distribution of the candidate pairs' match weights (log2 Bayes factor, prior included) in
   * bins one bit wide, with the thresholds as weights: what a reviewer checks first, whether
   * matches and non-matches separate and where the thresholds cut.
   */
  static Map<String, Object> weightHistogram(Dataset<Row> scored, LinkageConfig settings) {
    List<Row> rows =
        scored
            .select(floor(col("match_weight")).cast("long").as("bin"))
            .groupBy("bin")
            .count()
            .orderBy("bin")
            .collectAsList();
    List<Map<String, Object>> bins = new java.util.ArrayList<>();
    for (Row r : rows) {
      Map<String, Object> bin = new LinkedHashMap<>();
      bin.put("from", r.getLong(0));
      bin.put("pairs", r.getLong(1));
      bins.add(bin);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("bin_width", 1);
    out.put("match_threshold_weight", round(log2Odds(settings.matchThreshold())));
    out.put("review_threshold_weight", round(log2Odds(settings.reviewThreshold())));
    out.put("bins", bins);
    return out;
  }

  private static double log2Odds(double p) {
    return Math.log(p / (1 - p)) / Math.log(2);
  }

  static void save(SparkSession spark, String path, String runId, Map<String, Object> report) {
    StructType schema =
        new StructType()
            .add("link_run_id", DataTypes.StringType)
            .add("created", DataTypes.StringType)
            .add("report", DataTypes.StringType);
    Row row = RowFactory.create(runId, String.valueOf(report.get("created")), toJson(report));
    spark.createDataFrame(List.of(row), schema).write().format("delta").mode("append").save(path);
  }

  /**
   * The report of a run, or when {@code runId} is null of the latest run not in {@code
   * unfinishedRuns} (links that failed or were killed).
   */
  public static Optional<Map<String, Object>> load(
      SparkSession spark, String path, String runId, java.util.Set<String> unfinishedRuns) {
    if (!DeltaTable.isDeltaTable(spark, path)) {
      return Optional.empty();
    }
    Dataset<Row> reports = spark.read().format("delta").load(path);
    if (runId != null) {
      reports = reports.where(col("link_run_id").equalTo(runId));
    } else if (!unfinishedRuns.isEmpty()) {
      // The latest finished link's: a link killed after writing its report did not finish.
      reports = reports.where(not(col("link_run_id").isin(unfinishedRuns.toArray())));
    }
    List<Row> rows = reports.orderBy(col("created").desc()).limit(1).collectAsList();
    if (rows.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          JSON.readValue(rows.get(0).getString(2), new TypeReference<Map<String, Object>>() {}));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Unreadable link report in " + path, e);
    }
  }

  public static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write JSON", e);
    }
  }

  static double round(double x) {
    return Math.round(x * 10000) / 10000.0;
  }
}
