package org.trame.jobs.extract;

import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import org.trame.key.SecretKey;
import org.trame.pseudo.Hkdf;

/**
 * Parquet modular encryption of an extract: footer and every column encrypted (AES-GCM) with data
 * keys that {@link ExtractKmsClient} wraps under the project's encryption key. That key is derived
 * by HKDF from the project key, so it is per project and follows key rotation; it reaches Spark
 * only in the options of the jobs that write or read the extract, never the session's settings.
 *
 * @param masterKeyId the name the files record for the key ({@code <project>/<key id>})
 */
public record ExtractEncryption(String masterKeyId, String secret) {
  private static final byte[] SALT =
      "trame/extract-encryption/1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** The encryption of {@code project}'s extracts under its project key. */
  public static ExtractEncryption of(SecretKey projectKey, String project) {
    byte[] ikm = projectKey.bytes();
    try {
      byte[] okm =
          Hkdf.derive(
              SALT,
              ikm,
              ("parquet:" + project).getBytes(java.nio.charset.StandardCharsets.UTF_8),
              32);
      String secret = Base64.getEncoder().encodeToString(okm);
      java.util.Arrays.fill(okm, (byte) 0);
      return new ExtractEncryption(project + "/" + projectKey.id(), secret);
    } finally {
      java.util.Arrays.fill(ikm, (byte) 0);
    }
  }

  /**
   * Spark options for writing: every column and the footer under the project's key.
   *
   * @param token a name unique to this extract, so Parquet's key caches never mix two projects
   */
  Map<String, String> writeOptions(String[] columns, String token) {
    Map<String, String> o = readOptions(token);
    o.put("parquet.encryption.footer.key", masterKeyId);
    o.put("parquet.encryption.column.keys", masterKeyId + ":" + String.join(",", columns));
    return o;
  }

  /** Spark options for reading the extract back. */
  Map<String, String> readOptions(String token) {
    Map<String, String> o = new TreeMap<>();
    o.put(
        "parquet.crypto.factory.class",
        "org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory");
    o.put("parquet.encryption.kms.client.class", ExtractKmsClient.class.getName());
    o.put("parquet.encryption.key.access.token", token);
    o.put(ExtractKmsClient.SECRET_PROPERTY, secret);
    return o;
  }

  @Override
  public String toString() {
    return "ExtractEncryption[" + masterKeyId + "]";
  }
}
