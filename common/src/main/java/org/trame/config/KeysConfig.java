package org.trame.config;

/**
 * Where keys come from ({@code trame.yaml}'s {@code keys:} section). Never the keys themselves, nor
 * the password: only where to read them.
 *
 * @param keystore path of the PKCS12 keystore (overridden by {@code TRAME_KEYSTORE})
 * @param passwordEnv environment variable holding the keystore password (default {@code
 *     TRAME_KEYSTORE_PASSWORD})
 * @param passwordFile file whose first line is the password, used when the variable is unset
 */
public record KeysConfig(String keystore, String passwordEnv, String passwordFile) {
  /** The default password variable. */
  public static final String DEFAULT_PASSWORD_ENV = "TRAME_KEYSTORE_PASSWORD";

  public KeysConfig {
    if (keystore != null && keystore.isBlank()) {
      throw new IllegalArgumentException("field 'keys.keystore' is blank");
    }
    passwordEnv = passwordEnv == null ? DEFAULT_PASSWORD_ENV : passwordEnv;
    if (!passwordEnv.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new IllegalArgumentException(
          "field 'keys.password_env' must name an environment variable, got '" + passwordEnv + "'");
    }
    if (passwordFile != null && passwordFile.isBlank()) {
      throw new IllegalArgumentException("field 'keys.password_file' is blank");
    }
  }

  /** No keystore configured; password from {@code TRAME_KEYSTORE_PASSWORD}. */
  public static KeysConfig defaults() {
    return new KeysConfig(null, null, null);
  }

  /** A copy with another keystore path. */
  public KeysConfig withKeystore(String path) {
    return new KeysConfig(path, passwordEnv, passwordFile);
  }

  /** A copy with another password file. */
  public KeysConfig withPasswordFile(String path) {
    return new KeysConfig(keystore, passwordEnv, path);
  }
}
