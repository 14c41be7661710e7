package org.trame.pseudo;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/** HKDF with HMAC-SHA256 (RFC 5869): derives independent keys from one master key. */
public final class Hkdf {
  private Hkdf() {}

  /**
   * HKDF-Extract: a pseudorandom key from input keying material.
   *
   * @param salt optional salt; null or empty means 32 zero bytes, as RFC 5869 says
   * @param ikm input keying material, not empty
   */
  public static byte[] extract(byte[] salt, byte[] ikm) {
    byte[] s = salt == null || salt.length == 0 ? new byte[HmacSha256.LENGTH] : salt;
    return HmacSha256.withKey(s).mac(ikm);
  }

  /**
   * HKDF-Expand: {@code length} bytes of output keying material bound to {@code info}.
   *
   * @throws IllegalArgumentException if length is not in 1..8160 (255 blocks)
   */
  public static byte[] expand(byte[] prk, byte[] info, int length) {
    if (length < 1 || length > 255 * HmacSha256.LENGTH) {
      throw new IllegalArgumentException(
          "Cannot expand HKDF key: length " + length + " is outside 1.." + 255 * HmacSha256.LENGTH);
    }
    HmacSha256 hmac = HmacSha256.withKey(prk);
    byte[] inf = info == null ? new byte[0] : info;
    ByteArrayOutputStream okm = new ByteArrayOutputStream(length + HmacSha256.LENGTH);
    byte[] previous = new byte[0];
    for (int counter = 1; okm.size() < length; counter++) {
      byte[] input = new byte[previous.length + inf.length + 1];
      System.arraycopy(previous, 0, input, 0, previous.length);
      System.arraycopy(inf, 0, input, previous.length, inf.length);
      input[input.length - 1] = (byte) counter;
      previous = hmac.mac(input);
      okm.write(previous, 0, previous.length);
    }
    byte[] all = okm.toByteArray();
    byte[] result = Arrays.copyOf(all, length);
    Arrays.fill(all, (byte) 0);
    return result;
  }

  /** Extract then expand: the usual one-call form. */
  public static byte[] derive(byte[] salt, byte[] ikm, byte[] info, int length) {
    byte[] prk = extract(salt, ikm);
    try {
      return expand(prk, info, length);
    } finally {
      Arrays.fill(prk, (byte) 0);
    }
  }
}
