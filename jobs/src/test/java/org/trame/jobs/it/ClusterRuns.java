package org.trame.jobs.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.sql.SparkSession;
import org.trame.jobs.cli.Main;

/**
 * The demo's pipeline (ingest every source, link, extract {@code diabetes_care}) run again on its
 * landing files and keys, changing only {@code trame.yaml}: on a real standalone cluster (a master
 * and two workers on 127.0.0.1, executors in JVMs of their own, authentication and encryption on)
 * with every root on a real HDFS cluster, and on the same cluster with every root on a real
 * S3-compatible server through Hadoop's S3A connector. Both extracts must equal the demo's (run on
 * embedded Spark over local files, with Spark's code generation; the cluster runs evaluate
 * expressions interpreted) byte for byte.
 *
 * <p>The two runs go at once, as two drivers' worth of commands in this JVM's one Spark
 * application, and one executor is killed (SIGKILL) during the HDFS run's first ingest: Spark
 * reruns its tasks elsewhere and the results do not change. The driver is this JVM; the executors
 * get no keystore, password or Trame configuration, so anything that only works inside the driver's
 * JVM fails here.
 */
final class ClusterRuns implements AutoCloseable {
  private static final String PROJECT = "diabetes_care";
  private static final String[] SOURCES = {"dcir", "pmsi_mco", "hospital_eds"};

  /** Threads of their own for the runs and the killer (the common pool has one on 2 cores). */
  static final java.util.concurrent.ExecutorService THREADS =
      java.util.concurrent.Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "cluster-runs");
            t.setDaemon(true);
            return t;
          });

  private final Path dir;
  private final StringBuffer transcript = new StringBuffer();
  private final String clusterSecret;
  private Path work;
  private volatile StandaloneCluster cluster;
  private volatile MiniDFSCluster hdfs;
  private volatile S3Server s3;

  private ClusterRuns(Path dir) {
    this.dir = dir;
    byte[] secret = new byte[16];
    new SecureRandom().nextBytes(secret);
    this.clusterSecret = HexFormat.of().formatHex(secret);
  }

  /**
   * Runs under {@code dir}; the cluster, HDFS and the S3 server start with the runs. (Started in
   * the background during the demo, they slowed it by more than they took: 2 cores.)
   */
  static ClusterRuns under(Path dir) {
    return new ClusterRuns(dir);
  }

  private void startServers() throws Exception {
    long start = System.nanoTime();
    cluster =
        StandaloneCluster.start(Files.createDirectories(dir.resolve("spark")), 2, clusterSecret);
    hdfs = startHdfs();
    s3 = S3Server.start(Files.createDirectories(dir.resolve("s3")), "trame");
    System.out.printf(
        "[it] %6.1f s  cluster, HDFS and S3 servers started%n", (System.nanoTime() - start) / 1e9);
  }

  /**
   * Runs both pipelines on the demo's landing and keys in {@code work} (run from {@code dir}), and
   * checks them against the demo's extract.
   *
   * @return everything the commands printed, for the leak scans
   */
  String checkAgainstTheDemo(Path work) throws Exception {
    this.work = work;
    Path demoExtract = ExtractChecks.onlyExtract(work.resolve("extracts").resolve(PROJECT));
    String demoUri = demoExtract.toUri().toString();
    Map<String, String> reference = parquetChecksums(demoUri, new Configuration());
    String referenceSummary = summary(demoUri, new Configuration());
    assertThat(reference).isNotEmpty();
    assertThat(referenceSummary).as("the demo's extract has persons").doesNotContain("persons=0 ");
    startServers();

    String hdfsRoot = "hdfs://127.0.0.1:" + hdfs.getNameNodePort() + "/trame";
    copyLanding(hdfsRoot, hdfs.getConfiguration(0));
    writeConfig("conf-hdfs", hdfsRoot, clusterSettings());

    String s3Root = "s3a://trame";
    Configuration s3Conf = new Configuration();
    s3.sparkSettings().forEach((k, v) -> s3Conf.set(k.substring("spark.hadoop.".length()), v));
    copyLanding(s3Root, s3Conf);
    Map<String, String> s3Settings = new TreeMap<>(clusterSettings());
    s3Settings.putAll(s3.sparkSettings());
    writeConfig("conf-s3", s3Root, s3Settings);

    ExecutorKiller killer = new ExecutorKiller(cluster);
    CompletableFuture<String> onHdfs =
        CompletableFuture.supplyAsync(() -> pipeline("conf-hdfs", hdfsRoot, killer), THREADS);
    // The second starts once the first made the application, which both then share.
    while (SparkSession.getDefaultSession().isEmpty() && !onHdfs.isDone()) {
      Thread.sleep(100);
    }
    CompletableFuture<String> onS3 =
        CompletableFuture.supplyAsync(() -> pipeline("conf-s3", s3Root, null), THREADS);
    String hdfsExtract = onHdfs.join();
    String s3Extract = onS3.join();
    assertThat(killer.killed.get())
        .as("an executor was killed during the ingest of dcir on HDFS")
        .isNotNull();
    assertThat(killer.removed.get())
        .as("executors the driver saw lost (killed: %s)", killer.killed.get())
        .isPositive();
    assertThat(killer.tasksOnExecutors.get()).as("tasks run by the executors").isGreaterThan(100);

    Configuration hadoop = SparkSession.active().sparkContext().hadoopConfiguration();
    assertThat(parquetChecksums(hdfsExtract, hadoop)).as("HDFS extract").isEqualTo(reference);
    assertThat(summary(hdfsExtract, hadoop)).isEqualTo(referenceSummary);
    assertThat(parquetChecksums(s3Extract, hadoop)).as("S3 extract").isEqualTo(reference);
    assertThat(summary(s3Extract, hadoop)).isEqualTo(referenceSummary);
    // The objects really are in the server's bucket, Delta log included.
    assertThat(dir.resolve("s3/data/trame/warehouse/sources/dcir/ER_PRS_F/_delta_log"))
        .isDirectory();
    // The operator's views of those warehouses: the link report (for ReportChecks) from S3, the
    // status from HDFS.
    String report = ok("conf-s3", "link", "--report", "--json", "--html", "reports/link.html");
    assertThat(report).startsWith("{").contains("\"by_source\"").contains("\"model\"");
    assertThat(ok("conf-hdfs", "status"))
        .contains("keys extract-v1, link-v1")
        .containsPattern("2023-01 +ingested +run \\S+: [0-9,]+ rows, [0-9,]+ accepted")
        .contains("pseudonyms under link key link-v1")
        .containsPattern("Last link: \\S+ succeeded")
        .contains(PROJECT + ": 1 made");
    // The researcher's CSV copy, checked against the demo's extract by ReportChecks.
    ok("conf-s3", "export", "--project", PROJECT, "--out", "csv");

    // A second project (written by ExtractChecks) from S3 with --verbose: the driver's Spark log,
    // captured here, joins the output that DemoIT scans, as does the application's event log.
    String verbose =
        withDriverLog(() -> ok("conf-s3", "--verbose", "extract", "--project", "ht_suppress"));
    assertThat(verbose).as("--verbose shows Spark's log").contains(" INFO ");
    transcript.append(verbose).append('\n');
    ExtractChecks.secondProject(
        ExtractChecks.onlyExtract(dir.resolve("s3/data/trame/extracts/ht_suppress")),
        work,
        dir.resolve("s3/data/trame/warehouse/linkage/person_index"));
    // The event log is complete once the application stops.
    SparkSession.getDefaultSession().foreach(ClusterRuns::stop);
    // Neither the S3 secret key nor the cluster's shared secret is printed by any command, logged
    // by the driver (with --verbose) or any executor, or written to the event log.
    StringBuilder printed =
        new StringBuilder(transcript).append(ParquetText.readAll(dir.resolve("eventlog")));
    try (Stream<Path> logs = Files.walk(dir.resolve("spark"))) {
      for (Path log :
          (Iterable<Path>)
              logs.filter(p -> p.getFileName().toString().matches("stdout|stderr"))::iterator) {
        printed.append(Files.readString(log, StandardCharsets.ISO_8859_1));
      }
    }
    // (Booleans, so that a failure never prints a secret.)
    assertThat(printed.toString().contains(s3.secretKey()))
        .as("the S3 secret key appears in the output, a log or the event log")
        .isFalse();
    assertThat(printed.toString().contains(clusterSecret))
        .as("the cluster's secret appears in the output, a log or the event log")
        .isFalse();

    return transcript.toString();
  }

  /** Stops the application, the cluster and both servers. */
  @Override
  public void close() {
    SparkSession.getDefaultSession().foreach(ClusterRuns::stop);
    if (cluster != null) {
      cluster.close();
    }
    if (hdfs != null) {
      hdfs.shutdown();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  /** Runs {@code command}, returning what the driver logged meanwhile (at any level it logs). */
  private static String withDriverLog(Runnable command) {
    org.apache.logging.log4j.core.LoggerContext context =
        (org.apache.logging.log4j.core.LoggerContext)
            org.apache.logging.log4j.LogManager.getContext(false);
    StringWriter log = new StringWriter();
    org.apache.logging.log4j.core.appender.WriterAppender appender =
        org.apache.logging.log4j.core.appender.WriterAppender.newBuilder()
            .setName("cluster-runs-capture")
            .setTarget(log)
            .setLayout(
                org.apache.logging.log4j.core.layout.PatternLayout.newBuilder()
                    .withPattern("%d %p %c: %m%n")
                    .build())
            .build();
    appender.start();
    context.getRootLogger().addAppender(appender);
    try {
      command.run();
    } finally {
      context.getRootLogger().removeAppender(appender);
      appender.stop();
      org.apache.logging.log4j.core.config.Configurator.setRootLevel(
          org.apache.logging.log4j.Level.WARN);
    }
    return log.toString();
  }

  private static Object stop(SparkSession s) {
    s.stop();
    return null;
  }

  private MiniDFSCluster startHdfs() throws Exception {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
    for (String key :
        List.of(
            "dfs.namenode.http-address",
            "dfs.datanode.address",
            "dfs.datanode.http.address",
            "dfs.datanode.ipc.address")) {
      conf.set(key, "127.0.0.1:0");
    }
    MiniDFSCluster hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).format(true).build();
    hdfs.waitActive();
    return hdfs;
  }

  /** Copies the demo's landing files to {@code root/landing}, as a partner would deliver them. */
  private void copyLanding(String root, Configuration conf) throws Exception {
    FileSystem fs = FileSystem.get(URI.create(root + "/"), conf);
    fs.copyFromLocalFile(
        false,
        true,
        new org.apache.hadoop.fs.Path(work.resolve("landing").toUri()),
        new org.apache.hadoop.fs.Path(root + "/landing"));
  }

  /**
   * What a cluster run adds to trame.yaml: the application jar, executor size and the security
   * settings the README recommends (authentication, RPC and local I/O encryption).
   */
  private Map<String, String> clusterSettings() throws java.io.IOException {
    Files.createDirectories(dir.resolve("eventlog"));
    String jar = System.getProperty("trame.cluster.jar");
    assertThat(jar).as("trame-cluster.jar, built by mvn package").isNotNull();
    assertThat(Path.of(jar)).exists();
    Map<String, String> s = new TreeMap<>();
    s.put("spark.jars", jar);
    s.put("spark.executor.memory", "512m");
    s.put("spark.cores.max", "2");
    s.put("spark.authenticate", "true");
    s.put("spark.authenticate.secret", clusterSecret);
    s.put("spark.network.crypto.enabled", "true");
    s.put("spark.io.encryption.enabled", "true");
    // Spark's event log, plain JSON, which DemoIT scans for secrets.
    s.put("spark.eventLog.enabled", "true");
    s.put("spark.eventLog.compress", "false");
    s.put("spark.eventLog.dir", dir.resolve("eventlog").toUri().toString());
    // For this test's tiny tasks on one host: no waiting for a busy executor that holds a
    // task's input; executors that live a few minutes compile with C1 only, and collect with
    // the parallel collector, as the test JVMs do (less CPU on 2 cores than G1).
    s.put("spark.locality.wait", "0");
    s.put("spark.executor.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseParallelGC");
    // No codegen setting: Trame chooses, and on these small inputs interprets (DemoIT checks).
    return s;
  }

  /** A configuration folder beside the demo's: its sources and projects, roots under root. */
  private void writeConfig(String name, String root, Map<String, String> settings)
      throws Exception {
    Path conf = work.resolve(name);
    for (String sub : List.of("sources", "projects")) {
      Files.createDirectories(conf.resolve(sub));
      try (Stream<Path> files = Files.list(work.resolve("conf").resolve(sub))) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.copy(f, conf.resolve(sub).resolve(f.getFileName()));
        }
      }
    }
    StringBuilder yaml = new StringBuilder();
    yaml.append("# The demo's pipeline again, from DemoIT: only this file differs.\n");
    yaml.append("landing: ").append(root).append("/landing\n");
    yaml.append("warehouse: ").append(root).append("/warehouse\n");
    yaml.append("extracts: ").append(root).append("/extracts\n");
    yaml.append("spark:\n  master: ").append(cluster.masterUrl()).append('\n');
    yaml.append("  settings:\n");
    settings.forEach(
        (k, v) -> yaml.append("    ").append(k).append(": \"").append(v).append("\"\n"));
    yaml.append("keys:\n  keystore: ").append(work.resolve("keys/dev-keystore.p12")).append('\n');
    yaml.append("  password_file: ")
        .append(work.resolve("keys/dev-keystore.password"))
        .append('\n');
    Files.writeString(conf.resolve("trame.yaml"), yaml.toString());
  }

  /**
   * Ingests every source, links and extracts the project; returns the extract's folder. With a
   * killer, one executor is killed during the first ingest.
   */
  private String pipeline(String conf, String root, ExecutorKiller killer) {
    try {
      for (String source : SOURCES) {
        boolean kill = killer != null && source.equals(SOURCES[0]);
        if (kill) {
          killer.arm();
        }
        ok(conf, "ingest", "--source", source, "--all-pending");
        if (kill) {
          killer.disarm();
        }
      }
      ok(conf, "link");
      String out = ok(conf, "extract", "--project", PROJECT, "--json");
      JsonNode result = new ObjectMapper().readTree(out.lines().reduce((a, b) -> b).orElseThrow());
      String folder = result.get("folder").asText();
      assertThat(folder).startsWith(root + "/extracts/" + PROJECT + "/");
      return folder;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private String ok(String conf, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    long start = System.nanoTime();
    List<String> all = new ArrayList<>(List.of("--conf", "work/" + conf));
    all.addAll(List.of(args));
    int code =
        Main.run(
            all.toArray(String[]::new),
            Map.of(),
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            dir);
    transcript.append(out).append('\n').append(err).append('\n');
    System.out.printf(
        "[it] %6.1f s  trame %s%n", (System.nanoTime() - start) / 1e9, String.join(" ", all));
    assertThat(code)
        .as("trame %s\n%s\n%s\n%s", String.join(" ", all), out, err, cluster.logTails())
        .isZero();
    return out.toString();
  }

  /** The SHA-256 of every Parquet file the extract's manifest lists, by path in the extract. */
  private static Map<String, String> parquetChecksums(String extract, Configuration conf)
      throws Exception {
    Map<String, String> out = new TreeMap<>();
    for (JsonNode f : manifest(extract, conf).get("files")) {
      if (f.get("path").asText().endsWith(".parquet")) {
        out.put(f.get("path").asText(), f.get("sha256").asText());
      }
    }
    return out;
  }

  /** Persons, and rows and persons per table, from the extract's manifest. */
  private static String summary(String extract, Configuration conf) throws Exception {
    JsonNode manifest = manifest(extract, conf);
    return "persons=" + manifest.get("persons") + " tables=" + manifest.get("tables");
  }

  private static JsonNode manifest(String extract, Configuration conf) throws Exception {
    org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(extract + "/manifest.json");
    try (InputStream in = file.getFileSystem(conf).open(file)) {
      return new ObjectMapper().readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /**
   * Kills one executor JVM (SIGKILL) once tasks of the armed command have run for a while, and
   * counts the executors the driver then sees removed.
   */
  private static final class ExecutorKiller extends SparkListener {
    private final StandaloneCluster cluster;
    final AtomicReference<String> killed = new AtomicReference<>();
    final AtomicInteger removed = new AtomicInteger();
    final AtomicInteger tasksOnExecutors = new AtomicInteger();
    private volatile CompletableFuture<Void> watch;
    private volatile boolean armed;

    ExecutorKiller(StandaloneCluster cluster) {
      this.cluster = cluster;
    }

    void arm() {
      armed = true;
      watch = CompletableFuture.runAsync(this::killWhenTasksRun, THREADS);
    }

    void disarm() throws Exception {
      armed = false;
      watch.get();
    }

    private void killWhenTasksRun() {
      boolean listening = false;
      long tasksSeenAt = 0;
      while (armed && killed.get() == null) {
        var session = SparkSession.getDefaultSession();
        if (session.isDefined()) {
          var context = session.get().sparkContext();
          if (!listening) {
            context.addSparkListener(this);
            listening = true;
          }
          boolean running = false;
          for (int stage : context.statusTracker().getActiveStageIds()) {
            var info = context.statusTracker().getStageInfo(stage);
            running |= info.isDefined() && info.get().numActiveTasks() > 0;
          }
          if (running && tasksSeenAt == 0) {
            tasksSeenAt = System.nanoTime();
          }
          // Well into the ingest, past its first stages, while tasks run.
          if (running && System.nanoTime() - tasksSeenAt > 1_500_000_000L) {
            Map<String, ProcessHandle> executors = cluster.executors();
            if (!executors.isEmpty()) {
              Map.Entry<String, ProcessHandle> victim = executors.entrySet().iterator().next();
              victim.getValue().destroyForcibly();
              killed.set("executor " + victim.getKey());
              System.out.println("[it] killed executor " + victim.getKey() + " during an ingest");
            }
          }
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved removedExecutor) {
      removed.incrementAndGet();
    }

    @Override
    public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd task) {
      if (!"driver".equals(task.taskInfo().executorId())) {
        tasksOnExecutors.incrementAndGet();
      }
    }
  }
}
