package org.trame.jobs.it;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A real S3-compatible server on 127.0.0.1: s3proxy (its own JVM) over a folder, one bucket per
 * sub-folder, AWS signatures checked against a random access key pair.
 */
final class S3Server implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final int port;
  private final String accessKey;
  private final String secretKey;

  private S3Server(Process process, Path log, int port, String accessKey, String secretKey) {
    this.process = process;
    this.log = log;
    this.port = port;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  /** Starts the server with the given buckets and waits until it accepts connections. */
  static S3Server start(Path dir, String... buckets) throws Exception {
    String jar = System.getProperty("s3proxy.jar");
    if (jar == null || !Files.exists(Path.of(jar))) {
      throw new IllegalStateException("s3proxy not copied to " + jar + "; run 'mvn verify'");
    }
    Path data = Files.createDirectories(dir.resolve("data"));
    for (String bucket : buckets) {
      Files.createDirectories(data.resolve(bucket));
    }
    int port = StandaloneCluster.freePort();
    byte[] secret = new byte[20];
    new SecureRandom().nextBytes(secret);
    String accessKey = "trame-test";
    String secretKey = HexFormat.of().formatHex(secret);
    Path properties = dir.resolve("s3proxy.properties");
    Files.writeString(
        properties,
        String.join(
            "\n",
            "s3proxy.endpoint=http://127.0.0.1:" + port,
            "s3proxy.authorization=aws-v2-or-v4",
            "s3proxy.identity=" + accessKey,
            "s3proxy.credential=" + secretKey,
            "jclouds.provider=filesystem",
            "jclouds.filesystem.basedir=" + data,
            ""));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-jar");
    command.add(jar);
    command.add("--properties");
    command.add(properties.toString());
    Path log = dir.resolve("s3proxy.log");
    Process process =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    S3Server server = new S3Server(process, log, port, accessKey, secretKey);
    long end = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < end && process.isAlive()) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return server;
      } catch (java.io.IOException notYet) {
        Thread.sleep(200);
      }
    }
    server.close();
    throw new AssertionError(
        "s3proxy did not start on port "
            + port
            + ":\n"
            + (Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no log)"));
  }

  /**
   * The S3A settings (with Spark's {@code spark.hadoop.} prefix) that reach this server: the same
   * keys reach any S3-compatible store.
   */
  Map<String, String> sparkSettings() {
    Map<String, String> s = new TreeMap<>();
    s.put("spark.hadoop.fs.s3a.endpoint", "http://127.0.0.1:" + port);
    s.put("spark.hadoop.fs.s3a.endpoint.region", "us-east-1");
    s.put("spark.hadoop.fs.s3a.path.style.access", "true");
    s.put("spark.hadoop.fs.s3a.connection.ssl.enabled", "false");
    s.put(
        "spark.hadoop.fs.s3a.aws.credentials.provider",
        "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    s.put("spark.hadoop.fs.s3a.access.key", accessKey);
    s.put("spark.hadoop.fs.s3a.secret.key", secretKey);
    return s;
  }

  String secretKey() {
    return secretKey;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
