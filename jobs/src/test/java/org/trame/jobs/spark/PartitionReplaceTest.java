package org.trame.jobs.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.delta.tables.DeltaTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.DeltaOperations;
import org.apache.spark.sql.delta.OptimisticTransaction;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.FileAction;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

@ExtendWith(SparkExtension.class)
class PartitionReplaceTest {
  @TempDir Path dir;

  private static Dataset<Row> rows(SparkSession spark, int from, int to, String batch) {
    return spark
        .range(from, to)
        .select(col("id").as("id"), col("id").cast("string").as("label"), lit(batch).as("batch"));
  }

  private static List<String> contents(SparkSession spark, String table) {
    return spark
        .read()
        .format("delta")
        .load(table)
        .groupBy("batch")
        .agg(org.apache.spark.sql.functions.min("id"), org.apache.spark.sql.functions.count("id"))
        .orderBy("batch")
        .collectAsList()
        .stream()
        .map(Row::toString)
        .toList();
  }

  @Test
  void replacesOnePartitionInOneCommitAndLeavesTheOthers(SparkSession spark) {
    String table = dir.resolve("t").toUri().toString();
    for (String batch : List.of("a", "b")) {
      rows(spark, 0, 10, batch)
          .write()
          .format("delta")
          .mode(SaveMode.Append)
          .partitionBy("batch")
          .save(table);
    }

    Optional<PartitionReplace.Written> written =
        PartitionReplace.replace(spark, rows(spark, 100, 107, "a"), table, "batch", "a", "run 1");

    assertThat(written).contains(new PartitionReplace.Written(2, 7));
    assertThat(contents(spark, table)).containsExactly("[a,100,7]", "[b,0,10]");
    Row last = DeltaTable.forPath(spark, table).history(1).first();
    assertThat(last.<String>getAs("operation")).isEqualTo("WRITE");
    assertThat(last.<String>getAs("userMetadata")).isEqualTo("run 1");
    assertThat(last.getJavaMap(last.fieldIndex("operationParameters")).get("mode"))
        .isEqualTo("Overwrite");
    // A new partition too: the commit records the partition as read, so it is no blind append and
    // a concurrent writer of the same partition conflicts with it.
    assertThat(
            PartitionReplace.replace(spark, rows(spark, 0, 2, "c"), table, "batch", "c", "run 0"))
        .contains(new PartitionReplace.Written(3, 2));
    assertThat(DeltaTable.forPath(spark, table).history(1).first().<Boolean>getAs("isBlindAppend"))
        .isFalse();
    spark.sql("DELETE FROM delta.`" + table + "` WHERE batch = 'c'");

    // Nothing left for the partition: its files are removed, the other's kept.
    Optional<PartitionReplace.Written> emptied =
        PartitionReplace.replace(spark, rows(spark, 0, 0, "a"), table, "batch", "a", "run 2");
    assertThat(emptied).contains(new PartitionReplace.Written(5, 0));
    assertThat(contents(spark, table)).containsExactly("[b,0,10]");
    // A version already without the partition: no commit.
    assertThat(
            PartitionReplace.replace(spark, rows(spark, 0, 0, "a"), table, "batch", "a", "run 3"))
        .contains(new PartitionReplace.Written(5, 0));
  }

  @Test
  void replacesInTablesOfMoreFilesThanDeltasDefaultChecksumLists(SparkSession spark) {
    // The limit Trame's sessions set; the shared test session is otherwise left as it is.
    spark.conf().set(SparkSessions.CHECKSUM_FILES, SparkSessions.CHECKSUM_FILES_LIMIT);
    try {
      replaceInATableOf61Files(spark);
    } finally {
      spark.conf().unset(SparkSessions.CHECKSUM_FILES);
    }
  }

  private void replaceInATableOf61Files(SparkSession spark) {
    String table = dir.resolve("many").toUri().toString();
    rows(spark, 0, 120, "b")
        .repartition(60)
        .write()
        .format("delta")
        .partitionBy("batch")
        .save(table);
    rows(spark, 0, 10, "a")
        .write()
        .format("delta")
        .mode(SaveMode.Append)
        .partitionBy("batch")
        .save(table);

    assertThat(PartitionReplace.replace(spark, rows(spark, 50, 55, "a"), table, "batch", "a", "r"))
        .contains(new PartitionReplace.Written(2, 5));
    assertThat(contents(spark, table)).containsExactly("[a,50,5]", "[b,0,120]");
  }

  @Test
  void aReadPartitionConflictsWithConcurrentWritesToItAndNotToOthers(SparkSession spark) {
    String table = dir.resolve("t").toUri().toString();
    rows(spark, 0, 10, "a").write().format("delta").partitionBy("batch").save(table);
    DeltaLog log = DeltaLog.forTable(spark, table);
    DeltaOperations.Write append =
        new DeltaOperations.Write(
            SaveMode.Append,
            Option.empty(),
            Option.empty(),
            Option.empty(),
            Option.empty(),
            Option.empty(),
            Option.empty());

    OptimisticTransaction other = log.startTransaction(Option.empty(), Option.empty());
    PartitionReplace.recordRead(other, "batch", "a", List.of());
    rows(spark, 0, 3, "b").write().format("delta").mode(SaveMode.Append).save(table);
    other.commit(actions(other.writeFiles(rows(spark, 5, 6, "a"))), append);

    OptimisticTransaction same = log.startTransaction(Option.empty(), Option.empty());
    PartitionReplace.recordRead(same, "batch", "a", List.of());
    rows(spark, 0, 3, "a").write().format("delta").mode(SaveMode.Append).save(table);
    assertThatThrownBy(() -> same.commit(actions(same.writeFiles(rows(spark, 7, 8, "a"))), append))
        .isInstanceOf(io.delta.exceptions.ConcurrentAppendException.class);
  }

  private static scala.collection.immutable.Seq<Action> actions(
      scala.collection.immutable.Seq<FileAction> files) {
    return CollectionConverters.asScala(new ArrayList<Action>(CollectionConverters.asJava(files)))
        .toSeq();
  }

  @Test
  void leavesTablesItCannotReplaceExactlyToDeltasOwnPath(SparkSession spark) {
    String missing = dir.resolve("missing").toUri().toString();
    assertThat(PartitionReplace.replace(spark, rows(spark, 0, 3, "a"), missing, "batch", "a", "r"))
        .isEmpty();
    assertThat(dir.resolve("missing")).doesNotExist();

    String table = dir.resolve("t").toUri().toString();
    rows(spark, 0, 10, "a").write().format("delta").partitionBy("batch").save(table);
    Dataset<Row> otherColumns = rows(spark, 0, 3, "a").withColumn("extra", lit(1));
    Dataset<Row> otherType =
        rows(spark, 0, 3, "a").withColumn("id", col("id").cast(DataTypes.IntegerType));
    assertThat(PartitionReplace.replace(spark, otherColumns, table, "batch", "a", "r")).isEmpty();
    assertThat(PartitionReplace.replace(spark, otherType, table, "batch", "a", "r")).isEmpty();
    assertThat(PartitionReplace.replace(spark, rows(spark, 0, 3, "a"), table, "label", "a", "r"))
        .isEmpty();
    assertThat(DeltaTable.forPath(spark, table).history().count()).isEqualTo(1);

    String mapped = dir.resolve("mapped").toUri().toString();
    rows(spark, 0, 10, "a")
        .write()
        .format("delta")
        .option("delta.columnMapping.mode", "name")
        .partitionBy("batch")
        .save(mapped);
    assertThat(PartitionReplace.replace(spark, rows(spark, 0, 3, "a"), mapped, "batch", "a", "r"))
        .isEmpty();
  }
}
