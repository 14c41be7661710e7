package org.trame.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.trame.key.KeyId;
import org.trame.key.KeyStoreProvider;

/** The command line run in process: exit codes, messages, and what never gets printed. */
class CliTest {
  private static final String PASSWORD = "s3cret-for-tests-only";

  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  private Run run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true), dir);
    return new Run(code, out.toString(), err.toString());
  }

  private Run run(String... args) {
    return run(Map.of("TRAME_KEYSTORE_PASSWORD", PASSWORD), args);
  }

  @Test
  void helpListsEveryCommandOnOneLine() {
    Run r = run("--help");
    assertThat(r.code()).isZero();
    for (String command : new String[] {"demo", "ingest", "link", "status", "keys"}) {
      assertThat(r.out()).containsPattern("(?m)^  " + command + " +\\S.*$");
    }
    assertThat(r.out()).contains("Exit codes:");
    for (String command :
        new String[] {"demo", "ingest", "link", "status", "keys", "keys init", "keys list"}) {
      Run sub = run((command + " --help").split(" "));
      assertThat(sub.code()).as(command).isZero();
      assertThat(sub.out()).as(command).startsWith("Usage: trame " + command);
    }
  }

  /**
   * Where the terminal's width is unknown, as here, every line of a command's or option's
   * description written in several lines is printed whole on one line of the help, never broken in
   * the middle (at picocli's default width of 80 columns, most were).
   */
  @Test
  void helpKeepsEveryDescriptionLineWhole() {
    picocli.CommandLine root = new picocli.CommandLine(new TrameCommand(null));
    List<String> broken = new java.util.ArrayList<>();
    java.util.ArrayDeque<picocli.CommandLine> commands = new java.util.ArrayDeque<>(List.of(root));
    int checked = 0;
    while (!commands.isEmpty()) {
      picocli.CommandLine command = commands.pop();
      commands.addAll(command.getSubcommands().values());
      String name = command.getCommandSpec().qualifiedName(" ");
      List<String> args =
          new java.util.ArrayList<>(List.of(name.split(" ")).subList(1, name.split(" ").length));
      args.add("--help");
      List<String> help =
          run(args.toArray(String[]::new))
              .out()
              .lines()
              .map(l -> l.replaceAll("\\s+", " "))
              .toList();
      // Descriptions written as several lines; one written as a single paragraph wraps freely.
      List<String[]> descriptions = new java.util.ArrayList<>();
      descriptions.add(command.getCommandSpec().usageMessage().description());
      for (picocli.CommandLine.Model.OptionSpec option : command.getCommandSpec().options()) {
        descriptions.add(option.description());
      }
      List<String> lines = new java.util.ArrayList<>();
      for (String[] description : descriptions) {
        if (description.length > 1) {
          lines.addAll(List.of(description));
        }
      }
      for (String line : lines) {
        String text = line.replace("%n", " ").replaceAll("\\s+", " ").strip();
        if (text.isEmpty() || text.contains("${")) {
          continue;
        }
        checked++;
        if (help.stream().noneMatch(l -> l.contains(text))) {
          broken.add(name + ": " + text);
        }
      }
    }
    assertThat(checked).isGreaterThan(50);
    assertThat(broken).isEmpty();
  }

  @Test
  void unknownCommandOrOptionIsUsageError() {
    Run r = run("frobnicate");
    assertThat(r.code()).isEqualTo(ExitCode.USAGE);
    assertThat(r.err())
        .contains("Unmatched argument at index 0: 'frobnicate'")
        .contains("Try 'trame --help'");
    Run o = run("keys", "list", "--nope");
    assertThat(o.code()).isEqualTo(ExitCode.USAGE);
    assertThat(o.err())
        .contains("Unknown option: '--nope'")
        .contains("Try 'trame keys list --help'");
  }

  @Test
  void keysInitThenListShowsIdsNeverBytes() throws Exception {
    Path ks = dir.resolve("k.p12");
    Run init = run("keys", "init", "--keystore", ks.toString());
    assertThat(init.code()).as(init.err()).isZero();
    assertThat(init.out()).contains("link-v1").contains("extract-v1");
    Run list = run("keys", "list", "--keystore", ks.toString());
    assertThat(list.code()).isZero();
    assertThat(list.out()).containsPattern("link-v1 +HmacSHA256 +256  \\d{4}-\\d{2}-\\d{2} ");

    KeyStoreProvider store = KeyStoreProvider.open(ks, PASSWORD.toCharArray());
    for (KeyId id : new KeyId[] {KeyId.parse("link-v1"), KeyId.parse("extract-v1")}) {
      String hex = HexFormat.of().formatHex(store.get(id).bytes());
      for (String text : new String[] {init.out(), init.err(), list.out(), list.err()}) {
        assertThat(text).doesNotContainIgnoringCase(hex).doesNotContain(PASSWORD);
      }
    }
    Run again = run("keys", "init", "--keystore", ks.toString());
    assertThat(again.code()).isEqualTo(ExitCode.USAGE);
    assertThat(again.err()).contains("already exists");
  }

  @Test
  void keystoreFromConfigAndEnvironment() {
    Path ks = dir.resolve("env.p12");
    Map<String, String> env =
        new HashMap<>(Map.of("TRAME_KEYSTORE_PASSWORD", PASSWORD, "TRAME_KEYSTORE", ks.toString()));
    assertThat(run(env, "keys", "init").code()).isZero();
    assertThat(run(env, "keys", "list").out()).contains(ks.toString());
  }

  @Test
  void wrongPasswordOrMissingKeystoreIsUsageErrorNamingTheFile() {
    Path ks = dir.resolve("k.p12");
    assertThat(run("keys", "init", "--keystore", ks.toString()).code()).isZero();
    Run wrong =
        run(Map.of("TRAME_KEYSTORE_PASSWORD", "nope"), "keys", "list", "--keystore", ks.toString());
    assertThat(wrong.code()).isEqualTo(ExitCode.USAGE);
    assertThat(wrong.err())
        .isEqualTo(
            "trame: Cannot open keystore "
                + ks
                + ": wrong password (check TRAME_KEYSTORE_PASSWORD or the password file)\n");
    Run missing = run("keys", "list", "--keystore", dir.resolve("none.p12").toString());
    assertThat(missing.code()).isEqualTo(ExitCode.USAGE);
    assertThat(missing.err()).contains("none.p12: no such file").doesNotContain("\tat ");
    Run noPassword = run(Map.of(), "keys", "init", "--keystore", dir.resolve("x.p12").toString());
    assertThat(noPassword.code()).isEqualTo(ExitCode.USAGE);
    assertThat(noPassword.err()).contains("TRAME_KEYSTORE_PASSWORD");
    assertThat(dir.resolve("x.p12")).doesNotExist();
  }

  @Test
  void malformedConfigurationIsUsageErrorWithLineAndColumn() throws Exception {
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(
        conf.resolve("trame.yaml"), "landing: a\nwarehouse: b\nextracts: c\nsparks: {}\n");
    Run r = run("--conf", conf.toString(), "status");
    assertThat(r.code()).isEqualTo(ExitCode.USAGE);
    assertThat(r.err())
        .startsWith(
            "trame: " + conf.resolve("trame.yaml") + " line 4, column 1: unknown field 'sparks'")
        .doesNotContain("\tat ");
  }

  @Test
  void missingConfigurationSaysHowToGetOne() {
    Run r = run("--conf", dir.resolve("nowhere").toString(), "status");
    assertThat(r.code()).isEqualTo(ExitCode.USAGE);
    assertThat(r.err()).contains("does not exist").contains("./trame demo");
  }

  @Test
  void verboseIsAcceptedAfterTheCommandToo() {
    Run r = run("keys", "list", "--verbose", "--keystore", dir.resolve("none.p12").toString());
    assertThat(r.code()).isEqualTo(ExitCode.USAGE);
    assertThat(r.err()).contains("KeyAccessException");
  }

  @Test
  void pathTraversalInSourceOrBatchIsRefused() throws Exception {
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(conf.resolve("trame.yaml"), "landing: a\nwarehouse: b\nextracts: c\n");
    Run r = run("--conf", conf.toString(), "ingest", "--source", "../etc", "--batch", "2023-01");
    assertThat(r.code()).isEqualTo(ExitCode.USAGE);
    assertThat(r.err()).contains("must be a plain name");
  }

  @Test
  void linkOptionsThatDoNotGoTogetherAreUsageErrors() throws Exception {
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(conf.resolve("trame.yaml"), "landing: a\nwarehouse: b\nextracts: c\n");
    Run r = run("--conf", conf.toString(), "link", "--run", "20260101T000000Z-abcdef");
    assertThat(r.code()).isEqualTo(ExitCode.USAGE);
    assertThat(r.err()).contains("--run only applies to --report");
    Run both = run("--conf", conf.toString(), "link", "--report", "--evaluate", "truth");
    assertThat(both.code()).isEqualTo(ExitCode.USAGE);
    assertThat(both.err()).contains("cannot --evaluate");
  }
}
