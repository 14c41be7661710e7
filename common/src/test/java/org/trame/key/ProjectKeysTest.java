package org.trame.key;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProjectKeysTest {
  private static final SecretKey MASTER =
      new SecretKey(KeyId.parse("extract-v3"), "0123456789abcdef0123456789abcdef".getBytes());

  @Test
  void projectsGetDifferentStableKeys() {
    SecretKey a = ProjectKeys.derive(MASTER, "p001");
    assertThat(a.bytes()).isEqualTo(ProjectKeys.derive(MASTER, "p001").bytes());
    assertThat(a.bytes()).isNotEqualTo(ProjectKeys.derive(MASTER, "p002").bytes());
    assertThat(a.bytes()).isNotEqualTo(MASTER.bytes()).hasSize(32);
    assertThat(a.id()).hasToString("project-v3");
  }

  @Test
  void onlyExtractKeysDerive() {
    SecretKey link = new SecretKey(KeyId.parse("link-v1"), new byte[32]);
    assertThatThrownBy(() -> ProjectKeys.derive(link, "p001"))
        .hasMessageContaining("an 'extract' key is needed");
  }
}
