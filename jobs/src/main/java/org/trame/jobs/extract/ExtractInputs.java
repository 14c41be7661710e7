package org.trame.jobs.extract;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;

import io.delta.tables.DeltaTable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.trame.config.SourceConfig;
import org.trame.config.TableConfig;
import org.trame.jobs.cli.CommandException;
import org.trame.jobs.ingest.IngestJob;
import org.trame.jobs.link.LinkageVersions;
import org.trame.jobs.pseudonymize.RecordKeys;
import org.trame.jobs.spark.DeltaCommits;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.project.ProjectSpec.TableRef;
import org.trame.project.StoredColumn;

/**
 * The warehouse tables an extract reads, each at one Delta version (the latest, or the versions a
 * previous run pinned), with every row's person from the linkage index. The versions read are
 * recorded, so that the extract can be made again from exactly the same data.
 */
final class ExtractInputs {
  /** The column holding a row's warehouse person id while the extract is prepared. */
  static final String PERSON = "person_id";

  /** The person index, as named in versions. */
  static final String INDEX = "linkage.person_index";

  private final SparkSession spark;
  private final WarehousePaths paths;
  private final List<SourceConfig> sources;
  private final Map<String, Long> pinned;
  private final Set<String> unfinishedLinkRuns;
  private final Consumer<String> progress;
  private final Map<String, Long> read = new TreeMap<>();
  private Dataset<Row> index;

  /**
   * @param pinned versions to read ({@code source.table} and {@link #INDEX}); empty for the latest
   * @param unfinishedLinkRuns link runs whose writes of the person index are not read
   */
  ExtractInputs(
      SparkSession spark,
      WarehousePaths paths,
      List<SourceConfig> sources,
      Map<String, Long> pinned,
      Set<String> unfinishedLinkRuns,
      Consumer<String> progress) {
    this.spark = spark;
    this.paths = paths;
    this.sources = sources;
    this.pinned = pinned;
    this.unfinishedLinkRuns = unfinishedLinkRuns;
    this.progress = progress;
  }

  /** Every table read so far, with its version. */
  Map<String, Long> versions() {
    return Map.copyOf(read);
  }

  TableConfig config(TableRef ref) {
    return sources.stream()
        .filter(s -> s.name().equals(ref.source()))
        .findFirst()
        .flatMap(s -> s.table(ref.table()))
        .orElseThrow(() -> new IllegalStateException("unchecked table " + ref));
  }

  /**
   * The current rows of a table: for a table with a key, the latest batch's version of each record;
   * otherwise every row.
   */
  Dataset<Row> rows(TableRef ref) {
    Dataset<Row> rows = delta(ref.toString(), paths.sourceTable(ref.source(), ref.table()));
    if (config(ref).key().isEmpty()) {
      return rows;
    }
    Column latest =
        row_number()
            .over(
                Window.partitionBy(col(RecordKeys.COLUMN))
                    .orderBy(col(IngestJob.BATCH).desc(), col("_source_file").desc()));
    return rows.withColumn("_latest", latest).where(col("_latest").equalTo(1)).drop("_latest");
  }

  /**
   * The current rows of a table that holds persons, with {@link #PERSON}; rows the index does not
   * place (no record key, not linked yet) are left out. With {@code parentColumn}, the rows also
   * carry that column of the table they take their person from, as {@code _parent_<column>}.
   */
  Dataset<Row> withPersons(TableRef ref, String parentColumn) {
    TableConfig table = config(ref);
    if (!StoredColumn.holdsPersons(table)) {
      throw new IllegalStateException(ref + " holds no persons");
    }
    String parent = table.linkage().personOf();
    if (parent == null) {
      Dataset<Row> persons =
          index()
              .where(col("source").equalTo(ref.source()).and(col("table").equalTo(ref.table())))
              .select(col("record_key").as("_index_key"), col(PERSON));
      return rows(ref)
          .join(persons, col(RecordKeys.COLUMN).equalTo(col("_index_key")))
          .drop("_index_key");
    }
    List<String> on = table.linkage().on();
    Dataset<Row> parents = withPersons(new TableRef(ref.source(), parent), null);
    Column latest =
        row_number()
            .over(
                Window.partitionBy(on.stream().map(c -> col(c)).toArray(Column[]::new))
                    .orderBy(col(IngestJob.BATCH).desc(), col(PERSON)));
    parents = parents.withColumn("_latest", latest).where(col("_latest").equalTo(1));
    Column[] keep = new Column[on.size() + (parentColumn == null ? 1 : 2)];
    Column match = null;
    for (int i = 0; i < on.size(); i++) {
      keep[i] = col(on.get(i)).as("_parent_" + on.get(i));
    }
    keep[on.size()] = col(PERSON);
    if (parentColumn != null) {
      keep[on.size() + 1] = col(parentColumn).as("_parent_" + parentColumn);
    }
    Dataset<Row> rows = rows(ref);
    for (String c : on) {
      Column eq = rows.col(c).equalTo(col("_parent_" + c));
      match = match == null ? eq : match.and(eq);
    }
    Dataset<Row> joined = rows.join(parents.select(keep), match);
    for (String c : on) {
      joined = joined.drop("_parent_" + c);
    }
    return joined;
  }

  /** The person index: one person per record. */
  private Dataset<Row> index() {
    if (index == null) {
      Dataset<Row> raw = delta(INDEX, paths.linkage("person_index"));
      index = raw.groupBy("source", "table", "record_key").agg(min(col(PERSON)).as(PERSON));
    }
    return index;
  }

  private Dataset<Row> delta(String name, String path) {
    Long version = read.get(name);
    if (version == null) {
      if (!pinned.isEmpty()) {
        version = pinned.get(name);
        if (version == null) {
          throw CommandException.usage(
              "Cannot pin " + name + ": the run given to --as-of did not read it");
        }
      } else {
        if (!DeltaTable.isDeltaTable(spark, path)) {
          throw CommandException.usage(
              "Cannot extract: "
                  + name
                  + " is not in the warehouse yet ("
                  + (name.equals(INDEX) ? "run trame link" : "ingest it first")
                  + ")");
        }
        version =
            name.equals(INDEX)
                ? new LinkageVersions(spark, unfinishedLinkRuns)
                    .version(path)
                    .orElseThrow(
                        () ->
                            CommandException.usage(
                                "Cannot extract: no link run has finished yet (run trame link)"))
                : DeltaCommits.latestVersion(spark, path);
      }
      read.put(name, version);
      progress.accept("  reading " + name + " version " + version);
    }
    return spark.read().format("delta").option("versionAsOf", version).load(path);
  }
}
