package org.trame.jobs.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;
import org.trame.config.SourceConfig;
import org.trame.jobs.spark.CodeGeneration;
import org.trame.pseudo.Pseudonymizer;

/**
 * The measurements of one {@code trame bench} run: each stage of each scale with its time, memory
 * and bytes, the ratios to the plain Spark baselines, the growth of linkage between scales, and the
 * machine they were taken on.
 */
public final class Bench implements AutoCloseable {
  /** The plain Spark jobs ingest is set against, over the same landing files. */
  public enum Baseline {
    COPY_PARQUET("copy_parquet", "parquet", Baselines.Hashing.NONE),
    COPY_DELTA("copy_delta", "delta", Baselines.Hashing.NONE),
    SHA2("sha2_projection", "parquet", Baselines.Hashing.SHA2),
    PSEUDONYMS("pseudonym_projection", "parquet", Baselines.Hashing.PSEUDONYM);

    private final String label;
    private final String format;
    private final Baselines.Hashing hashing;

    Baseline(String label, String format, Baselines.Hashing hashing) {
      this.label = label;
      this.format = format;
      this.hashing = hashing;
    }

    public String label() {
      return label;
    }
  }

  private final SparkSession spark;
  private final StageMeter meter;
  private Map<String, Object> stages = new LinkedHashMap<>();
  private Map<String, List<Map<String, Object>>> runs = new LinkedHashMap<>();
  private String running;

  public Bench(SparkSession spark) {
    this.spark = spark;
    this.meter = new StageMeter(spark);
  }

  /** Stops measuring: removes the listeners this bench added to the JVM and to Spark. */
  @Override
  public void close() {
    meter.close();
  }

  /**
   * Runs and measures one stage of the current scale. A stage run again in the same scale keeps
   * every run: it is reported by its run of median time, with all the runs' times.
   */
  public <T> T stage(String name, Supplier<T> work) {
    running = name;
    StageMeter.Timed<T> t = meter.measure(work);
    running = null;
    List<Map<String, Object>> all = runs.computeIfAbsent(name, k -> new ArrayList<>());
    all.add(t.measure().toMap());
    stages.put(name, median(all));
    return t.value();
  }

  /**
   * The run of median time among a stage's runs (the faster of the two middle ones for an even
   * count), with {@code runs_seconds} listing every run's time in the order they ran. A single run
   * is itself.
   */
  static Map<String, Object> median(List<Map<String, Object>> runs) {
    if (runs.size() == 1) {
      return runs.get(0);
    }
    List<Map<String, Object>> byTime = new ArrayList<>(runs);
    byTime.sort(Comparator.comparingDouble(m -> ((Number) m.get("seconds")).doubleValue()));
    Map<String, Object> m = new LinkedHashMap<>(byTime.get((byTime.size() - 1) / 2));
    m.put("runs_seconds", runs.stream().map(r -> r.get("seconds")).toList());
    return m;
  }

  /** Records that a stage was not run at this scale (its output was reused). */
  public void skip(String name) {
    stages.put(name, Map.of("reused", true));
  }

  /** One baseline over one source's batch. */
  public void baseline(
      Baseline b, String landingBatch, SourceConfig source, String out, Pseudonymizer p) {
    // Compiled or interpreted as ingest would run the same batch.
    CodeGeneration.fit(spark, CodeGeneration.bytesUnder(spark, List.of(landingBatch)));
    Baselines.copy(spark, landingBatch, source, out, b.format, b.hashing, p);
  }

  /**
   * The DuckDB reference over every source's batches, plain and hashed, as two stages; recorded as
   * skipped when DuckDB is not in this jar or the landing is not local.
   */
  public void duckDb(
      List<SourceConfig> sources,
      List<String> batches,
      java.util.function.BiFunction<String, String, String> landingBatch,
      java.nio.file.Path out) {
    for (boolean hash : new boolean[] {false, true}) {
      String name = hash ? "duckdb_sha256_projection" : "duckdb_copy_parquet";
      if (!DuckDbReference.available()) {
        stages.put(
            name,
            Map.of("skipped", "DuckDB is not in this jar: build it with mvn -Pbench package"));
        continue;
      }
      Boolean local =
          stage(
              name,
              () -> {
                try {
                  for (SourceConfig s : sources) {
                    for (String batch : batches) {
                      if (DuckDbReference.copy(
                              landingBatch.apply(s.name(), batch),
                              s,
                              out.resolve(name).resolve(s.name()).resolve(batch),
                              hash)
                          .isEmpty()) {
                        return false;
                      }
                    }
                  }
                  return true;
                } catch (java.sql.SQLException | java.io.IOException e) {
                  throw new IllegalStateException("DuckDB reference failed: " + e.getMessage(), e);
                }
              });
      if (!local) {
        stages.put(name, Map.of("skipped", "the landing is not on the local file system"));
      }
    }
  }

  /** Closes the current scale: its stages, ratios and rates. */
  public Map<String, Object> scaleResult(
      long persons,
      long landingRows,
      long landingBytes,
      long linkRecords,
      long extractRows,
      Instant at) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("persons", persons);
    r.put("landing_rows", landingRows);
    // Ingest reads the landing files with its own reader, which Spark's input metrics miss.
    r.put("landing_bytes", landingBytes);
    r.put("link_records", linkRecords);
    r.put("extract_rows", extractRows);
    r.put("finished_at", at.toString());
    r.put("stages", stages);
    double ingest = seconds("ingest");
    Map<String, Object> ratios = new LinkedHashMap<>();
    ratios.put("pseudonyms_vs_sha2", ratio("pseudonym_projection", "sha2_projection"));
    ratios.put("ingest_vs_copy_parquet", ratio("ingest", "copy_parquet"));
    ratios.put("ingest_vs_copy_delta", ratio("ingest", "copy_delta"));
    ratios.put("copy_parquet_vs_duckdb", ratio("copy_parquet", "duckdb_copy_parquet"));
    // The first runs in the JVM (first scale only): what a one-off command pays.
    ratios.put(
        "first_runs_ingest_vs_copy_parquet", ratio("ingest_first_run", "copy_parquet_first_run"));
    r.put("ratios", ratios);
    Map<String, Object> rates = new LinkedHashMap<>();
    int cores = Runtime.getRuntime().availableProcessors();
    rates.put("ingest_rows_per_s", Math.round(landingRows / ingest));
    rates.put("link_records_per_s", Math.round(linkRecords / seconds("link")));
    rates.put("extract_rows_per_s", Math.round(extractRows / seconds("extract")));
    double pipeline = ingest + seconds("link") + seconds("extract");
    rates.put("end_to_end_rows_per_s_per_core", Math.round(landingRows / pipeline / cores));
    r.put("rates", rates);
    stages = new LinkedHashMap<>();
    runs = new LinkedHashMap<>();
    return r;
  }

  /**
   * Closes a scale that failed: the stages measured before the failure, and the one that failed
   * with the error's message.
   */
  public Map<String, Object> failedScale(long persons, RuntimeException error) {
    if (running != null) {
      stages.put(running, Map.of("failed", String.valueOf(error.getMessage())));
      running = null;
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("persons", persons);
    r.put("failed", error.getClass().getSimpleName() + ": " + error.getMessage());
    r.put("stages", stages);
    stages = new LinkedHashMap<>();
    runs = new LinkedHashMap<>();
    return r;
  }

  /** One stage's time over another's, or null when either was skipped or reused. */
  private Double ratio(String stage, String baseline) {
    double r = seconds(stage) / seconds(baseline);
    return Double.isNaN(r) || Double.isInfinite(r) ? null : round(r);
  }

  private double seconds(String stage) {
    Object m = stages.get(stage);
    if (m instanceof Map<?, ?> map && map.get("seconds") instanceof Double d) {
      return d;
    }
    return Double.NaN;
  }

  /** The whole report: machine, scales, and linkage growth between consecutive scales. */
  public Map<String, Object> report(List<Map<String, Object>> scales, String deltaVersion) {
    Map<String, Object> r = new LinkedHashMap<>();
    Map<String, Object> machine = new LinkedHashMap<>();
    machine.put("cores", Runtime.getRuntime().availableProcessors());
    machine.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
    machine.put(
        "memory_bytes",
        ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean())
            .getTotalMemorySize());
    machine.put(
        "java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    machine.put("spark", spark.version());
    machine.put("delta", deltaVersion);
    machine.put("master", spark.sparkContext().master());
    // Under local[*] the executors run in the driver's JVM and share its heap.
    machine.put(
        "heap_measured",
        spark.sparkContext().isLocal()
            ? "driver and executors (one JVM)"
            : "driver only (executors in their own JVMs)");
    r.put("machine", machine);
    r.put("scales", scales);
    List<Object> growth = new ArrayList<>();
    for (int i = 1; i < scales.size(); i++) {
      Map<String, Object> a = scales.get(i - 1);
      Map<String, Object> b = scales.get(i);
      if (!a.containsKey("link_records") || !b.containsKey("link_records")) {
        continue;
      }
      double ra = ((Number) a.get("link_records")).doubleValue();
      double rb = ((Number) b.get("link_records")).doubleValue();
      double ta = linkSeconds(a);
      double tb = linkSeconds(b);
      Map<String, Object> g = new LinkedHashMap<>();
      g.put("from_persons", a.get("persons"));
      g.put("to_persons", b.get("persons"));
      g.put("link_time_exponent", round(Math.log(tb / ta) / Math.log(rb / ra)));
      growth.add(g);
    }
    r.put("link_growth", growth);
    return r;
  }

  private static double linkSeconds(Map<String, Object> scale) {
    Map<?, ?> stages = (Map<?, ?>) scale.get("stages");
    return ((Number) ((Map<?, ?>) stages.get("link")).get("seconds")).doubleValue();
  }

  /** The PNG chart of each stage's time against persons. */
  public byte[] chart(List<Map<String, Object>> scales) {
    Map<String, List<double[]>> series = new LinkedHashMap<>();
    for (Map<String, Object> s : scales) {
      double persons = ((Number) s.get("persons")).doubleValue();
      ((Map<?, ?>) s.get("stages"))
          .forEach(
              (name, m) -> {
                Object sec = ((Map<?, ?>) m).get("seconds");
                if (sec instanceof Number n) {
                  series
                      .computeIfAbsent((String) name, k -> new ArrayList<>())
                      .add(new double[] {persons, n.doubleValue()});
                }
              });
    }
    return BenchChart.png("trame bench: time per stage", series);
  }

  /** The report as a table for the terminal. */
  @SuppressWarnings("unchecked")
  public static String table(Map<String, Object> report) {
    StringBuilder b = new StringBuilder();
    List<Map<String, Object>> scales = (List<Map<String, Object>>) report.get("scales");
    b.append(String.format("%-32s", "stage (seconds)"));
    for (Map<String, Object> s : scales) {
      b.append(String.format("%14s", String.format("%,d", (Long) s.get("persons"))));
    }
    b.append('\n');
    List<String> names = new ArrayList<>();
    for (Map<String, Object> s : scales) {
      for (Object n : ((Map<?, ?>) s.get("stages")).keySet()) {
        if (!names.contains(n)) {
          names.add((String) n);
        }
      }
    }
    for (String n : names) {
      b.append(String.format("%-32s", n));
      for (Map<String, Object> s : scales) {
        Map<?, ?> m = (Map<?, ?>) ((Map<?, ?>) s.get("stages")).get(n);
        String cell =
            m == null
                ? "-"
                : m.get("seconds") instanceof Double sec
                    ? String.format("%.1f", sec)
                    : m.containsKey("skipped")
                        ? "skipped"
                        : m.containsKey("failed") ? "failed" : "reused";
        b.append(String.format("%14s", cell));
      }
      b.append('\n');
    }
    for (String group : List.of("ratios", "rates")) {
      List<Object> keys = new ArrayList<>();
      for (Map<String, Object> s : scales) {
        if (s.get(group) instanceof Map<?, ?> m) {
          m.keySet().stream().filter(k -> !keys.contains(k)).forEach(keys::add);
        }
      }
      for (Object key : keys) {
        b.append(String.format("%-32s", key));
        for (Map<String, Object> s : scales) {
          Object value = s.get(group) instanceof Map<?, ?> m ? m.get(key) : null;
          b.append(String.format("%14s", value == null ? "-" : value));
        }
        b.append('\n');
      }
    }
    for (Object g : (List<?>) report.get("link_growth")) {
      Map<?, ?> m = (Map<?, ?>) g;
      b.append(
          String.format(
              "link time grows as records^%s from %,d to %,d persons%n",
              m.get("link_time_exponent"),
              (Long) m.get("from_persons"),
              (Long) m.get("to_persons")));
    }
    return b.toString();
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
