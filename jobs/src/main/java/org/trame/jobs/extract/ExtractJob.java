package org.trame.jobs.extract;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.trame.config.SourceConfig;
import org.trame.jobs.cli.CommandException;
import org.trame.jobs.cli.ExitCode;
import org.trame.jobs.spark.CodeGeneration;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.project.ProjectSpec;
import org.trame.project.ProjectSpec.ColumnRef;
import org.trame.project.ProjectSpec.DisclosureAction;
import org.trame.project.ProjectSpec.TableRef;
import org.trame.project.ProjectSpec.TableRequest;
import org.trame.project.ProjectSpecs.LoadedSpec;
import org.trame.project.StoredColumn;
import org.trame.pseudo.Pseudonymizer;

/**
 * {@code trame extract}: one project's extract, from its checked spec. Selects the cohort, keeps
 * the granted columns of the granted tables within the period, replaces person ids by the project's
 * subject ids, checks k-anonymity on the quasi-identifiers (fail, or suppress the persons at risk),
 * then writes plain Parquet with stable file names and sort order, a manifest with the SHA-256 of
 * every file and the Delta versions read, a data dictionary and a disclosure report. Nothing is
 * visible under the extract's name until every file is written.
 */
public final class ExtractJob {
  /** Rows per Parquet file, about; a table of fewer rows is one file. */
  static final long ROWS_PER_FILE = 1_000_000;

  private ExtractJob() {}

  /**
   * What to extract.
   *
   * @param project the project's pseudonymizer (key derived from the extract master key)
   * @param masterKeyId the extract master key the project key comes from
   * @param warehouseKeyId the link key chain of the warehouse's pseudonyms read
   * @param pinned Delta versions to read ({@code source.table}, {@code linkage.person_index});
   *     empty for the latest
   * @param asOf the run whose versions were pinned, or null
   * @param encryption how the Parquet files are encrypted, or null for plain Parquet
   * @param unfinishedLinkRuns link runs that did not succeed: the person index they may have
   *     written is not read (see {@code LinkageVersions})
   */
  public record Request(
      LoadedSpec spec,
      List<SourceConfig> sources,
      WarehousePaths paths,
      Pseudonymizer project,
      String masterKeyId,
      String warehouseKeyId,
      String extractId,
      Map<String, Long> pinned,
      String asOf,
      String codeVersion,
      ExtractEncryption encryption,
      Set<String> unfinishedLinkRuns) {
    public Request {
      unfinishedLinkRuns = Set.copyOf(unfinishedLinkRuns);
    }

    /** The same request, not reading what the given link runs wrote. */
    public Request ignoringLinkRuns(Set<String> runs) {
      return new Request(
          spec,
          sources,
          paths,
          project,
          masterKeyId,
          warehouseKeyId,
          extractId,
          pinned,
          asOf,
          codeVersion,
          encryption,
          runs);
    }
  }

  /** One written table. */
  public record TableResult(
      String name,
      long rows,
      long persons,
      long rowsSuppressed,
      List<ExtractFiles.FileEntry> files) {}

  /** What was written, and where. */
  public record Result(
      String folder,
      Map<String, Long> inputs,
      long cohort,
      long persons,
      List<TableResult> tables,
      Map<String, Object> disclosure) {}

  /**
   * Writes the extract. The caller holds the project's extract lock: the unfinished folders a
   * killed extract of the project left are deleted first.
   */
  public static Result run(SparkSession spark, Request r, Consumer<String> progress) {
    ProjectSpec spec = r.spec().spec();
    String projectFolder = r.paths().extracts() + "/" + spec.id();
    String finalFolder = projectFolder + "/" + r.extractId();
    String tmpFolder = projectFolder + "/" + ExtractFiles.UNFINISHED + r.extractId();
    String staging = r.paths().staging(r.extractId());
    ExtractFiles files =
        new ExtractFiles(projectFolder, spark.sparkContext().hadoopConfiguration());
    files.removeUnfinished(projectFolder);
    List<String> read = new ArrayList<>(List.of(r.paths().linkage("person_index")));
    spec.tables().forEach(t -> read.add(r.paths().sourceTable(t.ref().source(), t.ref().table())));
    CodeGeneration.fit(spark, CodeGeneration.bytesUnder(spark, read));
    try {
      ExtractInputs inputs =
          new ExtractInputs(
              spark, r.paths(), r.sources(), r.pinned(), r.unfinishedLinkRuns(), progress);

      progress.accept("  selecting the cohort");
      Dataset<Row> cohort =
          stage(spark, staging, "cohort", Cohort.persons(spec.cohort(), spec.period(), inputs));
      long cohortSize = cohort.count();
      progress.accept(String.format("  cohort: %,d persons", cohortSize));

      Map<String, Dataset<Row>> prepared = new LinkedHashMap<>();
      Map<String, Boolean> holdsPersons = new LinkedHashMap<>();
      for (int i = 0; i < spec.tables().size(); i++) {
        TableRequest t = spec.tables().get(i);
        TableRef ref = t.ref();
        boolean persons = StoredColumn.holdsPersons(inputs.config(ref));
        Dataset<Row> rows =
            persons
                ? inputs
                    .withPersons(ref, Cohort.parentColumn(t.date()))
                    .join(cohort, ExtractInputs.PERSON, "left_semi")
                : inputs.rows(ref);
        if (t.date() != null) {
          rows = rows.where(Cohort.inPeriod(Cohort.dateColumn(t.date()), spec.period()));
        }
        Dataset<Row> selected = ExtractColumns.select(rows, ref, t.columns(), persons, r.project());
        prepared.put(ref.toString(), stage(spark, staging, "table" + i, selected));
        holdsPersons.put(ref.toString(), persons);
      }

      Dataset<Row> persons = null;
      for (Map.Entry<String, Dataset<Row>> e : prepared.entrySet()) {
        if (holdsPersons.get(e.getKey())) {
          Dataset<Row> p = e.getValue().select(ExtractInputs.PERSON);
          persons = persons == null ? p : persons.union(p);
        }
      }
      if (persons == null) {
        throw CommandException.usage(
            "Cannot extract project " + spec.id() + ": none of its tables holds persons");
      }
      persons = stage(spark, staging, "persons", persons.distinct());

      List<ColumnRef> qis =
          spec.disclosure().quasiIdentifiers().stream()
              .map(q -> ColumnRef.parse(q, "quasi_identifiers"))
              .toList();
      int k = spec.disclosure().k();
      progress.accept("  checking k-anonymity (k = " + k + ") on " + qis);
      Dataset<Row> classes =
          stage(spark, staging, "classes", Disclosure.classSizes(prepared, persons, qis));
      Disclosure.Finding before = Disclosure.finding(classes, k);
      Map<String, Object> disclosure = new LinkedHashMap<>();
      disclosure.put("quasi_identifiers", spec.disclosure().quasiIdentifiers());
      disclosure.put("k", k);
      disclosure.put(
          "action", spec.disclosure().action().name().toLowerCase(java.util.Locale.ROOT));
      disclosure.put("persons_checked", before.persons());
      disclosure.put("combinations", before.classes());
      disclosure.put("combinations_under_k", before.classesUnderK());
      disclosure.put("persons_under_k", before.personsUnderK());
      disclosure.put("smallest_combination_before", before.smallestClass());
      if (before.personsUnderK() > 0 && spec.disclosure().action() == DisclosureAction.FAIL) {
        throw new CommandException(
            ExitCode.DISCLOSURE,
            String.format(
                "Disclosure check failed for project %s: %,d of %,d persons are in %,d"
                    + " combinations of %s shared by fewer than k = %d persons; nothing was"
                    + " written. Generalize these columns further, or set disclosure.action:"
                    + " suppress",
                spec.id(),
                before.personsUnderK(),
                before.persons(),
                before.classesUnderK(),
                String.join(", ", spec.disclosure().quasiIdentifiers()),
                k));
      }
      Dataset<Row> suppressed = Disclosure.underK(classes, k);
      Disclosure.Finding after = Disclosure.finding(classes.where(col("_class_size").geq(k)), k);
      disclosure.put("persons_suppressed", before.personsUnderK());
      disclosure.put("persons_written", after.persons());
      disclosure.put("smallest_combination_written", after.smallestClass());
      if (before.personsUnderK() > 0) {
        progress.accept(
            String.format(
                "  suppressing %,d persons in %,d combinations under k",
                before.personsUnderK(), before.classesUnderK()));
      }

      List<TableResult> tables = new ArrayList<>();
      Map<String, Object> rowsSuppressed = new LinkedHashMap<>();
      for (int i = 0; i < spec.tables().size(); i++) {
        TableRequest t = spec.tables().get(i);
        String name = t.table();
        Dataset<Row> rows = prepared.get(name);
        boolean holds = holdsPersons.get(name);
        // Rows before suppression; the written count comes from the write itself.
        long rowsBefore = holds ? rows.count() : 0;
        if (holds) {
          rows =
              rows.join(suppressed, ExtractInputs.PERSON, "left_anti").drop(ExtractInputs.PERSON);
        }
        TableResult written = write(files, rows, tmpFolder + "/" + name, name, holds, r);
        long suppressedRows = holds ? rowsBefore - written.rows() : 0;
        rowsSuppressed.put(name, suppressedRows);
        tables.add(
            new TableResult(
                name, written.rows(), written.persons(), suppressedRows, written.files()));
        progress.accept(
            String.format(
                "  %s: %,d rows, %,d persons, %d file%s",
                name,
                written.rows(),
                written.persons(),
                written.files().size(),
                written.files().size() == 1 ? "" : "s"));
      }
      disclosure.put("rows_suppressed", rowsSuppressed);

      Map<String, Long> versions = inputs.versions();
      ExtractDocuments docs =
          new ExtractDocuments(
              r,
              versions,
              cohortSize,
              after.persons(),
              tables,
              disclosure,
              schemas(spark, tmpFolder, r));
      files.writeText(tmpFolder + "/disclosure.json", docs.disclosureJson());
      files.writeText(tmpFolder + "/dictionary.md", docs.dictionary());
      List<ExtractFiles.FileEntry> all = files.checksums(tmpFolder);
      files.writeText(tmpFolder + "/manifest.json", docs.manifest(all, Instant.now()));
      files.publish(tmpFolder, finalFolder);
      return new Result(finalFolder, versions, cohortSize, after.persons(), tables, disclosure);
    } finally {
      if (files.exists(tmpFolder)) {
        files.delete(tmpFolder);
      }
      files.delete(staging);
    }
  }

  private static TableResult write(
      ExtractFiles files,
      Dataset<Row> rows,
      String folder,
      String name,
      boolean persons,
      Request r) {
    long count = rows.count();
    int parts = (int) Math.max(1, (count + ROWS_PER_FILE - 1) / ROWS_PER_FILE);
    Column[] order =
        java.util.Arrays.stream(rows.columns()).map(c -> col(c)).toArray(Column[]::new);
    Dataset<Row> laid =
        persons ? rows.repartition(parts, col(ExtractColumns.SUBJECT)) : rows.repartition(1);
    var writer = laid.sortWithinPartitions(order).write().mode("errorifexists");
    if (r.encryption() != null) {
      writer = writer.options(r.encryption().writeOptions(rows.columns(), r.extractId()));
    }
    writer.parquet(folder);
    // Encrypted footers are sealed (and their bytes random anyway): left as written.
    files.tidyTable(folder, r.encryption() == null);
    long distinct =
        persons ? rows.agg(countDistinct(col(ExtractColumns.SUBJECT))).first().getLong(0) : 0;
    return new TableResult(
        name,
        count,
        distinct,
        0,
        files.checksums(folder).stream()
            .map(f -> new ExtractFiles.FileEntry(name + "/" + f.path(), f.bytes(), f.sha256()))
            .toList());
  }

  /** The written schema of each table, by name: column name to Spark type. */
  private static Map<String, List<StructField>> schemas(
      SparkSession spark, String folder, Request r) {
    Map<String, List<StructField>> out = new LinkedHashMap<>();
    for (TableRequest t : r.spec().spec().tables()) {
      var reader = spark.read();
      if (r.encryption() != null) {
        reader = reader.options(r.encryption().readOptions(r.extractId()));
      }
      out.put(t.table(), List.of(reader.parquet(folder + "/" + t.table()).schema().fields()));
    }
    return out;
  }

  private static Dataset<Row> stage(
      SparkSession spark, String staging, String name, Dataset<Row> data) {
    String path = staging + "/" + name;
    data.write().mode("overwrite").parquet(path);
    return spark.read().parquet(path);
  }
}
