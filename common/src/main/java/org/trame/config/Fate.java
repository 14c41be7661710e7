package org.trame.config;

/** What ingest does with a column. */
public enum Fate {
  /** Stored as delivered (typed). Refused for direct identifiers. */
  KEEP,
  /** Replaced by its keyed-hash pseudonym under the column's role; the clear value is dropped. */
  PSEUDONYMIZE,
  /** Read and validated (it may feed a pseudonym), never stored. */
  DROP
}
