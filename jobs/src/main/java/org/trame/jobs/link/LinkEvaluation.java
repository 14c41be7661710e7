package org.trame.jobs.link;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.trame.config.ColumnConfig;
import org.trame.config.SourceConfig;
import org.trame.config.TableConfig;
import org.trame.jobs.cli.CommandException;
import org.trame.jobs.ingest.IngestTransforms;
import org.trame.jobs.pseudonymize.RecordKeys;
import org.trame.pseudo.Pseudonymizer;

/**
 * Pairwise precision, recall and F1 of the person index against ground truth. Two records are a
 * predicted pair when they share a person id and a true pair when they share a true person; the
 * counts come from group sizes (n records give n(n-1)/2 pairs), so nothing is quadratic. Subsets
 * (per source, per method, per source and method, records without a person key) count the pairs
 * with at least one record in the subset.
 *
 * <p>Truth is the generator's {@code truth/} folder ({@code <source>/<table>.csv.gz} with {@code
 * batch;record_key;person_id;defects}), or one CSV file with a header naming {@code source}, {@code
 * table}, {@code record_key} and {@code person_id} (or {@code person}), comma or semicolon
 * separated. A record key is the row's key values as delivered, joined by {@code |}; it is hashed
 * with the link key exactly as ingest does, so truth never needs to be pseudonymized beforehand.
 */
public final class LinkEvaluation {
  private LinkEvaluation() {}

  /** Truth as (source, table, record_key (hashed), true_person), one row per record. */
  public static Dataset<Row> truth(
      SparkSession spark,
      String location,
      List<SourceConfig> sources,
      Pseudonymizer pseudonymizer) {
    Path path = new Path(location);
    Dataset<Row> raw;
    try {
      FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(path)) {
        throw CommandException.usage("Cannot read truth " + location + ": no such file or folder");
      }
      raw =
          fs.getFileStatus(path).isDirectory()
              ? generatorTruth(spark, fs, path, sources)
              : csvTruth(spark, fs, path);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read truth " + location, e);
    }
    Dataset<Row> out = null;
    for (SourceConfig s : sources) {
      for (TableConfig t : s.tables()) {
        if (!IdentityRecords.indexed(t)) {
          continue;
        }
        Dataset<Row> rows =
            raw.where(col("source").equalTo(s.name()).and(col("table").equalTo(t.name())));
        List<Column> parts = new ArrayList<>();
        Column pieces = split(col("record_key"), "\\|", t.key().size());
        for (int i = 0; i < t.key().size(); i++) {
          ColumnConfig c = t.column(t.key().get(i)).orElseThrow();
          Column text = t.key().size() == 1 ? col("record_key") : element_at(pieces, i + 1);
          parts.add(IngestTransforms.typedText(c, text));
        }
        Dataset<Row> hashed =
            rows.select(
                col("source"),
                col("table"),
                RecordKeys.of(pseudonymizer, s.name(), t.name(), parts).as("record_key"),
                col("person").as("true_person"));
        out = out == null ? hashed : out.unionByName(hashed);
      }
    }
    if (out == null) {
      throw CommandException.usage("Cannot evaluate: no configured table is linked");
    }
    return out.groupBy("source", "table", "record_key").agg(first("true_person").as("true_person"));
  }

  private static Dataset<Row> generatorTruth(
      SparkSession spark, FileSystem fs, Path folder, List<SourceConfig> sources)
      throws IOException {
    Dataset<Row> all = null;
    for (SourceConfig s : sources) {
      Path dir = new Path(folder, s.name());
      if (!fs.exists(dir)) {
        continue;
      }
      for (FileStatus f : fs.listStatus(dir)) {
        String name = f.getPath().getName();
        String table = name.replaceFirst("\\.csv(\\.gz)?$", "");
        if (name.equals(table) || s.table(table).isEmpty()) {
          continue;
        }
        Dataset<Row> one =
            spark
                .read()
                .option("header", "true")
                .option("sep", ";")
                .csv(f.getPath().toString())
                .select(
                    lit(s.name()).as("source"),
                    lit(table).as("table"),
                    col("record_key"),
                    col("person_id").as("person"));
        all = all == null ? one : all.unionByName(one);
      }
    }
    if (all == null) {
      throw CommandException.usage(
          "Cannot evaluate: "
              + folder
              + " holds no <source>/<table>.csv[.gz] truth file of a configured source");
    }
    return all;
  }

  private static Dataset<Row> csvTruth(SparkSession spark, FileSystem fs, Path file)
      throws IOException {
    String header;
    try (var in = fs.open(file);
        var maybeGzip = file.getName().endsWith(".gz") ? new GZIPInputStream(in) : in;
        var reader = new BufferedReader(new InputStreamReader(maybeGzip, StandardCharsets.UTF_8))) {
      header = reader.readLine();
    }
    if (header == null) {
      throw CommandException.usage("Cannot evaluate: " + file + " is empty");
    }
    String sep = header.contains(";") ? ";" : ",";
    List<String> names = new ArrayList<>();
    for (String h : header.split(sep, -1)) {
      names.add(h.trim().replace("\uFEFF", "").toLowerCase(Locale.ROOT));
    }
    String person = names.contains("person_id") ? "person_id" : "person";
    for (String required : List.of("source", "table", "record_key", person)) {
      if (!names.contains(required)) {
        throw CommandException.usage(
            "Cannot evaluate: "
                + file
                + " line 1: the header must name source, table, record_key and person_id; it has "
                + String.join(sep, names));
      }
    }
    Dataset<Row> csv =
        spark.read().option("header", "true").option("sep", sep).csv(file.toString());
    for (String c : csv.columns()) {
      csv = csv.withColumnRenamed(c, c.trim().replace("\uFEFF", "").toLowerCase(Locale.ROOT));
    }
    return csv.select(col("source"), col("table"), col("record_key"), col(person).as("person"));
  }

  /** The evaluation as a JSON-ready map. */
  public static Map<String, Object> evaluate(Dataset<Row> index, Dataset<Row> truth) {
    Dataset<Row> joined =
        index
            .select("source", "table", "record_key", "person_id", "method", "rule")
            .join(truth, new String[] {"source", "table", "record_key"})
            .cache();
    Map<String, Column> subsets = new LinkedHashMap<>();
    subsets.put("all", lit(true));
    List<String> sources =
        joined
            .select("source")
            .distinct()
            .orderBy("source")
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList();
    List<String> methods = List.of("deterministic", "probabilistic", "singleton");
    Column keyed = col("method").equalTo("deterministic").and(col("rule").contains("nir"));
    for (String s : sources) {
      subsets.put("source:" + s, col("source").equalTo(s));
    }
    for (String m : methods) {
      subsets.put("method:" + m, col("method").equalTo(m));
    }
    for (String s : sources) {
      for (String m : methods) {
        subsets.put(
            "source:" + s + "/method:" + m, col("source").equalTo(s).and(col("method").equalTo(m)));
      }
      subsets.put(
          "source:" + s + "/without_person_key",
          col("source").equalTo(s).and(keyed.equalTo(false)));
    }
    Map<String, PairCount> predicted = pairs(joined, List.of("person_id"), subsets);
    Map<String, PairCount> actual = pairs(joined, List.of("true_person"), subsets);
    Map<String, PairCount> correct = pairs(joined, List.of("person_id", "true_person"), subsets);
    Row persons =
        joined.agg(count(lit(1)), countDistinct("person_id"), countDistinct("true_person")).first();
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> all = metrics(predicted.get("all"), actual.get("all"), correct.get("all"));
    out.putAll(all);
    out.put("records_evaluated", persons.getLong(0));
    out.put("truth_records", truth.count());
    out.put("persons", Map.of("predicted", persons.getLong(1), "true", persons.getLong(2)));
    Map<String, Object> bySource = new LinkedHashMap<>();
    Map<String, Object> byMethod = new LinkedHashMap<>();
    Map<String, Object> bySourceMethod = new LinkedHashMap<>();
    for (String name : subsets.keySet()) {
      if (name.equals("all") || predicted.get(name).records() == 0) {
        continue;
      }
      Map<String, Object> m = metrics(predicted.get(name), actual.get(name), correct.get(name));
      if (name.startsWith("source:") && !name.contains("/")) {
        bySource.put(name.substring(7), m);
      } else if (name.startsWith("method:")) {
        byMethod.put(name.substring(7), m);
      } else {
        bySourceMethod.put(name.substring(7).replace("/method:", "/"), m);
      }
    }
    out.put("by_source", bySource);
    out.put("by_method", byMethod);
    out.put("by_source_and_method", bySourceMethod);
    joined.unpersist();
    return out;
  }

  /** Per subset: pairs with at least one record in it, and the subset's record count. */
  private static Map<String, PairCount> pairs(
      Dataset<Row> joined, List<String> groupBy, Map<String, Column> subsets) {
    List<Column> sums = new ArrayList<>();
    List<String> names = new ArrayList<>(subsets.keySet());
    for (int i = 0; i < names.size(); i++) {
      sums.add(sum(when(subsets.get(names.get(i)), 1L).otherwise(0L)).as("s" + i));
    }
    Dataset<Row> groups =
        joined
            .groupBy(groupBy.stream().map(c -> col(c)).toArray(Column[]::new))
            .agg(count(lit(1)).as("n"), sums.toArray(new Column[0]));
    List<Column> totals = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      Column n = col("n");
      Column rest = n.minus(col("s" + i));
      totals.add(
          sum(n.multiply(n.minus(1)).divide(2).minus(rest.multiply(rest.minus(1)).divide(2)))
              .cast("long"));
      totals.add(sum(col("s" + i)).cast("long"));
    }
    Row r =
        groups.agg(totals.get(0), totals.subList(1, totals.size()).toArray(new Column[0])).first();
    Map<String, PairCount> out = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      long p = r.isNullAt(2 * i) ? 0 : r.getLong(2 * i);
      long records = r.isNullAt(2 * i + 1) ? 0 : r.getLong(2 * i + 1);
      out.put(names.get(i), new PairCount(p, records));
    }
    return out;
  }

  /** Pairs with at least one record in a subset, and the subset's records. */
  private record PairCount(long pairs, long records) {}

  private static Map<String, Object> metrics(
      PairCount predicted, PairCount actual, PairCount correct) {
    double precision = predicted.pairs() == 0 ? 1.0 : correct.pairs() / (double) predicted.pairs();
    double recall = actual.pairs() == 0 ? 1.0 : correct.pairs() / (double) actual.pairs();
    double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("precision", LinkReport.round(precision));
    m.put("recall", LinkReport.round(recall));
    m.put("f1", LinkReport.round(f1));
    m.put("records", predicted.records());
    m.put("true_pairs", actual.pairs());
    m.put("predicted_pairs", predicted.pairs());
    m.put("correct_pairs", correct.pairs());
    return m;
  }
}
