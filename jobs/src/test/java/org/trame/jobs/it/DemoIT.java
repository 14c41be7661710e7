package org.trame.jobs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code trame demo}, then {@code status} and {@code extract}, through the real jar in fresh JVMs,
 * as a new user.
 */
class DemoIT {
  @TempDir Path dir;

  @Test
  void demoRunsFromNothingAndLeavesAWorkingConfiguration() throws Exception {
    TrameJar.Result demo = TrameJar.run(dir, Map.of(), "demo", "--persons", "1000");
    assertThat(demo.code()).as(demo.err()).isZero();
    Path work = dir.resolve("work");
    assertThat(demo.out())
        .contains("Demo done")
        .contains(work.resolve("warehouse").toUri().toString().replaceAll("/$", ""))
        .contains("./trame --conf work/conf status")
        .contains("Linkage run")
        .containsPattern("Evaluation: [0-9,]+ records matched to truth")
        .containsPattern("  all +[0-9,]+ +[0-9,]+ +[0-9,]+ +(0\\.9[0-9]{3}|1\\.0000) ")
        .containsPattern("Extract [0-9A-Za-z-]+: [0-9,]+ persons \\(cohort [0-9,]+\\)")
        .contains(work.resolve("extracts/diabetes_care").toUri().toString());
    assertThat(demo.err())
        .contains("WARNING: created a DEVELOPMENT keystore")
        .doesNotContain(" INFO ");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(work.resolve("keys/dev-keystore.p12"))))
        .isEqualTo("rw-------");
    assertThat(work.resolve("warehouse/sources/dcir/IR_BEN_R/_delta_log")).isDirectory();
    assertThat(work.resolve("warehouse/linkage/person_index/_delta_log")).isDirectory();
    Path staging = work.resolve("warehouse/_staging");
    if (Files.exists(staging)) {
      assertThat(staging).as("run staging folders are deleted").isEmptyDirectory();
    }

    TrameJar.Result report =
        TrameJar.run(dir, Map.of(), "--conf", "work/conf", "link", "--report", "--json");
    assertThat(report.code()).as(report.err()).isZero();
    assertThat(report.out()).startsWith("{").contains("\"by_source\"").contains("\"model\"");

    TrameJar.Result status = TrameJar.run(dir, Map.of(), "--conf", "work/conf", "status");
    assertThat(status.code()).as(status.err()).isZero();
    assertThat(status.out())
        .contains("keys extract-v1, link-v1")
        .containsPattern("2023-01 +ingested +run \\S+: [0-9,]+ rows, [0-9,]+ accepted")
        .contains("pseudonyms under link key link-v1")
        .containsPattern("Last link: \\S+ succeeded")
        .contains("diabetes_care: 1 made");

    ExtractChecks.run(dir, work);
    ReportChecks.run(dir, work);

    // A rerun over the same folder, with another population: landing, batches and extract are
    // replaced, the person index follows.
    TrameJar.Result rerun = TrameJar.run(dir, Map.of(), "demo", "--persons", "200");
    assertThat(rerun.code()).as(rerun.err()).isZero();
    assertThat(rerun.err()).contains("Reusing the development keystore");

    assertNoLandingIdentifierIn(work, demo.out() + demo.err() + status.out() + status.err());
  }

  /** Every NIR of the landing file is absent from the warehouse files and the command output. */
  private static void assertNoLandingIdentifierIn(Path work, String output) throws IOException {
    Set<String> nirs = new HashSet<>();
    Path landing = work.resolve("landing/dcir/2023-01/IR_BEN_R.csv.gz");
    try (InputStream in = new GZIPInputStream(Files.newInputStream(landing))) {
      List<String> lines =
          new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().skip(1).toList();
      for (String line : lines) {
        String[] f = line.split(";", -1);
        nirs.add(f[0]);
        if (!f[1].isEmpty()) {
          nirs.add(f[1]);
        }
      }
    }
    assertThat(nirs).hasSizeGreaterThan(100);
    StringBuilder warehouse = new StringBuilder();
    try (Stream<Path> files = Files.walk(work.resolve("warehouse"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        // Parquet pages are compressed: read the table back through the jar's own dependencies.
        warehouse.append(f).append('\n');
      }
    }
    String all =
        output
            + warehouse
            + ParquetText.readAll(work.resolve("warehouse"))
            + ParquetText.readAll(work.resolve("extracts"));
    for (String nir : nirs) {
      assertThat(all).doesNotContain(nir).doesNotContain(nir.substring(0, 13));
    }
  }
}
