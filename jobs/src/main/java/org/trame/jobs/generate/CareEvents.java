package org.trame.jobs.generate;

import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A person's care in one month, written to every source that would record it: DCIR claims and
 * dispensations (processed that month, care up to 27 months earlier), PMSI stays discharged that
 * month, and the data-warehouse hospital's encounters. The same conditions drive all three, so a
 * diabetic gets A10 drugs and E11 stays.
 */
final class CareEvents {
  private static final DateTimeFormatter FRENCH_DATE =
      DateTimeFormatter.ofPattern("dd/MM/yyyy", Locale.ROOT);
  private static final String UNCHAINABLE_NIR = "xxxxxxxxxxxxxxx";

  private final CareCatalog catalog;
  private final Defects defects;
  private final long seed;
  private final YearMonth start;
  private final String edsFacility;

  CareEvents(CareCatalog catalog, Defects defects, long seed, YearMonth start) {
    this.catalog = catalog;
    this.defects = defects;
    this.seed = seed;
    this.start = start;
    this.edsFacility = catalog.facilities().get(0).etaNum();
  }

  /** Everything about {@code p} delivered in month {@code m} (0 = the start month). */
  void generate(Person p, int m, Sink sink) {
    YearMonth month = start.plusMonths(m);
    if (!p.aliveAt(month.atDay(1))) {
      return;
    }
    SplittableRandom r = new SplittableRandom(Seeds.mix(seed, p.id(), 0xca7eL + m));
    String batch = month.toString();
    boolean claimed = claims(p, m, month, batch, r, sink);
    if (claimed) {
      beneficiary(p, batch, r, sink);
    }
    List<String[]> encounters = new ArrayList<>();
    stays(p, m, month, batch, r, sink, encounters);
    if (p.edsPatient()) {
      consultations(p, m, month, r, encounters);
      for (String[] e : encounters) {
        encounter(p, batch, e, r, sink);
      }
      if (!encounters.isEmpty()) {
        patient(p, batch, r, sink);
      }
    }
  }

  private boolean claims(
      Person p, int m, YearMonth month, String batch, SplittableRandom r, Sink sink) {
    double rate = catalog.acute().visitsPerMonth();
    List<String> drugClasses = new ArrayList<>(catalog.acute().drugs());
    for (int i = 0; i < catalog.conditions().size(); i++) {
      if (p.has(i)) {
        rate += catalog.conditions().get(i).visitsPerMonth();
        drugClasses.addAll(catalog.conditions().get(i).drugs());
        drugClasses.addAll(catalog.conditions().get(i).drugs());
      }
    }
    int visits = Math.min(poisson(r, rate), 20);
    String processed = month.atDay(1).toString();
    String treated = month.atDay(Math.min(15, month.lengthOfMonth())).toString();
    for (int v = 0; v < visits; v++) {
      YearMonth careMonth = month.minusMonths(lag(r));
      LocalDate care = careMonth.atDay(1 + r.nextInt(careMonth.lengthOfMonth()));
      if (!p.aliveAt(care)) {
        continue;
      }
      String[] key = key(p, m, v, processed, treated, 1, r);
      boolean specialist = r.nextDouble() < 0.25;
      CareCatalog.Service service = catalog.services().get(specialist ? 1 : 0);
      claimLine(p, batch, key, service.code(), care, 1, service.amount(), r, sink);
      if (r.nextDouble() < 0.7) {
        String[] pharmacy = key(p, m, 25 + v, processed, treated, 1, r);
        int packs = 1 + r.nextInt(3);
        double total = 0;
        for (int k = 0; k < packs; k++) {
          String atc = drugClasses.get(r.nextInt(drugClasses.size()));
          int pack = r.nextInt(catalog.drugPacksPerClass());
          int qty = r.nextDouble() < 0.02 ? -1 : 1 + r.nextInt(3);
          double price = catalog.price(atc, pack);
          total += qty * price;
          dispensation(p, batch, pharmacy, k, CareCatalog.cip13(atc, pack), qty, price, r, sink);
        }
        claimLine(
            p,
            batch,
            pharmacy,
            "3317",
            care.plusDays(r.nextInt(3)),
            packs,
            Math.round(total * 100) / 100.0,
            r,
            sink);
      }
      if (r.nextDouble() < 0.15) {
        String[] lab = key(p, m, 40 + v, processed, treated, 1, r);
        claimLine(
            p,
            batch,
            lab,
            "7101",
            care.plusDays(1),
            1,
            catalog.services().get(4).amount(),
            r,
            sink);
      }
    }
    return visits > 0;
  }

  /** The 9-column key of a DCIR claim document's line. */
  private static String[] key(
      Person p, int m, int doc, String processed, String treated, int line, SplittableRandom r) {
    return new String[] {
      Long.toString(p.id() * 1000 + m * 48L + doc),
      processed,
      Integer.toString(1 + (int) (p.id() % 97)),
      "0",
      "1",
      treated,
      "01" + p.residenceDept().replace("A", "0").replace("B", "1") + "000",
      Integer.toString(line),
      "1"
    };
  }

  private void claimLine(
      Person p,
      String batch,
      String[] key,
      String nature,
      LocalDate care,
      int qty,
      double amount,
      SplittableRandom r,
      Sink sink) {
    String defect =
        defects.pick(
            r,
            List.of(
                Defects.DUPLICATED_LINE,
                Defects.MALFORMED_LINE,
                Defects.BAD_DATE,
                Defects.UNKNOWN_CODE));
    String end = care.toString();
    String code = nature;
    if (Defects.BAD_DATE.equals(defect)) {
      end = care.getYear() + "-02-30";
    } else if (Defects.UNKNOWN_CODE.equals(defect)) {
      code = "9999";
    }
    String[] f = new String[key.length + 11];
    System.arraycopy(key, 0, f, 0, key.length);
    int i = key.length;
    f[i++] = p.insuredNir();
    f[i++] = p.birth().toString();
    f[i++] = Integer.toString(p.sex());
    f[i++] = Integer.toString(p.birthRank());
    f[i++] = code;
    f[i++] = care.toString();
    f[i++] = end;
    f[i++] = Integer.toString(qty);
    f[i++] = money(amount);
    f[i++] = money(amount * 0.7);
    f[i] = nature.equals("1112") && r.nextDouble() < 0.3 ? p.facility() : "";
    write(sink, LandingTable.ER_PRS_F, batch, Csv.line(f), Csv.key(key), p, defect);
  }

  private void dispensation(
      Person p,
      String batch,
      String[] key,
      int k,
      String cip,
      int qty,
      double price,
      SplittableRandom r,
      Sink sink) {
    String defect = defects.pick(r, List.of(Defects.DUPLICATED_LINE, Defects.UNKNOWN_CODE));
    String code = Defects.UNKNOWN_CODE.equals(defect) ? "3400999999999" : cip;
    String[] f = new String[key.length + 3];
    System.arraycopy(key, 0, f, 0, key.length);
    f[key.length] = code;
    f[key.length + 1] = Integer.toString(qty);
    f[key.length + 2] = money(price);
    write(sink, LandingTable.ER_PHA_F, batch, Csv.line(f), Csv.key(key) + "|" + k, p, defect);
  }

  private void beneficiary(Person p, String batch, SplittableRandom r, Sink sink) {
    String defect =
        defects.pick(
            r,
            List.of(
                Defects.INVALID_NIR_KEY,
                Defects.MISSING_NIR,
                Defects.DUPLICATED_LINE,
                Defects.MALFORMED_LINE,
                Defects.BAD_DATE));
    String own = p.ownNirKnown() ? p.nir() : "";
    if (Defects.INVALID_NIR_KEY.equals(defect) && !own.isEmpty()) {
      own = Defects.invalidKey(own);
    } else if (Defects.MISSING_NIR.equals(defect)) {
      own = "";
    }
    String death = p.death() == null ? "" : p.death().toString();
    if (Defects.BAD_DATE.equals(defect)) {
      death = p.birth().getYear() + 80 + "-02-30";
    }
    String birth = p.birth().toString();
    String line =
        Csv.line(
            p.insuredNir(),
            own,
            birth,
            Integer.toString(p.birth().getYear()),
            String.format(Locale.ROOT, "%02d", p.birth().getMonthValue()),
            Integer.toString(p.sex()),
            Integer.toString(p.birthRank()),
            p.nir().startsWith("7") || p.nir().startsWith("8") ? "2" : "1",
            death,
            p.residenceDept(),
            p.postcode(),
            "01" + p.residenceDept().replace("A", "0").replace("B", "1") + "000");
    String key =
        Csv.key(p.insuredNir(), birth, Integer.toString(p.sex()), Integer.toString(p.birthRank()));
    write(sink, LandingTable.IR_BEN_R, batch, line, key, p, defect);
  }

  private void stays(
      Person p,
      int m,
      YearMonth month,
      String batch,
      SplittableRandom r,
      Sink sink,
      List<String[]> encounters) {
    int age = p.ageAt(month.atDay(1));
    double rate = catalog.acute().staysPerYear();
    for (int i = 0; i < catalog.conditions().size(); i++) {
      if (p.has(i)) {
        rate += catalog.conditions().get(i).staysPerYear();
      }
    }
    int stays = Math.min(poisson(r, rate / 12), 4);
    for (int k = 0; k < stays; k++) {
      String diagnosis;
      String ghm;
      List<String> acts;
      List<Integer> own = new ArrayList<>();
      for (int i = 0; i < catalog.conditions().size(); i++) {
        if (p.has(i)) {
          own.add(i);
        }
      }
      CareCatalog.AcuteStay acute = acuteStay(p, age, r);
      if (!own.isEmpty() && (acute == null || r.nextDouble() < 0.7)) {
        CareCatalog.Condition c = catalog.conditions().get(own.get(r.nextInt(own.size())));
        diagnosis = pick(c.diagnoses(), r);
        ghm = pick(c.ghm(), r);
        acts = c.acts();
      } else if (acute != null) {
        diagnosis = acute.diagnosis();
        ghm = acute.ghm();
        acts = acute.acts();
      } else {
        continue;
      }
      int los = ghm.startsWith("28") ? 0 : Math.min(1 + poisson(r, 3), month.lengthOfMonth() - 1);
      int admissionDay = 1 + r.nextInt(month.lengthOfMonth() - los);
      LocalDate in = month.atDay(admissionDay);
      LocalDate out = in.plusDays(los);
      String facility =
          r.nextDouble() < 0.9
              ? p.facility()
              : catalog.facilities().get(r.nextInt(catalog.facilities().size())).etaNum();
      String rsa = String.format(Locale.ROOT, "%010d", p.id() * 100 + m * 4L + k);
      stay(p, batch, facility, rsa, diagnosis, ghm, los, out, age, own, r, sink);
      linkage(p, batch, facility, rsa, in, out, r, sink);
      for (int a = 0; a < Math.min(acts.size(), 1 + r.nextInt(2)); a++) {
        write(
            sink,
            LandingTable.T_MCOAAA,
            batch,
            Csv.line(facility, rsa, acts.get(a), Integer.toString(r.nextInt(los + 1)), "1"),
            Csv.key(facility, rsa, Integer.toString(a)),
            p,
            null);
      }
      if (facility.equals(edsFacility) && p.edsPatient()) {
        encounters.add(
            new String[] {
              "V" + rsa,
              "HOSPITALISATION",
              in.format(FRENCH_DATE),
              out.format(FRENCH_DATE),
              dotted(diagnosis)
            });
      }
    }
  }

  private void stay(
      Person p,
      String batch,
      String facility,
      String rsa,
      String diagnosis,
      String ghm,
      int los,
      LocalDate out,
      int age,
      List<Integer> own,
      SplittableRandom r,
      Sink sink) {
    String defect = defects.pick(r, List.of(Defects.UNKNOWN_CODE, Defects.DUPLICATED_LINE));
    String dgn = Defects.UNKNOWN_CODE.equals(defect) ? "U999" : diagnosis;
    String line =
        Csv.line(
            facility,
            rsa,
            dgn,
            "",
            ghm,
            Integer.toString(los),
            Integer.toString(out.getYear()),
            String.format(Locale.ROOT, "%02d", out.getMonthValue()),
            Integer.toString(p.sex()),
            Integer.toString(age),
            p.postcode(),
            "8",
            p.death() != null && p.death().equals(out) ? "9" : "8");
    write(sink, LandingTable.T_MCOAAB, batch, line, Csv.key(facility, rsa), p, defect);
    int n = 0;
    for (int i : own) {
      String d = catalog.conditions().get(i).diagnoses().get(0);
      if (!d.equals(diagnosis) && n < 3) {
        write(
            sink,
            LandingTable.T_MCOAAD,
            batch,
            Csv.line(facility, rsa, d),
            Csv.key(facility, rsa, Integer.toString(n)),
            p,
            null);
        n++;
      }
    }
  }

  private void linkage(
      Person p,
      String batch,
      String facility,
      String rsa,
      LocalDate in,
      LocalDate out,
      SplittableRandom r,
      Sink sink) {
    String defect = defects.pick(r, List.of(Defects.DAY_MONTH_SWAP, Defects.INVALID_NIR_KEY));
    String nir = p.insuredNir();
    String nirRet = "0";
    String birth = p.birth().toString();
    String naiRet = "0";
    if (r.nextDouble() < 0.02) {
      // About 2% of stays cannot be chained, as in reality: no usable NIR at the hospital.
      nir = UNCHAINABLE_NIR;
      nirRet = "1";
      defect = defect == null ? "unchainable" : defect + ",unchainable";
    } else if (Defects.INVALID_NIR_KEY.equals(defect)) {
      nir = Defects.invalidKey(nir);
      nirRet = "1";
    }
    if (Defects.DAY_MONTH_SWAP.equals(defect)) {
      LocalDate b = p.birth();
      if (b.getDayOfMonth() <= 12 && b.getDayOfMonth() != b.getMonthValue()) {
        birth = LocalDate.of(b.getYear(), b.getDayOfMonth(), b.getMonthValue()).toString();
      } else {
        defect = null;
      }
    }
    String line =
        Csv.line(
            facility,
            rsa,
            nir,
            birth,
            Integer.toString(p.sex()),
            Integer.toString(p.birthRank()),
            nirRet,
            naiRet,
            "0",
            "0",
            "0",
            "0",
            "0",
            in.toString(),
            out.toString());
    write(sink, LandingTable.T_MCOAAC, batch, line, Csv.key(facility, rsa), p, defect);
  }

  private void consultations(
      Person p, int m, YearMonth month, SplittableRandom r, List<String[]> encounters) {
    double rate = 0.08 + 0.08 * Integer.bitCount(p.conditions());
    int n = Math.min(poisson(r, rate), 3);
    for (int k = 0; k < n; k++) {
      LocalDate day = month.atDay(1 + r.nextInt(month.lengthOfMonth()));
      String diagnosis = pick(catalog.acute().diagnoses(), r);
      for (int i = 0; i < catalog.conditions().size(); i++) {
        if (p.has(i) && r.nextDouble() < 0.6) {
          diagnosis = pick(catalog.conditions().get(i).diagnoses(), r);
        }
      }
      String id = String.format(Locale.ROOT, "C%010d", p.id() * 100 + m * 4L + k);
      encounters.add(
          new String[] {
            id, "CONSULTATION", day.format(FRENCH_DATE), day.format(FRENCH_DATE), dotted(diagnosis)
          });
    }
  }

  private void encounter(Person p, String batch, String[] e, SplittableRandom r, Sink sink) {
    String defect = defects.pick(r, List.of(Defects.BAD_DATE, Defects.UNKNOWN_CODE));
    String exit = Defects.BAD_DATE.equals(defect) ? "30/02/" + e[3].substring(6) : e[3];
    String code = Defects.UNKNOWN_CODE.equals(defect) ? "U99.9" : e[4];
    write(
        sink,
        LandingTable.ENCOUNTERS,
        batch,
        Csv.line(e[0], p.ipp(), e[1], e[2], exit, code),
        e[0],
        p,
        defect);
  }

  private void patient(Person p, String batch, SplittableRandom r, Sink sink) {
    String defect =
        defects.pick(
            r,
            List.of(
                Defects.TYPO_LAST_NAME,
                Defects.TYPO_FIRST_NAME,
                Defects.SWAPPED_NAMES,
                Defects.MARRIED_NAME,
                Defects.DAY_MONTH_SWAP,
                Defects.INVALID_NIR_KEY,
                Defects.MISSING_NIR,
                Defects.POSTCODE_TYPO,
                Defects.BROKEN_QUOTING,
                Defects.MALFORMED_LINE,
                Defects.DUPLICATED_LINE));
    String last = p.lastName();
    String first = p.firstName();
    String usage = p.usageName() == null ? "" : p.usageName();
    LocalDate b = p.birth();
    String birth = b.format(FRENCH_DATE);
    String postcode = p.postcode();
    // About 15% of hospital patients have no NIR on file; the rest are written with or without
    // spaces.
    String nir = r.nextDouble() < 0.15 ? "" : p.nir();
    if (defect != null) {
      switch (defect) {
        case Defects.TYPO_LAST_NAME -> last = Defects.typo(last, r);
        case Defects.TYPO_FIRST_NAME -> first = Defects.typo(first, r);
        case Defects.SWAPPED_NAMES -> {
          String t = last;
          last = first.toUpperCase(Locale.ROOT);
          first = t.charAt(0) + t.substring(1).toLowerCase(Locale.ROOT);
        }
        case Defects.MARRIED_NAME -> {
          if (p.usageName() != null) {
            last = p.usageName();
          } else {
            defect = null;
          }
        }
        case Defects.DAY_MONTH_SWAP -> {
          if (b.getDayOfMonth() <= 12 && b.getDayOfMonth() != b.getMonthValue()) {
            birth =
                LocalDate.of(b.getYear(), b.getDayOfMonth(), b.getMonthValue()).format(FRENCH_DATE);
          } else {
            defect = null;
          }
        }
        case Defects.INVALID_NIR_KEY -> {
          if (nir.isEmpty()) {
            defect = null;
          } else {
            nir = Defects.invalidKey(nir);
          }
        }
        case Defects.MISSING_NIR -> nir = "";
        case Defects.POSTCODE_TYPO ->
            postcode =
                postcode.substring(0, 4) + (char) ('0' + (postcode.charAt(4) - '0' + 1) % 10);
        default -> {}
      }
    }
    if (!nir.isEmpty() && r.nextBoolean()) {
      nir =
          nir.charAt(0)
              + " "
              + nir.substring(1, 3)
              + " "
              + nir.substring(3, 5)
              + " "
              + nir.substring(5, 7)
              + " "
              + nir.substring(7, 10)
              + " "
              + nir.substring(10, 13)
              + " "
              + nir.substring(13);
    }
    String line =
        Csv.line(p.ipp(), last, usage, first, birth, p.sex() == 1 ? "M" : "F", postcode, nir);
    if (Defects.BROKEN_QUOTING.equals(defect)) {
      line =
          line.replaceFirst(
              ";" + java.util.regex.Pattern.quote(last) + ";",
              ";\"" + java.util.regex.Matcher.quoteReplacement(last) + ";");
    }
    write(sink, LandingTable.PATIENTS, batch, line, p.ipp(), p, defect);
  }

  private void write(
      Sink sink,
      LandingTable table,
      String batch,
      String line,
      String key,
      Person p,
      String defect) {
    String l = Defects.MALFORMED_LINE.equals(defect) ? Defects.dropLastField(line) : line;
    String d = defect == null ? "" : defect;
    sink.emit(table, batch, l, key, p, d);
    if (Defects.DUPLICATED_LINE.equals(defect)) {
      sink.emit(table, batch, l, key, p, d);
    }
  }

  private CareCatalog.AcuteStay acuteStay(Person p, int age, SplittableRandom r) {
    List<CareCatalog.AcuteStay> fit = new ArrayList<>();
    for (CareCatalog.AcuteStay s : catalog.acute().stays()) {
      if (age >= s.minAge()
          && (s.maxAge() == null || age <= s.maxAge())
          && (s.sex() == null || s.sex() == p.sex())) {
        fit.add(s);
      }
    }
    return fit.isEmpty() ? null : fit.get(r.nextInt(fit.size()));
  }

  /** Months between care and processing: 80% the same month, 99% within 6, at most 27. */
  private static int lag(SplittableRandom r) {
    double u = r.nextDouble();
    if (u < 0.80) {
      return 0;
    }
    if (u < 0.92) {
      return 1;
    }
    if (u < 0.99) {
      return 2 + r.nextInt(5);
    }
    return 7 + r.nextInt(21);
  }

  private static String pick(List<String> values, SplittableRandom r) {
    return values.get(r.nextInt(values.size()));
  }

  /** ICD-10 as hospital systems write it: {@code E119} becomes {@code E11.9}. */
  private static String dotted(String icd) {
    return icd.length() > 3 ? icd.substring(0, 3) + "." + icd.substring(3) : icd;
  }

  private static String money(double amount) {
    return String.format(Locale.ROOT, "%.2f", amount);
  }

  static int poisson(SplittableRandom r, double lambda) {
    double l = Math.exp(-lambda);
    int k = 0;
    double p = 1;
    do {
      k++;
      p *= r.nextDouble();
    } while (p > l);
    return k - 1;
  }
}
