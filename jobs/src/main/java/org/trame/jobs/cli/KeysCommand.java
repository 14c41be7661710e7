package org.trame.jobs.cli;

import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.Callable;
import org.trame.config.KeysConfig;
import org.trame.config.TrameConfig;
import org.trame.key.KeyInfo;
import org.trame.key.KeyStoreProvider;
import org.trame.key.KeyStores;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code trame keys}: create and inspect the keystore. Never prints key bytes. */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = "Create a keystore and list its keys (ids and dates, never key bytes).",
    subcommands = {
      KeysCommand.Init.class,
      KeysCommand.ListKeys.class,
      KeysCommand.Rotate.class,
      KeysCommand.ProjectKey.class
    })
final class KeysCommand implements Callable<Integer> {
  @ParentCommand TrameCommand root;

  @Override
  public Integer call() {
    new picocli.CommandLine(this).usage(root.cli().err());
    return ExitCode.USAGE;
  }

  /** Options shared by the key subcommands. */
  static final class Target {
    @Option(
        names = "--keystore",
        paramLabel = "PATH",
        description = "Keystore file (default: keys.keystore in trame.yaml, or TRAME_KEYSTORE).")
    Path keystore;

    @Option(
        names = "--password-file",
        paramLabel = "FILE",
        description =
            "File whose first line is the keystore password (default: TRAME_KEYSTORE_PASSWORD,"
                + " else keys.password_file in trame.yaml).")
    Path passwordFile;

    /** The keys section to use: options first, then environment, then trame.yaml if present. */
    KeysConfig resolve(Cli cli) {
      KeysConfig keys = KeysConfig.defaults();
      boolean hasConf = cli.confDir().resolve("trame.yaml").toFile().exists();
      if (hasConf) {
        keys = cli.config().keys();
      }
      Map<String, String> env = cli.env();
      if (keystore != null) {
        keys = keys.withKeystore(cli.workingDir().resolve(keystore).toString());
      } else if (!hasConf && env.containsKey(TrameConfig.ENV_KEYSTORE)) {
        keys =
            keys.withKeystore(
                cli.workingDir().resolve(env.get(TrameConfig.ENV_KEYSTORE)).toString());
      }
      if (passwordFile != null) {
        keys = keys.withPasswordFile(cli.workingDir().resolve(passwordFile).toString());
      }
      return keys;
    }
  }

  @Command(
      name = "init",
      mixinStandardHelpOptions = true,
      description = {
        "Create a new keystore with fresh random keys link-v1 and extract-v1.",
        "Refuses to overwrite an existing file. The password comes from TRAME_KEYSTORE_PASSWORD",
        "or --password-file."
      })
  static final class Init implements Callable<Integer> {
    @ParentCommand KeysCommand keys;
    @picocli.CommandLine.Mixin Target target = new Target();

    @Override
    public Integer call() {
      Cli cli = keys.root.cli();
      KeysConfig config = target.resolve(cli);
      Path path = KeyStores.keystorePath(config);
      KeyStoreProvider created =
          KeyStoreProvider.create(path, KeyStores.password(config, cli.env()));
      cli.out().println("Created keystore " + created.path() + " (permissions 0600) with keys:");
      printKeys(cli, created);
      cli.out().println("Keep it and its password apart, and back both up: pseudonyms cannot be");
      cli.out().println("recomputed without them.");
      return ExitCode.OK;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List the keystore's key ids, algorithms and creation dates.")
  static final class ListKeys implements Callable<Integer> {
    @ParentCommand KeysCommand keys;
    @picocli.CommandLine.Mixin Target target = new Target();

    @Override
    public Integer call() {
      Cli cli = keys.root.cli();
      KeysConfig config = target.resolve(cli);
      KeyStoreProvider store = KeyStores.open(config, cli.env());
      cli.out().println("Keystore " + store.path());
      printKeys(cli, store);
      return ExitCode.OK;
    }
  }

  @Command(
      name = "rotate",
      mixinStandardHelpOptions = true,
      description = {
        "Add the next version of a key (link-v2 after link-v1) and keep the older ones.",
        "A new link key takes effect when `trame rekey` has chained the warehouse through it;",
        "a new extract key is used by the next extracts, and older extracts still open."
      })
  static final class Rotate implements Callable<Integer> {
    @ParentCommand KeysCommand keys;
    @picocli.CommandLine.Mixin Target target = new Target();

    @Option(
        names = "--purpose",
        paramLabel = "link|extract",
        defaultValue = "link",
        description = "Which key to rotate (default: ${DEFAULT-VALUE}).")
    String purpose;

    @Override
    public Integer call() {
      Cli cli = keys.root.cli();
      if (!purpose.equals(org.trame.key.KeyId.LINK)
          && !purpose.equals(org.trame.key.KeyId.EXTRACT)) {
        throw CommandException.usage(
            "Cannot rotate '" + purpose + "' keys: --purpose is link or extract");
      }
      KeyStoreProvider store = KeyStores.open(target.resolve(cli), cli.env());
      org.trame.key.KeyId added = store.rotate(purpose);
      cli.out().println("Added key " + added + " to " + store.path() + ":");
      printKeys(cli, store);
      if (purpose.equals(org.trame.key.KeyId.LINK)) {
        cli.out()
            .println(
                "The warehouse stays under its current link key until `trame rekey` chains it"
                    + " through "
                    + added
                    + ".");
      } else {
        cli.out().println("The next extracts use " + added + "; earlier extracts still open.");
      }
      return ExitCode.OK;
    }
  }

  @Command(
      name = "project-key",
      mixinStandardHelpOptions = true,
      description = {
        "Print the key that opens a project's encrypted extracts (base64), for the project's",
        "secure environment. It is derived from the extract master key (latest, or --key) and",
        "the project id, and opens no other project's files."
      })
  static final class ProjectKey implements Callable<Integer> {
    @ParentCommand KeysCommand keys;
    @picocli.CommandLine.Mixin Target target = new Target();

    @Option(names = "--project", paramLabel = "P", required = true, description = "Project id.")
    String project;

    @Option(
        names = "--key",
        paramLabel = "ID",
        description = "Extract master key the extract was made with (manifest's master_key_id).")
    String keyId;

    @Override
    public Integer call() {
      Cli cli = keys.root.cli();
      try {
        org.trame.config.Require.safeName(project, "project");
      } catch (IllegalArgumentException e) {
        throw CommandException.usage("Cannot use project: " + e.getMessage());
      }
      KeyStoreProvider store = KeyStores.open(target.resolve(cli), cli.env());
      org.trame.key.SecretKey master =
          keyId == null
              ? store.latestKey(org.trame.key.KeyId.EXTRACT)
              : store.get(org.trame.key.KeyId.parse(keyId));
      var encryption =
          org.trame.jobs.extract.ExtractEncryption.of(
              org.trame.key.ProjectKeys.derive(master, project), project);
      cli.err()
          .println(
              "trame: printing the secret key of project "
                  + project
                  + "'s extracts ("
                  + encryption.masterKeyId()
                  + "); hand it over only to the project's secure environment");
      cli.out().println(encryption.secret());
      return ExitCode.OK;
    }
  }

  private static void printKeys(Cli cli, KeyStoreProvider store) {
    DateTimeFormatter f =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
    cli.out().printf("  %-14s %-12s %5s  %s%n", "ID", "ALGORITHM", "BITS", "CREATED");
    for (KeyInfo k : store.list()) {
      cli.out()
          .printf(
              "  %-14s %-12s %5d  %s%n", k.id(), k.algorithm(), k.bits(), f.format(k.created()));
    }
  }
}
