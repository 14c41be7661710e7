package org.trame.jobs.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.trame.key.KeyStoreProvider;

/**
 * The demo's work folder: a configuration whose roots point inside it, the example source
 * configurations shipped in the jar, and a development keystore whose password sits in a file next
 * to it. Rerunning the demo keeps the keystore, so pseudonyms stay the same.
 */
public final class DemoWorkspace {
  /** Example configuration files bundled in the jar from the repository's {@code conf/}. */
  static final List<String> BUNDLED_CONF =
      List.of(
          "sources/dcir.yaml",
          "sources/pmsi_mco.yaml",
          "sources/hospital_eds.yaml",
          "projects/diabetes_care.yaml",
          "projects/hypertension_women.yaml");

  private final Path root;

  public DemoWorkspace(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  public Path confDir() {
    return root.resolve("conf");
  }

  public Path landing() {
    return root.resolve("landing");
  }

  public Path keystore() {
    return root.resolve("keys/dev-keystore.p12");
  }

  public Path passwordFile() {
    return root.resolve("keys/dev-keystore.password");
  }

  /** Writes {@code conf/trame.yaml} and the bundled source configurations and project specs. */
  public void writeConfiguration() throws IOException {
    Files.createDirectories(confDir().resolve("sources"));
    Files.createDirectories(confDir().resolve("projects"));
    String yaml =
        "# Written by 'trame demo': roots inside the demo's work folder.\n"
            + "landing: "
            + landing().toUri()
            + "\nwarehouse: "
            + root.resolve("warehouse").toUri()
            + "\nextracts: "
            + root.resolve("extracts").toUri()
            + "\nspark:\n  master: local[*]\n"
            + "keys:\n  keystore: "
            + keystore()
            + "\n  password_file: "
            + passwordFile()
            + "\n";
    Files.writeString(confDir().resolve("trame.yaml"), yaml, StandardCharsets.UTF_8);
    for (String name : BUNDLED_CONF) {
      try (InputStream in =
          DemoWorkspace.class.getResourceAsStream("/org/trame/jobs/conf/" + name)) {
        if (in == null) {
          throw new IOException("example configuration " + name + " is missing from the jar");
        }
        Files.write(confDir().resolve(name), in.readAllBytes());
      }
    }
  }

  /**
   * Creates the development keystore and its password file when missing.
   *
   * @return true when a new keystore was created
   */
  public boolean ensureDevKeystore() throws IOException {
    if (Files.exists(keystore())) {
      return false;
    }
    Files.createDirectories(keystore().getParent());
    byte[] secret = new byte[24];
    new SecureRandom().nextBytes(secret);
    String password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    Path file = passwordFile();
    Files.deleteIfExists(file);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, password + "\n", StandardCharsets.UTF_8);
    KeyStoreProvider.create(keystore(), password.toCharArray());
    return true;
  }
}
