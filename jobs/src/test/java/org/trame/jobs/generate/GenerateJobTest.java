package org.trame.jobs.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.YearMonth;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.trame.config.ColumnConfig;
import org.trame.config.SourceConfig;
import org.trame.config.TableConfig;
import org.trame.jobs.spark.SparkExtension;

@ExtendWith(SparkExtension.class)
class GenerateJobTest {
  private static final Path REPO_CONF = Path.of("..", "conf");

  @TempDir static Path dir;

  private static GenerateJob.Result first;

  private static GenerateJob.Request request(String out, long seed) {
    return new GenerateJob.Request(
        dir.resolve(out).toUri().toString(), 900, 2, YearMonth.of(2023, 1), seed, 0.05, false);
  }

  @BeforeAll
  static void generateOnce() {
    first = GenerateJob.run(SparkExtension.session(), request("a", 7), line -> {});
  }

  @Test
  void sameArgumentsGiveByteIdenticalFilesAndAnotherSeedDoesNot(SparkSession spark)
      throws Exception {
    GenerateJob.run(spark, request("b", 7), line -> {});
    GenerateJob.run(spark, request("c", 8), line -> {});
    Map<String, String> a = checksums(dir.resolve("a"));
    assertThat(a).hasSize(first.files().size());
    assertThat(checksums(dir.resolve("b"))).isEqualTo(a);
    Map<String, String> c = checksums(dir.resolve("c"));
    long differing = a.keySet().stream().filter(k -> !a.get(k).equals(c.get(k))).count();
    assertThat(differing)
        .as("every file but the drug reference changes with the seed")
        .isEqualTo(a.size() - 2);
  }

  @Test
  void everyLandingFileMatchesItsSourceConfig() throws IOException {
    for (LandingTable t : LandingTable.values()) {
      SourceConfig source = SourceConfig.load(REPO_CONF, t.source);
      TableConfig table =
          source
              .table(t.table)
              .orElseThrow(() -> new AssertionError("no table " + t.table + " in " + t.source));
      assertThat(Charset.forName(table.format().charset())).as(t.table).isEqualTo(t.charset());
      assertThat(table.format().delimiter()).isEqualTo(";");
      for (String batch : List.of("2023-01", "2023-02")) {
        Path file = dir.resolve("a").resolve(PartWriter.landingFile(t, batch));
        assertThat(file.getFileName().toString()).matches(globToRegex(table.files()));
        String header = lines(file, t.charset()).get(0);
        assertThat(header.split(";"))
            .containsExactlyElementsOf(table.columns().stream().map(ColumnConfig::name).toList());
      }
    }
    try (Stream<Path> files = Files.list(REPO_CONF.resolve("sources"))) {
      assertThat(files.map(f -> f.getFileName().toString().replace(".yaml", "")).sorted().toList())
          .containsExactlyElementsOf(LandingTable.sources().stream().sorted().toList());
    }
  }

  @Test
  void truthHasOneRecordPerLandingLineAndNeverGoesToLanding() throws IOException {
    Path out = dir.resolve("a");
    for (LandingTable t : LandingTable.values()) {
      if (t == LandingTable.IR_PHA_R) {
        continue;
      }
      Map<String, Long> truthPerBatch = new TreeMap<>();
      for (String line :
          lines(out.resolve("truth").resolve(t.truthFile()), StandardCharsets.UTF_8).stream()
              .skip(1)
              .toList()) {
        truthPerBatch.merge(line.split(";", -1)[0], 1L, Long::sum);
      }
      for (String batch : List.of("2023-01", "2023-02")) {
        long landing = lines(out.resolve(PartWriter.landingFile(t, batch)), t.charset()).size() - 1;
        assertThat(truthPerBatch.getOrDefault(batch, 0L)).as("%s %s", t, batch).isEqualTo(landing);
      }
    }
    List<String> persons = lines(out.resolve("truth/persons.csv.gz"), StandardCharsets.UTF_8);
    assertThat(persons).hasSize(901);
    try (Stream<Path> landing = Files.walk(out.resolve("landing"))) {
      assertThat(landing.map(Path::toString)).noneMatch(p -> p.contains("truth"));
    }
  }

  @Test
  void populationLooksLikeOne() throws IOException {
    Path out = dir.resolve("a");
    Map<String, Long> defects = new HashMap<>();
    long records = 0;
    try (Stream<Path> files = Files.walk(out.resolve("truth"))) {
      for (Path f :
          files
              .filter(p -> p.toString().endsWith(".csv.gz") && !p.endsWith("persons.csv.gz"))
              .toList()) {
        for (String line : lines(f, StandardCharsets.UTF_8).stream().skip(1).toList()) {
          records++;
          String d = line.split(";", -1)[3];
          for (String one : d.isEmpty() ? new String[0] : d.split(",")) {
            defects.merge(one, 1L, Long::sum);
          }
        }
      }
    }
    assertThat(defects)
        .containsKeys(
            "duplicated_line", "malformed_line", "bad_date", "unknown_code", "invalid_nir_key");
    long defective = defects.values().stream().mapToLong(Long::longValue).sum();
    assertThat((double) defective / records).isBetween(0.02, 0.12);

    List<String> persons =
        lines(out.resolve("truth/persons.csv.gz"), StandardCharsets.UTF_8).subList(1, 901);
    long women = persons.stream().filter(p -> p.split(";")[2].equals("2")).count();
    assertThat(women).isBetween(350L, 550L);
    long children = persons.stream().filter(p -> !p.split(";")[4].equals(p.split(";")[0])).count();
    assertThat(children).as("persons covered by another's NIR").isBetween(100L, 500L);
    long claims =
        lines(out.resolve("landing/dcir/2023-01/ER_PRS_F.csv.gz"), StandardCharsets.UTF_8).size()
            - 1;
    assertThat(claims / 900.0 * 12).as("claim lines per person and year").isBetween(8.0, 40.0);
  }

  private static Map<String, String> checksums(Path root) throws Exception {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f :
          files
              .filter(Files::isRegularFile)
              .filter(p -> !p.getFileName().toString().startsWith("."))
              .toList()) {
        out.put(
            root.relativize(f).toString(),
            HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
      }
    }
    return out;
  }

  static List<String> lines(Path gz, Charset charset) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
      return new String(in.readAllBytes(), charset).lines().toList();
    }
  }

  private static String globToRegex(String glob) {
    return glob.replace(".", "\\.").replace("*", ".*").replace("?", ".");
  }
}
