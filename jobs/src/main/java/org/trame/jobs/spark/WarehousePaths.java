package org.trame.jobs.spark;

import org.trame.config.Require;
import org.trame.config.TrameConfig;

/**
 * The storage layout under the configured roots, in one place. Every name joined into a path is
 * checked to be a plain name, so no source, table, batch or project can point outside its root.
 */
public record WarehousePaths(String landing, String warehouse, String extracts) {
  /** The layout of a resolved configuration. */
  public static WarehousePaths of(TrameConfig config) {
    return new WarehousePaths(config.landing(), config.warehouse(), config.extracts());
  }

  /** {@code landing/<source>/<batch>}: as delivered; Trame never writes here. */
  public String landingBatch(String source, String batch) {
    return landing + "/" + name(source, "source") + "/" + name(batch, "batch");
  }

  /** {@code landing/<source>}. */
  public String landingSource(String source) {
    return landing + "/" + name(source, "source");
  }

  /** {@code warehouse/sources/<source>/<table>}: pseudonymized Delta table. */
  public String sourceTable(String source, String table) {
    return warehouse + "/sources/" + name(source, "source") + "/" + name(table, "table");
  }

  /** {@code warehouse/quarantine/<source>/<table>}: rejected rows, identifiers pseudonymized. */
  public String quarantineTable(String source, String table) {
    return warehouse + "/quarantine/" + name(source, "source") + "/" + name(table, "table");
  }

  /**
   * {@code warehouse/_staging/<run>}: a run's checked, pseudonymized rows before they are
   * committed; deleted when the run ends.
   */
  public String staging(String runId) {
    return warehouse + "/_staging/" + name(runId, "run id");
  }

  /**
   * {@code warehouse/linkage/<table>}: {@code person_index} (record to person), {@code person_ids}
   * (every id issued), {@code person_events} (merges and splits), {@code review} (pairs to check)
   * and {@code reports} (one quality report per run).
   */
  public String linkage(String table) {
    return warehouse + "/linkage/" + name(table, "linkage table");
  }

  /**
   * {@code warehouse/_locks/<name>.lock}: held by one run at a time (see {@code RunLock}); {@code
   * name} is a plain name such as {@code ingest-dcir-2023-01}.
   */
  public String lock(String lockName) {
    return warehouse + "/_locks/" + name(lockName, "lock") + ".lock";
  }

  /** {@code warehouse/_locks}: the folder of every lock. */
  public String locks() {
    return warehouse + "/_locks";
  }

  /**
   * {@code warehouse/_rekey}: present from the start of a {@code rekey} until it has rewritten
   * every table; while it exists, nothing else may write pseudonyms.
   */
  public String rekeyMarker() {
    return warehouse + "/_rekey";
  }

  private static String name(String value, String what) {
    try {
      return Require.safeName(value, what);
    } catch (IllegalArgumentException e) {
      throw org.trame.jobs.cli.CommandException.usage("Cannot use " + what + ": " + e.getMessage());
    }
  }
}
