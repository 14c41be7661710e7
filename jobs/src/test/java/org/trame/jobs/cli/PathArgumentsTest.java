package org.trame.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Names given on the command line become path segments: a source, batch or project id that could
 * climb out of its root (`..`, a slash, an absolute path) is refused with exit 2 before anything is
 * read or written.
 */
class PathArgumentsTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"..", "../etc", "a/b", "/etc/passwd", "a\\b", ".hidden", "x..y"})
  void aNameThatIsNotPlainIsRefusedEverywhere(String name) throws Exception {
    Files.createDirectories(dir.resolve("conf/sources"));
    Files.writeString(
        dir.resolve("conf/trame.yaml"), "landing: landing\nwarehouse: wh\nextracts: ex\n");
    String[][] commands = {
      {"ingest", "--source", name, "--batch", "b"},
      {"backfill", "--source", name},
      {"status", "--source", name},
      {"extract", "--project", name, "--validate"},
      {"export", "--project", name},
    };
    for (String[] command : commands) {
      String[] args = new String[command.length + 2];
      args[0] = "--conf";
      args[1] = "conf";
      System.arraycopy(command, 0, args, 2, command.length);
      InProcess.Run run = InProcess.run(dir, Map.of(), args);
      assertThat(run.code()).as(String.join(" ", command) + ": " + run.err()).isEqualTo(2);
      assertThat(run.err()).as(String.join(" ", command)).contains("plain name");
    }
    assertThat(dir.resolve("wh")).doesNotExist();
    assertThat(dir.resolve("ex")).doesNotExist();
  }
}
