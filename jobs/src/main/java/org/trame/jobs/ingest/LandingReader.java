package org.trame.jobs.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.trame.config.FileFormat;
import org.trame.jobs.spark.HadoopConf;
import org.trame.landing.CsvReader;

/**
 * Reads a table's landing files into rows of text with their file and line number: one task per
 * file, or per slice of a large file (gzip is not splittable, so each slice reads the whole file
 * and keeps its share of the records). Lines that cannot be read become rows with a parse error and
 * no data, so every line is accounted for; a file that breaks off (a truncated gzip) yields a row
 * whose error starts with {@code file:}, which rejects the batch.
 */
final class LandingReader {
  static final String LINE = "_line";
  static final String PARSE_ERROR = "_parse_error";
  static final String FILE_ERROR_PREFIX = "file: ";

  private LandingReader() {}

  /**
   * The {@link IngestTransforms#SOURCE_FILE} of a landing file's rows: its name, without its
   * folder.
   */
  static String sourceFile(String file) {
    return new Path(file).getName();
  }

  private static StructType schema(List<String> header) {
    StructType schema =
        new StructType()
            .add(IngestTransforms.SOURCE_FILE, DataTypes.StringType, false)
            .add(LINE, DataTypes.LongType, false)
            .add(PARSE_ERROR, DataTypes.StringType, true);
    for (String name : header) {
      schema = schema.add(name, DataTypes.StringType, true);
    }
    return schema;
  }

  /** Reads the given slices of a table's landing files ({@link #slices}), one task each. */
  static Dataset<Row> read(
      SparkSession spark, List<Slice> slices, List<String> header, FileFormat format) {
    StructType schema = schema(header);
    HadoopConf conf = new HadoopConf(spark.sparkContext().hadoopConfiguration());
    int width = header.size();
    String charset = format.charset();
    char delimiter = format.delimiter().charAt(0);
    char quote = format.quote().charAt(0);
    JavaRDD<Row> rows =
        JavaSparkContext.fromSparkContext(spark.sparkContext())
            .parallelize(slices, slices.size())
            .flatMap(
                slice ->
                    new FileRows(
                        conf.get(), slice, Charset.forName(charset), delimiter, quote, width));
    return spark.createDataFrame(rows, schema);
  }

  /**
   * One task's share of a landing file: the records whose block of {@link #SLICE_BLOCK} records has
   * number {@code index} modulo {@code count}. Every slice of a file reads the whole file, but
   * turns only its own records into rows.
   */
  record Slice(String file, int index, int count) implements java.io.Serializable {
    boolean owns(long record) {
      return count == 1 || (record / SLICE_BLOCK) % count == index;
    }
  }

  /**
   * Consecutive records that go to one slice: enough that a slice's rows keep the runs of similar
   * values that Parquet encodes compactly.
   */
  static final int SLICE_BLOCK = 4096;

  /**
   * The stored bytes of a landing file that make one slice. A gzipped file cannot be split, so a
   * large one was read by one task: at 10^6 persons, {@code ER_PRS_F} (25 MB gzipped, 1.4 million
   * rows) kept one core busy for 15 s while the other sat idle. Each slice decompresses and parses
   * the whole file, but these are a small part of the typing, pseudonymizing and writing that the
   * slices share.
   */
  static final long SLICE_BYTES = 8L << 20;

  /** The Spark setting that replaces {@link #SLICE_BYTES}, in bytes. */
  static final String SLICE_BYTES_SETTING = "spark.trame.ingest.sliceBytes";

  /**
   * The slices of the files of {@code sizes} (bytes by file): one per {@link #SLICE_BYTES} (or
   * {@link #SLICE_BYTES_SETTING}) of each, up to the cores.
   */
  static List<Slice> slices(SparkSession spark, Map<String, Long> sizes) {
    String setting = spark.conf().get(SLICE_BYTES_SETTING, String.valueOf(SLICE_BYTES));
    long sliceBytes;
    try {
      sliceBytes = Long.parseLong(setting.trim());
    } catch (NumberFormatException e) {
      sliceBytes = 0;
    }
    if (sliceBytes <= 0) {
      throw org.trame.jobs.cli.CommandException.usage(
          "Spark setting "
              + SLICE_BYTES_SETTING
              + " must be a positive number of bytes, not '"
              + setting
              + "'");
    }
    return slices(sizes, sliceBytes, spark.sparkContext().defaultParallelism());
  }

  /**
   * The slices of the files of {@code sizes} (bytes by file): one per {@code sliceBytes} of each
   * file, at least one and at most {@code cores}.
   */
  static List<Slice> slices(Map<String, Long> sizes, long sliceBytes, int cores) {
    List<Slice> out = new ArrayList<>();
    for (Map.Entry<String, Long> file : sizes.entrySet()) {
      int count = (int) Math.max(1, Math.min(Math.max(1, cores), file.getValue() / sliceBytes));
      for (int i = 0; i < count; i++) {
        out.add(new Slice(file.getKey(), i, count));
      }
    }
    return out;
  }

  /** Opens a landing file, decompressing by its extension. */
  static InputStream open(Configuration conf, String file) throws IOException {
    Path path = new Path(file);
    FileSystem fs = path.getFileSystem(conf);
    CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
    InputStream raw = fs.open(path);
    return codec == null ? raw : codec.createInputStream(raw);
  }

  /** The rows of one file, read lazily so that memory stays flat. */
  private static final class FileRows implements Iterator<Row> {
    private final String name;
    private final int width;
    private final CsvReader reader;
    private final Slice slice;
    private long records;
    private Row next;
    private boolean done;

    FileRows(
        Configuration conf, Slice slice, Charset charset, char delimiter, char quote, int width)
        throws IOException {
      this.name = sourceFile(slice.file());
      this.width = width;
      this.slice = slice;
      this.reader =
          new CsvReader(
              open(conf, slice.file()), charset, delimiter, quote, CsvReader.Limits.defaults());
      CsvReader.Record header = reader.next();
      if (header == null) {
        done = true;
        reader.close();
      }
    }

    @Override
    public boolean hasNext() {
      if (next == null && !done) {
        next = advance();
      }
      return next != null;
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Row r = next;
      next = null;
      return r;
    }

    private Row advance() {
      try {
        CsvReader.Record rec = reader.next();
        while (rec != null && !slice.owns(records++)) {
          rec = reader.next();
        }
        if (rec == null) {
          finish();
          return null;
        }
        if (!rec.ok()) {
          return errorRow(rec.line(), "line " + rec.line() + ", " + rec.error());
        }
        if (rec.fields().size() != width) {
          return errorRow(
              rec.line(),
              "line "
                  + rec.line()
                  + ": "
                  + rec.fields().size()
                  + " fields, the header has "
                  + width);
        }
        Object[] values = new Object[3 + width];
        values[0] = name;
        values[1] = rec.line();
        values[2] = null;
        for (int i = 0; i < width; i++) {
          values[3 + i] = rec.fields().get(i);
        }
        return RowFactory.create(values);
      } catch (IOException e) {
        long at = reader.linesRead();
        finish();
        return errorRow(
            at + 1,
            FILE_ERROR_PREFIX
                + name
                + " cannot be read after line "
                + at
                + " ("
                + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage())
                + "); is it truncated?");
      }
    }

    private Row errorRow(long line, String error) {
      Object[] values = new Object[3 + width];
      values[0] = name;
      values[1] = line;
      values[2] = error;
      return RowFactory.create(values);
    }

    private void finish() {
      done = true;
      try {
        reader.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** The first record of a file (its header), or an empty list for an empty file. */
  static List<String> header(Configuration conf, String file, FileFormat format)
      throws IOException {
    try (CsvReader r =
        new CsvReader(
            open(conf, file),
            Charset.forName(format.charset()),
            format.delimiter().charAt(0),
            format.quote().charAt(0),
            CsvReader.Limits.defaults())) {
      CsvReader.Record rec = r.next();
      if (rec == null) {
        return List.of();
      }
      if (!rec.ok()) {
        throw new IOException("line " + rec.line() + ": " + rec.error());
      }
      return new ArrayList<>(rec.fields());
    }
  }
}
