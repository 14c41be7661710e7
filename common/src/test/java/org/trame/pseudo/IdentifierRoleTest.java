package org.trame.pseudo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IdentifierRoleTest {
  @Test
  void normalizesEachRole() {
    assertThat(IdentifierRole.NIR.normalize("1 85 05 78 006 048 30")).isEqualTo("1850578006048");
    assertThat(IdentifierRole.NIR.normalize("185057800604831")).isNull();
    assertThat(IdentifierRole.BIRTH_DATE.normalize("05/03/1985")).isEqualTo("1985-03-05");
    assertThat(IdentifierRole.BIRTH_DATE.normalize("19850305")).isEqualTo("1985-03-05");
    assertThat(IdentifierRole.BIRTH_DATE.normalize("2023-02-30")).isNull();
    assertThat(IdentifierRole.SEX.normalize("F")).isEqualTo("2");
    assertThat(IdentifierRole.SEX.normalize(" 1 ")).isEqualTo("1");
    assertThat(IdentifierRole.SEX.normalize("9")).isNull();
    assertThat(IdentifierRole.BIRTH_RANK.normalize("01")).isEqualTo("1");
    assertThat(IdentifierRole.POSTCODE.normalize("2A 004")).isEqualTo("2A004");
    assertThat(IdentifierRole.POSTCODE.normalize("75")).isNull();
    assertThat(IdentifierRole.POSTCODE.normalize(" 2600 ")).isEqualTo("2600");
    assertThat(IdentifierRole.POSTCODE.normalize("75-001")).isNull();
    assertThat(IdentifierRole.LAST_NAME.normalize("Dupont épouse Martin")).isEqualTo("DUPONT");
    assertThat(IdentifierRole.LOCAL_ID.normalize(" IPP-0042 ")).isEqualTo("IPP-0042");
    assertThat(IdentifierRole.BIRTH_DATE.yamlName()).isEqualTo("birth_date");
  }
}
