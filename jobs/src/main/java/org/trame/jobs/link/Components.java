package org.trame.jobs.link;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.min;

import java.util.function.Consumer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Connected components of an undirected graph held as a table of edges, by minimum-label
 * propagation: every node starts as its own label and takes the smallest label among its neighbours
 * until nothing changes. Rounds grow with the graph's diameter (a handful for record linkage, where
 * components are persons), each round being two joins; nothing is collected.
 */
public final class Components {
  /** Edges: two string node columns. */
  public static final String SRC = "src";

  public static final String DST = "dst";

  /** Output: the node and the smallest node id of its component. */
  public static final String NODE = "node";

  public static final String COMPONENT = "component";

  private Components() {}

  /**
   * Labels every node that appears in {@code edges}.
   *
   * @param maxRounds a bound on propagation rounds; reaching it is an error, not a silent result
   */
  public static Dataset<Row> of(Dataset<Row> edges, int maxRounds, Consumer<String> progress) {
    Dataset<Row> both =
        edges
            .select(col(SRC), col(DST))
            .union(edges.select(col(DST).as(SRC), col(SRC).as(DST)))
            .where(col(SRC).notEqual(col(DST)))
            .distinct()
            .localCheckpoint();
    Dataset<Row> labels =
        edges
            .select(col(SRC).as(NODE))
            .union(edges.select(col(DST).as(NODE)))
            .distinct()
            .withColumn(COMPONENT, col(NODE))
            .localCheckpoint();
    for (int round = 1; round <= maxRounds; round++) {
      Dataset<Row> proposed =
          both.join(labels, both.col(DST).equalTo(labels.col(NODE)))
              .select(both.col(SRC).as(NODE), labels.col(COMPONENT).as("proposed"))
              .groupBy(NODE)
              .agg(min("proposed").as("proposed"));
      Dataset<Row> next =
          labels
              .join(proposed, labels.col(NODE).equalTo(proposed.col(NODE)), "left")
              .select(
                  labels.col(NODE),
                  least(labels.col(COMPONENT), proposed.col("proposed")).as(COMPONENT),
                  labels.col(COMPONENT).as("previous"))
              .localCheckpoint();
      long changed = next.where(col(COMPONENT).notEqual(col("previous"))).count();
      labels = next.drop("previous");
      if (changed == 0) {
        return labels;
      }
      progress.accept("    components: round " + round + ", " + changed + " labels changed");
    }
    throw new IllegalStateException(
        "Connected components did not converge in " + maxRounds + " rounds");
  }
}
