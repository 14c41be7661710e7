package org.trame.jobs.ledger;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One event of one run in the ledger ({@code warehouse/runs}): written when the run starts ({@code
 * running}) and when it ends ({@code succeeded}, {@code failed}, {@code rejected}). A run killed
 * before its end keeps only its {@code running} row. Never holds a secret or an identifier.
 *
 * @param arguments the command line's options, as given (no secret ever goes on a command line)
 * @param inputs the files read, with their SHA-256 and size
 * @param tables per table written: Delta version and row counts
 */
public record RunEntry(
    String runId,
    String command,
    String arguments,
    String user,
    Instant started,
    Instant ended,
    String status,
    int exitCode,
    String message,
    String source,
    String batch,
    List<InputFile> inputs,
    List<TableCounts> tables,
    String keyId,
    String codeVersion) {

  public static final String RUNNING = "running";
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";
  public static final String REJECTED = "rejected";

  public RunEntry {
    inputs = inputs == null ? List.of() : List.copyOf(inputs);
    tables = tables == null ? List.of() : List.copyOf(tables);
  }

  /** A file read by a run. */
  public record InputFile(String table, String path, String sha256, long bytes)
      implements java.io.Serializable {}

  /**
   * What a run did to one table: the Delta version it wrote ({@code null} when it wrote none, as
   * for a rejected ingest) and its rows.
   */
  public record TableCounts(
      String table, Long version, long rowsRead, long rowsAccepted, long rowsQuarantined) {}

  /** The first event of a run: {@code running}, by the current user, now. */
  public static RunEntry start(
      String runId,
      String command,
      String arguments,
      String source,
      String batch,
      String keyId,
      String codeVersion) {
    return new RunEntry(
        runId,
        command,
        arguments,
        System.getProperty("user.name"),
        Instant.now(),
        null,
        RUNNING,
        0,
        null,
        source,
        batch,
        List.of(),
        List.of(),
        keyId,
        codeVersion);
  }

  /** The same run, ended. */
  public RunEntry ended(String newStatus, int code, String text, List<TableCounts> counts) {
    return new RunEntry(
        runId,
        command,
        arguments,
        user,
        started,
        Instant.now(),
        newStatus,
        code,
        text,
        source,
        batch,
        inputs,
        counts,
        keyId,
        codeVersion);
  }

  /** The same run, with its inputs known. */
  public RunEntry withInputs(List<InputFile> files) {
    return new RunEntry(
        runId,
        command,
        arguments,
        user,
        started,
        ended,
        status,
        exitCode,
        message,
        source,
        batch,
        files,
        tables,
        keyId,
        codeVersion);
  }

  /** The inputs as a map from path to SHA-256. */
  public Map<String, String> checksums() {
    return checksums(inputs);
  }

  /** Files as a map from path to SHA-256. */
  public static Map<String, String> checksums(List<InputFile> inputs) {
    return inputs.stream()
        .collect(
            java.util.stream.Collectors.toMap(
                InputFile::path, InputFile::sha256, (a, b) -> a, java.util.TreeMap::new));
  }
}
