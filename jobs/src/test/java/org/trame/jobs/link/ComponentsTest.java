package org.trame.jobs.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.trame.jobs.spark.SparkExtension;

@ExtendWith(SparkExtension.class)
class ComponentsTest {
  @Test
  void aLongChainAndSeparateGroupsGetTheirSmallestNode(SparkSession spark) {
    Dataset<Row> edges =
        spark.createDataFrame(
            List.of(
                RowFactory.create("e", "d"),
                RowFactory.create("d", "c"),
                RowFactory.create("c", "b"),
                RowFactory.create("b", "a"),
                RowFactory.create("x", "y"),
                RowFactory.create("z", "y"),
                RowFactory.create("q", "q")),
            SCHEMA);
    // On the driver, and by propagation in Spark jobs (seven edges are over a bound of six).
    for (int driverEdges : new int[] {Components.DRIVER_EDGES, 6}) {
      List<String> rounds = new java.util.ArrayList<>();
      Map<String, String> labels = labels(Components.of(edges, 20, driverEdges, rounds::add));
      // Propagation reports its rounds; the driver has none.
      assertThat(rounds).as("rounds reported").hasSize(driverEdges == 6 ? 4 : 0);
      assertThat(labels)
          .as("labelled with a driver bound of %d edges", driverEdges)
          .hasSize(9)
          .containsEntry("e", "a")
          .containsEntry("c", "a")
          .containsEntry("a", "a")
          .containsEntry("z", "x")
          .containsEntry("y", "x")
          .containsEntry("q", "q");
    }
  }

  @Test
  void theDriverAndPropagationGiveTheSameLabelsToARandomGraph(SparkSession spark) {
    // 40 groups of ten nodes with about eight random edges each: many components, of small
    // diameter (propagation takes a round per hop).
    java.util.Random random = new java.util.Random(7);
    List<Row> rows = new java.util.ArrayList<>();
    for (int i = 0; i < 300; i++) {
      int group = random.nextInt(40);
      rows.add(
          RowFactory.create(
              "n" + group + "-" + random.nextInt(10), "n" + group + "-" + random.nextInt(10)));
    }
    Dataset<Row> edges = spark.createDataFrame(rows, SCHEMA);
    List<String> driverRounds = new java.util.ArrayList<>();
    List<String> rounds = new java.util.ArrayList<>();
    Map<String, String> onDriver = labels(Components.of(edges, 100, 300, driverRounds::add));
    Map<String, String> propagated = labels(Components.of(edges, 100, 0, rounds::add));
    assertThat(driverRounds).isEmpty();
    assertThat(rounds).isNotEmpty();
    assertThat(onDriver).isEqualTo(propagated);
    assertThat(new java.util.HashSet<>(onDriver.values()))
        .as("several components")
        .hasSizeBetween(40, 300);
  }

  private static final StructType SCHEMA =
      new StructType()
          .add(Components.SRC, DataTypes.StringType)
          .add(Components.DST, DataTypes.StringType);

  private static Map<String, String> labels(Dataset<Row> labelled) {
    Map<String, String> labels = new HashMap<>();
    for (Row r : labelled.collectAsList()) {
      assertThat(labels.put(r.getString(0), r.getString(1))).as("one row per node").isNull();
    }
    return labels;
  }
}
