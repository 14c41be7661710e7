package org.trame.jobs.extract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.types.StructField;
import org.trame.project.ProjectSpec;
import org.trame.project.ProjectSpec.CodeCriterion;
import org.trame.project.ProjectSpec.ColumnRequest;
import org.trame.project.ProjectSpec.Criterion;
import org.trame.project.ProjectSpec.TableRequest;

/**
 * The documents beside an extract's Parquet files: {@code manifest.json} (what was read, what was
 * written, with the SHA-256 of every file), {@code dictionary.md} (what a researcher needs to read
 * the data) and {@code disclosure.json} (the k-anonymity check and what it suppressed).
 */
final class ExtractDocuments {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final ExtractJob.Request request;
  private final ProjectSpec spec;
  private final Map<String, Long> versions;
  private final long cohort;
  private final long persons;
  private final List<ExtractJob.TableResult> tables;
  private final Map<String, Object> disclosure;
  private final Map<String, List<StructField>> schemas;

  ExtractDocuments(
      ExtractJob.Request request,
      Map<String, Long> versions,
      long cohort,
      long persons,
      List<ExtractJob.TableResult> tables,
      Map<String, Object> disclosure,
      Map<String, List<StructField>> schemas) {
    this.request = request;
    this.spec = request.spec().spec();
    this.versions = versions;
    this.cohort = cohort;
    this.persons = persons;
    this.tables = tables;
    this.disclosure = disclosure;
    this.schemas = schemas;
  }

  String disclosureJson() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("project", spec.id());
    out.putAll(disclosure);
    return json(out);
  }

  /**
   * The manifest. Everything in it but {@code extract_id}, {@code created_at} and {@code as_of} is
   * the same when the same spec is extracted again from the same Delta versions.
   */
  String manifest(List<ExtractFiles.FileEntry> files, Instant created) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("project", spec.id());
    m.put("title", spec.title());
    m.put("approval", spec.approval());
    m.put("extract_id", request.extractId());
    m.put("created_at", created.toString());
    m.put("as_of", request.asOf());
    m.put("spec_file", request.spec().file().getFileName().toString());
    m.put("spec_sha256", request.spec().sha256());
    m.put("key_id", request.project().keyId());
    m.put("master_key_id", request.masterKeyId());
    m.put("warehouse_key_id", request.warehouseKeyId());
    m.put("code_version", request.codeVersion());
    Map<String, Object> encryption = null;
    if (request.encryption() != null) {
      encryption = new LinkedHashMap<>();
      encryption.put("scheme", "parquet modular encryption, AES-GCM, footer and every column");
      encryption.put("key", request.encryption().masterKeyId());
    }
    m.put("encryption", encryption);
    Map<String, Object> period = new LinkedHashMap<>();
    period.put("from", spec.period().from());
    period.put("to", spec.period().to());
    m.put("period", period);
    m.put("inputs", new java.util.TreeMap<>(versions));
    m.put("cohort_persons", cohort);
    m.put("persons", persons);
    List<Object> ts = new ArrayList<>();
    for (ExtractJob.TableResult t : tables) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("name", t.name());
      e.put("rows", t.rows());
      e.put("persons", t.persons());
      e.put("rows_suppressed", t.rowsSuppressed());
      List<Object> cols = new ArrayList<>();
      TableRequest request = table(t.name());
      for (StructField f : schemas.get(t.name())) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", f.name());
        c.put("type", f.dataType().simpleString());
        c.put("origin", origin(t.name(), f.name()));
        c.put("treatment", treatment(request, f.name()));
        cols.add(c);
      }
      e.put("columns", cols);
      e.put("files", t.files().stream().map(ExtractDocuments::file).toList());
      ts.add(e);
    }
    m.put("tables", ts);
    m.put("disclosure", disclosure);
    m.put("files", files.stream().map(ExtractDocuments::file).toList());
    return json(m);
  }

  String dictionary() {
    StringBuilder b = new StringBuilder();
    b.append("# ").append(spec.title()).append("\n\n");
    b.append("Project `").append(spec.id()).append("`, approval ").append(spec.approval());
    b.append(". Files and their checksums: `manifest.json`.\n\n");
    b.append("Period: ").append(spec.period().from()).append(" to ").append(spec.period().to());
    b.append(" (events outside it are not included).\n\n");
    b.append("## Who is in it\n\n");
    describe(spec.cohort(), "", b);
    b.append(
        String.format(
            "%nThe cohort has %,d persons; %,d of them are in this extract", cohort, persons));
    Object suppressed = disclosure.get("persons_suppressed");
    b.append(
        suppressed instanceof Long s && s > 0
            ? String.format(" after %,d were suppressed by the disclosure rule.%n%n", s)
            : ".\n\n");
    b.append("## Identifiers\n\n");
    b.append(
        "`subject_id` is this project's number for a person: the same person has the same"
            + " `subject_id` in every table of this extract (and in later extracts of the same"
            + " project under the same key), and a different one in every other project. Nothing in"
            + " the extract leads back to a person or to the national data without the platform's"
            + " keys.\n\n");
    b.append("## Tables\n\n");
    for (ExtractJob.TableResult t : tables) {
      TableRequest request = table(t.name());
      b.append("### ").append(t.name()).append("\n\n");
      b.append("Folder `").append(t.name()).append("/`: ");
      b.append(String.format("%,d rows", t.rows()));
      if (t.persons() > 0) {
        b.append(String.format(", %,d persons", t.persons()));
      }
      b.append(
          request.date() == null ? "" : "; rows dated by " + request.date() + " within the period");
      b.append(".\n\n| column | type | from | as |\n|---|---|---|---|\n");
      for (StructField f : schemas.get(t.name())) {
        b.append("| `").append(f.name()).append("` | ").append(f.dataType().simpleString());
        b.append(" | ").append(origin(t.name(), f.name())).append(" | ");
        b.append(treatment(request, f.name())).append(" |\n");
      }
      b.append("\n");
    }
    b.append("## Disclosure rule\n\n");
    b.append("Every combination of ")
        .append(
            spec.disclosure().quasiIdentifiers().stream()
                .map(q -> "`" + q + "`")
                .collect(Collectors.joining(", ")))
        .append(" is shared by at least ")
        .append(spec.disclosure().k())
        .append(" persons in this extract (action: ")
        .append(spec.disclosure().action().name().toLowerCase(Locale.ROOT))
        .append("). See `disclosure.json`.\n\n");
    b.append("## Reading it\n\n");
    if (request.encryption() != null) {
      b.append(
          "The Parquet files are encrypted (footer and columns) with this project's key: read them"
              + " with Spark and the options given in Trame's README (\"Encrypted extracts\").\n\n");
    }
    b.append(
        "Parquet, one folder per table, sorted by `subject_id`. `manifest.json` lists every"
            + " file with its SHA-256.\n\n```python\nimport pandas as pd\n");
    ExtractJob.TableResult first = tables.get(0);
    b.append("df = pd.read_parquet(\"").append(first.name()).append("\")\n```\n\n");
    b.append("```sql\n-- duckdb\nSELECT * FROM read_parquet('")
        .append(first.name())
        .append("/*.parquet');\n```\n");
    return b.toString();
  }

  private TableRequest table(String name) {
    return spec.tables().stream().filter(t -> t.table().equals(name)).findFirst().orElseThrow();
  }

  private static String origin(String table, String column) {
    return column.equals(ExtractColumns.SUBJECT) ? "the linkage's person" : table + "." + column;
  }

  private static String treatment(TableRequest request, String column) {
    if (column.equals(ExtractColumns.SUBJECT)) {
      return "project pseudonym of the person";
    }
    for (ColumnRequest c : request.columns()) {
      if (c.name().equals(column)) {
        return ExtractColumns.treatment(c);
      }
    }
    return "";
  }

  private static void describe(Criterion c, String indent, StringBuilder b) {
    List<Criterion> group = c.any() != null ? c.any() : c.all();
    if (group != null) {
      b.append(indent).append("- ").append(c.any() != null ? "any" : "all").append(" of:\n");
      for (Criterion g : group) {
        describe(g, indent + "  ", b);
      }
      return;
    }
    b.append(indent).append("- ");
    switch (c.kind()) {
      case "age" ->
          b.append("aged ")
              .append(
                  c.age().max() == null
                      ? c.age().min() + " or more"
                      : c.age().min() == null
                          ? "up to " + c.age().max()
                          : c.age().min() + " to " + c.age().max())
              .append(" at the start of the period (birth year ")
              .append(c.age().table())
              .append(".")
              .append(c.age().birthYear())
              .append(")");
      case "sex" ->
          b.append(c.sex().table())
              .append(".")
              .append(c.sex().column())
              .append(" is ")
              .append(String.join(" or ", c.sex().values()));
      default -> {
        CodeCriterion k = c.codes();
        b.append(c.kind())
            .append(" code starting with ")
            .append(String.join(", ", k.prefixes()))
            .append(" in ")
            .append(k.table())
            .append(" (")
            .append(String.join(", ", k.columns()))
            .append(")");
        if (k.lookup() != null) {
          b.append(", mapped through ")
              .append(k.lookup().table())
              .append(" (")
              .append(k.lookup().key())
              .append(" to ")
              .append(k.lookup().value())
              .append(")");
        }
        if (k.date() != null) {
          b.append(", dated by ").append(k.date()).append(" within the period");
        }
      }
    }
    b.append("\n");
  }

  private static Map<String, Object> file(ExtractFiles.FileEntry f) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", f.path());
    m.put("bytes", f.bytes());
    m.put("sha256", f.sha256());
    return m;
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write JSON: " + e.getMessage(), e);
    }
  }
}
