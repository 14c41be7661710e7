package org.trame.jobs.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;

/** Entry point of {@code trame}: parses the command line, runs the command, exits with its code. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    PrintWriter out =
        new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
    PrintWriter err =
        new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    int code = run(args, System.getenv(), out, err, Path.of("").toAbsolutePath());
    out.flush();
    err.flush();
    System.exit(code);
  }

  /** The width of help text when the terminal's is unknown. */
  static final int HELP_WIDTH = 120;

  /** Runs one command line in this JVM and returns its exit code (never exits). */
  public static int run(
      String[] args, Map<String, String> env, PrintWriter out, PrintWriter err, Path workingDir) {
    Cli cli = new Cli(env, out, err, workingDir);
    CommandLine line = new CommandLine(new TrameCommand(cli));
    line.setOut(out);
    line.setErr(err);
    line.setCaseInsensitiveEnumValuesAllowed(true);
    // Help is as wide as the terminal, or 120 columns where its width is unknown (piped, or
    // under a test): the descriptions are written in lines of up to about 90 characters, which
    // picocli's default of 80 columns broke in the middle.
    line.setUsageHelpWidth(HELP_WIDTH);
    line.setUsageHelpAutoWidth(true);
    line.setParameterExceptionHandler(
        (ex, argv) -> {
          err.println("trame: " + ex.getMessage());
          CommandLine.Model.CommandSpec spec = ex.getCommandLine().getCommandSpec();
          err.println("Try '" + spec.qualifiedName() + " --help' for the usage.");
          err.flush();
          return ExitCode.USAGE;
        });
    line.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) ->
            ErrorReporter.report(
                ex, commandLine.getCommandSpec().qualifiedName(), cli.verbose(), err));
    return line.execute(args);
  }
}
