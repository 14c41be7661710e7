package org.trame.key;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyStoreProviderTest {
  private static final char[] PASSWORD = "correct horse battery staple".toCharArray();

  @TempDir Path dir;

  @Test
  void initCreatesLinkAndExtractKeysReadableByOwnerOnly() throws Exception {
    Path file = dir.resolve("keys/k.p12");
    KeyStoreProvider.create(file, PASSWORD);

    KeyStoreProvider opened = KeyStoreProvider.open(file, PASSWORD);
    List<KeyInfo> keys = opened.list();
    assertThat(keys).extracting(k -> k.id().toString()).containsExactly("extract-v1", "link-v1");
    assertThat(keys).allSatisfy(k -> assertThat(k.bits()).isEqualTo(256));
    assertThat(keys.get(0).created()).isNotNull();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(opened.get(KeyId.parse("link-v1")).bytes()).hasSize(32);
  }

  @Test
  void twoKeystoresHaveDifferentKeys() {
    KeyStoreProvider a = KeyStoreProvider.create(dir.resolve("a.p12"), PASSWORD);
    KeyStoreProvider b = KeyStoreProvider.create(dir.resolve("b.p12"), PASSWORD);
    assertThat(a.latestKey(KeyId.LINK).bytes()).isNotEqualTo(b.latestKey(KeyId.LINK).bytes());
    assertThat(a.latestKey(KeyId.LINK).bytes()).isNotEqualTo(a.latestKey(KeyId.EXTRACT).bytes());
  }

  @Test
  void refusesToOverwrite() throws Exception {
    Path file = dir.resolve("k.p12");
    Files.writeString(file, "precious");
    assertThatThrownBy(() -> KeyStoreProvider.create(file, PASSWORD))
        .isInstanceOf(KeyAccessException.class)
        .hasMessageContaining("already exists");
    assertThat(Files.readString(file)).isEqualTo("precious");
  }

  @Test
  void wrongPasswordIsNamed() {
    Path file = dir.resolve("k.p12");
    KeyStoreProvider.create(file, PASSWORD);
    assertThatThrownBy(() -> KeyStoreProvider.open(file, "wrong".toCharArray()))
        .isInstanceOf(KeyAccessException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("wrong password")
        .hasMessageNotContaining("correct horse");
  }

  @Test
  void missingKeystoreSaysHowToCreateOne() {
    assertThatThrownBy(() -> KeyStoreProvider.open(dir.resolve("none.p12"), PASSWORD))
        .isInstanceOf(KeyAccessException.class)
        .hasMessageContaining("no such file")
        .hasMessageContaining("trame keys init");
  }

  @Test
  void missingPasswordIsRefused() {
    assertThatThrownBy(() -> KeyStoreProvider.create(dir.resolve("k.p12"), new char[0]))
        .hasMessageContaining("TRAME_KEYSTORE_PASSWORD");
    assertThat(dir.resolve("k.p12")).doesNotExist();
  }

  @Test
  void rotateAddsNextVersionAndKeepsOld() {
    Path file = dir.resolve("k.p12");
    KeyStoreProvider p = KeyStoreProvider.create(file, PASSWORD);
    byte[] v1 = p.latestKey(KeyId.LINK).bytes();
    assertThat(p.rotate(KeyId.LINK)).hasToString("link-v2");
    KeyStoreProvider reopened = KeyStoreProvider.open(file, PASSWORD);
    assertThat(reopened.latest(KeyId.LINK)).contains(KeyId.parse("link-v2"));
    assertThat(reopened.get(KeyId.parse("link-v1")).bytes()).isEqualTo(v1);
    assertThat(reopened.get(KeyId.parse("link-v2")).bytes()).isNotEqualTo(v1);
  }

  @Test
  void noMessageOrToStringEverHoldsKeyBytes() {
    Path file = dir.resolve("k.p12");
    KeyStoreProvider p = KeyStoreProvider.create(file, PASSWORD);
    SecretKey key = p.latestKey(KeyId.LINK);
    String hex = HexFormat.of().formatHex(key.bytes());
    String latin = new String(key.bytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
    List<String> texts =
        List.of(
            key.toString(),
            p.toString(),
            p.list().toString(),
            ProjectKeys.derive(p.latestKey(KeyId.EXTRACT), "p1").toString(),
            new org.trame.pseudo.Pseudonymizer("link-v1", key.bytes()).toString(),
            messageOf(() -> p.get(KeyId.parse("link-v9"))),
            messageOf(() -> KeyStoreProvider.open(file, "bad".toCharArray())),
            messageOf(() -> ProjectKeys.derive(key, "p1")));
    for (String t : texts) {
      assertThat(t).doesNotContain(hex).doesNotContain(latin).doesNotContain("correct horse");
    }
  }

  private static String messageOf(Runnable r) {
    try {
      r.run();
      return "";
    } catch (RuntimeException e) {
      StringBuilder b = new StringBuilder();
      for (Throwable t = e; t != null; t = t.getCause()) {
        b.append(t).append('\n');
      }
      return b.toString();
    }
  }
}
