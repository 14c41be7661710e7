package org.trame.jobs.extract;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.PageEncodingStats;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;

/**
 * Makes a Parquet file's bytes depend on its data only. parquet-mr lists each column chunk's
 * encodings from a hash set of enum constants, whose order changes from one JVM to the next, so the
 * same rows written twice give footers that differ in that order alone. This sorts those lists and
 * rewrites the footer in place of the old one (same length: the same entries, reordered); data
 * pages are copied as they are.
 */
final class StableFooters {
  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

  private StableFooters() {}

  /** Rewrites {@code file}'s footer with sorted encoding lists, when they were not sorted. */
  static void normalize(FileSystem fs, Path file) throws IOException {
    long size = fs.getFileStatus(file).getLen();
    byte[] footer;
    try (FSDataInputStream in = fs.open(file)) {
      byte[] tail = new byte[8];
      in.readFully(size - 8, tail);
      if (!Arrays.equals(Arrays.copyOfRange(tail, 4, 8), MAGIC)) {
        throw new IOException(file + " is not a plain Parquet file");
      }
      int length = ByteBuffer.wrap(tail, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
      footer = new byte[length];
      in.readFully(size - 8 - length, footer);
    }
    FileMetaData meta = Util.readFileMetaData(new ByteArrayInputStream(footer));
    for (RowGroup group : meta.getRow_groups()) {
      for (ColumnChunk chunk : group.getColumns()) {
        var m = chunk.getMeta_data();
        if (m.isSetEncodings()) {
          m.getEncodings().sort(Comparator.comparingInt(e -> e.getValue()));
        }
        if (m.isSetEncoding_stats()) {
          m.getEncoding_stats()
              .sort(
                  Comparator.comparingInt((PageEncodingStats s) -> s.getPage_type().getValue())
                      .thenComparingInt(s -> s.getEncoding().getValue()));
        }
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(footer.length);
    Util.writeFileMetaData(meta, out);
    byte[] sorted = out.toByteArray();
    if (Arrays.equals(sorted, footer)) {
      return;
    }
    if (sorted.length != footer.length) {
      throw new IOException(file + ": the reordered footer changed length; left as written");
    }
    Path tmp = new Path(file.getParent(), "." + file.getName() + ".footer");
    try (InputStream in = fs.open(file);
        OutputStream copy = fs.create(tmp, true)) {
      long data = size - 8 - footer.length;
      byte[] buffer = new byte[1 << 16];
      for (long left = data; left > 0; ) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          throw new IOException(file + " ended early");
        }
        copy.write(buffer, 0, n);
        left -= n;
      }
      copy.write(sorted);
      copy.write(
          ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(sorted.length).array());
      copy.write(MAGIC);
    }
    if (!fs.delete(file, false) || !fs.rename(tmp, file)) {
      throw new IOException("Cannot replace " + file + " with its normalized copy");
    }
  }
}
