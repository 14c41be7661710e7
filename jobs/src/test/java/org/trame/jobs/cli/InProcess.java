package org.trame.jobs.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

/** Runs the command line in this JVM (sharing its SparkSession), capturing what it prints. */
final class InProcess {
  private InProcess() {}

  /** One finished command: its exit code, stdout and stderr. */
  record Run(int code, String out, String err) {}

  static Run run(Path workingDir, Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true), workingDir);
    return new Run(code, out.toString(), err.toString());
  }
}
