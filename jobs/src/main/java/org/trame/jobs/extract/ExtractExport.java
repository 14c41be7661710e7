package org.trame.jobs.extract;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * An extract's tables as CSV, for tools that read no Parquet (SAS, Stata, a Python without
 * pyarrow). Each file is checked against the manifest's SHA-256 before it is read, so a CSV is
 * never made from a damaged or altered extract. One {@code <table>.csv} per table: UTF-8, a header
 * line, comma-separated, RFC 4180 quoting (a quote inside a field is doubled), an empty field for
 * null, dates as {@code yyyy-MM-dd}, rows in the extract's own order (sorted by every column). The
 * extract folder itself is only read.
 */
public final class ExtractExport {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What to export.
   *
   * @param folder the extract folder (any Hadoop file system URI)
   * @param tables the tables to export, or all of the manifest's when empty
   * @param out the folder the CSV files go to
   * @param encryption the project's key when the extract is encrypted, else null
   */
  public record Request(
      String folder, List<String> tables, String out, ExtractEncryption encryption) {
    public Request {
      tables = List.copyOf(tables);
    }
  }

  /** One CSV file written. */
  public record Exported(String table, String file, long rows) {}

  private ExtractExport() {}

  /** The manifest of an extract folder, as JSON. */
  public static Map<String, Object> manifest(SparkSession spark, String folder) {
    Path path = new Path(folder, "manifest.json");
    try {
      FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(path)) {
        throw new IllegalArgumentException(
            folder + " is not a complete extract: it has no manifest.json");
      }
      try (InputStream in = fs.open(path)) {
        return JSON.readValue(in, new TypeReference<Map<String, Object>>() {});
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + path, e);
    }
  }

  /**
   * The newest complete extract of a project folder ({@code extracts/<P>}): extract ids begin with
   * their UTC time, so the greatest name that has a manifest. Unfinished ({@code .tmp-}) folders
   * are never chosen.
   */
  public static java.util.Optional<String> latest(SparkSession spark, String projectFolder) {
    Path dir = new Path(projectFolder);
    try {
      FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(dir)) {
        return java.util.Optional.empty();
      }
      String best = null;
      for (FileStatus s : fs.listStatus(dir)) {
        String name = s.getPath().getName();
        if (s.isDirectory()
            && !name.startsWith(".")
            && fs.exists(new Path(s.getPath(), "manifest.json"))
            && (best == null || name.compareTo(best) > 0)) {
          best = name;
        }
      }
      return java.util.Optional.ofNullable(best);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + projectFolder, e);
    }
  }

  /** Writes the CSV files; returns them in the manifest's table order. */
  public static List<Exported> run(
      SparkSession spark,
      Request request,
      Map<String, Object> manifest,
      Consumer<String> progress) {
    Map<String, Map<String, Object>> tables = tables(manifest);
    List<String> wanted =
        request.tables().isEmpty() ? List.copyOf(tables.keySet()) : request.tables();
    for (String t : wanted) {
      if (!tables.containsKey(t)) {
        throw new IllegalArgumentException(
            "The extract has no table "
                + t
                + "; its tables: "
                + String.join(", ", tables.keySet()));
      }
    }
    ExtractFiles files =
        new ExtractFiles(request.folder(), spark.sparkContext().hadoopConfiguration());
    FileSystem outFs = fileSystem(spark, request.out());
    List<Exported> done = new ArrayList<>();
    for (String name : wanted) {
      Map<String, Object> table = tables.get(name);
      List<String> parts = verify(files, request.folder(), name, table);
      String target = request.out() + "/" + name + ".csv";
      long rows = ((Number) table.get("rows")).longValue();
      progress.accept(String.format("  %s: %,d rows", name, rows));
      if (parts.isEmpty()) {
        writeHeaderOnly(outFs, target, columnNames(table));
      } else {
        writeCsv(spark, request, name, parts, columnNames(table), outFs, target);
      }
      done.add(new Exported(name, target, rows));
    }
    return done;
  }

  /**
   * Checks the table's files against the manifest: the same set of files, each with its recorded
   * size and SHA-256. Returns their paths.
   */
  private static List<String> verify(
      ExtractFiles files, String folder, String name, Map<String, Object> table) {
    Map<String, String> expected = new LinkedHashMap<>();
    for (Object f : (List<?>) table.get("files")) {
      Map<?, ?> file = (Map<?, ?>) f;
      expected.put((String) file.get("path"), (String) file.get("sha256"));
    }
    Map<String, String> found = new LinkedHashMap<>();
    String tableFolder = folder + "/" + name;
    if (files.exists(tableFolder)) {
      for (ExtractFiles.FileEntry e : files.checksums(tableFolder)) {
        found.put(name + "/" + e.path(), e.sha256());
      }
    }
    for (Map.Entry<String, String> e : expected.entrySet()) {
      String actual = found.get(e.getKey());
      if (actual == null) {
        throw new IllegalStateException(
            "The extract is incomplete: "
                + folder
                + "/"
                + e.getKey()
                + " is in the manifest but"
                + " missing");
      }
      if (!actual.equals(e.getValue())) {
        throw new IllegalStateException(
            "The extract was altered or damaged: the SHA-256 of "
                + folder
                + "/"
                + e.getKey()
                + " is not the manifest's");
      }
    }
    for (String extra : found.keySet()) {
      if (!expected.containsKey(extra)) {
        throw new IllegalStateException(
            "The extract holds a file its manifest does not list: " + folder + "/" + extra);
      }
    }
    return expected.keySet().stream().map(p -> folder + "/" + p).toList();
  }

  private static void writeCsv(
      SparkSession spark,
      Request request,
      String name,
      List<String> parts,
      List<String> columns,
      FileSystem outFs,
      String target) {
    DataFrameReader reader = spark.read();
    if (request.encryption() != null) {
      reader = reader.options(request.encryption().readOptions("export-" + name));
    }
    Column[] order = columns.stream().map(c -> col("`" + c + "`")).toArray(Column[]::new);
    Dataset<Row> rows =
        reader
            .parquet(parts.toArray(String[]::new))
            .select(order)
            .repartition(1)
            .sortWithinPartitions(order);
    String scratch = request.out() + "/.tmp-" + name;
    rows.write()
        .mode("overwrite")
        .option("header", "true")
        .option("sep", ",")
        .option("quote", "\"")
        .option("escape", "\"")
        .option("nullValue", "")
        .option("emptyValue", "\"\"")
        .option("dateFormat", "yyyy-MM-dd")
        .option("timestampFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
        .option("encoding", "UTF-8")
        .option("lineSep", "\n")
        .csv(scratch);
    try {
      Path single = null;
      for (FileStatus s : outFs.listStatus(new Path(scratch))) {
        if (s.getPath().getName().startsWith("part-")) {
          single = s.getPath();
        }
      }
      Path to = new Path(target);
      if (single == null) {
        // Spark writes no file at all for a table without rows.
        outFs.delete(new Path(scratch), true);
        writeHeaderOnly(outFs, target, columns);
        return;
      }
      outFs.delete(to, false);
      if (!outFs.rename(single, to)) {
        throw new IOException("rename to " + target + " failed");
      }
      outFs.delete(new Path(scratch), true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + target, e);
    }
  }

  private static void writeHeaderOnly(FileSystem fs, String target, List<String> columns) {
    try (var out = fs.create(new Path(target), true)) {
      out.write((String.join(",", columns) + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + target, e);
    }
  }

  private static FileSystem fileSystem(SparkSession spark, String uri) {
    try {
      Path path = new Path(uri);
      FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
      fs.mkdirs(path);
      // No .crc side files next to a researcher's CSV.
      return fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create " + uri, e);
    }
  }

  private static Map<String, Map<String, Object>> tables(Map<String, Object> manifest) {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    Object list = manifest.get("tables");
    if (!(list instanceof List<?> ts)) {
      throw new IllegalArgumentException("The manifest lists no tables");
    }
    for (Object t : ts) {
      @SuppressWarnings("unchecked")
      Map<String, Object> table = (Map<String, Object>) t;
      out.put((String) table.get("name"), table);
    }
    return out;
  }

  private static List<String> columnNames(Map<String, Object> table) {
    List<String> out = new ArrayList<>();
    for (Object c : (List<?>) table.get("columns")) {
      out.add((String) ((Map<?, ?>) c).get("name"));
    }
    return out;
  }
}
