package org.trame.jobs.generate;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Writes one partition's share of every landing and truth file as gzip members under a staging
 * folder ({@code <staging>/<file>/part-<partition>.gz}); the driver then concatenates the members
 * of each file in partition order behind a header. Names depend only on the partition index, so a
 * retried task overwrites its own parts and the result stays the same.
 */
final class PartWriter implements Sink, AutoCloseable {
  static final String TRUTH = "truth/";

  private final Configuration conf;
  private final String staging;
  private final int partition;
  private final Map<String, Writer> open = new HashMap<>();
  private final Map<String, Long> lines = new TreeMap<>();

  PartWriter(Configuration conf, String staging, int partition) {
    this.conf = conf;
    this.staging = staging;
    this.partition = partition;
  }

  /** The staging name of a landing file: {@code landing/<source>/<batch>/<file>}. */
  static String landingFile(LandingTable table, String batch) {
    return "landing/" + table.source + "/" + batch + "/" + table.fileName(batch);
  }

  @Override
  public void emit(
      LandingTable table,
      String batch,
      String line,
      String recordKey,
      Person person,
      String defects) {
    write(landingFile(table, batch), table.charset(), line);
    if (person != null) {
      write(
          TRUTH + table.truthFile(),
          StandardCharsets.UTF_8,
          Csv.line(batch, recordKey, person.truthId(), defects));
    }
  }

  /** Writes one line of a truth file that is not tied to a landing record. */
  void truth(String file, String line) {
    write(TRUTH + file, StandardCharsets.UTF_8, line);
  }

  private void write(String file, Charset charset, String line) {
    try {
      Writer w = open.get(file);
      if (w == null) {
        Path path = new Path(staging + "/" + file + "/" + String.format("part-%05d.gz", partition));
        FileSystem fs = path.getFileSystem(conf);
        fs.setWriteChecksum(false);
        w = new OutputStreamWriter(new GZIPOutputStream(fs.create(path, true), 1 << 16), charset);
        open.put(file, w);
      }
      w.write(line);
      w.write('\n');
      lines.merge(file, 1L, Long::sum);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write generated part of " + file, e);
    }
  }

  /** Lines written per file by this partition. */
  Map<String, Long> lines() {
    return lines;
  }

  @Override
  public void close() throws IOException {
    for (Writer w : open.values()) {
      w.close();
    }
  }
}
