package org.trame.jobs.rekey;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Properties;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.trame.jobs.cli.CommandException;
import org.trame.jobs.cli.ExitCode;
import org.trame.jobs.spark.WarehousePaths;

/**
 * The file {@code warehouse/_rekey}, present from the start of a rekey until every table is
 * rewritten. While it exists the warehouse holds pseudonyms under two key chains, so ingest, link
 * and extract refuse to run; rerunning {@code trame rekey} finishes the job and removes it.
 */
public final class RekeyMarker {
  private RekeyMarker() {}

  /** What the marker says: the run that started the rekey, and the chains from and to. */
  public record State(String runId, String from, String to) {}

  /** The unfinished rekey, if any. */
  public static Optional<State> read(SparkSession spark, WarehousePaths paths) {
    Path file = new Path(paths.rekeyMarker());
    try {
      FileSystem fs = file.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(file)) {
        return Optional.empty();
      }
      Properties p = new Properties();
      try (InputStream in = fs.open(file)) {
        p.load(new StringReader(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)));
      }
      return Optional.of(
          new State(p.getProperty("run"), p.getProperty("from"), p.getProperty("to")));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file, e);
    }
  }

  /** Fails with a write conflict (exit 4) while a rekey is unfinished. */
  public static void refuseWhilePresent(SparkSession spark, WarehousePaths paths, String what) {
    Optional<State> state = read(spark, paths);
    if (state.isPresent()) {
      throw new CommandException(
          ExitCode.WRITE_CONFLICT,
          "Cannot "
              + what
              + ": the rekey from "
              + state.get().from()
              + " to "
              + state.get().to()
              + " started by run "
              + state.get().runId()
              + " has not finished; run `trame rekey` to finish it (it resumes where it stopped)");
    }
  }

  /** Writes the marker (replacing one left by an earlier attempt at the same rekey). */
  public static void write(SparkSession spark, WarehousePaths paths, State state) {
    Path file = new Path(paths.rekeyMarker());
    Properties p = new Properties();
    p.setProperty("run", state.runId());
    p.setProperty("from", state.from());
    p.setProperty("to", state.to());
    try {
      FileSystem fs = file.getFileSystem(spark.sparkContext().hadoopConfiguration());
      try (OutputStream out = fs.create(file, true)) {
        p.store(out, "trame rekey in progress");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file, e);
    }
  }

  /** Removes the marker once every table is rewritten. */
  public static void delete(SparkSession spark, WarehousePaths paths) {
    Path file = new Path(paths.rekeyMarker());
    try {
      file.getFileSystem(spark.sparkContext().hadoopConfiguration()).delete(file, false);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + file, e);
    }
  }
}
