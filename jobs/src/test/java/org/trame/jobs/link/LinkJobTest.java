package org.trame.jobs.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.trame.config.ConfigLoader;
import org.trame.config.LinkageConfig;
import org.trame.config.SourceConfig;
import org.trame.jobs.ingest.IngestJob;
import org.trame.jobs.spark.SparkExtension;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.pseudo.Nir;
import org.trame.pseudo.Pseudonymizer;

/**
 * Links two sources no built-in code knows (a registry with NIRs, a clinic where some patients have
 * none), ingested for real into Delta, and checks the links against the known truth.
 */
@ExtendWith(SparkExtension.class)
class LinkJobTest {
  private static final Pseudonymizer P =
      new Pseudonymizer("link-v1", "0123456789abcdef0123456789abcdef".getBytes());

  private static final String REGISTRY =
      """
      name: registry
      tables:
        - name: people
          files: people*.csv
          key: [ID]
          columns:
            - { name: ID, required: true }
            - { name: NIR, role: nir, fate: drop }
            - { name: NOM, role: last_name }
            - { name: PRENOM, role: first_name }
            - { name: NAISSANCE, type: date, role: birth_date }
            - { name: SEXE, role: sex, fate: keep }
            - { name: CP, role: postcode, fate: keep }
          pseudonyms:
            - { name: NIR_ANO, kind: nir, from: [NIR] }
      """;

  private static final String CLINIC =
      """
      name: clinic
      tables:
        - name: patients
          files: patients*.csv
          key: [IPP]
          max_quarantine_rate: 1.0
          columns:
            - { name: IPP, role: local_id, required: true }
            - { name: NIR, role: nir, fate: drop }
            - { name: NOM, role: last_name }
            - { name: PRENOM, role: first_name }
            - { name: NAISSANCE, type: date, format: dd/MM/yyyy, role: birth_date }
            - { name: SEXE, role: sex, fate: keep }
            - { name: CP, role: postcode, fate: keep }
          pseudonyms:
            - { name: NIR_ANO, kind: nir, from: [NIR] }
        - name: visits
          files: visits*.csv
          key: [VISIT]
          linkage: { person_of: patients, on: [IPP] }
          columns:
            - { name: VISIT, required: true }
            - { name: IPP, role: local_id, required: true }
      """;

  private static final String[] LAST =
      ("MARTIN BERNARD DUBOIS THOMAS ROBERT RICHARD PETIT DURAND LEROY MOREAU SIMON LAURENT"
              + " LEFEBVRE MICHEL GARCIA DAVID BERTRAND ROUX VINCENT FOURNIER MOREL GIRARD ANDRE"
              + " MERCIER DUPONT LAMBERT BONNET FRANCOIS MARTINEZ LEGRAND")
          .split(" ");
  private static final String[] FIRST =
      ("Marie Jean Pierre Michel Anne Philippe Nathalie Alain Isabelle Louis Claire Paul Julie"
              + " Nicolas Sophie Luc Camille Hugo Emma Lucas Chloe Lea Thomas Manon Jules Ines")
          .split(" ");

  @TempDir Path dir;

  record Person(
      String id, String nir, String last, String first, LocalDate birth, int sex, String cp) {}

  @Test
  void linksKeysExactlyAndTheRestProbabilisticallyWithStableIds(SparkSession spark)
      throws IOException {
    SplittableRandom r = new SplittableRandom(7);
    List<Person> people = new ArrayList<>();
    for (int i = 0; i < 240; i++) {
      int sex = 1 + r.nextInt(2);
      LocalDate birth = LocalDate.of(1940 + r.nextInt(70), 1 + r.nextInt(12), 1 + r.nextInt(28));
      String body =
          String.format(
              Locale.ROOT,
              "%d%02d%02d75%03d%03d",
              sex,
              birth.getYear() % 100,
              birth.getMonthValue(),
              1 + r.nextInt(120),
              1 + i);
      people.add(
          new Person(
              "P" + i,
              Nir.withKey(body),
              LAST[r.nextInt(LAST.length)],
              FIRST[r.nextInt(FIRST.length)],
              birth,
              sex,
              "750" + String.format(Locale.ROOT, "%02d", 1 + r.nextInt(20))));
    }
    // Same-sex twins: same birth date, surname and postcode, their own NIRs.
    Person twinA = people.get(0);
    Person twinB =
        new Person(
            "P240",
            Nir.withKey("2" + twinA.nir().substring(1, 10) + "999"),
            twinA.last(),
            twinA.first().equals("Emma") ? "Julie" : "Emma",
            twinA.birth(),
            twinA.sex(),
            twinA.cp());
    people.add(twinB);

    List<String> registry = new ArrayList<>(List.of("ID;NIR;NOM;PRENOM;NAISSANCE;SEXE;CP"));
    for (Person p : people) {
      registry.add(
          String.join(
              ";",
              "R" + p.id().substring(1),
              p.nir(),
              p.last(),
              p.first(),
              p.birth().toString(),
              Integer.toString(p.sex()),
              p.cp()));
    }
    // The clinic sees 100 of them; 40 without a NIR, a few with a typo or swapped day/month.
    DateTimeFormatter french = DateTimeFormatter.ofPattern("dd/MM/yyyy");
    List<String> clinic = new ArrayList<>(List.of("IPP;NIR;NOM;PRENOM;NAISSANCE;SEXE;CP"));
    List<String> visits = new ArrayList<>(List.of("VISIT;IPP"));
    List<String> truth = new ArrayList<>(List.of("source,table,record_key,person_id"));
    for (Person p : people) {
      truth.add("registry,people,R" + p.id().substring(1) + "," + p.id());
    }
    Map<String, String> clinicToPerson = new HashMap<>();
    for (int i = 0; i < 100; i++) {
      Person p = i == 0 ? twinA : people.get(1 + 2 * i);
      boolean withNir = i >= 40;
      String last = p.last();
      LocalDate birth = p.birth();
      if (i % 10 == 3) {
        last = last.substring(0, 2) + last.substring(3); // a dropped letter
      }
      if (i % 10 == 7
          && birth.getDayOfMonth() <= 12
          && birth.getDayOfMonth() != birth.getMonthValue()) {
        birth = LocalDate.of(birth.getYear(), birth.getDayOfMonth(), birth.getMonthValue());
      }
      String ipp = "C" + i;
      clinicToPerson.put(ipp, p.id());
      clinic.add(
          String.join(
              ";",
              ipp,
              withNir ? p.nir() : "",
              last,
              p.first(),
              birth.format(french),
              p.sex() == 1 ? "M" : "F",
              p.cp()));
      visits.add("V" + i + ";" + ipp);
      truth.add("clinic,patients," + ipp + "," + p.id());
      truth.add("clinic,visits,V" + i + "," + p.id());
    }
    land("registry", "2024-01", "people.csv", registry);
    land("clinic", "2024-01", "patients.csv", clinic);
    land("clinic", "2024-01", "visits.csv", visits);
    Files.write(dir.resolve("truth.csv"), truth, StandardCharsets.UTF_8);

    SourceConfig reg = ConfigLoader.parse(REGISTRY, "registry.yaml", SourceConfig.class);
    SourceConfig cli = ConfigLoader.parse(CLINIC, "clinic.yaml", SourceConfig.class);
    ingest(spark, reg, "2024-01");
    ingest(spark, cli, "2024-01");

    LinkJob.Result first = link(spark, List.of(reg, cli), "link-1");
    assertThat(first.records()).isEqualTo(241 + 100 + 100);
    Map<String, Row> index = index(spark);

    // A NIR on both sides: deterministic.
    Row alice = index.get("clinic/patients/" + key("clinic", "patients", "C50"));
    assertThat(alice.<String>getAs("method")).isEqualTo("deterministic");
    assertThat(alice.<String>getAs("person_id"))
        .isEqualTo(
            personOf(index, "registry", "people", "R" + clinicToPerson.get("C50").substring(1)));
    // No NIR, but names, birth date, sex and postcode: probabilistic, to the right person.
    Row bernard = index.get("clinic/patients/" + key("clinic", "patients", "C5"));
    assertThat(bernard.<String>getAs("method")).isEqualTo("probabilistic");
    assertThat(bernard.<Double>getAs("match_probability")).isGreaterThan(0.95);
    assertThat(bernard.<String>getAs("person_id"))
        .isEqualTo(
            personOf(index, "registry", "people", "R" + clinicToPerson.get("C5").substring(1)));
    // Its visit follows it.
    assertThat(personOf(index, "clinic", "visits", "V5")).isEqualTo(bernard.getAs("person_id"));
    // The twin without a NIR goes to the right twin; the twins stay two persons.
    String twin = personOf(index, "clinic", "patients", "C0");
    assertThat(twin).isEqualTo(personOf(index, "registry", "people", "R0"));
    assertThat(twin).isNotEqualTo(personOf(index, "registry", "people", "R240"));

    Map<String, Object> evaluation =
        LinkEvaluation.evaluate(
            spark.read().format("delta").load(paths().linkage("person_index")),
            LinkEvaluation.truth(spark, dir.resolve("truth.csv").toString(), List.of(reg, cli), P));
    assertThat(evaluation.get("records_evaluated")).isEqualTo(441L);
    assertThat((Double) evaluation.get("f1")).isGreaterThanOrEqualTo(0.97);
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> byMethod =
        (Map<String, Map<String, Object>>) evaluation.get("by_method");
    assertThat(byMethod.get("deterministic").get("precision")).isEqualTo(1.0);

    // A rerun over the same data gives the same ids.
    link(spark, List.of(reg, cli), "link-2");
    Map<String, Row> again = index(spark);
    for (Map.Entry<String, Row> e : index.entrySet()) {
      assertThat(again.get(e.getKey()).<String>getAs("person_id"))
          .isEqualTo(e.getValue().<String>getAs("person_id"));
    }

    // A new batch: a known person without a NIR joins their id; a stranger gets a new one.
    Person known = people.get(201);
    land(
        "clinic",
        "2024-02",
        "patients.csv",
        List.of(
            "IPP;NIR;NOM;PRENOM;NAISSANCE;SEXE;CP",
            String.join(
                ";",
                "C900",
                "",
                known.last(),
                known.first(),
                known.birth().format(french),
                known.sex() == 1 ? "M" : "F",
                known.cp()),
            "C901;;ZYGMUNT;Wladyslaw;01/01/1901;M;99999"));
    land("clinic", "2024-02", "visits.csv", List.of("VISIT;IPP", "V900;C900"));
    ingest(spark, cli, "2024-02");
    link(spark, List.of(reg, cli), "link-3");
    Map<String, Row> third = index(spark);
    assertThat(personOf(third, "clinic", "patients", "C900"))
        .isEqualTo(personOf(index, "registry", "people", "R201"));
    String stranger = personOf(third, "clinic", "patients", "C901");
    assertThat(
            third
                .get("clinic/patients/" + key("clinic", "patients", "C901"))
                .<String>getAs("method"))
        .isEqualTo("singleton");
    assertThat(index.values().stream().map(x -> x.<String>getAs("person_id")))
        .doesNotContain(stranger);
    for (Map.Entry<String, Row> e : index.entrySet()) {
      assertThat(third.get(e.getKey()).<String>getAs("person_id"))
          .isEqualTo(e.getValue().<String>getAs("person_id"));
    }
    // No clear identifier anywhere in the index.
    List<String> text =
        spark.read().format("delta").load(paths().linkage("person_index")).toJSON().collectAsList();
    assertThat(String.join("\n", text)).doesNotContain(twinA.nir(), "ZYGMUNT", "C901", "R201");
    assertThat(LinkReport.load(spark, paths().linkage("reports"), "link-3", java.util.Set.of()))
        .isPresent();
  }

  private LinkJob.Result link(SparkSession spark, List<SourceConfig> sources, String runId) {
    return LinkJob.run(
        spark,
        new LinkJob.Request(paths(), sources, LinkageConfig.defaults(), P, runId),
        line -> {});
  }

  private void ingest(SparkSession spark, SourceConfig source, String batch) {
    IngestJob.run(
        spark,
        new IngestJob.Request(paths(), source, batch, P, "ingest-" + source.name() + "-" + batch),
        line -> {});
  }

  private static String key(String source, String table, String value) {
    return org.trame.jobs.pseudonymize.RecordKeys.of(P, source, table, value);
  }

  private static String personOf(Map<String, Row> index, String source, String table, String k) {
    Row row = index.get(source + "/" + table + "/" + key(source, table, k));
    assertThat(row).as("index row of %s.%s %s", source, table, k).isNotNull();
    return row.getAs("person_id");
  }

  private Map<String, Row> index(SparkSession spark) {
    Map<String, Row> out = new HashMap<>();
    for (Row r :
        spark.read().format("delta").load(paths().linkage("person_index")).collectAsList()) {
      out.put(
          r.<String>getAs("source")
              + "/"
              + r.<String>getAs("table")
              + "/"
              + r.<String>getAs("record_key"),
          r);
    }
    return out;
  }

  private WarehousePaths paths() {
    return new WarehousePaths(
        dir.resolve("landing").toUri().toString(),
        dir.resolve("wh").toUri().toString(),
        dir.resolve("ex").toUri().toString());
  }

  private void land(String source, String batch, String file, List<String> lines)
      throws IOException {
    Path folder = dir.resolve("landing").resolve(source).resolve(batch);
    Files.createDirectories(folder);
    Files.write(folder.resolve(file), lines, StandardCharsets.UTF_8);
  }
}
