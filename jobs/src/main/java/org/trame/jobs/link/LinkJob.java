package org.trame.jobs.link;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_compact;
import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.array_intersect;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.exists;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.flatten;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.when;

import io.delta.tables.DeltaTable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.trame.config.LinkageConfig;
import org.trame.config.SourceConfig;
import org.trame.config.TableConfig;
import org.trame.jobs.spark.CodeGeneration;
import org.trame.jobs.spark.DeltaCommits;
import org.trame.jobs.spark.HadoopFolders;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.pseudo.Pseudonymizer;

/**
 * {@code trame link}: every indexed record of every source gets a person id in {@code
 * warehouse/linkage/person_index}.
 *
 * <ol>
 *   <li>Identity records ({@link IdentityRecords}), the latest batch of each record.
 *   <li>Profiles: records with the same identity fields are linked once (a million claim lines of
 *       one beneficiary are one profile).
 *   <li>Deterministic: profiles sharing a sound key are one entity ({@link Components}).
 *   <li>Probabilistic: entities are blocked in several passes (birth date or its day/month swap,
 *       name pairs, phonetic name pairs, birth year with sex and postcode), compared field by field
 *       ({@link Comparisons}), weighed by a Fellegi-Sunter model estimated without labels ({@link
 *       FellegiSunter}) with value-frequency adjustments, and linked above the threshold. Two
 *       entities holding different values of one person key are never linked; when a keyless entity
 *       matches several such entities, it joins the best only if it beats the second by the margin,
 *       else it is left alone and counted as ambiguous.
 *   <li>Stable ids ({@link PersonIds}), then the index, the id registry, merge and split events,
 *       the pairs to review and the quality report are written.
 * </ol>
 */
public final class LinkJob {
  static final String PROFILE = "profile_id";
  static final String ENTITY = "entity";
  static final String CLUSTER = PersonIds.CLUSTER;
  static final String LATEST = "latest";

  /** The sources of an entity's records ({@code dcir+pmsi_mco}), and of a pair's two sides. */
  static final String SIGNATURE = "signature";

  static final String CATEGORY = "category";

  private static final List<String> ENTITY_FEATURES =
      List.of(
          Comparisons.NIRS,
          Comparisons.PSAS,
          Comparisons.DATES,
          Comparisons.DMS,
          Comparisons.YEARS,
          Comparisons.SEXES,
          Comparisons.POSTCODES,
          Comparisons.DEPTS,
          Comparisons.LASTS,
          Comparisons.LAST_PHONS,
          Comparisons.FIRSTS,
          Comparisons.FIRST_PHONS,
          Comparisons.RANKS,
          SIGNATURE);

  private LinkJob() {}

  /** What to link, with which settings and key. */
  public record Request(
      WarehousePaths paths,
      List<SourceConfig> sources,
      LinkageConfig settings,
      Pseudonymizer pseudonymizer,
      String runId,
      Set<String> unfinishedRuns) {
    public Request {
      unfinishedRuns = Set.copyOf(unfinishedRuns);
    }

    /** A request that builds on every earlier commit of the linkage tables. */
    public Request(
        WarehousePaths paths,
        List<SourceConfig> sources,
        LinkageConfig settings,
        Pseudonymizer pseudonymizer,
        String runId) {
      this(paths, sources, settings, pseudonymizer, runId, Set.of());
    }

    /**
     * The same request, ignoring what the given link runs committed: runs that failed or were
     * killed part way through writing the linkage tables, so their partial writes are replaced.
     */
    public Request ignoring(Set<String> runs) {
      return new Request(paths, sources, settings, pseudonymizer, runId, runs);
    }
  }

  /** A source table read by the run, at the Delta version read. */
  public record Input(String source, String table, long version) {}

  /** What the run wrote. */
  public record Result(
      List<Input> inputs,
      long records,
      long persons,
      Map<String, Long> byMethod,
      long indexVersion,
      Map<String, Object> report) {}

  /** Links everything ingested so far and writes the linkage tables. */
  public static Result run(SparkSession spark, Request request, Consumer<String> out) {
    long start = System.nanoTime();
    Consumer<String> progress =
        line -> out.accept(String.format("%s (%.1f s)", line, (System.nanoTime() - start) / 1e9));
    WarehousePaths paths = request.paths();
    List<Input> inputs = new ArrayList<>();
    Dataset<Row> identity = identityRecords(spark, request, inputs, progress);
    if (identity == null) {
      throw org.trame.jobs.cli.CommandException.usage(
          "Nothing to link: no source table with identity columns is ingested yet (run trame"
              + " ingest first)");
    }
    CodeGeneration.fit(
        spark,
        CodeGeneration.bytesUnder(
            spark, inputs.stream().map(i -> paths.sourceTable(i.source(), i.table())).toList()));
    Staging staging = new Staging(spark, paths.staging(request.runId()));
    try {
      return link(spark, request, identity, inputs, staging, progress, start);
    } finally {
      staging.delete();
    }
  }

  private static Result link(
      SparkSession spark,
      Request request,
      Dataset<Row> identity,
      List<Input> inputs,
      Staging staging,
      Consumer<String> progress,
      long start) {
    LinkageConfig settings = request.settings();
    WarehousePaths paths = request.paths();
    progress.accept("  collecting identity records");
    Dataset<Row> versions = staging.save("versions", versions(identity));
    Dataset<Row> records = versions.where(col(LATEST));
    long recordCount = records.count();
    progress.accept(String.format("  %,d records from %d tables", recordCount, inputs.size()));

    Dataset<Row> profiles =
        staging.save(
            "profiles",
            versions.select(col(PROFILE), col(IdentityRecords.KEYS)).dropDuplicates(PROFILE));
    Dataset<Row> keyEdges =
        profiles.select(
            col(PROFILE).as(Components.SRC), explode(col(IdentityRecords.KEYS)).as(Components.DST));
    progress.accept("  deterministic: linking profiles that share a sound key");
    Dataset<Row> keyLabels = Components.of(keyEdges, 50, progress);
    Dataset<Row> profileEntity =
        staging.save(
            "profile_entity",
            profiles
                .join(
                    keyLabels,
                    profiles.col(PROFILE).equalTo(keyLabels.col(Components.NODE)),
                    "left")
                .select(
                    col(PROFILE), coalesce(col(Components.COMPONENT), col(PROFILE)).as(ENTITY)));

    Dataset<Row> entities = staging.save("entities", entities(versions, profileEntity));
    long entityCount = entities.count();
    progress.accept(String.format("  %,d entities after deterministic linkage", entityCount));

    Blocking blocking = block(entities, entityCount, settings.maxBlockSize());
    Dataset<Row> compared = staging.save("compared", compare(blocking.pairs(), entities));
    long candidateCount = compared.count();
    progress.accept(
        String.format(
            "  probabilistic: %,d candidate pairs (%,d blocks over %,d entities skipped)",
            candidateCount, blocking.skippedBlocks(), settings.maxBlockSize()));

    Dataset<Row> modelPairs =
        staging.save("model_pairs", compare(blocking.background(), entities).union(compared));
    FellegiSunter model =
        FellegiSunter.estimate(
            fieldNames(),
            levelCounts(),
            patterns(compare(randomPairs(entities, entityCount), entities), -1),
            patterns(keyLinkedPairs(versions, profileEntity, entityCount), -1),
            patterns(modelPairs.where(col("by_date")), BIRTH_DATE_FIELD),
            patterns(modelPairs.where(col("by_name")), -2),
            BIRTH_DATE_FIELD,
            settings.emIterations());
    // The model's λ is the share of matches among the pairs it was fitted on, which blocking
    // made likely; a pair's prior is the expected share of matches among all the pairs blocking
    // chose from, per pair of source sets (hospital patients x claims persons is not claims x
    // claims).
    Map<String, Double> priors = priors(entities, compared, model);
    Dataset<Row> scored =
        staging.save("scored", score(compared, entities, entityCount, model, priors));
    Dataset<Row> accepted = scored.where(col("match_probability").geq(settings.matchThreshold()));
    Dataset<Row> review =
        scored.where(
            col("match_probability")
                .geq(settings.reviewThreshold())
                .and(col("match_probability").lt(settings.matchThreshold())));

    Resolution resolution = resolve(accepted, entities, settings.ambiguityMargin(), progress);

    // Records: entity, cluster, and how they were linked.
    Dataset<Row> linked = staging.save("linked", linkedRecords(records, profileEntity, resolution));

    Dataset<Row> recordNames = linked.select(recordName().as("record"), col(CLUSTER));
    String indexPath = paths.linkage("person_index");
    String idsPath = paths.linkage("person_ids");
    String eventsPath = paths.linkage("person_events");
    // What the last finished link left: the commits of a link run killed or failed part way are
    // not built on, and are overwritten below.
    LinkageVersions base = new LinkageVersions(spark, request.unfinishedRuns());
    Dataset<Row> previous =
        base.read(indexPath)
            .map(t -> t.select(recordName().as("record"), col(PersonIds.PERSON_ID)))
            .orElseGet(() -> emptyFrame(spark, "record", PersonIds.PERSON_ID));
    Dataset<Row> issuedBefore =
        base.read(idsPath)
            .orElseGet(() -> emptyFrame(spark, PersonIds.PERSON_ID, "first_link_run_id"));
    Dataset<Row> issued = issuedBefore.select(PersonIds.PERSON_ID);
    progress.accept("  assigning stable person ids");
    PersonIds.Assignment ids =
        PersonIds.assign(recordNames, previous, issued, request.pseudonymizer(), request.runId());
    Dataset<Row> clusterIds = staging.save("cluster_ids", ids.clusterIds());
    Dataset<Row> index =
        linked
            .join(clusterIds, CLUSTER)
            .select(
                col(IdentityRecords.SOURCE),
                col(IdentityRecords.TABLE),
                col(IdentityRecords.RECORD_KEY),
                col(IdentityRecords.BATCH),
                col(PersonIds.PERSON_ID),
                col("method"),
                col("match_weight"),
                col("match_probability"),
                col("rule"),
                lit(request.runId()).as("link_run_id"));
    // The new ids and the events are computed against the tables as they were: keep them before
    // the index is overwritten.
    Dataset<Row> newIds =
        clusterIds
            .select(PersonIds.PERSON_ID)
            .join(issued, new String[] {PersonIds.PERSON_ID}, "left_anti")
            .withColumn("first_link_run_id", lit(request.runId()));
    Dataset<Row> allIds = staging.save("person_ids", issuedBefore.unionByName(newIds));
    Dataset<Row> events = staging.save("events", ids.events());
    Dataset<Row> allEvents =
        staging.save(
            "person_events", base.read(eventsPath).map(e -> e.unionByName(events)).orElse(events));
    // Every linkage table is overwritten, tagged with the run: a rerun after a kill between these
    // commits starts again from the last finished link (see LinkageVersions).
    String tag = LinkageVersions.tag(request.runId());
    progress.accept("  writing the person index");
    index
        .write()
        .format("delta")
        .mode("overwrite")
        .option("overwriteSchema", "true")
        .option("userMetadata", tag)
        .save(indexPath);
    long indexVersion = DeltaCommits.latestVersion(spark, indexPath);
    allIds
        .write()
        .format("delta")
        .mode("overwrite")
        .option("overwriteSchema", "true")
        .option("userMetadata", tag)
        .save(idsPath);
    allEvents
        .write()
        .format("delta")
        .mode("overwrite")
        .option("overwriteSchema", "true")
        .option("userMetadata", tag)
        .save(eventsPath);
    review
        .select(
            col("a").as("entity_a"),
            col("b").as("entity_b"),
            col("match_weight"),
            col("match_probability"),
            col("rule"))
        .withColumn("link_run_id", lit(request.runId()))
        .write()
        .format("delta")
        .mode("overwrite")
        .option("overwriteSchema", "true")
        .option("userMetadata", tag)
        .save(paths.linkage("review"));

    progress.accept("  writing the quality report");
    Dataset<Row> written =
        spark.read().format("delta").option("versionAsOf", indexVersion).load(indexPath);
    Map<String, Object> report =
        LinkReport.build(
            written,
            records,
            request.runId(),
            Map.of(
                "profiles", profiles.count(),
                "entities", entityCount,
                "candidate_pairs", candidateCount,
                "skipped_blocks", blocking.skippedBlocks(),
                "accepted_pairs", accepted.count(),
                "review_pairs", review.count(),
                "ambiguous_entities", resolution.ambiguous(),
                "conflicting_groups", resolution.conflicted()),
            events,
            withPrior(model.describe(levelNames()), priors),
            settings);
    report.put("match_weights", LinkReport.weightHistogram(scored, settings));
    report.put("seconds", Math.round((System.nanoTime() - start) / 1e8) / 10.0);
    LinkReport.save(spark, paths.linkage("reports"), request.runId(), report);
    @SuppressWarnings("unchecked")
    Map<String, Long> byMethod = (Map<String, Long>) report.get("by_method");
    long persons = ((Number) report.get("persons")).longValue();
    return new Result(inputs, recordCount, persons, byMethod, indexVersion, report);
  }

  /**
   * Intermediate tables of a run, written as Parquet under {@code warehouse/_staging/<run>} and
   * read back: later steps then plan against a short lineage, and nothing is recomputed. Deleted
   * when the run ends.
   */
  private static final class Staging {
    private final SparkSession spark;
    private final String folder;

    Staging(SparkSession spark, String folder) {
      this.spark = spark;
      this.folder = folder;
    }

    Dataset<Row> save(String name, Dataset<Row> data) {
      String path = folder + "/" + name;
      data.write().mode("overwrite").parquet(path);
      return spark.read().parquet(path);
    }

    void delete() {
      HadoopFolders.delete(spark.sparkContext().hadoopConfiguration(), folder);
    }
  }

  /** The identity records of every indexed table, or null when none is ingested. */
  private static Dataset<Row> identityRecords(
      SparkSession spark, Request request, List<Input> inputs, Consumer<String> progress) {
    Dataset<Row> all = null;
    for (SourceConfig source : request.sources()) {
      for (TableConfig table : source.tables()) {
        if (!IdentityRecords.indexed(table)) {
          continue;
        }
        String path = request.paths().sourceTable(source.name(), table.name());
        if (!DeltaTable.isDeltaTable(spark, path)) {
          progress.accept(
              "  " + source.name() + "." + table.name() + ": not ingested yet, skipped");
          continue;
        }
        long version = DeltaCommits.latestVersion(spark, path);
        inputs.add(new Input(source.name(), table.name(), version));
        progress.accept("  reading " + source.name() + "." + table.name() + " version " + version);
        Dataset<Row> rows = spark.read().format("delta").option("versionAsOf", version).load(path);
        Set<List<String>> children = new LinkedHashSet<>();
        for (TableConfig t : source.tables()) {
          if (table.name().equals(t.linkage().personOf())) {
            children.add(t.linkage().on());
          }
        }
        Dataset<Row> one = IdentityRecords.of(source, table, rows, new ArrayList<>(children));
        all = all == null ? one : all.unionByName(one);
      }
    }
    return all;
  }

  /**
   * Every version of every record (a record delivered in several batches has one per batch), with
   * the id of its identity profile and whether it is the latest. Versions of one record are tied by
   * a key of their own, so that a field one batch lacks (a NIR missing in March) still links.
   */
  static Dataset<Row> versions(Dataset<Row> identity) {
    org.apache.spark.sql.expressions.WindowSpec record =
        Window.partitionBy(
            IdentityRecords.SOURCE, IdentityRecords.TABLE, IdentityRecords.RECORD_KEY);
    Column sameRecord =
        concat(
            lit("k:"),
            sha2(
                concat_ws(
                    "/",
                    col(IdentityRecords.SOURCE),
                    col(IdentityRecords.TABLE),
                    col(IdentityRecords.RECORD_KEY)),
                256));
    Column profile = sha2(to_json(struct(fieldColumns())), 256);
    return identity
        .withColumn("_versions", count(lit(1)).over(record))
        .withColumn(
            IdentityRecords.KEYS,
            when(col("_versions").gt(1), concat(col(IdentityRecords.KEYS), array(sameRecord)))
                .otherwise(col(IdentityRecords.KEYS)))
        .withColumn(
            LATEST, col(IdentityRecords.BATCH).equalTo(max(IdentityRecords.BATCH).over(record)))
        .drop("_versions")
        .withColumn(PROFILE, profile);
  }

  private static Column[] fieldColumns() {
    return IdentityRecords.FIELDS.stream().map(f -> col(f)).toArray(Column[]::new);
  }

  /** Entities: the deterministic groups of profiles, with every identity value they hold. */
  static Dataset<Row> entities(Dataset<Row> records, Dataset<Row> profileEntity) {
    Dataset<Row> profiles = records.dropDuplicates(PROFILE).join(profileEntity, PROFILE);
    Dataset<Row> signatures =
        records
            .select(col(PROFILE), col(IdentityRecords.SOURCE))
            .distinct()
            .join(profileEntity, PROFILE)
            .groupBy(ENTITY)
            .agg(
                concat_ws(
                        "+",
                        org.apache.spark.sql.functions.array_sort(
                            collect_set(IdentityRecords.SOURCE)))
                    .as(SIGNATURE));
    return profiles
        .groupBy(ENTITY)
        .agg(
            collect_set(IdentityRecords.NIR).as(Comparisons.NIRS),
            collect_set(IdentityRecords.PSA).as(Comparisons.PSAS),
            collect_set(IdentityRecords.BIRTH_DATE).as(Comparisons.DATES),
            collect_set(IdentityRecords.BIRTH_DATE_DM).as(Comparisons.DMS),
            collect_set(col(IdentityRecords.BIRTH_YEAR).cast(DataTypes.StringType))
                .as(Comparisons.YEARS),
            collect_set(IdentityRecords.SEX).as(Comparisons.SEXES),
            collect_set(IdentityRecords.POSTCODE).as(Comparisons.POSTCODES),
            collect_set(IdentityRecords.DEPT).as(Comparisons.DEPTS),
            array_distinct(flatten(collect_list(IdentityRecords.LAST_NAMES))).as(Comparisons.LASTS),
            array_distinct(flatten(collect_list(IdentityRecords.LAST_PHONS)))
                .as(Comparisons.LAST_PHONS),
            array_distinct(flatten(collect_list(IdentityRecords.FIRST_NAMES)))
                .as(Comparisons.FIRSTS),
            array_distinct(flatten(collect_list(IdentityRecords.FIRST_PHONS)))
                .as(Comparisons.FIRST_PHONS),
            collect_set(IdentityRecords.RANK).as(Comparisons.RANKS))
        .join(signatures, ENTITY);
  }

  /** Candidate pairs ({@code a < b}) and how many oversized blocks were skipped. */
  record Blocking(Dataset<Row> pairs, Dataset<Row> background, long skippedBlocks) {}

  /**
   * Blocks in several passes, so that one wrong field never hides a true pair: the birth date (also
   * under its day/month swap), the last and first names, their phonetic forms, and the birth year
   * with sex and postcode. Only entities missing a person key can gain a link, so one side of every
   * pair is such an entity.
   */
  static Blocking block(Dataset<Row> entities, long entityCount, int maxBlockSize) {
    Column dates =
        concat(
            transform(col(Comparisons.DATES), d -> concat(lit("d:"), d)),
            transform(col(Comparisons.DMS), d -> concat(lit("d:"), d)));
    Column names =
        flatten(
            transform(
                col(Comparisons.LASTS),
                l -> transform(col(Comparisons.FIRSTS), f -> concat(lit("n:"), l, lit(":"), f))));
    Column phonetic =
        flatten(
            transform(
                col(Comparisons.LAST_PHONS),
                l ->
                    transform(
                        col(Comparisons.FIRST_PHONS), f -> concat(lit("s:"), l, lit(":"), f))));
    Column place =
        flatten(
            transform(
                col(Comparisons.YEARS),
                y ->
                    flatten(
                        transform(
                            col(Comparisons.SEXES),
                            s ->
                                transform(
                                    col(Comparisons.POSTCODES),
                                    p -> concat(lit("g:"), y, lit(":"), s, lit(":"), p))))));
    Dataset<Row> keys =
        entities
            .select(
                col(ENTITY),
                openEntity().as("open"),
                explode(array_distinct(concat(dates, names, phonetic, place))).as("block"))
            .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> sizes = keys.groupBy("block").agg(count(lit(1)).as("n"));
    long skipped = sizes.where(col("n").gt(maxBlockSize)).count();
    Dataset<Row> usable =
        keys.join(
            sizes.where(col("n").between(2, maxBlockSize)).select("block"), "block", "left_semi");
    Dataset<Row> open = usable.where(col("open")).select(col("block"), col(ENTITY).as("x"));
    Dataset<Row> any = usable.select(col("block"), col(ENTITY).as("y"));
    Dataset<Row> pairs = blockPairs(open.join(any, "block"));
    // Background pairs for the model: the same blocks seen from about two thousand random
    // entities, keys or not, so that estimation sees typical non-matches beside the candidates.
    Dataset<Row> sampled =
        usable
            .select(col(ENTITY).as("x"))
            .distinct()
            .where(
                org.apache
                    .spark
                    .sql
                    .functions
                    .xxhash64(col("x"))
                    .mod(lit(1_000_000L))
                    .lt(lit(1_000_000L * Math.min(1.0, 2000.0 / Math.max(1, entityCount)))));
    Dataset<Row> background =
        usable.select(col("block"), col(ENTITY).as("x")).join(sampled, "x").join(any, "block");
    return new Blocking(pairs, blockPairs(background), skipped);
  }

  /**
   * Distinct pairs {@code a < b} from block matches, each with the passes that found it: {@code
   * by_date} (birth date or its swap), {@code by_name} (names or their phonetic forms).
   */
  private static Dataset<Row> blockPairs(Dataset<Row> matches) {
    return matches
        .where(col("x").notEqual(col("y")))
        .groupBy(least(col("x"), col("y")).as("a"), greatest(col("x"), col("y")).as("b"))
        .agg(
            max(col("block").startsWith("d:")).as("by_date"),
            max(col("block").startsWith("n:").or(col("block").startsWith("s:"))).as("by_name"));
  }

  /** An entity missing a person key: only such entities can gain a link. */
  static Column openEntity() {
    return size(col(Comparisons.NIRS)).equalTo(0).or(size(col(Comparisons.PSAS)).equalTo(0));
  }

  /**
   * The pairs' comparison levels, keeping only pairs that no person key separates: two entities
   * with different NIRs, or different insured-person keys, are two persons.
   */
  static Dataset<Row> compare(Dataset<Row> pairs, Dataset<Row> entities) {
    Dataset<Row> a = prefixed(entities, "a");
    Dataset<Row> b = prefixed(entities, "b");
    Column compatible =
        size(col("a_" + Comparisons.NIRS))
            .equalTo(0)
            .or(size(col("b_" + Comparisons.NIRS)).equalTo(0))
            .and(
                size(col("a_" + Comparisons.PSAS))
                    .equalTo(0)
                    .or(size(col("b_" + Comparisons.PSAS)).equalTo(0)));
    List<Column> out = new ArrayList<>();
    out.add(col("a"));
    out.add(col("b"));
    out.add(
        concat(
                least(col("a_" + SIGNATURE), col("b_" + SIGNATURE)),
                lit(" x "),
                greatest(col("a_" + SIGNATURE), col("b_" + SIGNATURE)))
            .as(CATEGORY));
    for (String flag : List.of("by_date", "by_name")) {
      out.add(
          java.util.Arrays.asList(pairs.columns()).contains(flag)
              ? col(flag)
              : lit(false).as(flag));
    }
    List<Column> levels = Comparisons.levels();
    for (int f = 0; f < levels.size(); f++) {
      out.add(levels.get(f).as(level(f)));
    }
    for (Comparisons.Field f : Comparisons.FIELDS) {
      if (f.frequencyFeature() != null) {
        out.add(
            array_intersect(col("a_" + f.frequencyFeature()), col("b_" + f.frequencyFeature()))
                .as("shared_" + f.name()));
      }
    }
    return pairs.join(a, "a").join(b, "b").where(compatible).select(out.toArray(new Column[0]));
  }

  private static Dataset<Row> prefixed(Dataset<Row> entities, String side) {
    List<Column> cols = new ArrayList<>();
    cols.add(col(ENTITY).as(side));
    for (String f : ENTITY_FEATURES) {
      cols.add(col(f).as(side + "_" + f));
    }
    return entities.select(cols.toArray(new Column[0]));
  }

  /** Random pairs of entities (about two thousand entities, all their pairs), to count u. */
  static Dataset<Row> randomPairs(Dataset<Row> entities, long entityCount) {
    double fraction = Math.min(1.0, 2200.0 / Math.max(1, entityCount));
    Dataset<Row> sample = entities.select(ENTITY).sample(false, fraction, 20261126L).limit(2000);
    sample = sample.localCheckpoint();
    return sample
        .select(col(ENTITY).as("a"))
        .crossJoin(sample.select(col(ENTITY).as("b")))
        .where(col("a").lt(col("b")));
  }

  /** The index of the birth date in {@link Comparisons#FIELDS}. */
  static final int BIRTH_DATE_FIELD = 0;

  /**
   * Comparison patterns and their counts, with the fields a blocking pass made agree masked (-1:
   * not evidence there): {@code masked} is a field index, -1 for none, -2 for the name fields.
   */
  private static List<FellegiSunter.Pattern> patterns(Dataset<Row> compared, int masked) {
    int n = Comparisons.FIELDS.size();
    Column[] levels = new Column[n];
    for (int f = 0; f < n; f++) {
      String name = Comparisons.FIELDS.get(f).name();
      boolean hide = f == masked || (masked == -2 && name.endsWith("_name"));
      levels[f] = hide ? lit(-1).as(level(f)) : col(level(f));
    }
    List<FellegiSunter.Pattern> out = new ArrayList<>();
    for (Row r : compared.groupBy(levels).agg(count(lit(1)).as("n")).collectAsList()) {
      int[] l = new int[n];
      for (int f = 0; f < n; f++) {
        l[f] = r.getInt(f);
      }
      out.add(new FellegiSunter.Pattern(l, r.getLong(n)));
    }
    return out;
  }

  /**
   * Record pairs that keys already link (a NIR on both sides), from different tables, compared like
   * candidates: how often true matches agree on each field. A sample of entities is enough.
   */
  static Dataset<Row> keyLinkedPairs(
      Dataset<Row> versions, Dataset<Row> profileEntity, long entityCount) {
    Dataset<Row> profiles =
        versions
            .dropDuplicates(PROFILE)
            .join(profileEntity, PROFILE)
            .where(
                org.apache
                    .spark
                    .sql
                    .functions
                    .xxhash64(col(ENTITY))
                    .mod(lit(1_000_000L))
                    .lt(lit(1_000_000L * Math.min(1.0, 20_000.0 / Math.max(1, entityCount)))))
            .where(
                col(IdentityRecords.BIRTH_DATE)
                    .isNotNull()
                    .or(col(IdentityRecords.BIRTH_YEAR).isNotNull())
                    .or(col(IdentityRecords.POSTCODE).isNotNull())
                    .or(size(col(IdentityRecords.LAST_NAMES)).gt(0))
                    .or(size(col(IdentityRecords.FIRST_NAMES)).gt(0)));
    Dataset<Row> a = asProfileSide(profiles, "a");
    Dataset<Row> b = asProfileSide(profiles, "b");
    List<Column> out = new ArrayList<>();
    List<Column> levels = Comparisons.levels();
    for (int f = 0; f < levels.size(); f++) {
      out.add(levels.get(f).as(level(f)));
    }
    return a.join(b, a.col("a_entity").equalTo(b.col("b_entity")))
        .where(col("a_t").lt(col("b_t")))
        .select(out.toArray(new Column[0]));
  }

  private static Dataset<Row> asProfileSide(Dataset<Row> profiles, String side) {
    String p = side + "_";
    return profiles.select(
        col(ENTITY).as(p + "entity"),
        concat_ws(".", col(IdentityRecords.SOURCE), col(IdentityRecords.TABLE)).as(p + "t"),
        single(IdentityRecords.NIR).as(p + Comparisons.NIRS),
        single(IdentityRecords.PSA).as(p + Comparisons.PSAS),
        single(IdentityRecords.BIRTH_DATE).as(p + Comparisons.DATES),
        single(IdentityRecords.BIRTH_DATE_DM).as(p + Comparisons.DMS),
        array_compact(array(col(IdentityRecords.BIRTH_YEAR).cast(DataTypes.StringType)))
            .as(p + Comparisons.YEARS),
        single(IdentityRecords.SEX).as(p + Comparisons.SEXES),
        single(IdentityRecords.POSTCODE).as(p + Comparisons.POSTCODES),
        single(IdentityRecords.DEPT).as(p + Comparisons.DEPTS),
        col(IdentityRecords.LAST_NAMES).as(p + Comparisons.LASTS),
        col(IdentityRecords.LAST_PHONS).as(p + Comparisons.LAST_PHONS),
        col(IdentityRecords.FIRST_NAMES).as(p + Comparisons.FIRSTS),
        col(IdentityRecords.FIRST_PHONS).as(p + Comparisons.FIRST_PHONS),
        single(IdentityRecords.RANK).as(p + Comparisons.RANKS));
  }

  private static Column single(String column) {
    return array_compact(array(col(column)));
  }

  /**
   * Each pair's match weight (log2 Bayes factor, prior included), probability and the levels that
   * decided it. Full agreement on a name, birth date or postcode is weighed by how common the
   * shared value is among entities: sharing a rare name says more than sharing a common one.
   */
  static Dataset<Row> score(
      Dataset<Row> compared,
      Dataset<Row> entities,
      long entityCount,
      FellegiSunter model,
      Map<String, Double> priors) {
    Dataset<Row> out = compared;
    Column weight = lit(log2Odds(1e-12));
    for (Map.Entry<String, Double> p : priors.entrySet()) {
      weight =
          when(col(CATEGORY).equalTo(p.getKey()), lit(log2Odds(p.getValue()))).otherwise(weight);
    }
    List<Column> rule = new ArrayList<>();
    for (int f = 0; f < Comparisons.FIELDS.size(); f++) {
      Comparisons.Field field = Comparisons.FIELDS.get(f);
      Column level = col(level(f));
      Column w = lit(0.0);
      for (int l = 0; l < field.count(); l++) {
        w = when(level.equalTo(l), lit(model.weight(f, l))).otherwise(w);
      }
      if (field.frequencyFeature() != null) {
        Dataset<Row> tf =
            entities
                .select(explode(col(field.frequencyFeature())).as("value"))
                .groupBy("value")
                .agg((count(lit(1)).divide(lit((double) Math.max(1, entityCount)))).as("tf"));
        Dataset<Row> rarest =
            out.select(col("a"), col("b"), explode(col("shared_" + field.name())).as("value"))
                .join(tf, "value")
                .groupBy("a", "b")
                .agg(min("tf").as("tf_" + field.name()));
        out = out.join(rarest, new String[] {"a", "b"}, "left");
        Column tfCol = col("tf_" + field.name());
        Column adjusted =
            lit(model.weightForFrequency(f, 1.0))
                .minus(org.apache.spark.sql.functions.log(2.0, greatest(tfCol, lit(1e-6))));
        w = when(level.equalTo(field.count() - 1).and(tfCol.isNotNull()), adjusted).otherwise(w);
      }
      weight = weight.plus(w);
      Column names = array(field.levels().stream().map(x -> lit(x)).toArray(Column[]::new));
      rule.add(
          when(level.geq(0), concat(lit(field.name() + "="), element_at(names, level.plus(1)))));
    }
    return out.withColumn("match_weight", weight)
        .withColumn(
            "match_probability",
            lit(1.0).divide(lit(1.0).plus(pow(lit(2.0), col("match_weight").multiply(-1)))))
        .withColumn("rule", concat_ws(",", rule.toArray(new Column[0])));
  }

  /** Accepted links between entities after the key-conflict rule, and what it set aside. */
  record Resolution(
      Dataset<Row> entityCluster, Dataset<Row> entityLink, long ambiguous, long conflicted) {}

  static Resolution resolve(
      Dataset<Row> accepted, Dataset<Row> entities, double margin, Consumer<String> progress) {
    Dataset<Row> edges = accepted.select(edge("a", "b", "a", "b")).localCheckpoint();
    Dataset<Row> keyed =
        entities.select(
            col(ENTITY),
            size(col(Comparisons.NIRS)).gt(0).cast(DataTypes.IntegerType).as("has_nir"),
            size(col(Comparisons.PSAS)).gt(0).cast(DataTypes.IntegerType).as("has_psa"));
    progress.accept("  probabilistic: grouping accepted pairs");
    Dataset<Row> first =
        Components.of(
            edges.select(col("a").as(Components.SRC), col("b").as(Components.DST)), 50, progress);
    Dataset<Row> conflicted =
        first
            .join(keyed, first.col(Components.NODE).equalTo(keyed.col(ENTITY)))
            .groupBy(Components.COMPONENT)
            .agg(sum("has_nir").as("nirs"), sum("has_psa").as("psas"))
            .where(col("nirs").gt(1).or(col("psas").gt(1)))
            .select(Components.COMPONENT)
            .localCheckpoint();
    long conflictedCount = conflicted.count();
    Dataset<Row> withComponent =
        edges.join(first.select(col(Components.NODE).as("a"), col(Components.COMPONENT)), "a");
    Dataset<Row> clean = withComponent.join(conflicted, Components.COMPONENT, "left_anti");
    // In a group that would join persons keys tell apart, each keyless entity joins its best
    // match only, and only when it beats the next one by the margin.
    Dataset<Row> disputed = withComponent.join(conflicted, Components.COMPONENT, "left_semi");
    Dataset<Row> directed =
        disputed
            .select(edge("a", "b", "x", "y"))
            .union(disputed.select(edge("b", "a", "x", "y")))
            .join(
                keyed
                    .where(col("has_nir").equalTo(0).and(col("has_psa").equalTo(0)))
                    .select(col(ENTITY).as("x")),
                "x");
    Dataset<Row> ranked =
        directed
            .withColumn(
                "rank",
                row_number()
                    .over(Window.partitionBy("x").orderBy(col("match_weight").desc(), col("y"))))
            .where(col("rank").leq(2));
    Dataset<Row> best = ranked.where(col("rank").equalTo(1));
    Dataset<Row> second =
        ranked.where(col("rank").equalTo(2)).select(col("x"), col("match_weight").as("second"));
    Dataset<Row> decided =
        best.join(second, new String[] {"x"}, "left")
            .withColumn(
                "clear",
                col("second").isNull().or(col("match_weight").minus(col("second")).geq(margin)))
            .localCheckpoint();
    long ambiguous = decided.where(col("clear").equalTo(false)).count();
    Dataset<Row> kept =
        clean
            .select(edge("a", "b", "a", "b"))
            .union(decided.where(col("clear")).select(edge("x", "y", "a", "b")))
            .localCheckpoint();
    Dataset<Row> finalLabels =
        Components.of(
            kept.select(col("a").as(Components.SRC), col("b").as(Components.DST)), 50, progress);
    Dataset<Row> entityCluster =
        entities
            .select(col(ENTITY))
            .join(finalLabels, col(ENTITY).equalTo(finalLabels.col(Components.NODE)), "left")
            .select(col(ENTITY), coalesce(col(Components.COMPONENT), col(ENTITY)).as(CLUSTER));
    // Each linked entity's best kept link: what the index reports for its records.
    Column link = struct(col("match_weight"), col("match_probability"), col("rule")).as("link");
    Dataset<Row> entityLink =
        kept.select(col("a").as(ENTITY), link)
            .union(kept.select(col("b").as(ENTITY), link))
            .groupBy(ENTITY)
            .agg(max("link").as("link"));
    return new Resolution(entityCluster, entityLink, ambiguous, conflictedCount);
  }

  /** A scored edge's columns, its two ends renamed. */
  private static Column[] edge(String from, String to, String asFrom, String asTo) {
    return new Column[] {
      col(from).as(asFrom),
      col(to).as(asTo),
      col("match_weight"),
      col("match_probability"),
      col("rule")
    };
  }

  /**
   * Every record with its cluster and how it was linked: {@code probabilistic} for an entity joined
   * to its cluster by a match (all but the cluster's anchor, the entity with keys and most records,
   * unless the anchor is a lone record), {@code deterministic} for records sharing a key with
   * another, {@code singleton} for the rest.
   */
  static Dataset<Row> linkedRecords(
      Dataset<Row> records, Dataset<Row> profileEntity, Resolution resolution) {
    Dataset<Row> base =
        records
            .join(profileEntity, PROFILE)
            .join(resolution.entityCluster(), ENTITY)
            .join(resolution.entityLink(), new String[] {ENTITY}, "left");
    Dataset<Row> entitySize =
        base.groupBy(ENTITY)
            .agg(
                count(lit(1)).as("entity_records"),
                max(col(IdentityRecords.NIR)
                        .isNotNull()
                        .or(col(IdentityRecords.PSA).isNotNull())
                        .cast(DataTypes.IntegerType))
                    .as("entity_keyed"));
    Dataset<Row> withSize = base.join(entitySize, ENTITY);
    Dataset<Row> anchors =
        withSize
            .select(col(CLUSTER), col(ENTITY), col("entity_records"), col("entity_keyed"))
            .distinct()
            .withColumn(
                "r",
                row_number()
                    .over(
                        Window.partitionBy(CLUSTER)
                            .orderBy(
                                col("entity_keyed").desc(),
                                col("entity_records").desc(),
                                col(ENTITY))))
            .where(col("r").equalTo(1))
            .select(col(CLUSTER), col(ENTITY).as("anchor"));
    Column linkedByMatch =
        col("link")
            .isNotNull()
            .and(col(ENTITY).notEqual(col("anchor")).or(col("entity_records").equalTo(1)));
    Column keys = col(IdentityRecords.KEYS);
    Column rule =
        concat_ws(
            "+",
            when(col(IdentityRecords.NIR).isNotNull(), lit("nir")),
            when(col(IdentityRecords.PSA).isNotNull(), lit("nir_psa+birth_rank")),
            when(exists(keys, k -> k.startsWith("l:")), lit("local_id")),
            when(exists(keys, k -> k.startsWith("r:")), lit("person_of")));
    return withSize
        .join(anchors, CLUSTER)
        .select(
            col(IdentityRecords.SOURCE),
            col(IdentityRecords.TABLE),
            col(IdentityRecords.RECORD_KEY),
            col(IdentityRecords.BATCH),
            col(CLUSTER),
            col(IdentityRecords.NIR),
            col(IdentityRecords.PSA),
            when(linkedByMatch, lit("probabilistic"))
                .when(col("entity_records").gt(1), lit("deterministic"))
                .otherwise(lit("singleton"))
                .as("method"),
            when(linkedByMatch, col("link.match_weight")).as("match_weight"),
            when(linkedByMatch, col("link.match_probability")).as("match_probability"),
            when(linkedByMatch, col("link.rule"))
                .when(col("entity_records").gt(1), rule)
                .as("rule"));
  }

  /** A record's unique name: source, table and record key. */
  static Column recordName() {
    return concat_ws(
        "/",
        col(IdentityRecords.SOURCE),
        col(IdentityRecords.TABLE),
        col(IdentityRecords.RECORD_KEY));
  }

  private static Dataset<Row> emptyFrame(SparkSession spark, String... names) {
    StructType schema = new StructType();
    for (String n : names) {
      schema = schema.add(n, DataTypes.StringType);
    }
    return spark.createDataFrame(List.<Row>of(), schema);
  }

  private static Map<String, Object> withPrior(
      Map<String, Object> model, Map<String, Double> priors) {
    model.put("prior_match_probability", new java.util.TreeMap<>(priors));
    return model;
  }

  /**
   * Per category of pair (the two sides' source sets), the expected matches among its candidates
   * (their posterior under the model) over the pairs blocking chose from: open entities of one side
   * times all entities of the other.
   */
  static Map<String, Double> priors(
      Dataset<Row> entities, Dataset<Row> compared, FellegiSunter model) {
    Map<String, long[]> sides = new java.util.HashMap<>();
    for (Row r :
        entities
            .groupBy(SIGNATURE)
            .agg(count(lit(1)), sum(openEntity().cast(DataTypes.LongType)))
            .collectAsList()) {
      sides.put(r.getString(0), new long[] {r.getLong(1), r.isNullAt(2) ? 0 : r.getLong(2)});
    }
    int n = Comparisons.FIELDS.size();
    Column[] groups = new Column[n + 1];
    groups[0] = col(CATEGORY);
    for (int f = 0; f < n; f++) {
      groups[f + 1] = col(level(f));
    }
    Map<String, Double> expected = new java.util.HashMap<>();
    for (Row r : compared.groupBy(groups).agg(count(lit(1))).collectAsList()) {
      int[] levels = new int[n];
      for (int f = 0; f < n; f++) {
        levels[f] = r.getInt(f + 1);
      }
      expected.merge(r.getString(0), model.posterior(levels) * r.getLong(n + 1), Double::sum);
    }
    Map<String, Double> priors = new java.util.HashMap<>();
    for (Map.Entry<String, Double> e : expected.entrySet()) {
      String[] st = e.getKey().split(" x ", 2);
      long[] s1 = sides.getOrDefault(st[0], new long[2]);
      long[] s2 = sides.getOrDefault(st[1], new long[2]);
      double space =
          st[0].equals(st[1])
              ? s1[1] * (double) s1[0]
              : s1[1] * (double) s2[0] + s2[1] * (double) s1[0];
      priors.put(e.getKey(), Math.min(0.5, Math.max(1e-12, e.getValue() / Math.max(1.0, space))));
    }
    return priors;
  }

  private static double log2Odds(double p) {
    return Math.log(p / (1 - p)) / Math.log(2);
  }

  static String level(int field) {
    return "level_" + Comparisons.FIELDS.get(field).name();
  }

  private static List<String> fieldNames() {
    return Comparisons.FIELDS.stream().map(Comparisons.Field::name).toList();
  }

  private static int[] levelCounts() {
    return Comparisons.FIELDS.stream().mapToInt(Comparisons.Field::count).toArray();
  }

  private static List<List<String>> levelNames() {
    return Comparisons.FIELDS.stream().map(Comparisons.Field::levels).toList();
  }
}
