package org.trame.jobs.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.parquet.crypto.keytools.KeyToolkit;
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
import org.trame.key.SecretKey;

/** Real Parquet modular encryption through Spark, with the project keys of two projects. */
@ExtendWith(SparkExtension.class)
class ExtractEncryptionTest {
  @TempDir Path dir;

  @Test
  void onlyTheProjectKeyOpensItsFiles(SparkSession spark) throws Exception {
    SecretKey master = new SecretKey(new KeyId("extract", 1), filled(7));
    ExtractEncryption alpha =
        ExtractEncryption.of(org.trame.key.ProjectKeys.derive(master, "alpha"), "alpha");
    ExtractEncryption beta =
        ExtractEncryption.of(org.trame.key.ProjectKeys.derive(master, "beta"), "beta");
    assertThat(alpha.secret()).isNotEqualTo(beta.secret());
    assertThat(alpha.toString()).doesNotContain(alpha.secret());

    Dataset<Row> rows =
        spark.createDataFrame(
            List.of(RowFactory.create("s1", "E119-SECRET-CODE"), RowFactory.create("s2", "I10")),
            new StructType()
                .add("subject_id", DataTypes.StringType)
                .add("CODE", DataTypes.StringType));
    String out = dir.resolve("t").toUri().toString();
    rows.write().options(alpha.writeOptions(rows.columns(), "x1")).parquet(out);

    String bytes = allBytes(dir.resolve("t"));
    assertThat(bytes).contains("PARE").doesNotContain("E119-SECRET-CODE").doesNotContain("CODE\"");

    List<Row> back = spark.read().options(alpha.readOptions("x2")).parquet(out).collectAsList();
    assertThat(back)
        .extracting(r -> r.getString(1))
        .containsExactlyInAnyOrder("E119-SECRET-CODE", "I10");

    KeyToolkit.removeCacheEntriesForAllTokens();
    assertThatThrownBy(() -> spark.read().parquet(out).collectAsList())
        .as("no key")
        .hasStackTraceContaining("ParquetCryptoRuntimeException");
    KeyToolkit.removeCacheEntriesForAllTokens();
    assertThatThrownBy(
            () -> spark.read().options(beta.readOptions("x3")).parquet(out).collectAsList())
        .as("another project's key")
        .hasStackTraceContaining("does not open this file");
  }

  private static String allBytes(Path folder) throws Exception {
    StringBuilder b = new StringBuilder();
    try (Stream<Path> files = Files.walk(folder)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        b.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
      }
    }
    return b.toString();
  }

  private static byte[] filled(int v) {
    byte[] b = new byte[32];
    java.util.Arrays.fill(b, (byte) v);
    return b;
  }
}
