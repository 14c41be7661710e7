package org.trame.jobs.generate;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.trame.config.ConfigLoader;

/**
 * Code lists and rates behind the synthetic population, read from {@code catalog.yaml} beside this
 * class: conditions with their diagnoses, drugs, stays and acts; acute care; services; facilities;
 * départements; names.
 */
record CareCatalog(
    List<Condition> conditions,
    Acute acute,
    List<Service> services,
    List<Facility> facilities,
    List<Departement> departements,
    List<String> lastNames,
    List<String> firstNamesMale,
    List<String> firstNamesFemale,
    int drugPacksPerClass,
    List<Double> drugPriceRange)
    implements Serializable {

  record Condition(
      String name,
      double prevalence,
      int minAge,
      List<String> diagnoses,
      List<String> drugs,
      double visitsPerMonth,
      double staysPerYear,
      List<String> ghm,
      List<String> acts)
      implements Serializable {}

  record Acute(
      double visitsPerMonth,
      double staysPerYear,
      List<String> diagnoses,
      List<String> drugs,
      List<AcuteStay> stays)
      implements Serializable {}

  record AcuteStay(
      String diagnosis, String ghm, List<String> acts, int minAge, Integer maxAge, Integer sex)
      implements Serializable {}

  record Service(String code, String label, double amount) implements Serializable {}

  record Facility(String etaNum, List<String> departements) implements Serializable {}

  record Departement(String code, int weight) implements Serializable {}

  /** The catalog bundled with Trame. */
  static CareCatalog load() {
    try (InputStream in = CareCatalog.class.getResourceAsStream("catalog.yaml")) {
      if (in == null) {
        throw new IllegalStateException("catalog.yaml is missing from the jar");
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return ConfigLoader.parse(text, "generate/catalog.yaml", CareCatalog.class);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot read generate/catalog.yaml: " + e.getMessage(), e);
    }
  }

  /** The 13-digit CIP code of pack {@code k} of an ATC class (made up, stable). */
  static String cip13(String atc, int k) {
    long h = 1125899906842597L;
    for (char c : (atc + "#" + k).toCharArray()) {
      h = 31 * h + c;
    }
    return "34009" + String.format("%08d", Math.floorMod(h, 100_000_000L));
  }

  /** The unit price of a pack, in euros with cents (made up, stable). */
  double price(String atc, int k) {
    double lo = drugPriceRange.get(0);
    double hi = drugPriceRange.get(1);
    double u = Math.floorMod(cip13(atc, k).hashCode(), 1000) / 1000.0;
    return Math.round((lo + u * (hi - lo)) * 100) / 100.0;
  }
}
