package org.trame.jobs.cli;

/** Process exit codes, as documented in the README; schedulers rely on them. */
public final class ExitCode {
  /** The command did what was asked. */
  public static final int OK = 0;

  /** Anything else went wrong (I/O, Spark, a bug); nothing half-written is visible. */
  public static final int FAILURE = 1;

  /** Bad usage or configuration: unknown option, invalid YAML, missing keystore, wrong password. */
  public static final int USAGE = 2;

  /** Input data rejected over a threshold; nothing was committed. */
  public static final int DATA_REJECTED = 3;

  /** Another run wrote the same table at the same time; nothing of this run was committed. */
  public static final int WRITE_CONFLICT = 4;

  /** An extract failed its disclosure check; nothing was written. */
  public static final int DISCLOSURE = 5;

  private ExitCode() {}
}
