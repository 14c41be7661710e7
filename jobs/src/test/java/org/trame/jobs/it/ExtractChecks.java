package org.trame.jobs.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * {@code trame extract} as a new user tries it, after the demo: the demo's extract checked against
 * its manifest and spec, a second project over the same warehouse (run with --verbose and Spark's
 * event log, which DemoIT scans for secrets), and hostile specs.
 */
final class ExtractChecks {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ExtractChecks() {}

  static void run(Path dir, Path work) throws Exception {
    Path demoExtract = onlyExtract(work.resolve("extracts/diabetes_care"));
    JsonNode manifest = JSON.readTree(demoExtract.resolve("manifest.json").toFile());
    everyFileMatchesTheManifest(demoExtract, manifest);
    assertThat(columns(demoExtract.resolve("dcir.IR_BEN_R")))
        .as("only the granted columns")
        .containsExactly("subject_id", "BEN_SEX_COD", "BEN_NAI_ANN", "BEN_RES_COM", "BEN_DCD_DTE");
    assertThat(columns(demoExtract.resolve("pmsi_mco.T_MCOaaB")))
        .containsExactly(
            "subject_id",
            "ETA_NUM",
            "RSA_NUM",
            "DGN_PAL",
            "DGN_REL",
            "GRG_GHM",
            "SEJ_NBJ",
            "SOR_ANN",
            "SOR_MOI");
    assertThat(manifest.get("inputs").has("linkage.person_index")).isTrue();
    assertThat(manifest.get("key_id").asText()).isEqualTo("project-v1");
    assertThat(demoExtract.resolve("dictionary.md")).content().contains("## Disclosure rule");
    JsonNode disclosure = JSON.readTree(demoExtract.resolve("disclosure.json").toFile());
    int k = disclosure.get("k").asInt();
    if (manifest.get("persons").asLong() > 0) {
      assertThat(disclosure.get("smallest_combination_written").asLong()).isGreaterThanOrEqualTo(k);
    }
    kAnonymous(demoExtract.resolve("dcir.IR_BEN_R"), k);

    // A second project over the same warehouse, extracted by ClusterRuns (with --verbose and
    // the event log on, which DemoIT then scans for secrets): see secondProject.
    writeVariant(work, "ht_suppress", "k: 5", "k: 2", "action: fail", "action: suppress");

    // A broken disclosure rule with action fail (exit 5, nothing written) is checked in process
    // by CrashRestartTest, which has a warehouse at hand.

    // Hostile specs: refused before any data is read, naming the spec line.
    TrameJar.Result traversal =
        TrameJar.run(
            dir, Map.of(), "--conf", "work/conf", "extract", "--project", "../sources/dcir");
    assertThat(traversal.code()).isEqualTo(2);
    assertThat(traversal.err()).contains("plain name");
    TrameJar.Result injected =
        extractVariant(dir, work, "injected", "prefixes: [C02,", "prefixes: [\"C02') OR 1=1 --\",");
    assertThat(injected.code()).isEqualTo(2);
    assertThat(injected.err()).contains("injected.yaml line").contains("a code prefix is 1 to 20");
    TrameJar.Result greedy =
        extractVariant(
            dir, work, "greedy", "      - PRS_NAT_REF", "      - PRS_NAT_REF\n      - BEN_NIR_PSA");
    assertThat(greedy.code()).isEqualTo(2);
    assertThat(greedy.err())
        .containsPattern("greedy.yaml line [0-9]+, column [0-9]+: tables\\[1\\]\\.columns\\[1\\]")
        .contains("BEN_NIR_PSA of dcir.ER_PRS_F is a warehouse pseudonym");

    // The same extract again from the versions an earlier one read (--as-of), and the ledger
    // through `runs`, are checked in process by CrashRestartTest.
  }

  /**
   * The second project's extract (from the same linkage as the demo's): every file matches its
   * manifest, no subject id in common with the demo's extract, and none is a warehouse person id
   * (the {@code person_index} folder given).
   */
  static void secondProject(Path secondExtract, Path work, Path personIndex) throws Exception {
    Path demoExtract = onlyExtract(work.resolve("extracts/diabetes_care"));
    everyFileMatchesTheManifest(
        secondExtract, JSON.readTree(secondExtract.resolve("manifest.json").toFile()));
    Set<String> first = subjects(demoExtract);
    Set<String> other = subjects(secondExtract);
    assertThat(first).isNotEmpty();
    assertThat(other).isNotEmpty().doesNotContainAnyElementsOf(first);
    String index = ParquetText.readAll(personIndex);
    for (String s : first) {
      assertThat(index).as("a subject id is not a warehouse person id").doesNotContain(s);
    }
  }

  /**
   * Writes project {@code id}: the example {@code hypertension_women} with each pair of {@code
   * edits} replaced (text, then its replacement), and extracts it.
   */
  private static TrameJar.Result extractVariant(Path dir, Path work, String id, String... edits)
      throws Exception {
    writeVariant(work, id, edits);
    return TrameJar.run(dir, Map.of(), "--conf", "work/conf", "extract", "--project", id);
  }

  private static void writeVariant(Path work, String id, String... edits) throws IOException {
    Path projects = work.resolve("conf/projects");
    String text =
        Files.readString(projects.resolve("hypertension_women.yaml"))
            .replace("id: hypertension_women", "id: " + id);
    for (int i = 0; i < edits.length; i += 2) {
      assertThat(text).contains(edits[i]);
      text = text.replace(edits[i], edits[i + 1]);
    }
    Files.writeString(projects.resolve(id + ".yaml"), text);
  }

  static Path onlyExtract(Path project) throws IOException {
    try (Stream<Path> s = Files.list(project)) {
      List<Path> ids = s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
      assertThat(ids).as("extracts of " + project).isNotEmpty();
      return ids.get(0);
    }
  }

  private static void everyFileMatchesTheManifest(Path extract, JsonNode manifest)
      throws Exception {
    Set<String> listed = new HashSet<>();
    for (JsonNode f : manifest.get("files")) {
      Path file = extract.resolve(f.get("path").asText());
      listed.add(f.get("path").asText());
      byte[] bytes = Files.readAllBytes(file);
      assertThat(bytes.length).isEqualTo(f.get("bytes").asLong());
      assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)))
          .as(file.toString())
          .isEqualTo(f.get("sha256").asText());
    }
    Set<String> present = new HashSet<>();
    try (Stream<Path> s = Files.walk(extract)) {
      s.filter(Files::isRegularFile)
          .map(p -> extract.relativize(p).toString())
          .filter(p -> !p.equals("manifest.json"))
          .forEach(present::add);
    }
    assertThat(present).as("every file is in the manifest, and no other").isEqualTo(listed);
  }

  private static List<String> columns(Path table) throws IOException {
    Path part = table.resolve("part-00000.parquet");
    try (ParquetFileReader r =
        ParquetFileReader.open(
            HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(part.toUri()), new Configuration()))) {
      List<String> out = new ArrayList<>();
      r.getFooter().getFileMetaData().getSchema().getFields().forEach(f -> out.add(f.getName()));
      return out;
    }
  }

  static Set<String> subjects(Path extract) throws IOException {
    Set<String> out = new HashSet<>();
    for (Group g : groups(extract.resolve("dcir.IR_BEN_R"))) {
      out.add(g.getString("subject_id", 0));
    }
    return out;
  }

  /** Every (sex, birth band) combination of the written persons is shared by k of them. */
  private static void kAnonymous(Path table, int k) throws IOException {
    Map<String, Set<String>> combos = new java.util.HashMap<>();
    Map<String, Set<String>> perPerson = new java.util.HashMap<>();
    for (Group g : groups(table)) {
      String subject = g.getString("subject_id", 0);
      String value =
          (g.getFieldRepetitionCount("BEN_SEX_COD") == 0 ? "" : g.getString("BEN_SEX_COD", 0))
              + "/"
              + (g.getFieldRepetitionCount("BEN_NAI_ANN") == 0
                  ? ""
                  : g.getString("BEN_NAI_ANN", 0));
      perPerson.computeIfAbsent(subject, x -> new java.util.TreeSet<>()).add(value);
    }
    perPerson.forEach((p, v) -> combos.computeIfAbsent(v.toString(), x -> new HashSet<>()).add(p));
    combos.values().forEach(persons -> assertThat(persons.size()).isGreaterThanOrEqualTo(k));
  }

  static List<Group> groups(Path table) throws IOException {
    List<Group> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(table)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".parquet")).sorted().toList()) {
        try (ParquetReader<Group> r =
            ParquetReader.builder(new GroupReadSupport(), new org.apache.hadoop.fs.Path(f.toUri()))
                .withConf(new Configuration())
                .build()) {
          for (Group g = r.read(); g != null; g = r.read()) {
            out.add(g);
          }
        }
      }
    }
    return out;
  }
}
