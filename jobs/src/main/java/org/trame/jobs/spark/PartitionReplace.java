package org.trame.jobs.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.classic.ExpressionUtils;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.DeltaOperations;
import org.apache.spark.sql.delta.NoMapping$;
import org.apache.spark.sql.delta.OptimisticTransaction;
import org.apache.spark.sql.delta.Snapshot;
import org.apache.spark.sql.delta.VersionChecksum;
import org.apache.spark.sql.delta.actions.Action;
import org.apache.spark.sql.delta.actions.AddFile;
import org.apache.spark.sql.delta.actions.FileAction;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Replaces one partition of an existing Delta table in one commit, without rebuilding the table's
 * state with Spark jobs.
 *
 * <p>Delta 4.1's {@code replaceWhere} overwrite computes the whole table state (a cached log
 * replay, then an aggregation for its file count and size) before it removes the partition's files:
 * four to six small Spark jobs per write, 2-3 s of a small table's ingest on a 2-core machine. A
 * small table's version checksum ({@code .crc}) already lists every live file, so the partition's
 * files are taken from there, the new ones are written by the same transaction, and both go into a
 * single commit.
 *
 * <p>It applies only where the files can be taken from there as they are: the table exists, is
 * partitioned by the given column alone without column mapping, has the rows' columns and types,
 * and its current version's checksum lists its files (Delta writes them there for tables of up to
 * {@code allFilesInCrc.thresholdNumFiles} files, which {@link SparkSessions} sets, and not when a
 * commit ended before its checksum was written). Otherwise it writes nothing and says so, and the
 * caller takes Delta's ordinary path. The transaction records the partition and its files as read,
 * as {@code replaceWhere} does: commits to other partitions do not conflict with it, and a
 * concurrent one that touches this partition (a compaction, another writer of the same batch) does.
 * Unlike {@code replaceWhere}'s, its commit metrics do not count the removed files.
 */
public final class PartitionReplace {
  private PartitionReplace() {}

  /**
   * A commit made here.
   *
   * @param rows rows written, from the new files' statistics; -1 when a file has none
   */
  public record Written(long version, long rows) {}

  /**
   * Writes {@code rows} as the partition {@code column = value} of {@code table}, replacing what it
   * held; empty when the table does not qualify (see the class) and nothing was written.
   */
  public static Optional<Written> replace(
      SparkSession spark,
      Dataset<Row> rows,
      String table,
      String column,
      String value,
      String userMetadata) {
    DeltaLog log = DeltaLog.forTable(spark, table);
    OptimisticTransaction txn = log.startTransaction(Option.empty(), Option.empty());
    Snapshot snapshot = txn.snapshot();
    if (snapshot.version() < 0
        || !CollectionConverters.asJava(txn.metadata().partitionColumns()).equals(List.of(column))
        // With column mapping, files name their partition values by physical column names.
        || txn.metadata().columnMappingMode() != NoMapping$.MODULE$
        || !sameColumns(txn.metadata().schema(), rows.schema())) {
      return Optional.empty();
    }
    Option<VersionChecksum> checksum = snapshot.checksumOpt();
    if (checksum.isEmpty() || checksum.get().allFiles().isEmpty()) {
      return Optional.empty();
    }
    List<AddFile> replaced = new ArrayList<>();
    for (AddFile f : CollectionConverters.asJava(checksum.get().allFiles().get())) {
      if (value.equals(f.partitionValues().get(column).getOrElse(() -> null))) {
        replaced.add(f);
      }
    }
    recordRead(txn, column, value, replaced);
    List<Action> actions = new ArrayList<>();
    long written = 0;
    for (FileAction f : CollectionConverters.asJava(txn.writeFiles(rows))) {
      if (f instanceof AddFile add) {
        if (!value.equals(add.partitionValues().get(column).getOrElse(() -> null))) {
          throw new IllegalStateException(
              "A file written for " + column + " = " + value + " holds another partition");
        }
        Option<Object> records = add.numLogicalRecords();
        written = written < 0 || records.isEmpty() ? -1 : written + (Long) records.get();
      }
      actions.add(f);
    }
    if (actions.isEmpty() && replaced.isEmpty()) {
      // Nothing to add or remove: Delta would commit nothing either.
      return Optional.of(new Written(snapshot.version(), 0));
    }
    long now = System.currentTimeMillis();
    for (AddFile f : replaced) {
      actions.add(f.removeWithTimestamp(now, true));
    }
    DeltaOperations.Write operation =
        new DeltaOperations.Write(
            SaveMode.Overwrite,
            Option.apply(CollectionConverters.asScala(List.of(column)).toSeq()),
            Option.apply(column + " = '" + value.replace("'", "\\'") + "'"),
            Option.apply(userMetadata),
            Option.empty(),
            Option.empty(),
            Option.empty());
    long version = txn.commit(CollectionConverters.asScala(actions).toSeq(), operation);
    return Optional.of(new Written(version, written));
  }

  /**
   * Records the partition and its files as read by {@code txn}, as {@code replaceWhere} does: a
   * concurrent commit that adds files to this partition or removes one of its files then conflicts
   * with it instead of slipping past it, and a first write of the partition is no blind append.
   */
  static void recordRead(
      OptimisticTransaction txn, String column, String value, List<AddFile> files) {
    Column inPartition = col("partitionValues").getItem(column).equalTo(lit(value));
    txn.trackReadPredicates(
        CollectionConverters.asScala(List.of(ExpressionUtils.expression(inPartition))).toSeq(),
        true,
        false);
    txn.trackFilesRead(CollectionConverters.asScala(files).toSeq());
  }

  /** Same column names, in the same order, of the same types; nullability aside. */
  static boolean sameColumns(StructType table, StructType rows) {
    StructField[] a = table.fields();
    StructField[] b = rows.fields();
    if (a.length != b.length) {
      return false;
    }
    for (int i = 0; i < a.length; i++) {
      if (!a[i].name().equals(b[i].name()) || !sameType(a[i].dataType(), b[i].dataType())) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameType(DataType a, DataType b) {
    if (a instanceof ArrayType x && b instanceof ArrayType y) {
      return sameType(x.elementType(), y.elementType());
    }
    if (a instanceof MapType x && b instanceof MapType y) {
      return sameType(x.keyType(), y.keyType()) && sameType(x.valueType(), y.valueType());
    }
    if (a instanceof StructType x && b instanceof StructType y) {
      return sameColumns(x, y);
    }
    return a.equals(b);
  }
}
