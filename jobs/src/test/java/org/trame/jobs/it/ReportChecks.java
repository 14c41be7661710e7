package org.trame.jobs.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What researchers and operators read after the demo: {@code trame export} (CSV with the manifest's
 * columns and rows, the same persons as the Parquet; exported by ClusterRuns from S3), the HTML
 * link report opened in headless Chromium, and both notebooks executed headless by Jupyter (the
 * operator's runs {@code trame sql} through the launcher; its output formats are unit-tested by
 * ReadOnlyQueryTest). Refusals (altered extract files, SQL that would write) are unit-tested:
 * ExtractExportTest, ReadOnlyQueryTest.
 *
 * <p>Chromium and Jupyter come from Debian packages that {@code .ci/run} installs and that it
 * requires with {@code TRAME_REQUIRE_TOOLS=1}: there, a missing tool fails the build. Elsewhere the
 * checks that need them say on stderr that they did not run.
 */
final class ReportChecks {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ReportChecks() {}

  static void run(Path dir, Path work) throws Exception {
    exportGivesTheExtractAsCsv(dir, work);
    htmlReportRendersItsCharts(dir, work);
    notebooksRunTopToBottom(dir, work);
  }

  private static void exportGivesTheExtractAsCsv(Path dir, Path work) throws Exception {
    Path extract = latest(work.resolve("extracts/diabetes_care"));
    JsonNode manifest = JSON.readTree(extract.resolve("manifest.json").toFile());
    // The CSV files of `trame export`, which ClusterRuns ran on the S3 copy of this extract (equal
    // to it byte for byte).
    for (JsonNode table : manifest.get("tables")) {
      String name = table.get("name").asText();
      Path csv = dir.resolve("csv").resolve(name + ".csv");
      List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
      List<String> header = new ArrayList<>();
      table.get("columns").forEach(c -> header.add(c.get("name").asText()));
      assertThat(lines.get(0)).as(csv.toString()).isEqualTo(String.join(",", header));
      assertThat(lines).as(csv.toString()).hasSize(1 + table.get("rows").asInt());
    }
    Set<String> fromCsv = new HashSet<>();
    List<String> persons = Files.readAllLines(dir.resolve("csv/dcir.IR_BEN_R.csv"));
    for (String line : persons.subList(1, persons.size())) {
      fromCsv.add(line.substring(0, line.indexOf(',')));
    }
    assertThat(fromCsv).isEqualTo(ExtractChecks.subjects(extract));
  }

  /** The page {@code link --report --json --html reports/link.html} wrote in DemoIT. */
  private static void htmlReportRendersItsCharts(Path dir, Path work) throws Exception {
    Path page = dir.resolve("reports/link.html");
    assertThat(page).content().contains("<svg").contains("Match weights");
    if (!tool("chromium")) {
      return;
    }
    TrameJar.Result dom = chromium(dir, "--dump-dom", page.toUri().toString());
    assertThat(dom.code()).as(dom.err()).isZero();
    // The page's own script counts the charts whose bars laid out with a real size.
    assertThat(dom.out()).contains("data-charts-rendered=\"3\"");
    TrameJar.Result shot =
        chromium(
            dir,
            "--window-size=900,2000",
            "--screenshot=" + dir.resolve("reports/link.png"),
            page.toUri().toString());
    assertThat(shot.code()).as(shot.err()).isZero();
    assertThat(Files.size(dir.resolve("reports/link.png"))).isGreaterThan(20_000);
  }

  private static void notebooksRunTopToBottom(Path dir, Path work) throws Exception {
    if (!tool("jupyter-nbconvert")) {
      return;
    }
    Path repository = Path.of(System.getProperty("user.dir")).getParent();
    Path notebooks = repository.resolve("notebooks");
    for (String name : List.of("researcher", "operator")) {
      TrameJar.Result run =
          TrameJar.exec(
              notebooks,
              Map.of(
                  "TRAME_WORKDIR",
                  work.toString(),
                  "TRAME_JAVA_OPTS",
                  "-Xmx1g",
                  "SPARK_LOCAL_IP",
                  "127.0.0.1"),
              10,
              "jupyter-nbconvert",
              "--to",
              "notebook",
              "--execute",
              "--ExecutePreprocessor.timeout=600",
              "--output-dir",
              dir.resolve("notebooks").toString(),
              notebooks.resolve(name + ".ipynb").toString());
      assertThat(run.code()).as(name + ": " + tail(run.err())).isZero();
      JsonNode executed = JSON.readTree(dir.resolve("notebooks/" + name + ".ipynb").toFile());
      int images = 0;
      for (JsonNode cell : executed.get("cells")) {
        for (JsonNode output : cell.path("outputs")) {
          assertThat(output.path("output_type").asText()).as(name).isNotEqualTo("error");
          if (output.path("data").has("image/png")) {
            images++;
          }
        }
      }
      assertThat(images).as(name + ": plots drawn").isGreaterThanOrEqualTo(3);
    }
  }

  /**
   * Whether a command is installed. With {@code TRAME_REQUIRE_TOOLS=1} (CI) a missing tool fails
   * the build; first, when {@code TRAME_TOOLS_READY} names a file, it waits for that file: {@code
   * .ci/run} installs the packages in the background while Maven builds, and writes it when done.
   */
  private static boolean tool(String command) throws Exception {
    boolean required = "1".equals(System.getenv("TRAME_REQUIRE_TOOLS"));
    String ready = System.getenv("TRAME_TOOLS_READY");
    if (required && ready != null) {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
      while (!Files.exists(Path.of(ready)) && System.nanoTime() < deadline) {
        Thread.sleep(2000);
      }
      assertThat(Path.of(ready)).as("the background install of .ci/run finished").exists();
      assertThat(Files.readString(Path.of(ready)).trim())
          .as("the background install of .ci/run (see its log beside " + ready + ")")
          .isEqualTo("ok");
    }
    boolean found =
        TrameJar.exec(Path.of("."), Map.of(), 1, "sh", "-c", "command -v " + command).code() == 0;
    if (!found) {
      if (required) {
        fail(command + " is not installed; .ci/run installs it (TRAME_REQUIRE_TOOLS=1)");
      }
      System.err.println(
          "NOT CHECKED: " + command + " is not installed (see .ci/run for the packages)");
    }
    return found;
  }

  private static TrameJar.Result chromium(Path dir, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu"));
    command.addAll(List.of(args));
    return TrameJar.exec(dir, Map.of(), 2, command.toArray(String[]::new));
  }

  private static String tail(String text) {
    List<String> lines = text.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }

  private static Path latest(Path project) throws IOException {
    try (Stream<Path> s = Files.list(project)) {
      return s.filter(p -> !p.getFileName().toString().startsWith("."))
          .filter(p -> Files.exists(p.resolve("manifest.json")))
          .sorted()
          .reduce((a, b) -> b)
          .orElseThrow();
    }
  }
}
