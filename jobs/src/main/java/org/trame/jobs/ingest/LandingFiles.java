package org.trame.jobs.ingest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.trame.config.FileFormat;
import org.trame.config.TableConfig;
import org.trame.jobs.cli.CommandException;

/**
 * Finds a table's files in a landing batch folder and reads their header lines, through Hadoop's
 * file system API so that {@code file:}, {@code hdfs://} and {@code s3a://} work alike.
 */
final class LandingFiles {
  private final Configuration hadoop;

  LandingFiles(Configuration hadoop) {
    this.hadoop = hadoop;
  }

  /** The batch folder's files matching the table's {@code files} glob, sorted by name. */
  List<String> find(String batchFolder, TableConfig table) {
    Path folder = new Path(batchFolder);
    try {
      FileSystem fs = folder.getFileSystem(hadoop);
      if (!fs.exists(folder)) {
        throw CommandException.usage(
            "Cannot ingest: batch folder " + batchFolder + " does not exist");
      }
      FileStatus[] matches = fs.globStatus(new Path(folder, table.files()));
      List<String> files = new ArrayList<>();
      if (matches != null) {
        Arrays.sort(matches);
        for (FileStatus f : matches) {
          if (f.isFile()) {
            files.add(f.getPath().toString());
          }
        }
      }
      if (files.isEmpty()) {
        throw CommandException.usage(
            "Cannot ingest table "
                + table.name()
                + ": no file matching '"
                + table.files()
                + "' in "
                + batchFolder);
      }
      return files;
    } catch (IOException e) {
      throw new CommandException(1, "Cannot list " + batchFolder + ": " + e.getMessage(), e);
    }
  }

  /**
   * The column names in a CSV file's first line, without a byte-order mark or quotes.
   *
   * @throws CommandException naming the file when it is empty or unreadable
   */
  List<String> header(String file, FileFormat format) {
    Path path = new Path(file);
    try {
      FileSystem fs = path.getFileSystem(hadoop);
      CompressionCodec codec = new CompressionCodecFactory(hadoop).getCodec(path);
      try (InputStream raw = fs.open(path);
          InputStream in = codec == null ? raw : codec.createInputStream(raw);
          BufferedReader r =
              new BufferedReader(new InputStreamReader(in, Charset.forName(format.charset())))) {
        String line = r.readLine();
        if (line == null) {
          throw CommandException.usage(
              "Cannot ingest " + file + ": the file is empty (no header line)");
        }
        if (line.startsWith("\uFEFF")) {
          line = line.substring(1);
        }
        List<String> names = new ArrayList<>();
        String quote = format.quote();
        for (String name : line.split(java.util.regex.Pattern.quote(format.delimiter()), -1)) {
          String n = name.trim();
          if (n.length() >= 2 && n.startsWith(quote) && n.endsWith(quote)) {
            n = n.substring(1, n.length() - 1);
          }
          names.add(n);
        }
        return names;
      }
    } catch (IOException e) {
      throw new CommandException(1, "Cannot read the header of " + file + ": " + e.getMessage(), e);
    }
  }
}
