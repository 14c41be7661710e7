package org.trame.jobs.generate;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.trame.jobs.cli.CommandException;
import org.trame.jobs.spark.HadoopConf;
import org.trame.jobs.spark.HadoopFolders;

/**
 * {@code trame generate}: a synthetic population and its care, written as the sources deliver it
 * ({@code landing/<source>/<batch>/<table>.csv.gz}, one batch per month) with the truth beside it
 * ({@code truth/}): who each record really belongs to and which defects were injected.
 *
 * <p>A Spark job: each task generates a range of households and writes its share of every file as
 * gzip members; the driver then puts each file together (header, then the members in partition
 * order) without decompressing. The partition count depends only on the arguments, so the same
 * arguments give byte-identical files on any cluster.
 */
public final class GenerateJob {
  /** Households per partition: a fixed number, so that output bytes never depend on the cluster. */
  static final int HOUSEHOLDS_PER_PARTITION = 20_000;

  private static final String PERSONS = "persons.csv.gz";
  private static final String PERSONS_HEADER =
      "person_id;household;sex;birth_date;insured_person;birth_rank;conditions;eds_patient;death_date";
  private static final String RECORDS_HEADER = "batch;record_key;person_id;defects";

  private GenerateJob() {}

  /** What to generate. */
  public record Request(
      String out,
      long persons,
      int months,
      YearMonth start,
      long seed,
      double defects,
      boolean overwrite)
      implements java.io.Serializable {
    public Request {
      if (persons < 1 || persons > 3_000_000_000L) {
        throw CommandException.usage(
            "Cannot generate: --persons must be between 1 and 3e9, got " + persons);
      }
      if (months < 1 || months > 240) {
        throw CommandException.usage(
            "Cannot generate: --months must be between 1 and 240, got " + months);
      }
      if (defects < 0 || defects > 0.5) {
        throw CommandException.usage(
            "Cannot generate: --defects must be a rate between 0 and 0.5, got " + defects);
      }
    }
  }

  /** One file written, with its data lines (header excluded) and size. */
  public record FileStat(String path, long lines, long bytes) {}

  /** What was written. */
  public record Result(List<FileStat> files, List<String> batches, double seconds) {}

  public static Result run(SparkSession spark, Request request, Consumer<String> progress) {
    long started = System.nanoTime();
    CareCatalog catalog = CareCatalog.load();
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    String staging = request.out() + "/_generate_staging";
    prepare(hadoop, request);
    long households = (request.persons() + 2) / 3;
    int partitions =
        (int) Math.max(1, (households + HOUSEHOLDS_PER_PARTITION - 1) / HOUSEHOLDS_PER_PARTITION);
    progress.accept(
        String.format(
            "Generating %,d persons over %d months from %s (seed %d, defects %.1f%%) in %d partitions",
            request.persons(),
            request.months(),
            request.start(),
            request.seed(),
            request.defects() * 100,
            partitions));

    HadoopConf conf = new HadoopConf(hadoop);
    AtomicInteger done = new AtomicInteger();
    SparkListener listener =
        new SparkListener() {
          @Override
          public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
            if (taskEnd.taskInfo().successful()) {
              progress.accept(
                  String.format("  partitions done: %d/%d", done.incrementAndGet(), partitions));
            }
          }
        };
    spark.sparkContext().addSparkListener(listener);
    Map<String, Long> lines = new HashMap<>();
    try {
      JavaRDD<Long> ids = spark.range(0, households, 1, partitions).javaRDD();
      List<Map<String, Long>> counts =
          ids.mapPartitionsWithIndex(
                  (index, it) ->
                      List.of(generatePartition(index, it, request, catalog, conf, staging))
                          .iterator(),
                  false)
              .collect();
      counts.forEach(c -> c.forEach((k, v) -> lines.merge(k, v, Long::sum)));
    } finally {
      spark.sparkContext().removeSparkListener(listener);
    }

    progress.accept("Putting the files together");
    List<String> batches = new ArrayList<>();
    for (int m = 0; m < request.months(); m++) {
      batches.add(request.start().plusMonths(m).toString());
    }
    List<FileStat> files = new ArrayList<>();
    for (String batch : batches) {
      for (LandingTable t : LandingTable.values()) {
        String name = PartWriter.landingFile(t, batch);
        if (t == LandingTable.IR_PHA_R) {
          files.add(writeReference(hadoop, request.out() + "/" + name, catalog));
        } else {
          files.add(
              assemble(
                  hadoop,
                  staging + "/" + name,
                  request.out() + "/" + name,
                  t.header(),
                  t.charset(),
                  lines.getOrDefault(name, 0L)));
        }
      }
    }
    for (LandingTable t : LandingTable.values()) {
      if (t != LandingTable.IR_PHA_R) {
        String name = PartWriter.TRUTH + t.truthFile();
        files.add(
            assemble(
                hadoop,
                staging + "/" + name,
                request.out() + "/" + name,
                RECORDS_HEADER,
                StandardCharsets.UTF_8,
                lines.getOrDefault(name, 0L)));
      }
    }
    String persons = PartWriter.TRUTH + PERSONS;
    files.add(
        assemble(
            hadoop,
            staging + "/" + persons,
            request.out() + "/" + persons,
            PERSONS_HEADER,
            StandardCharsets.UTF_8,
            lines.getOrDefault(persons, 0L)));
    HadoopFolders.delete(hadoop, staging);
    return new Result(files, batches, (System.nanoTime() - started) / 1e9);
  }

  private static Map<String, Long> generatePartition(
      int index,
      java.util.Iterator<Long> households,
      Request request,
      CareCatalog catalog,
      HadoopConf conf,
      String staging)
      throws IOException {
    YearMonth start = request.start();
    Population population =
        new Population(
            request.seed(), catalog, start.atDay(1), start.plusMonths(request.months()).atDay(1));
    CareEvents care =
        new CareEvents(catalog, new Defects(request.defects()), request.seed(), start);
    try (PartWriter writer = new PartWriter(conf.get(), staging, index)) {
      while (households.hasNext()) {
        long h = households.next();
        for (Person p : population.household(h, request.persons())) {
          writer.truth(PERSONS, personLine(p, catalog));
          for (int m = 0; m < request.months(); m++) {
            care.generate(p, m, writer);
          }
        }
      }
      return new HashMap<>(writer.lines());
    }
  }

  private static String personLine(Person p, CareCatalog catalog) {
    List<String> conditions = new ArrayList<>();
    for (int i = 0; i < catalog.conditions().size(); i++) {
      if (p.has(i)) {
        conditions.add(catalog.conditions().get(i).name());
      }
    }
    String insured = p.insuredNir().equals(p.nir()) ? p.truthId() : "P" + 3 * p.household();
    return Csv.line(
        p.truthId(),
        Long.toString(p.household()),
        Integer.toString(p.sex()),
        p.birth().toString(),
        insured,
        Integer.toString(p.birthRank()),
        String.join(",", conditions),
        Boolean.toString(p.edsPatient()),
        p.death() == null ? "" : p.death().toString());
  }

  private static void prepare(Configuration hadoop, Request request) {
    try {
      Path out = new Path(request.out());
      FileSystem fs = out.getFileSystem(hadoop);
      for (String sub : new String[] {"landing", "truth", "_generate_staging"}) {
        Path p = new Path(out, sub);
        if (fs.exists(p)) {
          if (!request.overwrite() && !sub.startsWith("_")) {
            throw CommandException.usage(
                "Cannot generate into "
                    + request.out()
                    + ": "
                    + p
                    + " already exists; pass --overwrite to replace it");
          }
          fs.delete(p, true);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot prepare " + request.out(), e);
    }
  }

  /** Header member, then every part's gzip members in partition order, byte for byte. */
  private static FileStat assemble(
      Configuration hadoop,
      String partsFolder,
      String target,
      String header,
      Charset charset,
      long lines) {
    try {
      Path folder = new Path(partsFolder);
      FileSystem fs = folder.getFileSystem(hadoop);
      Path out = new Path(target);
      FileSystem outFs = out.getFileSystem(hadoop);
      outFs.setWriteChecksum(false);
      try (OutputStream o = outFs.create(out, true)) {
        o.write(gzip(header + "\n", charset));
        if (fs.exists(folder)) {
          FileStatus[] parts = fs.listStatus(folder, p -> p.getName().startsWith("part-"));
          Arrays.sort(parts, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
          for (FileStatus part : parts) {
            try (InputStream in = fs.open(part.getPath())) {
              in.transferTo(o);
            }
          }
        }
      }
      return new FileStat(target, lines, outFs.getFileStatus(out).getLen());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + target, e);
    }
  }

  /** The drug reference (CIP13 → ATC class, unit price), delivered with every DCIR batch. */
  private static FileStat writeReference(Configuration hadoop, String target, CareCatalog catalog) {
    StringBuilder b = new StringBuilder(LandingTable.IR_PHA_R.header()).append('\n');
    List<String> classes = new ArrayList<>(catalog.acute().drugs());
    catalog.conditions().forEach(c -> classes.addAll(c.drugs()));
    long n = 0;
    for (String atc : classes.stream().distinct().sorted().toList()) {
      for (int k = 0; k < catalog.drugPacksPerClass(); k++) {
        b.append(
                Csv.line(
                    CareCatalog.cip13(atc, k),
                    atc,
                    String.format(java.util.Locale.ROOT, "%.2f", catalog.price(atc, k))))
            .append('\n');
        n++;
      }
    }
    try {
      Path out = new Path(target);
      FileSystem fs = out.getFileSystem(hadoop);
      fs.setWriteChecksum(false);
      try (OutputStream o = fs.create(out, true)) {
        o.write(gzip(b.toString(), StandardCharsets.UTF_8));
      }
      return new FileStat(target, n, fs.getFileStatus(out).getLen());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + target, e);
    }
  }

  private static byte[] gzip(String text, Charset charset) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (Writer w = new OutputStreamWriter(new GZIPOutputStream(bytes), charset)) {
      w.write(text);
    }
    return bytes.toByteArray();
  }
}
