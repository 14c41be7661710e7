package org.trame.jobs.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.trame.config.TableConfig;
import org.trame.jobs.cli.CommandException;
import org.trame.jobs.cli.ExitCode;
import org.trame.jobs.ledger.RunEntry;
import org.trame.jobs.spark.HadoopConf;

/**
 * Finds a table's files in a landing batch folder, checks their headers, and fingerprints them,
 * through Hadoop's file system API so that {@code file:}, {@code hdfs://} and {@code s3a://} work
 * alike. Landing is only ever read.
 */
final class LandingFiles {
  private final SparkSession spark;
  private final Configuration hadoop;

  LandingFiles(SparkSession spark) {
    this.spark = spark;
    this.hadoop = spark.sparkContext().hadoopConfiguration();
  }

  /** Whether the batch folder exists. */
  boolean exists(String batchFolder) {
    try {
      Path folder = new Path(batchFolder);
      return folder.getFileSystem(hadoop).exists(folder);
    } catch (IOException e) {
      throw new CommandException(
          ExitCode.FAILURE, "Cannot look at " + batchFolder + ": " + e.getMessage(), e);
    }
  }

  /** The batch folder's regular files matching the table's {@code files} glob, sorted by name. */
  List<String> find(String batchFolder, TableConfig table) {
    return new ArrayList<>(findWithSizes(batchFolder, table).keySet());
  }

  /**
   * {@link #find} with each file's size in bytes, as the listing gave it (on object stores, no
   * further request per file).
   */
  java.util.LinkedHashMap<String, Long> findWithSizes(String batchFolder, TableConfig table) {
    Path folder = new Path(batchFolder);
    try {
      refuseUndecodableNames(folder);
      FileSystem fs = folder.getFileSystem(hadoop);
      FileStatus[] matches = fs.globStatus(new Path(folder, table.files()));
      java.util.LinkedHashMap<String, Long> files = new java.util.LinkedHashMap<>();
      if (matches != null) {
        Arrays.sort(matches);
        for (FileStatus f : matches) {
          if (isSymlink(f)) {
            throw rejected(
                "Cannot ingest "
                    + f.getPath()
                    + ": symbolic links are not read in landing; copy the file instead");
          }
          if (f.isFile()) {
            files.put(f.getPath().toString(), f.getLen());
          }
        }
      }
      if (files.isEmpty()) {
        throw rejected(
            "Cannot ingest table "
                + table.name()
                + ": no file matching '"
                + table.files()
                + "' in "
                + batchFolder);
      }
      return files;
    } catch (IOException e) {
      throw new CommandException(
          ExitCode.FAILURE, "Cannot list " + batchFolder + ": " + e.getMessage(), e);
    }
  }

  /**
   * On a local disk, a file name that is not valid UTF-8 cannot be opened through Hadoop, which
   * then skips the file without a word. Such a batch is refused, naming the file, rather than
   * ingested without it. (HDFS and S3 names are UTF-8 by protocol.)
   */
  private static void refuseUndecodableNames(Path folder) throws IOException {
    java.net.URI uri = folder.toUri();
    if (uri.getScheme() != null && !"file".equals(uri.getScheme())) {
      return;
    }
    java.nio.file.Path local = java.nio.file.Paths.get(uri.getPath());
    if (!java.nio.file.Files.isDirectory(local)) {
      return;
    }
    try (java.util.stream.Stream<java.nio.file.Path> entries = java.nio.file.Files.list(local)) {
      for (java.nio.file.Path entry : (Iterable<java.nio.file.Path>) entries::iterator) {
        String name = entry.getFileName().toString();
        if (name.indexOf('\uFFFD') >= 0) {
          throw rejected(
              "Cannot ingest "
                  + folder
                  + ": the file name '"
                  + name
                  + "' is not valid UTF-8 ('\uFFFD' marks the bytes that are not); rename it,"
                  + " since it could not be read and would be left out");
        }
      }
    }
  }

  /**
   * Checks every file's header against the declared columns (same names, any order, all files
   * alike) and returns the header of the first.
   */
  List<String> checkHeaders(List<String> files, TableConfig table) {
    List<String> first = null;
    List<String> declared = table.columns().stream().map(c -> c.name()).toList();
    for (String file : files) {
      List<String> header;
      try {
        header = LandingReader.header(hadoop, file, table.format());
      } catch (IOException e) {
        throw rejected(
            "Cannot ingest " + file + ": cannot read its header (" + e.getMessage() + ")");
      }
      if (header.isEmpty()) {
        throw rejected("Cannot ingest " + file + ": the file is empty (not even a header line)");
      }
      String mismatch = headerMismatch(header, declared);
      if (mismatch != null) {
        throw rejected(
            "Cannot ingest "
                + file
                + " line 1: header does not match table "
                + table.name()
                + mismatch
                + " (fix the file or conf/sources)");
      }
      if (first != null && !first.equals(header)) {
        throw rejected(
            "Cannot ingest "
                + file
                + " line 1: its columns are in another order than "
                + files.get(0));
      }
      first = header;
    }
    return first;
  }

  /**
   * What is wrong with a header, or null when it has exactly the declared columns. Names the
   * header's own columns only when its first line is a header at all: a file delivered without one
   * has a row of data there, whose values (names, NIRs) must not reach messages or the ledger. A
   * line sharing fewer than half of its fields with the declared names is taken for such a row.
   */
  static String headerMismatch(List<String> header, List<String> declared) {
    List<String> missing = new ArrayList<>(declared);
    missing.removeAll(header);
    boolean twice = header.stream().distinct().count() != header.size();
    long known = header.stream().filter(declared::contains).count();
    if (missing.isEmpty() && header.size() == declared.size() && !twice) {
      return null;
    }
    if (known * 2 < header.size()) {
      return String.format(
          "; its first line is not a header: %d of its %d fields are declared column names (is"
              + " the header line missing? its values are not shown, since they may be data)",
          known, header.size());
    }
    List<String> extra = new ArrayList<>();
    for (int i = 0; i < header.size(); i++) {
      String name = header.get(i);
      if (!declared.contains(name)) {
        extra.add(
            name.isBlank()
                ? "an empty name at column "
                    + (i + 1)
                    + (i == header.size() - 1 ? " (a delimiter at the end of the line?)" : "")
                : "'"
                    + (name.length() > 40 ? name.substring(0, 40) + "…" : name)
                    + "' at column "
                    + (i + 1));
      }
    }
    return (missing.isEmpty() ? "" : "; missing columns " + missing)
        + (extra.isEmpty() ? "" : "; undeclared columns: " + shorten(extra))
        + (twice ? "; a column is named twice" : "");
  }

  /** SHA-256 and size of every file, computed by Spark tasks (one per file). */
  List<RunEntry.InputFile> fingerprint(List<String> files, List<String> tables) {
    HadoopConf conf = new HadoopConf(hadoop);
    List<String> keyed = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      keyed.add(tables.get(i) + "\t" + files.get(i));
    }
    return JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(keyed, Math.max(1, keyed.size()))
        .map(
            k -> {
              String[] parts = k.split("\t", 2);
              return sha256(conf.get(), parts[0], parts[1]);
            })
        .collect();
  }

  private static RunEntry.InputFile sha256(Configuration conf, String table, String file)
      throws IOException {
    Path path = new Path(file);
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    long bytes = 0;
    try (InputStream in = new DigestInputStream(path.getFileSystem(conf).open(path), digest)) {
      byte[] buffer = new byte[1 << 16];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        bytes += n;
      }
    }
    return new RunEntry.InputFile(
        table, file, java.util.HexFormat.of().formatHex(digest.digest()), bytes);
  }

  /** Hadoop resolves local symbolic links by default, so ask the platform for {@code file:}. */
  private static boolean isSymlink(FileStatus f) {
    if (f.isSymlink()) {
      return true;
    }
    java.net.URI uri = f.getPath().toUri();
    return "file".equals(uri.getScheme())
        && java.nio.file.Files.isSymbolicLink(java.nio.file.Path.of(uri));
  }

  private static String shorten(List<String> names) {
    return names.size() <= 10
        ? String.join(", ", names)
        : String.join(", ", names.subList(0, 10)) + " and " + (names.size() - 10) + " more";
  }

  static CommandException rejected(String message) {
    return new CommandException(ExitCode.DATA_REJECTED, message);
  }
}
