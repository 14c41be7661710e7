package org.trame.pseudo;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Keyed-hash pseudonyms: HMAC-SHA256 over a domain-separated, unambiguous encoding of one or more
 * normalized identifier parts.
 *
 * <p><b>Encoding.</b> The MAC input is {@code "trame/1"}, then the kind and each part, each written
 * as a 4-byte big-endian length followed by its UTF-8 bytes. Two different (kind, parts) tuples
 * therefore never give the same input: {@code ("nir", "AB")} and {@code ("nirA", "B")} differ, and
 * so do {@code ("x", "a", "bc")} and {@code ("x", "ab", "c")}.
 *
 * <p><b>Text form.</b> The first 128 bits of the MAC in lower-case RFC 4648 base32 without padding:
 * 26 characters from {@code a-z2-7}, safe in CSV, SQL and case-insensitive tools. With 10^9 people,
 * the chance that any two of them share a pseudonym of one kind is about n²/2^129 ≈ 1.5 × 10^-21.
 *
 * <p>Serializable so that Spark ships it to executors with the job; the key travels inside it and
 * the primed digest states are rebuilt once per deserialized copy. {@code toString()} shows only
 * the key id. Thread-safe.
 */
public final class Pseudonymizer implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final byte[] PREFIX = "trame/1".getBytes(StandardCharsets.US_ASCII);
  private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

  /** Length of the text form. */
  public static final int TEXT_LENGTH = 26;

  /** The kind under which a pseudonym is chained through a newer key. */
  public static final String RECHAIN_KIND = "rechain";

  private final String keyId;
  private final byte[] key;
  private final byte[][] later;
  private transient volatile HmacSha256 hmac;
  private transient volatile HmacSha256[] laterHmacs;

  /**
   * @param keyId the key's id (for example {@code link-v1}), recorded with what it produces
   * @param key the secret key bytes; copied
   */
  public Pseudonymizer(String keyId, byte[] key) {
    if (keyId == null || keyId.isBlank()) {
      throw new IllegalArgumentException("Cannot create pseudonymizer: key id is blank");
    }
    if (key == null || key.length < 16) {
      throw new IllegalArgumentException(
          "Cannot create pseudonymizer for key " + keyId + ": key shorter than 16 bytes");
    }
    this.keyId = keyId;
    this.key = key.clone();
    this.later = new byte[0][];
  }

  private Pseudonymizer(String keyId, byte[] key, byte[][] later) {
    this.keyId = keyId;
    this.key = key;
    this.later = later;
  }

  /**
   * This pseudonymizer followed by a newer key: each pseudonym it makes is then chained once more,
   * {@code text(HMAC(next, "rechain", pseudonym))}, which is what {@code trame rekey} does to the
   * stored ones. Its key id is {@code <this id>><next id>}, for example {@code link-v1>link-v2}.
   */
  public Pseudonymizer then(String nextKeyId, byte[] nextKey) {
    Pseudonymizer next = new Pseudonymizer(nextKeyId, nextKey);
    byte[][] chain = java.util.Arrays.copyOf(later, later.length + 1);
    chain[later.length] = next.key;
    return new Pseudonymizer(keyId + ">" + nextKeyId, key, chain);
  }

  /**
   * A stored pseudonym of this key's predecessor, chained through this key: equal to what {@link
   * #then} gives for the same identifier. Null stays null. Only for a single-key pseudonymizer.
   */
  public String rechained(String pseudonym) {
    if (later.length > 0) {
      throw new IllegalStateException("Cannot rechain with the chained pseudonymizer " + keyId);
    }
    return pseudonym == null ? null : pseudonym(RECHAIN_KIND, pseudonym);
  }

  /** The id of the key in use (never its bytes). */
  public String keyId() {
    return keyId;
  }

  /**
   * The pseudonym of already-normalized parts under a kind, or null when any part is null (an
   * absent identifier has no pseudonym).
   *
   * @param kind domain-separation tag, such as {@code nir} or {@code last_name}
   */
  public String pseudonym(String kind, String... parts) {
    byte[] mac = mac(kind, parts);
    return mac == null ? null : text(mac);
  }

  /** The full 32-byte MAC behind {@link #pseudonym}, or null when any part is null. */
  public byte[] mac(String kind, String... parts) {
    for (String p : parts) {
      if (p == null) {
        return null;
      }
    }
    byte[] mac = hmac().mac(encode(kind, parts));
    if (later.length > 0) {
      HmacSha256[] next = laterHmacs();
      for (HmacSha256 h : next) {
        mac = h.mac(encode(RECHAIN_KIND, text(mac)));
      }
    }
    return mac;
  }

  private HmacSha256[] laterHmacs() {
    HmacSha256[] h = laterHmacs;
    if (h == null) {
      h = new HmacSha256[later.length];
      for (int i = 0; i < later.length; i++) {
        h[i] = HmacSha256.withKey(later[i]);
      }
      laterHmacs = h;
    }
    return h;
  }

  static byte[] encode(String kind, String... parts) {
    byte[] k = kind.getBytes(StandardCharsets.UTF_8);
    byte[][] ps = new byte[parts.length][];
    int size = PREFIX.length + 4 + k.length;
    for (int i = 0; i < parts.length; i++) {
      ps[i] = parts[i].getBytes(StandardCharsets.UTF_8);
      size += 4 + ps[i].length;
    }
    byte[] out = new byte[size];
    System.arraycopy(PREFIX, 0, out, 0, PREFIX.length);
    int at = put(out, PREFIX.length, k);
    for (byte[] p : ps) {
      at = put(out, at, p);
    }
    return out;
  }

  private static int put(byte[] out, int at, byte[] value) {
    int n = value.length;
    out[at] = (byte) (n >>> 24);
    out[at + 1] = (byte) (n >>> 16);
    out[at + 2] = (byte) (n >>> 8);
    out[at + 3] = (byte) n;
    System.arraycopy(value, 0, out, at + 4, n);
    return at + 4 + n;
  }

  /** Lower-case base32 (RFC 4648 alphabet, no padding) of the first 16 bytes: 26 characters. */
  static String text(byte[] mac) {
    char[] out = new char[TEXT_LENGTH];
    int buffer = 0;
    int bits = 0;
    int o = 0;
    for (int i = 0; i < 16; i++) {
      buffer = (buffer << 8) | (mac[i] & 0xff);
      bits += 8;
      while (bits >= 5) {
        out[o++] = BASE32[(buffer >>> (bits - 5)) & 31];
        bits -= 5;
      }
    }
    out[o] = BASE32[(buffer << (5 - bits)) & 31];
    return new String(out);
  }

  private HmacSha256 hmac() {
    HmacSha256 h = hmac;
    if (h == null) {
      h = HmacSha256.withKey(key);
      hmac = h;
    }
    return h;
  }

  @Override
  public String toString() {
    return "Pseudonymizer[key=" + keyId + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Pseudonymizer p
        && keyId.equals(p.keyId)
        && Arrays.equals(key, p.key)
        && Arrays.deepEquals(later, p.later);
  }

  @Override
  public int hashCode() {
    return keyId.hashCode();
  }
}
