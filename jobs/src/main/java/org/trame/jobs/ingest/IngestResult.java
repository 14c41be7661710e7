package org.trame.jobs.ingest;

import java.util.List;

/**
 * What one ingest run did.
 *
 * @param tables one entry per table, in configuration order
 */
public record IngestResult(
    String source, String batch, String runId, String keyId, List<TableResult> tables) {
  public IngestResult {
    tables = List.copyOf(tables);
  }

  /**
   * One table of the batch.
   *
   * @param rowsRead data lines read (header excluded)
   * @param rowsAccepted rows written to the source table
   * @param rowsQuarantined rows written to the quarantine table
   * @param version the Delta version of the source table after the write
   */
  public record TableResult(
      String table,
      List<String> files,
      long rowsRead,
      long rowsAccepted,
      long rowsQuarantined,
      String location,
      long version) {
    public TableResult {
      files = List.copyOf(files);
    }
  }

  public long rowsRead() {
    return tables.stream().mapToLong(TableResult::rowsRead).sum();
  }

  public long rowsAccepted() {
    return tables.stream().mapToLong(TableResult::rowsAccepted).sum();
  }

  public long rowsQuarantined() {
    return tables.stream().mapToLong(TableResult::rowsQuarantined).sum();
  }
}
