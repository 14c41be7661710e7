package org.trame.jobs.demo;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.trame.pseudo.Nir;

/**
 * A small synthetic beneficiary file ({@code IR_BEN_R}) for the demo: families under one insured
 * person's NIR, twins, and a few defects (wrong NIR keys, missing NIRs, impossible dates). Every
 * NIR is made up; no real data is involved.
 */
final class DemoBeneficiaries {
  static final String HEADER =
      "ASS_NIR;BEN_NIR;BEN_NAI_DTE;BEN_NAI_ANN;BEN_NAI_MOI;BEN_SEX_COD;BEN_RNG_GEM;BEN_CDI_NIR;"
          + "BEN_DCD_DTE;BEN_RES_DPT;BEN_RES_COM;ORG_AFF_BEN";
  private static final String[] DEPARTMENTS = {
    "75", "13", "69", "33", "59", "2A", "2B", "67", "31", "44"
  };

  private DemoBeneficiaries() {}

  /**
   * Writes {@code IR_BEN_R.csv.gz} with about {@code persons} rows into {@code folder}.
   *
   * @return the number of data lines written
   */
  static long write(Path folder, int persons, long seed) throws IOException {
    Files.createDirectories(folder);
    SplittableRandom random = new SplittableRandom(seed);
    long lines = 0;
    try (OutputStream file = Files.newOutputStream(folder.resolve("IR_BEN_R.csv.gz"));
        Writer out = new OutputStreamWriter(new GZIPOutputStream(file), StandardCharsets.UTF_8)) {
      out.write(HEADER + "\n");
      int person = 0;
      while (person < persons) {
        // One insured adult, sometimes with children (and twins) on the same NIR.
        LocalDate adultBirth =
            LocalDate.of(1940 + random.nextInt(60), 1 + random.nextInt(12), 1 + random.nextInt(28));
        int adultSex = 1 + random.nextInt(2);
        String dept = DEPARTMENTS[random.nextInt(DEPARTMENTS.length)];
        String insured = nir(adultSex, adultBirth, dept, random);
        out.write(row(insured, insured, adultBirth, adultSex, 1, dept, random));
        lines++;
        person++;
        int children = random.nextInt(10) < 3 ? 1 + random.nextInt(3) : 0;
        for (int c = 0; c < children && person < persons; c++) {
          LocalDate birth =
              LocalDate.of(
                  2006 + random.nextInt(17), 1 + random.nextInt(12), 1 + random.nextInt(28));
          int sex = 1 + random.nextInt(2);
          boolean twins = random.nextInt(20) == 0;
          for (int rank = 1; rank <= (twins ? 2 : 1) && person < persons; rank++) {
            String own = random.nextInt(10) < 6 ? nir(sex, birth, dept, random) : "";
            out.write(row(insured, own, birth, sex, rank, dept, random));
            lines++;
            person++;
          }
        }
      }
    }
    return lines;
  }

  private static String row(
      String insured,
      String own,
      LocalDate birth,
      int sex,
      int rank,
      String dept,
      SplittableRandom random) {
    String ownNir = own;
    if (!own.isEmpty() && random.nextInt(100) == 0) {
      ownNir =
          own.substring(0, 13)
              + String.format(Locale.ROOT, "%02d", (Integer.parseInt(own.substring(13)) + 1) % 98);
    }
    String death = "";
    int roll = random.nextInt(200);
    if (roll == 0) {
      death = "2023-02-30";
    } else if (roll < 4) {
      death = "2023-0" + (1 + random.nextInt(9)) + "-1" + random.nextInt(10);
    }
    String commune = String.format(Locale.ROOT, "%03d", 1 + random.nextInt(300));
    String birthDate = random.nextInt(400) == 0 ? "" : birth.toString();
    return String.join(
            ";",
            insured,
            ownNir,
            birthDate,
            Integer.toString(birth.getYear()),
            String.format(Locale.ROOT, "%02d", birth.getMonthValue()),
            Integer.toString(sex),
            Integer.toString(rank),
            "1",
            death,
            dept,
            dept + commune,
            "01" + (100 + random.nextInt(800)))
        + "\n";
  }

  private static String nir(int sex, LocalDate birth, String dept, SplittableRandom random) {
    String body =
        String.format(
            Locale.ROOT,
            "%d%02d%02d%s%03d%03d",
            sex,
            birth.getYear() % 100,
            birth.getMonthValue(),
            dept,
            1 + random.nextInt(999),
            1 + random.nextInt(999));
    return Nir.withKey(body);
  }
}
