package org.trame.jobs.link;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.min;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Connected components of an undirected graph held as a table of edges: every node is labelled with
 * the smallest node id of its component.
 *
 * <p>A graph of at most {@link #DRIVER_EDGES} edges is collected and labelled on the driver by
 * union-find, in one Spark job or a few (one per batch of partitions scanned). A larger one is
 * labelled by minimum-label propagation, after that collection found it too large: every node
 * starts as its own label and takes the smallest label among its neighbours until nothing changes.
 * Rounds grow with the graph's diameter (a handful for record linkage, where components are
 * persons), each round being two joins and two Spark jobs; nothing is collected. Both give the same
 * labels (propagation also labels a null node null; the driver leaves it out). Node ids are
 * compared as Java strings on the driver and as UTF-8 bytes by Spark, which order alike for the
 * ASCII ids linkage uses (hashes, pseudonyms). On the 1,000-person demo, whose graphs have a few
 * thousand edges, propagation took most of the link's Spark jobs, each costing a fixed fraction of
 * a second whatever its size.
 */
public final class Components {
  /** Edges: two string node columns. */
  public static final String SRC = "src";

  public static final String DST = "dst";

  /** Output: the node and the smallest node id of its component. */
  public static final String NODE = "node";

  public static final String COMPONENT = "component";

  /**
   * The most edges labelled on the driver: up to about 100 MB there at the bound (ids of 64-odd
   * characters, as collected rows, the union-find's index and the labels), and a table of at most
   * twice as many rows in the plans that use the labels.
   */
  static final int DRIVER_EDGES = 100_000;

  private static final StructType LABELS =
      new StructType().add(NODE, DataTypes.StringType).add(COMPONENT, DataTypes.StringType);

  private Components() {}

  /**
   * Labels every node that appears in {@code edges}.
   *
   * @param maxRounds a bound on propagation rounds; reaching it is an error, not a silent result
   */
  public static Dataset<Row> of(Dataset<Row> edges, int maxRounds, Consumer<String> progress) {
    return of(edges, maxRounds, DRIVER_EDGES, progress);
  }

  /** {@link #of(Dataset, int, Consumer)} with the driver's bound given (tests lower it). */
  static Dataset<Row> of(
      Dataset<Row> edges, int maxRounds, int driverEdges, Consumer<String> progress) {
    if (driverEdges > 0) {
      List<Row> few = edges.select(col(SRC), col(DST)).limit(driverEdges + 1).collectAsList();
      if (few.size() <= driverEdges) {
        return edges.sparkSession().createDataFrame(onDriver(few), LABELS);
      }
    }
    return propagated(edges, maxRounds, progress);
  }

  /** Union-find over collected edges: each node with the smallest node of its component. */
  private static List<Row> onDriver(List<Row> edges) {
    Map<String, Integer> ids = new HashMap<>();
    List<String> names = new ArrayList<>();
    int[] parent = new int[2 * edges.size()];
    for (Row edge : edges) {
      int a = id(edge.getString(0), ids, names, parent);
      int b = id(edge.getString(1), ids, names, parent);
      if (a >= 0 && b >= 0) {
        a = root(parent, a);
        b = root(parent, b);
        // The root of a merged set is its smallest name, so a root names its component.
        if (a != b) {
          if (names.get(a).compareTo(names.get(b)) < 0) {
            parent[b] = a;
          } else {
            parent[a] = b;
          }
        }
      }
    }
    List<Row> out = new ArrayList<>(names.size());
    for (int i = 0; i < names.size(); i++) {
      out.add(RowFactory.create(names.get(i), names.get(root(parent, i))));
    }
    return out;
  }

  private static int id(String name, Map<String, Integer> ids, List<String> names, int[] parent) {
    if (name == null) {
      return -1;
    }
    return ids.computeIfAbsent(
        name,
        n -> {
          int i = names.size();
          names.add(n);
          parent[i] = i;
          return i;
        });
  }

  /** The root of {@code i}'s set, halving the path on the way. */
  private static int root(int[] parent, int i) {
    while (parent[i] != i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  }

  /** Minimum-label propagation with Spark jobs, for graphs too large for the driver. */
  private static Dataset<Row> propagated(
      Dataset<Row> edges, int maxRounds, Consumer<String> progress) {
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
