package org.trame.pseudo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class PseudonymizerTest {
  private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes();
  private final Pseudonymizer p = new Pseudonymizer("link-v1", KEY);

  @Test
  void sameInputSamePseudonym() {
    assertThat(p.pseudonym("nir", "1850578006048")).isEqualTo(p.pseudonym("nir", "1850578006048"));
    assertThat(new Pseudonymizer("link-v1", KEY).pseudonym("nir", "1850578006048"))
        .isEqualTo(p.pseudonym("nir", "1850578006048"));
  }

  @Test
  void textFormIs26Base32Characters() {
    String s = p.pseudonym("nir", "1850578006048");
    assertThat(s).hasSize(Pseudonymizer.TEXT_LENGTH).matches("[a-z2-7]{26}");
  }

  @Test
  void textFormIsRfc4648Base32OfFirst16Bytes() {
    byte[] mac = new byte[32];
    for (int i = 0; i < 32; i++) {
      mac[i] = (byte) (i * 37 + 11);
    }
    String expected =
        new org.apache.commons.codec.binary.Base32()
            .encodeAsString(Arrays.copyOf(mac, 16))
            .replace("=", "")
            .toLowerCase();
    assertThat(Pseudonymizer.text(mac)).isEqualTo(expected);
  }

  @Test
  void kindsAreDomainSeparated() {
    assertThat(p.pseudonym("last_name", "MARTIN"))
        .isNotEqualTo(p.pseudonym("first_name", "MARTIN"));
  }

  @Test
  void multiPartEncodingIsUnambiguous() {
    assertThat(p.pseudonym("x", "a", "bc")).isNotEqualTo(p.pseudonym("x", "ab", "c"));
    assertThat(p.pseudonym("nir", "AB")).isNotEqualTo(p.pseudonym("nirA", "B"));
    assertThat(p.pseudonym("x", "a")).isNotEqualTo(p.pseudonym("x", "a", ""));
  }

  @Test
  void absentPartGivesNoPseudonym() {
    assertThat(p.pseudonym("nir_psa", "1850578006048", null, "1")).isNull();
  }

  @Test
  void differentKeyDifferentPseudonym() {
    Pseudonymizer other =
        new Pseudonymizer("link-v2", "fedcba9876543210fedcba9876543210".getBytes());
    assertThat(other.pseudonym("nir", "1850578006048"))
        .isNotEqualTo(p.pseudonym("nir", "1850578006048"));
  }

  @Test
  void manyThreadsGiveIdenticalResults() throws Exception {
    List<String> inputs = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      inputs.add(Nir.withKey(Long.toString(1_850_578_000_000L + i)));
    }
    List<String> expected = inputs.stream().map(s -> p.pseudonym("nir", s)).toList();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<List<String>>> results = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        results.add(pool.submit(() -> inputs.stream().map(s -> p.pseudonym("nir", s)).toList()));
      }
      for (Future<List<String>> r : results) {
        assertThat(r.get()).isEqualTo(expected);
      }
    } finally {
      pool.shutdownNow();
    }
    Set<String> distinct = new HashSet<>(expected);
    assertThat(distinct).hasSize(inputs.size());
  }

  @Test
  void survivesJavaSerializationAsSparkShipsIt() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(p);
    }
    Pseudonymizer copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (Pseudonymizer) in.readObject();
    }
    assertThat(copy.pseudonym("nir", "x")).isEqualTo(p.pseudonym("nir", "x"));
  }

  @Test
  void toStringShowsOnlyKeyId() {
    assertThat(p.toString()).isEqualTo("Pseudonymizer[key=link-v1]").doesNotContain("0123456789");
  }
}
