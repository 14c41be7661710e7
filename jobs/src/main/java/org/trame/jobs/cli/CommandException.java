package org.trame.jobs.cli;

/**
 * A failure a command reports to the user with a given exit code. The message is one sentence
 * saying what failed, where, and what to do; it never holds a secret or a raw identifier.
 */
public class CommandException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int exitCode;

  public CommandException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public CommandException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  /** A usage or configuration error (exit 2). */
  public static CommandException usage(String message) {
    return new CommandException(ExitCode.USAGE, message);
  }

  public int exitCode() {
    return exitCode;
  }
}
