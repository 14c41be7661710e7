package org.trame.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.trame.config.FileFormat;
import org.trame.jobs.spark.SparkExtension;

/** A large landing file read in slices gives the rows of one read, each once. */
@ExtendWith(SparkExtension.class)
class LandingReaderTest {
  private static final FileFormat CSV = new FileFormat(null, ";", "\"", true, "UTF-8");

  @TempDir Path dir;

  @Test
  void aFileMakesOneSlicePerSliceBytesWithinTheCores() {
    Map<String, Long> sizes = new LinkedHashMap<>();
    sizes.put("a.csv.gz", 0L);
    sizes.put("b.csv.gz", 20L << 20);
    sizes.put("c.csv.gz", 100L << 20);
    List<LandingReader.Slice> slices = LandingReader.slices(sizes, 8L << 20, 4);
    assertThat(slices)
        .containsExactly(
            new LandingReader.Slice("a.csv.gz", 0, 1),
            new LandingReader.Slice("b.csv.gz", 0, 2),
            new LandingReader.Slice("b.csv.gz", 1, 2),
            new LandingReader.Slice("c.csv.gz", 0, 4),
            new LandingReader.Slice("c.csv.gz", 1, 4),
            new LandingReader.Slice("c.csv.gz", 2, 4),
            new LandingReader.Slice("c.csv.gz", 3, 4));
    sizes.replaceAll((file, bytes) -> 100L << 20);
    assertThat(LandingReader.slices(sizes, 8L << 20, 1)).as("one core").hasSize(3);
  }

  @Test
  void slicesOfAFileShareItsRecordsWithoutOverlap(SparkSession spark) throws IOException {
    int records = 3 * LandingReader.SLICE_BLOCK + 17;
    Path file = dir.resolve("t.csv.gz");
    try (Writer w =
        new OutputStreamWriter(
            new GZIPOutputStream(Files.newOutputStream(file)), StandardCharsets.UTF_8)) {
      w.write("ID;TEXT\n");
      for (int i = 1; i <= records; i++) {
        if (i == 5000) {
          w.write(i + ";\"runs on\nto the next line\"\n");
        } else if (i == 9000) {
          w.write(i + ";too;many\n");
        } else {
          w.write(i + ";v" + i + "\n");
        }
      }
    }
    String path = file.toUri().toString();
    List<String> whole = lines(spark, List.of(new LandingReader.Slice(path, 0, 1)));
    assertThat(whole).hasSize(records);
    assertThat(whole).contains("5001|null|5000|runs on\nto the next line");
    assertThat(whole).anyMatch(l -> l.startsWith("9002|line 9002: 3 fields"));

    List<String> sliced = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      List<String> one = lines(spark, List.of(new LandingReader.Slice(path, i, 3)));
      assertThat(one).as("slice %d", i).isNotEmpty();
      assertThat(sliced).as("slices before %d", i).doesNotContainAnyElementsOf(one);
      sliced.addAll(one);
    }
    assertThat(sliced).containsExactlyInAnyOrderElementsOf(whole);
  }

  private static List<String> lines(SparkSession spark, List<LandingReader.Slice> slices) {
    List<String> out = new ArrayList<>();
    for (Row r : LandingReader.read(spark, slices, List.of("ID", "TEXT"), CSV).collectAsList()) {
      out.add(r.getLong(1) + "|" + r.getString(2) + "|" + r.getString(3) + "|" + r.getString(4));
    }
    return out;
  }
}
