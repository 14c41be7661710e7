package org.trame.pseudo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NirTest {
  @ParameterizedTest
  @CsvSource({
    "'185057800604830', VALID",
    "'1 85 05 78 006 048 30', VALID",
    "'1.85.05.78.006.048-30', VALID",
    "'269029934173285', VALID",
    "'185057800604831', INVALID_KEY",
    "'185057800604800', INVALID_KEY",
    "'1850578006048', MISSING_KEY",
    "'185052A00604871', VALID",
    "'185052a00604871', VALID",
    "'185052B00604801', VALID",
    "'185052A00604801', INVALID_KEY",
    "'185052C00604801', MALFORMED",
    "'585057800604830', MALFORMED",
    "'18505780060483', MALFORMED",
    "'1850578006048XX', MALFORMED",
    "'xxxxxxxxxxxxxxxxx', MALFORMED",
    "'   ', ABSENT",
  })
  void checksControlKey(String raw, Nir.Status expected) {
    assertThat(Nir.check(raw).status()).isEqualTo(expected);
  }

  @Test
  void corsicaCountsAs19And18() {
    assertThat(Nir.controlKey("185052A006048")).isEqualTo(71);
    assertThat(Nir.controlKey("185052B006048")).isEqualTo(1);
    assertThat(Nir.controlKey("1850578006048")).isEqualTo(30);
    assertThat(Nir.withKey("185052B006048")).isEqualTo("185052B00604801");
  }

  @Test
  void everyBodyRoundTripsItsKey() {
    for (long n = 1_000_000_000_000L; n < 1_000_000_000_000L + 5_000; n += 7) {
      String body = Long.toString(n);
      assertThat(Nir.check(Nir.withKey(body)).status()).isEqualTo(Nir.Status.VALID);
    }
  }

  @Test
  void checkNeverShowsTheNumber() {
    assertThat(Nir.check("185057800604830").toString()).doesNotContain("1850578");
    assertThatThrownBy(() -> Nir.controlKey("1850578X06048")).hasMessageNotContaining("1850578");
  }
}
