package org.trame.jobs.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sha2;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
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
import org.trame.jobs.pseudonymize.PseudonymizeTransforms;
import org.trame.jobs.spark.HadoopFolders;
import org.trame.pseudo.Pseudonymizer;

/**
 * Plain Spark jobs over the same landing files as ingest, to set its costs against: a CSV copy to
 * Parquet or Delta, and the same copy with identifier columns hashed by Spark's {@code sha2} or by
 * Trame's keyed pseudonyms.
 */
final class Baselines {
  /** What a baseline does to identifier columns. */
  enum Hashing {
    NONE,
    SHA2,
    PSEUDONYM
  }

  private Baselines() {}

  /**
   * Copies every table of a source's batch from CSV to {@code format}, identifier columns hashed as
   * asked (tables without any are skipped then); returns the tables copied.
   */
  static int copy(
      SparkSession spark,
      String landingBatch,
      SourceConfig source,
      String out,
      String format,
      Hashing hashing,
      Pseudonymizer pseudonymizer) {
    int tables = 0;
    for (TableConfig table : source.tables()) {
      List<String> files = files(spark, landingBatch, table);
      if (files.isEmpty()) {
        continue;
      }
      Dataset<Row> csv =
          spark
              .read()
              .option("sep", table.format().delimiter())
              .option("header", String.valueOf(table.format().header()))
              .option("encoding", table.format().charset())
              .option("quote", table.format().quote())
              .csv(files.toArray(new String[0]));
      List<Column> cols = new ArrayList<>();
      boolean hashed = false;
      for (String c : csv.columns()) {
        ColumnConfig config = table.column(c).orElse(null);
        if (hashing != Hashing.NONE && config != null && config.role() != null) {
          hashed = true;
          cols.add(
              (hashing == Hashing.SHA2
                      ? sha2(col(c), 256)
                      : PseudonymizeTransforms.pseudonym(pseudonymizer, config.role(), col(c)))
                  .as(c));
        } else {
          cols.add(col(c));
        }
      }
      if (hashing != Hashing.NONE && !hashed) {
        continue;
      }
      Dataset<Row> projected = csv.select(cols.toArray(new Column[0]));
      // Into a new table each run: overwriting an earlier run's Delta table would first read its
      // log, which grows with every bench, and make the baseline slower run after run.
      String target = out + "/" + table.name();
      HadoopFolders.delete(spark.sparkContext().hadoopConfiguration(), target);
      projected.write().format(format).mode("overwrite").save(target);
      tables++;
    }
    return tables;
  }

  private static List<String> files(SparkSession spark, String folder, TableConfig table) {
    try {
      Path dir = new Path(folder);
      FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
      FileStatus[] matches = fs.globStatus(new Path(dir, table.files()));
      List<String> out = new ArrayList<>();
      if (matches != null) {
        for (FileStatus s : matches) {
          out.add(s.getPath().toString());
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + folder, e);
    }
  }
}
