package org.trame.jobs.rekey;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.udf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.delta.tables.DeltaTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.trame.config.SourceConfig;
import org.trame.config.TableConfig;
import org.trame.jobs.ingest.IngestTransforms;
import org.trame.jobs.link.IdentityRecords;
import org.trame.jobs.link.PersonIds;
import org.trame.jobs.spark.DeltaCommits;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.pseudo.Pseudonymizer;

/**
 * Re-pseudonymizes the warehouse under a newer link key without any clear identifier: every stored
 * pseudonym {@code p} becomes {@code HMAC(new key, "rechain", p)}, which is what an ingest under
 * the new chain computes for the same identifier. Each table is rewritten in one Delta commit
 * tagged {@code trame rekey to <chain>}, so a rerun after a crash skips the tables already done.
 */
public final class RekeyJob {
  private RekeyJob() {}

  /** What to rekey: the chain the warehouse is under, and the newer key to chain through. */
  public record Request(
      WarehousePaths paths,
      List<SourceConfig> sources,
      String fromChain,
      Pseudonymizer nextKey,
      String runId) {
    /** The chain the warehouse is under afterwards. */
    public String toChain() {
      return fromChain + ">" + nextKey.keyId();
    }
  }

  /** One table's outcome: its Delta version after the rekey, rows, and whether it was done now. */
  public record TableResult(String table, long version, long rows, boolean rewrittenNow) {}

  /** The Delta commit tag of a rekey to {@code chain}. */
  static String tag(String chain) {
    return "trame rekey to " + chain;
  }

  /** Rewrites every table holding pseudonyms; tables already tagged for this chain are skipped. */
  public static List<TableResult> run(
      SparkSession spark, Request request, Consumer<String> progress) {
    List<TableResult> out = new ArrayList<>();
    WarehousePaths paths = request.paths();
    for (SourceConfig source : request.sources()) {
      for (TableConfig table : source.tables()) {
        List<String> columns = IngestTransforms.pseudonymColumns(table);
        String name = source.name() + "." + table.name();
        rewrite(spark, request, name, paths.sourceTable(source.name(), table.name()), columns, null)
            .ifPresent(out::add);
        List<String> payloadFields = new ArrayList<>(columns);
        payloadFields.remove(IngestTransforms.ROW_KEY);
        rewrite(
                spark,
                request,
                source.name() + "_quarantine." + table.name(),
                paths.quarantineTable(source.name(), table.name()),
                List.of(),
                payloadFields)
            .ifPresent(out::add);
      }
    }
    Map<String, List<String>> linkage = new LinkedHashMap<>();
    linkage.put("person_index", List.of(IdentityRecords.RECORD_KEY, PersonIds.PERSON_ID));
    linkage.put("person_ids", List.of(PersonIds.PERSON_ID));
    linkage.put("person_events", List.of("from_person_id", "to_person_id"));
    linkage.put("review", List.of("entity_a", "entity_b"));
    linkage.forEach(
        (table, columns) ->
            rewrite(spark, request, "linkage." + table, paths.linkage(table), columns, null)
                .ifPresent(out::add));
    out.forEach(
        r ->
            progress.accept(
                String.format(
                    "  %s: %,d rows %s (version %d)",
                    r.table(),
                    r.rows(),
                    r.rewrittenNow() ? "rekeyed" : "already rekeyed by an earlier attempt",
                    r.version())));
    return out;
  }

  private static java.util.Optional<TableResult> rewrite(
      SparkSession spark,
      Request request,
      String name,
      String path,
      List<String> columns,
      List<String> payloadFields) {
    if (!DeltaTable.isDeltaTable(spark, path)) {
      return java.util.Optional.empty();
    }
    DeltaTable delta = DeltaTable.forPath(spark, path);
    String tag = tag(request.toChain());
    // While the rekey marker exists nothing else writes, so a table this rekey already rewrote
    // has that rewrite as its latest commit.
    Row latest = delta.history(1).select("version", "userMetadata", "operationMetrics").first();
    long version = latest.getLong(0);
    if (tag.equals(latest.getString(1))) {
      long rows = rowsWritten(spark, path, version, latest);
      return java.util.Optional.of(new TableResult(name, version, rows, false));
    }
    Dataset<Row> rows = spark.read().format("delta").option("versionAsOf", version).load(path);
    Pseudonymizer next = request.nextKey();
    UDF1<String, String> rechain = next::rechained;
    List<Column> select = new ArrayList<>();
    for (String c : rows.columns()) {
      if (columns.contains(c)) {
        select.add(udf(rechain, DataTypes.StringType).apply(col(c)).as(c));
      } else if (payloadFields != null && c.equals("payload")) {
        select.add(
            udf(new RechainJson(next, payloadFields), DataTypes.StringType).apply(col(c)).as(c));
      } else if (c.equals("_key_id")) {
        select.add(lit(request.toChain()).as(c));
      } else {
        select.add(col(c));
      }
    }
    List<String> partitions =
        scala.jdk.javaapi.CollectionConverters.asJava(
            delta.detail().select("partitionColumns").first().<String>getSeq(0));
    rows.select(select.toArray(new Column[0]))
        .write()
        .format("delta")
        .mode(SaveMode.Overwrite)
        .option("userMetadata", tag)
        .partitionBy(partitions.toArray(new String[0]))
        .save(path);
    Row written =
        DeltaTable.forPath(spark, path).history(1).select("version", "operationMetrics").first();
    long count = rowsWritten(spark, path, written.getLong(0), written);
    // An empty table holds no pseudonym: Delta then commits nothing, and nothing needed doing.
    return java.util.Optional.of(
        new TableResult(name, written.getLong(0), count, written.getLong(0) > version));
  }

  /** The rows of a table a rekey overwrote, as of {@code version} (the whole table then). */
  private static long rowsWritten(SparkSession spark, String path, long version, Row commit) {
    return DeltaCommits.rowsWritten(
        commit, () -> spark.read().format("delta").option("versionAsOf", version).load(path));
  }

  /**
   * Chains the pseudonyms held in a quarantine row's JSON payload; other fields stay as they are.
   */
  static final class RechainJson implements UDF1<String, String> {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Pseudonymizer next;
    private final List<String> fields;

    RechainJson(Pseudonymizer next, List<String> fields) {
      this.next = next;
      this.fields = List.copyOf(fields);
    }

    @Override
    public String call(String payload) throws Exception {
      if (payload == null) {
        return null;
      }
      JsonNode node = JSON.readTree(payload);
      if (!(node instanceof ObjectNode object)) {
        return payload;
      }
      for (String f : fields) {
        JsonNode value = object.get(f);
        if (value != null && value.isTextual()) {
          object.put(f, next.rechained(value.asText()));
        }
      }
      return JSON.writeValueAsString(object);
    }
  }
}
