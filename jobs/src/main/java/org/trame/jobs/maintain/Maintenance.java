package org.trame.jobs.maintain;

import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Delta housekeeping of one table: compaction of small files ({@code OPTIMIZE}) and removal of
 * files no version within the retention needs any more ({@code VACUUM}), measured before and after.
 */
public final class Maintenance {
  /** Delta's own minimum: a vacuum never removes files younger than this. */
  public static final double MIN_RETAIN_HOURS = 168;

  private Maintenance() {}

  /**
   * A table's size: files and bytes of its current version, and data files on storage (every
   * version Delta can still time-travel to, plus files left by failed writes).
   */
  public record Size(long liveFiles, long liveBytes, long storedFiles, long storedBytes) {}

  /** What one maintenance did to one table. */
  public record Outcome(
      String table, Size before, Size after, long filesCompacted, long filesRemoved) {}

  /** Measures a table without changing it. */
  public static Size size(SparkSession spark, String path) {
    Row d = DeltaTable.forPath(spark, path).detail().select("numFiles", "sizeInBytes").first();
    long files = 0;
    long bytes = 0;
    try {
      Path root = new Path(path);
      FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
      while (it.hasNext()) {
        FileStatus f = it.next();
        String rel = f.getPath().toUri().getPath().substring(root.toUri().getPath().length());
        if (!rel.contains("/_delta_log/") && f.getPath().getName().endsWith(".parquet")) {
          files++;
          bytes += f.getLen();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot measure " + path, e);
    }
    return new Size(d.getLong(0), d.getLong(1), files, bytes);
  }

  /**
   * Compacts and/or vacuums one table.
   *
   * @param retainHours files needed by any version of the last {@code retainHours} are kept; at
   *     least {@link #MIN_RETAIN_HOURS}
   */
  public static Outcome run(
      SparkSession spark,
      String name,
      String path,
      boolean optimize,
      boolean vacuum,
      double retainHours) {
    if (vacuum && retainHours < MIN_RETAIN_HOURS) {
      throw new IllegalArgumentException(
          "retain hours " + retainHours + " is below Delta's minimum " + MIN_RETAIN_HOURS);
    }
    Size before = size(spark, path);
    long compacted = 0;
    DeltaTable table = DeltaTable.forPath(spark, path);
    if (optimize) {
      Row metrics = table.optimize().executeCompaction().select("metrics.numFilesRemoved").first();
      compacted = metrics.isNullAt(0) ? 0 : metrics.getLong(0);
    }
    if (vacuum) {
      table.vacuum(retainHours);
    }
    Size after = size(spark, path);
    return new Outcome(
        name, before, after, compacted, Math.max(0, before.storedFiles() - after.storedFiles()));
  }
}
