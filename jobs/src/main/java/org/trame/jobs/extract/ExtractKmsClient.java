package org.trame.jobs.extract;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.KeyAccessDeniedException;
import org.apache.parquet.crypto.keytools.KeyToolkit;
import org.apache.parquet.crypto.keytools.KmsClient;

/**
 * The key service of encrypted extracts, for Parquet's properties-driven crypto factory: it wraps
 * each file's data keys (AES-GCM) with the project's encryption key, handed to it in the write or
 * read job's Hadoop configuration under {@link #SECRET_PROPERTY} (a name Spark redacts from its
 * logs and UI). A researcher reads an encrypted extract with this class on the classpath and the
 * project key from {@code trame keys project-key}; see the README.
 */
public final class ExtractKmsClient implements KmsClient {
  /** Hadoop configuration property holding the project's encryption key, base64. */
  public static final String SECRET_PROPERTY = "trame.extract.kms.secret";

  private byte[] key;

  @Override
  public void initialize(
      Configuration conf, String kmsInstanceID, String kmsInstanceURL, String accessToken)
      throws KeyAccessDeniedException {
    String secret = conf.getTrimmed(SECRET_PROPERTY);
    if (secret == null || secret.isEmpty()) {
      throw new KeyAccessDeniedException(
          "No project key: set " + SECRET_PROPERTY + " to the key from 'trame keys project-key'");
    }
    try {
      key = Base64.getDecoder().decode(secret);
    } catch (IllegalArgumentException e) {
      throw new KeyAccessDeniedException(SECRET_PROPERTY + " is not base64");
    }
    if (key.length != 16 && key.length != 24 && key.length != 32) {
      throw new KeyAccessDeniedException(SECRET_PROPERTY + " must hold a 128, 192 or 256-bit key");
    }
  }

  @Override
  public String wrapKey(byte[] keyBytes, String masterKeyIdentifier) {
    return KeyToolkit.encryptKeyLocally(keyBytes, key, aad(masterKeyIdentifier));
  }

  @Override
  public byte[] unwrapKey(String wrappedKey, String masterKeyIdentifier)
      throws KeyAccessDeniedException {
    try {
      return KeyToolkit.decryptKeyLocally(wrappedKey, key, aad(masterKeyIdentifier));
    } catch (RuntimeException e) {
      throw new KeyAccessDeniedException(
          "The project key does not open this file (master key " + masterKeyIdentifier + ")");
    }
  }

  private static byte[] aad(String masterKeyIdentifier) {
    return masterKeyIdentifier.getBytes(StandardCharsets.UTF_8);
  }
}
