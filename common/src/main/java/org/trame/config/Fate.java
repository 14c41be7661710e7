package org.trame.config;

/** What ingest does with a column. */
public enum Fate {
  /** Stored as delivered (typed). Refused for direct identifiers. */
  KEEP,
  /** Replaced by its keyed-hash pseudonym under the column's role; the clear value is dropped. */
  PSEUDONYMIZE,
  /**
   * Stored coarsened (see {@code generalize}): a date as its year or month, a postcode as its
   * département.
   */
  GENERALIZE,
  /** Read and validated (it may feed a pseudonym), never stored. */
  DROP
}
