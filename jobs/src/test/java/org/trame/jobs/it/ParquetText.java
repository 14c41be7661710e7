package org.trame.jobs.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;

/** Decodes every Parquet file under a folder into text, plus every other file as it is. */
final class ParquetText {
  private ParquetText() {}

  static String readAll(Path root) throws IOException {
    StringBuilder b = new StringBuilder();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".parquet")) {
          try (ParquetReader<Group> r =
              ParquetReader.builder(
                      new GroupReadSupport(), new org.apache.hadoop.fs.Path(f.toUri()))
                  .withConf(new Configuration())
                  .build()) {
            for (Group g = r.read(); g != null; g = r.read()) {
              b.append(g).append('\n');
            }
          }
        } else if (!name.endsWith(".crc") && !name.endsWith(".jar")) {
          b.append(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1)).append('\n');
        }
      }
    }
    return b.toString();
  }
}
