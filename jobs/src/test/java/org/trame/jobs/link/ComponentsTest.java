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
    StructType schema =
        new StructType()
            .add(Components.SRC, DataTypes.StringType)
            .add(Components.DST, DataTypes.StringType);
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
            schema);
    Map<String, String> labels = new HashMap<>();
    for (Row r : Components.of(edges, 20, line -> {}).collectAsList()) {
      labels.put(r.getString(0), r.getString(1));
    }
    assertThat(labels)
        .containsEntry("e", "a")
        .containsEntry("c", "a")
        .containsEntry("z", "x")
        .containsEntry("y", "x")
        .containsEntry("q", "q");
  }
}
