package org.trame.jobs.generate;

/** Where generated records go: one landing line and one truth line per record. */
interface Sink {
  /**
   * Writes one landing line of a table in a batch, and the truth about it.
   *
   * @param line the full line as delivered, without the line break (possibly malformed on purpose)
   * @param recordKey the record's key as written in the landing line (see the README's truth
   *     format)
   * @param person the true person
   * @param defects injected defects, comma-separated, empty when none
   */
  void emit(
      LandingTable table,
      String batch,
      String line,
      String recordKey,
      Person person,
      String defects);
}
