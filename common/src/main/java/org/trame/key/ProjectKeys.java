package org.trame.key;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.trame.pseudo.Hkdf;

/**
 * Per-project keys: HKDF-SHA256 (RFC 5869) from the extract master key, with the project id as
 * context. Two projects therefore get unrelated keys, and a project key reveals nothing about the
 * master key or any other project's key.
 */
public final class ProjectKeys {
  private static final byte[] SALT = "trame/project-key/1".getBytes(StandardCharsets.US_ASCII);

  private ProjectKeys() {}

  /**
   * Derives the 256-bit key of {@code projectId} from an {@code extract} master key. The derived
   * key's id keeps the master's version ({@code extract-v2} stays version 2) under the purpose
   * {@code project}.
   */
  public static SecretKey derive(SecretKey master, String projectId) {
    if (!KeyId.EXTRACT.equals(master.id().purpose())) {
      throw new IllegalArgumentException(
          "Cannot derive project key from " + master.id() + ": an 'extract' key is needed");
    }
    if (projectId == null || projectId.isBlank()) {
      throw new IllegalArgumentException("Cannot derive project key: project id is blank");
    }
    byte[] ikm = master.bytes();
    try {
      byte[] info = ("project:" + projectId).getBytes(StandardCharsets.UTF_8);
      byte[] okm = Hkdf.derive(SALT, ikm, info, 32);
      SecretKey key = new SecretKey(new KeyId("project", master.id().version()), okm);
      Arrays.fill(okm, (byte) 0);
      return key;
    } finally {
      Arrays.fill(ikm, (byte) 0);
    }
  }
}
