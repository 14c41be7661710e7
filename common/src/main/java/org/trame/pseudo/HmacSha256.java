package org.trame.pseudo;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * HMAC-SHA256 (RFC 2104) with the keyed inner and outer digest states computed once.
 *
 * <p>Each call clones the two primed SHA-256 states instead of re-hashing the padded key, which
 * saves two compression rounds per message compared with {@link javax.crypto.Mac}. Instances are
 * immutable after construction and safe to share between threads. The key is not retained: only the
 * two primed digest states are, and {@link #toString()} never shows them.
 */
public final class HmacSha256 {
  /** Output length in bytes. */
  public static final int LENGTH = 32;

  private static final int BLOCK = 64;

  private final MessageDigest inner;
  private final MessageDigest outer;

  private HmacSha256(MessageDigest inner, MessageDigest outer) {
    this.inner = inner;
    this.outer = outer;
  }

  /**
   * Prepares HMAC-SHA256 with a key of any length (keys longer than the block are hashed first).
   *
   * @throws IllegalArgumentException if the key is null or empty
   */
  public static HmacSha256 withKey(byte[] key) {
    if (key == null || key.length == 0) {
      throw new IllegalArgumentException("Cannot prepare HMAC-SHA256: the key is empty");
    }
    byte[] block = new byte[BLOCK];
    byte[] k = key.length > BLOCK ? sha256().digest(key) : key;
    System.arraycopy(k, 0, block, 0, k.length);
    byte[] pad = new byte[BLOCK];
    MessageDigest inner = sha256();
    for (int i = 0; i < BLOCK; i++) {
      pad[i] = (byte) (block[i] ^ 0x36);
    }
    inner.update(pad);
    MessageDigest outer = sha256();
    for (int i = 0; i < BLOCK; i++) {
      pad[i] = (byte) (block[i] ^ 0x5c);
    }
    outer.update(pad);
    Arrays.fill(block, (byte) 0);
    Arrays.fill(pad, (byte) 0);
    if (k != key) {
      Arrays.fill(k, (byte) 0);
    }
    return new HmacSha256(inner, outer);
  }

  /** Returns the 32-byte MAC of {@code message}. */
  public byte[] mac(byte[] message) {
    return mac(message, 0, message.length);
  }

  /** Returns the 32-byte MAC of {@code length} bytes of {@code message} from {@code offset}. */
  public byte[] mac(byte[] message, int offset, int length) {
    MessageDigest in = copy(inner);
    in.update(message, offset, length);
    byte[] innerHash = in.digest();
    MessageDigest out = copy(outer);
    out.update(innerHash);
    return out.digest();
  }

  private static MessageDigest copy(MessageDigest primed) {
    try {
      return (MessageDigest) primed.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException(
          "Cannot clone SHA-256 state: provider does not support it", e);
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Cannot find SHA-256 in this JVM", e);
    }
  }

  @Override
  public String toString() {
    return "HmacSha256[key hidden]";
  }
}
