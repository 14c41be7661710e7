package org.trame.jobs.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FellegiSunterTest {
  private static final List<String> FIELDS = List.of("birth_date", "sex", "name");
  private static final int[] LEVELS = {2, 2, 2};
  // True m (agreement for matches) and u (for non-matches) per field.
  private static final double[] M = {0.95, 0.98, 0.9};
  private static final double[] U = {0.01, 0.5, 0.05};

  /** Expected pattern counts of a population with this share of matches. */
  private static List<FellegiSunter.Pattern> population(double matchShare, long pairs) {
    List<FellegiSunter.Pattern> out = new ArrayList<>();
    for (int p = 0; p < 8; p++) {
      int[] levels = {p & 1, (p >> 1) & 1, (p >> 2) & 1};
      double m = matchShare;
      double u = 1 - matchShare;
      for (int f = 0; f < 3; f++) {
        m *= levels[f] == 1 ? M[f] : 1 - M[f];
        u *= levels[f] == 1 ? U[f] : 1 - U[f];
      }
      out.add(new FellegiSunter.Pattern(levels, Math.round((m + u) * pairs)));
    }
    return out;
  }

  @Test
  void emRecoversMatchProbabilitiesWithoutLabels() {
    FellegiSunter model =
        FellegiSunter.estimate(
            FIELDS, LEVELS, population(0, 1_000_000), population(0.3, 100_000), 200);
    assertThat(model.lambda()).isCloseTo(0.3, within(0.02));
    assertThat(model.weight(0, 1)).isCloseTo(Math.log(0.95 / 0.01) / Math.log(2), within(0.2));
    assertThat(model.weight(2, 0)).isCloseTo(Math.log(0.1 / 0.95) / Math.log(2), within(0.3));
    assertThat(model.posterior(new int[] {1, 1, 1})).isGreaterThan(0.99);
    assertThat(model.posterior(new int[] {0, 1, 0})).isLessThan(0.01);
    // A field one side lacks counts for nothing.
    assertThat(model.weight(1, -1)).isZero();
  }

  @Test
  void aRareSharedValueWeighsMoreThanACommonOne() {
    FellegiSunter model =
        FellegiSunter.estimate(
            FIELDS, LEVELS, population(0, 1_000_000), population(0.3, 100_000), 200);
    assertThat(model.weightForFrequency(2, 0.0001))
        .isGreaterThan(model.weightForFrequency(2, 0.05));
  }

  @Test
  void aWeakerAgreementNeverWeighsMoreThanAStrongerOne() {
    // A "phonetic" level much rarer among random pairs than "exact" would out-weigh it.
    List<String> fields = List.of("name");
    int[] levels = {3};
    List<FellegiSunter.Pattern> random =
        List.of(
            new FellegiSunter.Pattern(new int[] {2}, 3_000),
            new FellegiSunter.Pattern(new int[] {1}, 1),
            new FellegiSunter.Pattern(new int[] {0}, 97_000));
    FellegiSunter model = FellegiSunter.estimate(fields, levels, random, List.of(), 1);
    assertThat(model.weight(0, 1)).isLessThanOrEqualTo(model.weight(0, 2));
    assertThat(model.weight(0, 0)).isLessThan(model.weight(0, 1));
  }
}
