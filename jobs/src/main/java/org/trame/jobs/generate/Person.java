package org.trame.jobs.generate;

import java.time.LocalDate;

/**
 * One synthetic person, as the generator knows them: the truth behind every record it writes.
 *
 * @param id the true person id ({@code P<id>} in truth files)
 * @param insuredNir the NIR of the insured person who opens this person's rights (their own for
 *     insured adults, a parent's for children, sometimes a partner's)
 * @param ownNirKnown whether claims data knows the person's own NIR
 * @param conditions bit i set when the person has catalog condition i
 * @param edsPatient whether the data-warehouse hospital knows this person
 */
record Person(
    long id,
    long household,
    int sex,
    LocalDate birth,
    String nir,
    String insuredNir,
    boolean ownNirKnown,
    int birthRank,
    String firstName,
    String lastName,
    String usageName,
    String residenceDept,
    String postcode,
    String facility,
    int conditions,
    LocalDate death,
    boolean edsPatient) {

  int ageAt(LocalDate date) {
    return birth.until(date).getYears();
  }

  boolean has(int condition) {
    return (conditions & (1 << condition)) != 0;
  }

  boolean aliveAt(LocalDate date) {
    return death == null || !date.isAfter(death);
  }

  /** The hospital's local patient number (IPP): a bijective scramble of the id, not the id. */
  String ipp() {
    return "8" + String.format("%09d", Math.floorMod(id * 7919L + 1_234_567L, 1_000_000_000L));
  }

  /** The person id as written in truth files. */
  String truthId() {
    return "P" + id;
  }
}
