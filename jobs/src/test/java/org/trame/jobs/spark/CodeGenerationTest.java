package org.trame.jobs.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SparkExtension.class)
class CodeGenerationTest {
  @TempDir Path dir;

  @Test
  void smallInputsRunInterpretedLargeOnesCompiledUnlessTheUserChose(SparkSession spark) {
    // A session of its own, so that the shared one keeps the build's settings.
    RuntimeConfig session = spark.newSession().conf();
    SparkConf unset = new SparkConf(false);

    assertThat(CodeGeneration.fit(session, unset, CodeGeneration.SMALL_INPUT_BYTES)).isFalse();
    assertThat(session.get(CodeGeneration.WHOLE_STAGE)).isEqualTo("false");
    assertThat(session.get(CodeGeneration.FACTORY_MODE)).isEqualTo("NO_CODEGEN");

    assertThat(CodeGeneration.fit(session, unset, CodeGeneration.SMALL_INPUT_BYTES + 1)).isTrue();
    assertThat(session.get(CodeGeneration.WHOLE_STAGE)).isEqualTo("true");
    assertThat(session.get(CodeGeneration.FACTORY_MODE)).isEqualTo("FALLBACK");

    // Set at start (trame.yaml, spark-submit --conf, -Dspark...): it stands, whatever the size.
    SparkConf chosen = new SparkConf(false).set(CodeGeneration.WHOLE_STAGE, "true");
    session.set(CodeGeneration.WHOLE_STAGE, "true");
    session.set(CodeGeneration.FACTORY_MODE, "FALLBACK");
    assertThat(CodeGeneration.fit(session, chosen, 10)).isTrue();
    assertThat(session.get(CodeGeneration.WHOLE_STAGE)).isEqualTo("true");
    assertThat(session.get(CodeGeneration.FACTORY_MODE)).isEqualTo("FALLBACK");
  }

  @Test
  void measuresWhatIsStoredUnderFilesAndFolders(SparkSession spark) throws Exception {
    Path table = Files.createDirectories(dir.resolve("table/batch=2023-01"));
    Files.write(table.resolve("part-0.parquet"), new byte[1000]);
    Files.write(dir.resolve("table/part-1.parquet"), new byte[234]);
    Files.write(dir.resolve("landing.csv.gz"), new byte[66]);

    assertThat(
            CodeGeneration.bytesUnder(
                spark,
                List.of(
                    dir.resolve("table").toUri().toString(),
                    dir.resolve("landing.csv.gz").toUri().toString(),
                    dir.resolve("not-written-yet").toUri().toString())))
        .isEqualTo(1300);
  }
}
