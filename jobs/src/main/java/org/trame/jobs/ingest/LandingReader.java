package org.trame.jobs.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
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
 * Reads a table's landing files into rows of text with their file and line number, one task per
 * file (gzip is not splittable anyway). Lines that cannot be read become rows with a parse error
 * and no data, so every line is accounted for; a file that breaks off (a truncated gzip) yields a
 * row whose error starts with {@code file:}, which rejects the batch.
 */
final class LandingReader {
  static final String LINE = "_line";
  static final String PARSE_ERROR = "_parse_error";
  static final String FILE_ERROR_PREFIX = "file: ";

  private LandingReader() {}

  static Dataset<Row> read(
      SparkSession spark, List<String> files, List<String> header, FileFormat format) {
    StructType schema =
        new StructType()
            .add(IngestTransforms.SOURCE_FILE, DataTypes.StringType, false)
            .add(LINE, DataTypes.LongType, false)
            .add(PARSE_ERROR, DataTypes.StringType, true);
    for (String name : header) {
      schema = schema.add(name, DataTypes.StringType, true);
    }
    HadoopConf conf = new HadoopConf(spark.sparkContext().hadoopConfiguration());
    int width = header.size();
    String charset = format.charset();
    char delimiter = format.delimiter().charAt(0);
    char quote = format.quote().charAt(0);
    JavaRDD<Row> rows =
        JavaSparkContext.fromSparkContext(spark.sparkContext())
            .parallelize(files, files.size())
            .flatMap(
                file ->
                    new FileRows(
                        conf.get(), file, Charset.forName(charset), delimiter, quote, width));
    return spark.createDataFrame(rows, schema);
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
    private Row next;
    private boolean done;

    FileRows(
        Configuration conf, String file, Charset charset, char delimiter, char quote, int width)
        throws IOException {
      this.name = new Path(file).getName();
      this.width = width;
      this.reader =
          new CsvReader(open(conf, file), charset, delimiter, quote, CsvReader.Limits.defaults());
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
