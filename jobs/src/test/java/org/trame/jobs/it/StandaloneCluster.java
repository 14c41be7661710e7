package org.trame.jobs.it;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A real Spark standalone cluster on 127.0.0.1: a master and workers, each its own JVM started from
 * the Maven classpath, whose executors are JVMs of their own too.
 *
 * <p>The workers build their executors' classpath from a Spark home made here: {@code jars/} holds
 * links to what a Spark distribution ships (the test classpath without Trame, Delta and the test
 * libraries), so that Trame's classes reach executors only the way they do on any cluster: in the
 * application jar the driver ships.
 */
final class StandaloneCluster implements AutoCloseable {
  /** Jars of the test classpath a Spark distribution does not ship. */
  private static final List<String> NOT_IN_SPARK =
      List.of(
          "/io/delta/",
          "/org/trame/",
          "/trame-",
          "/info/picocli/",
          "/org/junit/",
          "/junit/",
          "/org/opentest4j/",
          "/org/apiguardian/",
          "/org/assertj/",
          "/com/tngtech/",
          "/org/duckdb/",
          "hadoop-client-minicluster",
          "jackson-dataformat-yaml",
          "/org/yaml/",
          "surefire",
          "failsafe");

  private final Path home;
  private final String secret;
  private final List<Process> processes = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();
  private final String masterUrl;

  private StandaloneCluster(Path home, String secret, String masterUrl) {
    this.home = home;
    this.secret = secret;
    this.masterUrl = masterUrl;
  }

  /**
   * Starts a master and {@code workers} workers of one core each, with authentication on (the
   * shared {@code secret}), and waits until every worker is registered.
   */
  static StandaloneCluster start(Path home, int workers, String secret) throws Exception {
    Path jars = Files.createDirectories(home.resolve("jars"));
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path jar = Path.of(entry);
      String s = entry.replace(File.separatorChar, '/');
      if (entry.endsWith(".jar") && NOT_IN_SPARK.stream().noneMatch(s::contains)) {
        Path link = jars.resolve(jar.getFileName());
        if (!Files.exists(link)) {
          Files.createSymbolicLink(link, jar.toAbsolutePath());
        }
      }
    }
    Files.writeString(home.resolve("RELEASE"), "Spark 4.1.1 (links for the Trame tests)\n");
    int port = freePort();
    StandaloneCluster cluster = new StandaloneCluster(home, secret, "spark://127.0.0.1:" + port);
    try {
      cluster.launch(
          "master",
          "org.apache.spark.deploy.master.Master",
          "--host",
          "127.0.0.1",
          "--port",
          String.valueOf(port),
          "--webui-port",
          String.valueOf(freePort()));
      cluster.awaitLog(0, "I have been elected leader", Duration.ofSeconds(60));
      for (int i = 1; i <= workers; i++) {
        Path work = Files.createDirectories(home.resolve("work-" + i));
        cluster.launch(
            "worker-" + i,
            "org.apache.spark.deploy.worker.Worker",
            "--host",
            "127.0.0.1",
            "--cores",
            "1",
            "--memory",
            "1g",
            "--work-dir",
            work.toString(),
            "--webui-port",
            String.valueOf(freePort()),
            cluster.masterUrl);
      }
      for (int i = 1; i <= workers; i++) {
        cluster.awaitLog(i, "Successfully registered with master", Duration.ofSeconds(60));
      }
      return cluster;
    } catch (Exception | AssertionError e) {
      cluster.close();
      throw e;
    }
  }

  String masterUrl() {
    return masterUrl;
  }

  /** The executor JVMs running now, by executor id. */
  Map<String, ProcessHandle> executors() {
    Map<String, ProcessHandle> out = new java.util.TreeMap<>();
    ProcessHandle.allProcesses()
        .forEach(
            p -> {
              List<String> args = p.info().arguments().map(Arrays::asList).orElse(List.of());
              if (args.contains("org.apache.spark.executor.CoarseGrainedExecutorBackend")
                  && args.stream().anyMatch(a -> a.contains(home.toString()))) {
                int i = args.indexOf("--executor-id");
                if (i >= 0 && i + 1 < args.size()) {
                  out.put(args.get(i + 1), p);
                }
              }
            });
    return out;
  }

  /** The last lines of every process's log, for a failure message. */
  String logTails() {
    StringBuilder b = new StringBuilder();
    for (Path log : logs) {
      b.append("== ").append(log.getFileName()).append('\n');
      try {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        lines
            .subList(Math.max(0, lines.size() - 30), lines.size())
            .forEach(l -> b.append(l).append('\n'));
      } catch (IOException e) {
        b.append("(unreadable: ").append(e.getMessage()).append(")\n");
      }
    }
    return b.toString();
  }

  private void launch(String name, String mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(Arrays.asList(System.getProperty("trame.jvm.flags").trim().split("\\s+")));
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(home.resolve("jars") + File.separator + "*");
    command.add("-Dspark.authenticate=true");
    command.add("-Dspark.network.crypto.enabled=true");
    command.add(mainClass);
    command.addAll(Arrays.asList(args));
    Path log = home.resolve(name + ".log");
    ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile());
    pb.environment().put("SPARK_HOME", home.toString());
    pb.environment().put("SPARK_SCALA_VERSION", "2.13");
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    // The shared secret of spark.authenticate, read from the environment by every daemon (and
    // handed by workers to the executors they start), never put on a command line.
    pb.environment().put("_SPARK_AUTH_SECRET", secret);
    pb.environment().remove("TRAME_KEYSTORE_PASSWORD");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    logs.add(log);
    processes.add(pb.start());
  }

  private void awaitLog(int process, String line, Duration timeout) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    Path log = logs.get(process);
    while (System.nanoTime() < end) {
      if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(line)) {
        return;
      }
      if (!processes.get(process).isAlive()) {
        break;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        log.getFileName() + " did not print '" + line + "' in " + timeout + ":\n" + logTails());
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    for (int i = processes.size() - 1; i >= 0; i--) {
      Process p = processes.get(i);
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroy();
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    executors().values().forEach(ProcessHandle::destroyForcibly);
  }
}
