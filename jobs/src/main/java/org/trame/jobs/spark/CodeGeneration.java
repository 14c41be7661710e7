package org.trame.jobs.spark;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SparkSession;

/**
 * Whether Spark compiles a job's queries to bytecode, chosen from the size of the job's input.
 *
 * <p>Compiling (whole-stage code generation, then Janino) costs tens to hundreds of milliseconds
 * per distinct query, and a link or an ingest runs hundreds of them. On a small input that is most
 * of the time: the demo's link (2,091 records) took 73-80 s compiled and 49 s interpreted. On a
 * large one the compiled code wins: the 10^5 bench's link (197,340 records, 15 MB of live Parquet,
 * 110 MB stored) took 148.5 s compiled and 161.1 s interpreted.
 *
 * <p>A setting of {@code spark.sql.codegen.wholeStage} or {@code spark.sql.codegen.factoryMode}
 * that the session's SparkContext started with ({@code trame.yaml}, {@code spark-submit --conf}, a
 * {@code -Dspark...} property) stands: then nothing is changed. A session reused in one JVM (tests,
 * an embedding application) keeps the settings it started with, so only those count there.
 *
 * <p>{@code factoryMode} is marked internal in Spark; {@code wholeStage} is the public switch. Both
 * only change speed, never results.
 */
public final class CodeGeneration {
  /**
   * Inputs of at most this many bytes run interpreted: as stored (Parquet, gzip), older versions'
   * files included, which errs towards compiling.
   */
  public static final long SMALL_INPUT_BYTES = 4L << 20;

  static final String WHOLE_STAGE = "spark.sql.codegen.wholeStage";
  static final String FACTORY_MODE = "spark.sql.codegen.factoryMode";

  private CodeGeneration() {}

  /**
   * Sets the session to compile or interpret from here on, for an input of {@code inputBytes}.
   * Affects the whole session: jobs running beside in the same JVM follow the last choice, which
   * changes their speed, never their results.
   *
   * @return whether queries are compiled from here on
   */
  public static boolean fit(SparkSession spark, long inputBytes) {
    return fit(spark.conf(), spark.sparkContext().getConf(), inputBytes);
  }

  static boolean fit(RuntimeConfig session, SparkConf startup, long inputBytes) {
    if (startup.contains(WHOLE_STAGE) || startup.contains(FACTORY_MODE)) {
      return Boolean.parseBoolean(session.get(WHOLE_STAGE, "true"));
    }
    boolean compile = inputBytes > SMALL_INPUT_BYTES;
    session.set(WHOLE_STAGE, String.valueOf(compile));
    session.set(FACTORY_MODE, compile ? "FALLBACK" : "NO_CODEGEN");
    return compile;
  }

  /** The bytes stored under these files or folders, on any file system; missing ones count 0. */
  public static long bytesUnder(SparkSession spark, Collection<String> paths) {
    long total = 0;
    for (String p : paths) {
      Path path = new Path(p);
      try {
        FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
        total += fs.getContentSummary(path).getLength();
      } catch (FileNotFoundException e) {
        // Not written yet: nothing to read there.
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot measure " + p, e);
      }
    }
    return total;
  }
}
