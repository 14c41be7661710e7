package org.trame.jobs.cli;

import java.io.PrintWriter;
import org.trame.config.ConfigException;
import org.trame.key.KeyAccessException;

/**
 * Turns an exception escaping a command into one line on stderr and an exit code. The stack trace
 * is printed only with {@code --verbose}.
 */
final class ErrorReporter {
  private ErrorReporter() {}

  static int report(Throwable error, String command, boolean verbose, PrintWriter err) {
    int code = exitCode(error);
    String message = message(error, command);
    err.println("trame: " + message);
    if (verbose) {
      error.printStackTrace(err);
    } else if (code == ExitCode.FAILURE) {
      err.println("(run again with --verbose for the details)");
    }
    err.flush();
    return code;
  }

  static int exitCode(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof CommandException c) {
        return c.exitCode();
      }
      if (t instanceof ConfigException || t instanceof KeyAccessException) {
        return ExitCode.USAGE;
      }
      if (isWriteConflict(t)) {
        return ExitCode.WRITE_CONFLICT;
      }
    }
    return ExitCode.FAILURE;
  }

  private static boolean isWriteConflict(Throwable t) {
    // Delta's optimistic concurrency failures all extend this class (delta-storage, no Spark).
    for (Class<?> c = t.getClass(); c != null; c = c.getSuperclass()) {
      if (c.getName().equals("io.delta.exceptions.DeltaConcurrentModificationException")
          || c.getName().equals("java.util.ConcurrentModificationException")) {
        return true;
      }
    }
    return false;
  }

  private static String message(Throwable error, String command) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof CommandException
          || t instanceof ConfigException
          || t instanceof KeyAccessException) {
        return t.getMessage();
      }
    }
    if (exitCode(error) == ExitCode.WRITE_CONFLICT) {
      return "Cannot commit "
          + command
          + ": another run changed the same table meanwhile; nothing of this run was committed,"
          + " run it again";
    }
    String m = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
    int nl = m.indexOf('\n');
    return "Cannot run " + command + ": " + (nl < 0 ? m : m.substring(0, nl));
  }

  /**
   * The whole message of a rejection Trame wrote itself (a quarantine rate over its limit, with its
   * top reasons, whose values are already masked), on one line for the run ledger; any other
   * error's first line.
   */
  static String forLedger(RuntimeException e) {
    if (e instanceof CommandException && exitCode(e) == ExitCode.DATA_REJECTED) {
      return String.join(
          " | ", e.getMessage().lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
    }
    return firstLine(e);
  }

  /** The first line of an error's message (or its class name), for the run ledger. */
  static String firstLine(RuntimeException e) {
    return e.getMessage() == null
        ? e.getClass().getSimpleName()
        : e.getMessage().lines().findFirst().orElse("");
  }
}
