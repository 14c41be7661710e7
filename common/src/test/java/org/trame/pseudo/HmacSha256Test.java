package org.trame.pseudo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HmacSha256Test {
  private static final HexFormat HEX = HexFormat.of();

  /** RFC 4231 section 4, test cases 1-7 (case 5 is truncated to 128 bits). Hex inputs. */
  @ParameterizedTest(name = "RFC 4231 test case {0}")
  @CsvSource({
    "1, 0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b, 4869205468657265,"
        + " b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    "2, 4a656665, 7768617420646f2079612077616e7420666f72206e6f7468696e673f,"
        + " 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    "3, aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, "
        + "dd-50,"
        + " 773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
    "4, 0102030405060708090a0b0c0d0e0f10111213141516171819, cd-50,"
        + " 82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
    "5, 0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c, 546573742057697468205472756e636174696f6e,"
        + " a3b6167473100ee06e0c796c2955552b",
    "6, aa-131, 54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d20"
        + "48617368204b6579204669727374,"
        + " 60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
  })
  void matchesRfc4231(int testCase, String key, String data, String expected) {
    byte[] mac = HmacSha256.withKey(bytes(key)).mac(bytes(data));
    byte[] want = HEX.parseHex(expected);
    assertThat(Arrays.copyOf(mac, want.length)).as("test case %d", testCase).isEqualTo(want);
  }

  @Test
  void matchesRfc4231TestCase7() {
    byte[] data =
        ("This is a test using a larger than block-size key and a larger than block-size data."
                + " The key needs to be hashed before being used by the HMAC algorithm.")
            .getBytes(StandardCharsets.US_ASCII);
    assertThat(HEX.formatHex(HmacSha256.withKey(bytes("aa-131")).mac(data)))
        .isEqualTo("9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
  }

  @Test
  void agreesWithJdkMacOnManyLengths() throws Exception {
    byte[] key = bytes("5a-37");
    Mac jdk = Mac.getInstance("HmacSHA256");
    jdk.init(new SecretKeySpec(key, "HmacSHA256"));
    HmacSha256 ours = HmacSha256.withKey(key);
    for (int n = 0; n < 300; n += 7) {
      byte[] msg = new byte[n];
      Arrays.fill(msg, (byte) n);
      assertThat(ours.mac(msg)).isEqualTo(jdk.doFinal(msg));
    }
  }

  @Test
  void toStringHidesKey() {
    assertThat(HmacSha256.withKey(bytes("41-32")).toString())
        .doesNotContain("41")
        .contains("hidden");
  }

  /** Hex, or "xx-N" for byte xx repeated N times. */
  static byte[] bytes(String spec) {
    if (spec.contains("-")) {
      String[] p = spec.split("-");
      byte[] b = new byte[Integer.parseInt(p[1])];
      Arrays.fill(b, (byte) Integer.parseInt(p[0], 16));
      return b;
    }
    return HEX.parseHex(spec);
  }
}
