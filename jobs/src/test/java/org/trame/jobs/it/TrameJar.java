package org.trame.jobs.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the built {@code trame.jar} in its own JVM, as {@code ./trame} does: same JVM flags (from
 * the build's {@code trame.jvm.flags}), {@code SPARK_LOCAL_IP=127.0.0.1}.
 */
final class TrameJar {
  record Result(int code, String out, String err) {}

  private TrameJar() {}

  /** Everything every command run here printed, stdout then stderr, for the leak scans. */
  private static final StringBuffer TRANSCRIPT = new StringBuffer();

  static String transcript() {
    return TRANSCRIPT.toString();
  }

  static Result run(Path workingDir, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    return run(workingDir, env, List.of(), args);
  }

  /** As {@link #run(Path, Map, String...)}, with extra JVM options ({@code -Dspark...}). */
  static Result run(Path workingDir, Map<String, String> env, List<String> jvm, String... args)
      throws IOException, InterruptedException {
    String jar = System.getProperty("trame.jar");
    if (jar == null || !Files.exists(Path.of(jar))) {
      throw new IllegalStateException(
          "trame.jar not built at " + jar + "; run through 'mvn verify'");
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String flags = System.getProperty("trame.jvm.flags", "").trim();
    if (!flags.contains("--add-opens")) {
      throw new IllegalStateException("trame.jvm.flags not passed by the build: '" + flags + "'");
    }
    command.addAll(Arrays.asList(flags.split("\\s+")));
    command.add("-Xmx1g");
    command.addAll(jvm);
    // Class-data sharing, as the launcher uses it: the first run records the archive (here the
    // demo, which the launcher itself leaves out of recording), later runs map it.
    Path archive = Path.of(jar.replaceAll("\\.jar$", ".jsa"));
    Path recording = Path.of(archive + ".it.tmp");
    boolean fresh =
        Files.exists(archive)
            && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(Path.of(jar)))
                > 0;
    command.add(
        fresh ? "-XX:SharedArchiveFile=" + archive : "-XX:ArchiveClassesAtExit=" + recording);
    command.add("-Xlog:cds*=off");
    command.add("-jar");
    command.add(jar);
    command.addAll(Arrays.asList(args));
    Map<String, String> environment = new java.util.HashMap<>(env);
    environment.putIfAbsent("SPARK_LOCAL_IP", "127.0.0.1");
    Result r = exec(workingDir, environment, 5, command.toArray(String[]::new));
    if (!fresh && Files.exists(recording)) {
      Files.move(recording, archive, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return r;
  }

  /**
   * Runs any command in {@code dir} with {@code env} added to this JVM's environment (without
   * {@code TRAME_KEYSTORE_PASSWORD}); fails if it runs longer than {@code minutes}.
   */
  static Result exec(Path dir, Map<String, String> env, int minutes, String... command)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("trame-out", ".txt");
    Path err = Files.createTempFile("trame-err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    pb.environment().remove("TRAME_KEYSTORE_PASSWORD");
    pb.environment().putAll(env);
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    long start = System.nanoTime();
    Process p = pb.start();
    boolean ended = p.waitFor(minutes, TimeUnit.MINUTES);
    // The time of each command, so that a slow step of the suite shows in its report.
    String shown = String.join(" ", command);
    int jar = shown.indexOf(".jar ");
    if (jar >= 0) {
      shown = "trame " + shown.substring(jar + 5);
    }
    System.out.printf(
        "[it] %6.1f s  %s%n",
        (System.nanoTime() - start) / 1e9,
        shown.length() > 160 ? shown.substring(0, 160) + "..." : shown);
    if (!ended) {
      p.destroyForcibly();
      throw new IllegalStateException(
          String.join(" ", command) + " did not finish in " + minutes + " minutes");
    }
    Result r =
        new Result(
            p.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    Files.delete(out);
    Files.delete(err);
    TRANSCRIPT.append(r.out()).append('\n').append(r.err()).append('\n');
    return r;
  }
}
