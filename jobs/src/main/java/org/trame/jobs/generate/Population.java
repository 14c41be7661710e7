package org.trame.jobs.generate;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.trame.pseudo.Nir;

/**
 * The synthetic population, computed person by person from the seed alone, so that any partition of
 * the id range can be generated anywhere and the result does not depend on how it is split.
 *
 * <p>Persons come in households of three id slots ({@code 3h, 3h+1, 3h+2}). Slot 0 is an insured
 * adult; slot 1 is a partner, a child of slot 0, or an unrelated adult; slot 2 is a child of slot 0
 * (a twin of slot 1 now and then) or an unrelated adult. Children are covered by slot 0's NIR.
 */
final class Population {
  private final long seed;
  private final CareCatalog catalog;
  private final LocalDate start;
  private final LocalDate end;
  private final int[] deptCumulative;

  Population(long seed, CareCatalog catalog, LocalDate start, LocalDate end) {
    this.seed = seed;
    this.catalog = catalog;
    this.start = start;
    this.end = end;
    deptCumulative = new int[catalog.departements().size()];
    int total = 0;
    for (int i = 0; i < deptCumulative.length; i++) {
      total += catalog.departements().get(i).weight();
      deptCumulative[i] = total;
    }
  }

  /** The members of household {@code h} whose id is below {@code persons}. */
  List<Person> household(long h, long persons) {
    SplittableRandom r = new SplittableRandom(Seeds.mix(seed, h, 0x5eedL));
    List<Person> out = new ArrayList<>(3);
    String dept = departement(r);
    String postcode = postcode(dept, r);
    String facility = facility(dept);
    boolean eds = facility.equals(catalog.facilities().get(0).etaNum());
    String familyName = lastName(r);

    double roll1 = r.nextDouble();
    boolean slot1Partner = roll1 < 0.45;
    boolean slot1Child = !slot1Partner && roll1 < 0.75;
    boolean slot2Child = r.nextDouble() < (slot1Child ? 0.55 : 0.30);
    boolean hasChildren = slot1Child || slot2Child;

    int sex0 = 1 + r.nextInt(2);
    LocalDate birth0 = hasChildren ? birthBetween(r, 25, 55) : adultBirth(r);
    Person p0 =
        person(
            3 * h,
            h,
            sex0,
            birth0,
            null,
            true,
            1,
            familyName,
            null,
            dept,
            postcode,
            facility,
            eds,
            r);
    out.add(p0);

    Person p1;
    if (slot1Partner) {
      int sex1 = r.nextDouble() < 0.93 ? 3 - sex0 : sex0;
      LocalDate birth1 = birth0.plusDays(r.nextInt(-3000, 3000));
      String birthName = lastName(r);
      String usage = sex1 == 2 && sex0 == 1 && r.nextDouble() < 0.6 ? familyName : null;
      boolean covered = r.nextDouble() < 0.15;
      p1 =
          person(
              3 * h + 1,
              h,
              sex1,
              birth1,
              covered ? p0.nir() : null,
              true,
              1,
              birthName,
              usage,
              dept,
              postcode,
              facility,
              eds,
              r);
    } else if (slot1Child) {
      p1 = child(3 * h + 1, h, birth0, p0, familyName, dept, postcode, facility, eds, r, null);
    } else {
      p1 = unrelatedAdult(3 * h + 1, h, r);
    }
    out.add(p1);

    Person p2;
    if (slot2Child) {
      Person twinOf = slot1Child && r.nextDouble() < 0.08 ? p1 : null;
      p2 = child(3 * h + 2, h, birth0, p0, familyName, dept, postcode, facility, eds, r, twinOf);
    } else {
      p2 = unrelatedAdult(3 * h + 2, h, r);
    }
    out.add(p2);
    out.removeIf(p -> p.id() >= persons);
    return out;
  }

  /** An adult sharing the household's id range but nothing else: own NIR, name and place. */
  private Person unrelatedAdult(long id, long h, SplittableRandom r) {
    int sex = 1 + r.nextInt(2);
    LocalDate birth = adultBirth(r);
    String lastName = lastName(r);
    String dept = departement(r);
    return person(id, h, sex, birth, null, true, 1, lastName, null, dept, null, null, false, r);
  }

  private Person child(
      long id,
      long h,
      LocalDate parentBirth,
      Person parent,
      String familyName,
      String dept,
      String postcode,
      String facility,
      boolean eds,
      SplittableRandom r,
      Person twinOf) {
    LocalDate earliest = parentBirth.plusYears(20);
    LocalDate latest = start.minusDays(30);
    LocalDate floor = start.minusYears(18);
    LocalDate from = earliest.isAfter(floor) ? earliest : floor;
    if (twinOf != null) {
      int sex = r.nextDouble() < 0.6 ? twinOf.sex() : 3 - twinOf.sex();
      int rank = sex == twinOf.sex() ? 2 : 1;
      return person(
          id,
          h,
          sex,
          twinOf.birth(),
          parent.nir(),
          r.nextDouble() < 0.6,
          rank,
          familyName,
          null,
          dept,
          postcode,
          facility,
          eds,
          r);
    }
    LocalDate birth =
        from.isBefore(latest)
            ? from.plusDays(r.nextLong(from.until(latest, java.time.temporal.ChronoUnit.DAYS) + 1))
            : latest;
    return person(
        id,
        h,
        1 + r.nextInt(2),
        birth,
        parent.nir(),
        r.nextDouble() < 0.6,
        1,
        familyName,
        null,
        dept,
        postcode,
        facility,
        eds,
        r);
  }

  private Person person(
      long id,
      long h,
      int sex,
      LocalDate birth,
      String insuredNir,
      boolean ownNirKnown,
      int rank,
      String lastName,
      String usageName,
      String dept,
      String postcode,
      String facility,
      boolean eds,
      SplittableRandom r) {
    String pc = postcode != null ? postcode : postcode(dept, r);
    String fac = facility != null ? facility : facility(dept);
    boolean edsPatient = facility != null ? eds : fac.equals(catalog.facilities().get(0).etaNum());
    String nir =
        nir(
            id,
            sex,
            birth,
            r.nextDouble() < 0.7 ? dept : (r.nextDouble() < 0.08 ? "99" : departement(r)),
            r);
    String first = firstName(sex, r);
    int conditions = 0;
    int age = birth.until(start).getYears();
    for (int i = 0; i < catalog.conditions().size(); i++) {
      CareCatalog.Condition c = catalog.conditions().get(i);
      double p = c.prevalence() * (age >= 65 ? 1.8 : 1.0);
      if (age >= c.minAge() && r.nextDouble() < p) {
        conditions |= 1 << i;
      }
    }
    LocalDate death = null;
    if (age >= 75 && r.nextDouble() < 0.04) {
      death =
          start.plusDays(
              r.nextLong(Math.max(1, start.until(end, java.time.temporal.ChronoUnit.DAYS))));
    }
    return new Person(
        id,
        h,
        sex,
        birth,
        nir,
        insuredNir != null ? insuredNir : nir,
        ownNirKnown,
        rank,
        first,
        lastName,
        usageName,
        dept,
        pc,
        fac,
        conditions,
        death,
        edsPatient);
  }

  /** A NIR unique for ids below 998,001 per (sex, year, month, département); then rare clashes. */
  private static String nir(long id, int sex, LocalDate birth, String dept, SplittableRandom r) {
    long u = (id % 998_001L * 7_877L + 123_457L) % 998_001L;
    long commune = 1 + u / 999;
    long order = 1 + u % 999;
    String body =
        String.format(
            Locale.ROOT,
            "%d%02d%02d%s%03d%03d",
            sex,
            birth.getYear() % 100,
            birth.getMonthValue(),
            dept,
            commune,
            order);
    return Nir.withKey(body);
  }

  private LocalDate adultBirth(SplittableRandom r) {
    // Ages 18-95, fewer past 70.
    int age = 18 + (int) (r.nextDouble() < 0.8 ? r.nextInt(52) : 52 + r.nextInt(26));
    return start.minusYears(age).minusDays(r.nextInt(365));
  }

  private LocalDate birthBetween(SplittableRandom r, int minAge, int maxAge) {
    return start.minusYears(minAge + r.nextInt(maxAge - minAge + 1)).minusDays(r.nextInt(365));
  }

  private String departement(SplittableRandom r) {
    int x = r.nextInt(deptCumulative[deptCumulative.length - 1]);
    for (int i = 0; i < deptCumulative.length; i++) {
      if (x < deptCumulative[i]) {
        return catalog.departements().get(i).code();
      }
    }
    throw new IllegalStateException("unreachable");
  }

  private static String postcode(String dept, SplittableRandom r) {
    String prefix = dept.startsWith("2") && !Character.isDigit(dept.charAt(1)) ? "20" : dept;
    return prefix + String.format(Locale.ROOT, "%03d", (r.nextInt(20) + 1) * 10 % 1000);
  }

  private String facility(String dept) {
    for (CareCatalog.Facility f : catalog.facilities()) {
      if (f.departements().contains(dept)) {
        return f.etaNum();
      }
    }
    return catalog.facilities().get(catalog.facilities().size() - 1).etaNum();
  }

  private String lastName(SplittableRandom r) {
    return zipf(catalog.lastNames(), r);
  }

  private String firstName(int sex, SplittableRandom r) {
    return zipf(sex == 1 ? catalog.firstNamesMale() : catalog.firstNamesFemale(), r);
  }

  /** A name drawn with frequency falling off with its rank (heavy head, long tail). */
  private static String zipf(List<String> names, SplittableRandom r) {
    double u = r.nextDouble();
    int i = (int) Math.floor(Math.pow(names.size() + 1, u)) - 1;
    return names.get(Math.min(Math.max(i, 0), names.size() - 1));
  }
}
