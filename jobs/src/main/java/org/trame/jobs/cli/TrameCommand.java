package org.trame.jobs.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The root command: global options, and the list of commands. */
@Command(
    name = "trame",
    mixinStandardHelpOptions = true,
    versionProvider = TrameCommand.Version.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Pseudonymize, link and extract health data on Apache Spark and Delta Lake.",
      "",
      "Start with './trame demo'. Every command takes --help."
    },
    commandListHeading = "%nCommands:%n",
    footerHeading = "%nExit codes:%n",
    footer = {
      "  0 ok, 1 failure, 2 usage or configuration error,",
      "  3 data rejected over a threshold (nothing committed),",
      "  4 write conflict, 5 disclosure check failed."
    },
    subcommands = {
      DemoCommand.class,
      GenerateCommand.class,
      IngestCommand.class,
      BackfillCommand.class,
      LinkCommand.class,
      ExtractCommand.class,
      ExportCommand.class,
      SqlCommand.class,
      BenchCommand.class,
      RunsCommand.class,
      StatusCommand.class,
      MaintainCommand.class,
      KeysCommand.class,
      RekeyCommand.class,
    })
public final class TrameCommand implements Callable<Integer> {
  private final Cli cli;

  @Spec CommandSpec spec;

  TrameCommand(Cli cli) {
    this.cli = cli;
  }

  Cli cli() {
    return cli;
  }

  @Option(
      names = "--conf",
      paramLabel = "DIR",
      scope = ScopeType.INHERIT,
      description =
          "Configuration folder holding trame.yaml, sources/ and projects/ (default: ./conf).")
  void confDir(Path dir) {
    cli.confDir(dir);
  }

  @Option(
      names = {"-v", "--verbose"},
      scope = ScopeType.INHERIT,
      description = "Show Spark's INFO logs and stack traces of errors.")
  void verbose(boolean value) {
    cli.verbose(value);
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(cli.err());
    return ExitCode.USAGE;
  }

  /** Reads the versions written into the jar at build time. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = versions();
      return new String[] {
        "trame " + p.getProperty("version"),
        "Spark " + p.getProperty("spark") + ", Delta Lake " + p.getProperty("delta"),
        "Java " + System.getProperty("java.version")
      };
    }
  }

  /** The build's versions: {@code version}, {@code spark}, {@code delta}. */
  public static Properties versions() {
    Properties p = new Properties();
    try (InputStream in =
        TrameCommand.class.getResourceAsStream("/org/trame/jobs/version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // Versions are informative only.
    }
    return p;
  }

  /** The code version recorded with everything Trame writes. */
  public static String codeVersion() {
    return versions().getProperty("version", "unknown");
  }
}
