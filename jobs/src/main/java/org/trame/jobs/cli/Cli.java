package org.trame.jobs.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import org.trame.config.ConfigLoader;
import org.trame.config.TrameConfig;

/**
 * What every command shares: the configuration folder, verbosity, the environment and the output
 * streams. Commands get it from the root command, so tests can run the CLI in process with their
 * own environment and streams.
 */
public final class Cli {
  private final Map<String, String> env;
  private final PrintWriter out;
  private final PrintWriter err;
  private final Path workingDir;
  private Path confDir = Path.of("conf");
  private boolean verbose;
  private boolean showProgress = true;

  Cli(Map<String, String> env, PrintWriter out, PrintWriter err, Path workingDir) {
    this.env = Map.copyOf(env);
    this.out = out;
    this.err = err;
    this.workingDir = workingDir;
  }

  public Map<String, String> env() {
    return env;
  }

  /** Where results go (stdout). */
  public PrintWriter out() {
    return out;
  }

  /** Where progress, warnings and errors go (stderr). */
  public PrintWriter err() {
    return err;
  }

  public boolean verbose() {
    return verbose;
  }

  void verbose(boolean value) {
    this.verbose = value;
  }

  public Path confDir() {
    return workingDir.resolve(confDir).normalize();
  }

  void confDir(Path dir) {
    this.confDir = dir;
  }

  public Path workingDir() {
    return workingDir;
  }

  /**
   * Loads {@code trame.yaml} from the configuration folder, applies the environment overrides and
   * resolves every root.
   */
  public TrameConfig config() {
    Path file = confDir().resolve("trame.yaml");
    if (!file.toFile().exists()) {
      throw CommandException.usage(
          "Cannot read configuration: "
              + file
              + " does not exist; pass --conf DIR, or run './trame demo' to get a working one");
    }
    return ConfigLoader.loadTrameConfig(confDir()).resolve(workingDir, env);
  }

  /** Prints a progress line on stderr (unless muted). */
  public void progress(String line) {
    if (showProgress) {
      err.println(line);
      err.flush();
    }
  }

  /** A copy sharing everything but whether progress is shown; results still go to stdout. */
  Cli withProgress(boolean show) {
    Cli copy =
        new Cli(env, show ? out : new PrintWriter(java.io.Writer.nullWriter()), err, workingDir);
    copy.confDir = confDir;
    copy.verbose = verbose;
    copy.showProgress = show;
    return copy;
  }
}
