package org.trame.jobs.link;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.udf;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.trame.pseudo.Pseudonymizer;

/**
 * Stable person ids. Each cluster of this run keeps the previous id held by most of its records
 * (ties to the smaller id), provided it also holds most of that id's records: so a rerun over the
 * same data gives the same ids, a person gaining records keeps theirs, two persons merging keep the
 * bigger one's id, and in a split the bigger part keeps it. Any other cluster gets a new id, a
 * keyed hash of its smallest record, never one issued before. Pure: the caller reads and writes.
 */
public final class PersonIds {
  /** Input: a record's cluster of this run; output: its person id. */
  public static final String CLUSTER = "cluster";

  public static final String PERSON_ID = "person_id";
  static final String PREVIOUS = "previous_id";

  private PersonIds() {}

  /** The assignment: one row per cluster with its person id, and the events it implies. */
  public record Assignment(Dataset<Row> clusterIds, Dataset<Row> events) {}

  /**
   * @param records {@code record} (a unique record name) and {@link #CLUSTER}
   * @param previous {@code record} and {@link #PERSON_ID} from the last index, possibly empty
   * @param issued every person id issued so far ({@link #PERSON_ID}), possibly empty
   */
  public static Assignment assign(
      Dataset<Row> records,
      Dataset<Row> previous,
      Dataset<Row> issued,
      Pseudonymizer pseudonymizer,
      String runId) {
    Dataset<Row> joined =
        records
            .join(previous.withColumnRenamed(PERSON_ID, PREVIOUS), "record")
            .groupBy(CLUSTER, PREVIOUS)
            .agg(count(lit(1)).as("n"));
    // Each previous id goes to the cluster holding most of its records.
    Dataset<Row> winners =
        joined
            .withColumn(
                "rank_for_id",
                row_number()
                    .over(
                        Window.partitionBy(PREVIOUS).orderBy(col("n").desc(), col(CLUSTER).asc())))
            .where(col("rank_for_id").equalTo(1))
            .drop("rank_for_id");
    // A cluster winning several ids (a merge) keeps the one with most records.
    Dataset<Row> kept =
        winners
            .withColumn(
                "rank_for_cluster",
                row_number()
                    .over(
                        Window.partitionBy(CLUSTER).orderBy(col("n").desc(), col(PREVIOUS).asc())))
            .cache();
    Dataset<Row> keptIds =
        kept.where(col("rank_for_cluster").equalTo(1))
            .select(col(CLUSTER), col(PREVIOUS).as(PERSON_ID));
    UDF1<String, String> newId = first -> pseudonymizer.pseudonym("person", first);
    Dataset<Row> fresh =
        records
            .groupBy(CLUSTER)
            .agg(min("record").as("first_record"))
            .join(keptIds, new String[] {CLUSTER}, "left_anti");
    Column candidate = udf(newId, DataTypes.StringType).apply(col("first_record"));
    Dataset<Row> freshIds = fresh.withColumn(PERSON_ID, candidate);
    // A new id that was issued before (its first record once started another person) is
    // derived again with this run's id, which no earlier run had.
    Dataset<Row> clash =
        freshIds.join(issued.select(PERSON_ID).distinct(), new String[] {PERSON_ID}, "left_semi");
    Dataset<Row> clean =
        freshIds.join(issued.select(PERSON_ID).distinct(), new String[] {PERSON_ID}, "left_anti");
    Dataset<Row> rederived =
        clash.withColumn(
            PERSON_ID,
            udf(newId, DataTypes.StringType).apply(concat(col("first_record"), lit("#" + runId))));
    Dataset<Row> clusterIds =
        keptIds.union(clean.select(CLUSTER, PERSON_ID)).union(rederived.select(CLUSTER, PERSON_ID));
    Dataset<Row> merges =
        kept.where(col("rank_for_cluster").gt(1))
            .join(keptIds, CLUSTER)
            .select(
                lit("merge").as("event"),
                col(PREVIOUS).as("from_person_id"),
                col(PERSON_ID).as("to_person_id"),
                col("n").as("records"));
    // Records of a previous id that went to a cluster other than the id's winner: a split.
    Dataset<Row> splits =
        joined
            .join(winners.select(col(PREVIOUS), col(CLUSTER).as("winner")), PREVIOUS)
            .where(col(CLUSTER).notEqual(col("winner")))
            .join(clusterIds, CLUSTER)
            .where(col(PERSON_ID).notEqual(col(PREVIOUS)))
            .select(
                lit("split").as("event"),
                col(PREVIOUS).as("from_person_id"),
                col(PERSON_ID).as("to_person_id"),
                col("n").as("records"));
    Dataset<Row> events = merges.union(splits).withColumn("link_run_id", lit(runId));
    return new Assignment(clusterIds, events);
  }
}
