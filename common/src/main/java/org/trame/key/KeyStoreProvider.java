package org.trame.key;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.UnrecoverableKeyException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import javax.crypto.spec.SecretKeySpec;

/**
 * Versioned HMAC keys in a PKCS12 keystore file. Each key is a 256-bit {@code HmacSHA256} secret
 * entry whose alias is its {@link KeyId} ({@code link-v1}, {@code extract-v1}, ...). The password
 * protects both the file and each entry.
 */
public final class KeyStoreProvider {
  private static final String TYPE = "PKCS12";
  private static final String ALGORITHM = "HmacSHA256";
  private static final int KEY_BYTES = 32;

  private final Path path;
  private final KeyStore store;
  private final char[] password;

  private KeyStoreProvider(Path path, KeyStore store, char[] password) {
    this.path = path;
    this.store = store;
    this.password = password.clone();
  }

  /**
   * Creates a new keystore with one fresh key per purpose ({@code link-v1}, {@code extract-v1}),
   * from {@link SecureRandom}, readable by its owner only (0600 where the file system allows).
   *
   * @throws KeyAccessException if the file exists (it is never overwritten) or cannot be written
   */
  public static KeyStoreProvider create(Path path, char[] password) {
    requirePassword(path, password);
    if (Files.exists(path)) {
      throw new KeyAccessException(
          "Cannot create keystore "
              + path
              + ": the file already exists; keys are never overwritten (choose another path)");
    }
    try {
      KeyStore store = KeyStore.getInstance(TYPE);
      store.load(null, password);
      KeyStoreProvider provider = new KeyStoreProvider(path, store, password);
      provider.put(new KeyId(KeyId.LINK, 1));
      provider.put(new KeyId(KeyId.EXTRACT, 1));
      provider.write(true);
      return provider;
    } catch (GeneralSecurityException | IOException e) {
      throw new KeyAccessException("Cannot create keystore " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Opens an existing keystore.
   *
   * @throws KeyAccessException if the file is missing, the password is wrong or the file damaged
   */
  public static KeyStoreProvider open(Path path, char[] password) {
    requirePassword(path, password);
    try (InputStream in = Files.newInputStream(path)) {
      KeyStore store = KeyStore.getInstance(TYPE);
      store.load(in, password);
      return new KeyStoreProvider(path, store, password);
    } catch (NoSuchFileException e) {
      throw new KeyAccessException(
          "Cannot open keystore "
              + path
              + ": no such file; create one with 'trame keys init --keystore "
              + path
              + "'");
    } catch (IOException e) {
      if (e.getCause() instanceof UnrecoverableKeyException) {
        throw new KeyAccessException(
            "Cannot open keystore "
                + path
                + ": wrong password (check TRAME_KEYSTORE_PASSWORD or the password file)");
      }
      throw new KeyAccessException(
          "Cannot open keystore " + path + ": not a readable PKCS12 keystore or wrong password", e);
    } catch (GeneralSecurityException e) {
      throw new KeyAccessException("Cannot open keystore " + path + ": " + e.getMessage(), e);
    }
  }

  /** The keystore's file. */
  public Path path() {
    return path;
  }

  /** Every key's id, algorithm and creation date, sorted by id. */
  public List<KeyInfo> list() {
    try {
      List<KeyInfo> out = new ArrayList<>();
      for (String alias : Collections.list(store.aliases())) {
        KeyId id = KeyId.parse(alias);
        java.security.Key key = store.getKey(alias, password);
        int bits = key.getEncoded() == null ? 0 : key.getEncoded().length * 8;
        out.add(
            new KeyInfo(id, key.getAlgorithm(), bits, store.getCreationDate(alias).toInstant()));
      }
      out.sort((a, b) -> a.id().compareTo(b.id()));
      return out;
    } catch (GeneralSecurityException e) {
      throw new KeyAccessException("Cannot list keys of " + path + ": " + e.getMessage(), e);
    }
  }

  /** The newest version of a purpose's key, if any. */
  public Optional<KeyId> latest(String purpose) {
    return list().stream()
        .map(KeyInfo::id)
        .filter(id -> id.purpose().equals(purpose))
        .reduce((a, b) -> a.compareTo(b) >= 0 ? a : b);
  }

  /**
   * The key with this id.
   *
   * @throws KeyAccessException if the keystore has no such key
   */
  public SecretKey get(KeyId id) {
    try {
      java.security.Key key = store.getKey(id.toString(), password);
      if (key == null) {
        throw new KeyAccessException(
            "Cannot read key " + id + " from " + path + ": no such key (see 'trame keys list')");
      }
      return new SecretKey(id, key.getEncoded());
    } catch (GeneralSecurityException e) {
      throw new KeyAccessException("Cannot read key " + id + " from " + path, e);
    }
  }

  /** The newest key of a purpose; fails with the keystore's path when there is none. */
  public SecretKey latestKey(String purpose) {
    KeyId id =
        latest(purpose)
            .orElseThrow(
                () ->
                    new KeyAccessException(
                        "Cannot find a '"
                            + purpose
                            + "' key in "
                            + path
                            + " (see 'trame keys list')"));
    return get(id);
  }

  /**
   * Adds the next version of a purpose's key and saves the file (used by key rotation).
   *
   * @return the new key's id
   */
  public KeyId rotate(String purpose) {
    KeyId next = latest(purpose).map(KeyId::next).orElse(new KeyId(purpose, 1));
    try {
      put(next);
      write(false);
      return next;
    } catch (GeneralSecurityException | IOException e) {
      throw new KeyAccessException("Cannot add key " + next + " to " + path, e);
    }
  }

  private void put(KeyId id) throws GeneralSecurityException {
    byte[] bytes = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(bytes);
    store.setEntry(
        id.toString(),
        new KeyStore.SecretKeyEntry(new SecretKeySpec(bytes, ALGORITHM)),
        new KeyStore.PasswordProtection(password));
    java.util.Arrays.fill(bytes, (byte) 0);
  }

  private void write(boolean createNew) throws IOException, GeneralSecurityException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Path tmp = Files.createTempFile(parent, ".keystore", ".tmp");
    try {
      restrict(tmp);
      try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.TRUNCATE_EXISTING)) {
        store.store(out, password);
      }
      if (createNew) {
        try {
          Files.createLink(path, tmp);
        } catch (FileAlreadyExistsException e) {
          throw new KeyAccessException(
              "Cannot create keystore " + path + ": the file appeared meanwhile; not overwritten");
        } catch (UnsupportedOperationException | IOException e) {
          Files.move(tmp, path);
        }
      } else {
        Files.move(
            tmp,
            path,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void restrict(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system (Windows): the file inherits the folder's ACL.
    }
  }

  private static void requirePassword(Path path, char[] password) {
    if (password == null || password.length == 0) {
      throw new KeyAccessException(
          "Cannot use keystore "
              + path
              + ": no password given (set TRAME_KEYSTORE_PASSWORD or keys.password_file)");
    }
  }

  @Override
  public String toString() {
    return "KeyStoreProvider[" + path + "]";
  }
}
