package org.trame.jobs.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.trame.jobs.spark.SparkExtension;
import org.trame.key.KeyId;
import org.trame.key.ProjectKeys;
import org.trame.key.SecretKey;

/** {@code trame export}'s conversion, on real Parquet written by Spark, clear and encrypted. */
@ExtendWith(SparkExtension.class)
class ExtractExportTest {
  private static final StructType SCHEMA =
      new StructType()
          .add("subject_id", DataTypes.StringType)
          .add("NOTE", DataTypes.StringType)
          .add("QTY", DataTypes.LongType)
          .add("DAY", DataTypes.DateType);

  @TempDir Path dir;

  @Test
  void tablesBecomeRfc4180CsvInTheExtractsOrder(SparkSession spark) throws Exception {
    String folder = dir.resolve("extract").toUri().toString();
    Map<String, Object> manifest = writeExtract(spark, folder, null);
    String out = dir.resolve("csv").toUri().toString();
    List<ExtractExport.Exported> done =
        ExtractExport.run(
            spark, new ExtractExport.Request(folder, List.of(), out, null), manifest, line -> {});
    assertThat(done).extracting(ExtractExport.Exported::table).containsExactly("s.T", "s.EMPTY");
    assertThat(Files.readString(dir.resolve("csv/s.T.csv"), StandardCharsets.UTF_8))
        .isEqualTo(
            """
            subject_id,NOTE,QTY,DAY
            a,"He said ""hi"", then left",1,2023-01-31
            b,,,
            c,"",3,2023-12-01
            c,x,2,2023-02-28
            """);
    assertThat(Files.readString(dir.resolve("csv/s.EMPTY.csv")))
        .isEqualTo("subject_id,NOTE,QTY,DAY\n");
    try (var files = Files.list(dir.resolve("csv"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no scratch folder or checksum side file left")
          .containsExactlyInAnyOrder("s.T.csv", "s.EMPTY.csv");
    }
  }

  @Test
  void anEncryptedExtractIsReadWithItsProjectKey(SparkSession spark) throws Exception {
    SecretKey master = new SecretKey(new KeyId("extract", 1), new byte[32]);
    ExtractEncryption key = ExtractEncryption.of(ProjectKeys.derive(master, "alpha"), "alpha");
    String folder = dir.resolve("sealed").toUri().toString();
    Map<String, Object> manifest = writeExtract(spark, folder, key);
    String out = dir.resolve("csv").toUri().toString();
    ExtractExport.run(
        spark, new ExtractExport.Request(folder, List.of("s.T"), out, key), manifest, line -> {});
    assertThat(Files.readAllLines(dir.resolve("csv/s.T.csv")))
        .hasSize(5)
        .contains("c,x,2,2023-02-28");
    assertThat(dir.resolve("csv/s.EMPTY.csv")).doesNotExist();
  }

  @Test
  void anAlteredOrUnlistedFileStopsTheExport(SparkSession spark) throws Exception {
    String folder = dir.resolve("extract").toUri().toString();
    Map<String, Object> manifest = writeExtract(spark, folder, null);
    Path part = dir.resolve("extract/s.T/part-00000.parquet");
    byte[] bytes = Files.readAllBytes(part);
    bytes[bytes.length / 2] ^= 1;
    Files.write(part, bytes);
    String out = dir.resolve("csv").toUri().toString();
    ExtractExport.Request request = new ExtractExport.Request(folder, List.of(), out, null);
    assertThatThrownBy(() -> ExtractExport.run(spark, request, manifest, line -> {}))
        .hasMessageContaining("altered or damaged")
        .hasMessageContaining("s.T/part-00000.parquet");
    assertThat(dir.resolve("csv/s.T.csv")).doesNotExist();

    Files.write(dir.resolve("extract/s.EMPTY/part-00009.parquet"), new byte[] {1});
    ExtractExport.Request empty = new ExtractExport.Request(folder, List.of("s.EMPTY"), out, null);
    assertThatThrownBy(() -> ExtractExport.run(spark, empty, manifest, line -> {}))
        .hasMessageContaining("does not list")
        .hasMessageContaining("s.EMPTY/part-00009.parquet");
    assertThatThrownBy(
            () ->
                ExtractExport.run(
                    spark,
                    new ExtractExport.Request(folder, List.of("s.NOPE"), out, null),
                    manifest,
                    line -> {}))
        .hasMessageContaining("has no table s.NOPE");
  }

  /** An extract folder as ExtractJob leaves it: tidy tables and a manifest with checksums. */
  private static Map<String, Object> writeExtract(
      SparkSession spark, String folder, ExtractEncryption key) {
    Dataset<Row> rows =
        spark.createDataFrame(
            List.of(
                RowFactory.create("c", "x", 2L, Date.valueOf("2023-02-28")),
                RowFactory.create("a", "He said \"hi\", then left", 1L, Date.valueOf("2023-01-31")),
                RowFactory.create("b", null, null, null),
                RowFactory.create("c", "", 3L, Date.valueOf("2023-12-01"))),
            SCHEMA);
    ExtractFiles files = new ExtractFiles(folder, spark.sparkContext().hadoopConfiguration());
    List<Object> tables = new ArrayList<>();
    for (String name : List.of("s.T", "s.EMPTY")) {
      Dataset<Row> data = name.equals("s.T") ? rows.repartition(2) : rows.limit(0);
      var writer = data.write();
      if (key != null) {
        writer = writer.options(key.writeOptions(data.columns(), "t-" + name));
      }
      writer.parquet(folder + "/" + name);
      files.tidyTable(folder + "/" + name, key == null);
      Map<String, Object> table = new LinkedHashMap<>();
      table.put("name", name);
      table.put("rows", name.equals("s.T") ? 4 : 0);
      List<Object> columns = new ArrayList<>();
      for (var f : SCHEMA.fields()) {
        columns.add(Map.of("name", f.name(), "type", f.dataType().simpleString()));
      }
      table.put("columns", columns);
      List<Object> listed = new ArrayList<>();
      for (ExtractFiles.FileEntry e : files.checksums(folder + "/" + name)) {
        listed.add(Map.of("path", name + "/" + e.path(), "sha256", e.sha256()));
      }
      table.put("files", listed);
      tables.add(table);
    }
    return Map.of("tables", tables);
  }
}
