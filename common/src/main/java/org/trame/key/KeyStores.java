package org.trame.key;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.trame.config.KeysConfig;

/**
 * Opens the keystore a configuration points to, with the password from the environment variable it
 * names or, when that is unset, from its password file.
 */
public final class KeyStores {
  private KeyStores() {}

  /**
   * Opens the configured keystore.
   *
   * @throws KeyAccessException if no keystore is configured, the password cannot be found, or the
   *     keystore cannot be opened
   */
  public static KeyStoreProvider open(KeysConfig keys, Map<String, String> env) {
    return KeyStoreProvider.open(keystorePath(keys), password(keys, env));
  }

  /** The configured keystore path. */
  public static Path keystorePath(KeysConfig keys) {
    if (keys.keystore() == null) {
      throw new KeyAccessException(
          "Cannot find keys: no keystore configured; set keys.keystore in trame.yaml, "
              + "TRAME_KEYSTORE, or --keystore");
    }
    return Path.of(keys.keystore());
  }

  /**
   * The keystore password: the variable named by {@code password_env} when set, else the first line
   * of {@code password_file}.
   */
  public static char[] password(KeysConfig keys, Map<String, String> env) {
    String fromEnv = env.get(keys.passwordEnv());
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return fromEnv.toCharArray();
    }
    if (keys.passwordFile() != null) {
      Path file = Path.of(keys.passwordFile());
      try {
        List<String> lines = Files.readAllLines(file);
        if (lines.isEmpty() || lines.get(0).isEmpty()) {
          throw new KeyAccessException("Cannot read keystore password: " + file + " is empty");
        }
        return lines.get(0).toCharArray();
      } catch (NoSuchFileException e) {
        throw new KeyAccessException(
            "Cannot read keystore password: no such file " + file + " (keys.password_file)");
      } catch (IOException e) {
        throw new KeyAccessException("Cannot read keystore password from " + file, e);
      }
    }
    throw new KeyAccessException(
        "Cannot open keystore: no password; set "
            + keys.passwordEnv()
            + " or keys.password_file in trame.yaml");
  }
}
