package org.trame.key;

import java.util.Arrays;

/**
 * Key bytes with their id. The bytes are only handed out as a copy, and {@code toString()} shows
 * the id alone, so a key logged or put in an exception by mistake reveals nothing.
 */
public final class SecretKey {
  private final KeyId id;
  private final byte[] bytes;

  public SecretKey(KeyId id, byte[] bytes) {
    if (id == null) {
      throw new IllegalArgumentException("Cannot hold key: id is null");
    }
    if (bytes == null || bytes.length < 16) {
      throw new IllegalArgumentException("Cannot hold key " + id + ": shorter than 16 bytes");
    }
    this.id = id;
    this.bytes = bytes.clone();
  }

  public KeyId id() {
    return id;
  }

  /** A copy of the key bytes; callers should zero it when done. */
  public byte[] bytes() {
    return bytes.clone();
  }

  @Override
  public String toString() {
    return "SecretKey[" + id + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SecretKey k && id.equals(k.id) && Arrays.equals(bytes, k.bytes);
  }

  @Override
  public int hashCode() {
    return id.hashCode();
  }
}
