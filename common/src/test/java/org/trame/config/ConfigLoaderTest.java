package org.trame.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  private static final String VALID =
      """
      landing: data/landing
      warehouse: hdfs://nn.example:8020/trame/warehouse
      extracts: s3a://bucket/extracts/
      spark:
        master: local[2]
        settings:
          spark.sql.shuffle.partitions: 4
      keys:
        keystore: keys/trame.p12
        password_file: keys/password
      """;

  @Test
  void loadsAndResolvesRoots() {
    TrameConfig c = ConfigLoader.parse(VALID, "trame.yaml", TrameConfig.class);
    assertThat(c.spark().settings()).containsEntry("spark.sql.shuffle.partitions", "4");
    assertThat(c.keys().passwordEnv()).isEqualTo("TRAME_KEYSTORE_PASSWORD");
    TrameConfig r = c.resolve(dir, Map.of());
    assertThat(r.landing())
        .isEqualTo(dir.resolve("data/landing").toUri().toString().replaceAll("/$", ""));
    assertThat(r.warehouse()).isEqualTo("hdfs://nn.example:8020/trame/warehouse");
    assertThat(r.extracts()).isEqualTo("s3a://bucket/extracts");
    assertThat(r.keys().keystore()).isEqualTo(dir.resolve("keys/trame.p12").toString());
    assertThat(r.keys().passwordFile()).isEqualTo(dir.resolve("keys/password").toString());
  }

  @Test
  void theRepositoryExamplesLoad() throws Exception {
    java.nio.file.Path examples = java.nio.file.Path.of("../conf/examples");
    java.util.List<java.nio.file.Path> files;
    try (var list = java.nio.file.Files.list(examples)) {
      files = list.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(2);
    for (java.nio.file.Path f : files) {
      TrameConfig c =
          ConfigLoader.parse(
                  java.nio.file.Files.readString(f), f.getFileName().toString(), TrameConfig.class)
              .resolve(dir, Map.of());
      assertThat(c.warehouse()).as(f.toString()).matches("(hdfs|s3a)://.*");
      assertThat(c.spark().settings()).containsEntry("spark.network.crypto.enabled", "true");
    }
  }

  @Test
  void environmentOverridesEveryRoot() {
    TrameConfig c =
        ConfigLoader.parse(VALID, "trame.yaml", TrameConfig.class)
            .resolve(
                dir,
                Map.of(
                    "TRAME_LANDING", "s3a://other/landing",
                    "TRAME_WAREHOUSE", "file:///srv/wh/",
                    "TRAME_EXTRACTS", "out",
                    "TRAME_KEYSTORE", "/secure/k.p12"));
    assertThat(c.landing()).isEqualTo("s3a://other/landing");
    assertThat(c.warehouse()).isEqualTo("file:///srv/wh");
    assertThat(c.extracts()).isEqualTo(dir.resolve("out").toUri().toString().replaceAll("/$", ""));
    assertThat(c.keys().keystore()).isEqualTo("/secure/k.p12");
  }

  @Test
  void unknownKeyNamesFileLineColumnAndPath() throws Exception {
    Path file = dir.resolve("trame.yaml");
    Files.writeString(
        file, VALID.replace("  password_file: keys/password", "  pasword_file: keys/password"));
    assertThatThrownBy(() -> ConfigLoader.load(file, TrameConfig.class))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            file
                + " line 10, column 3: keys: unknown field 'pasword_file' (known: keystore,"
                + " password_env, password_file)");
  }

  @Test
  void wrongTypeNamesTheField() {
    String yaml = VALID.replace("  master: local[2]", "  master: [local]");
    assertThatThrownBy(() -> ConfigLoader.parse(yaml, "trame.yaml", TrameConfig.class))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("trame.yaml line 5, column 3: spark.master: expected a text value");
  }

  @Test
  void missingRequiredFieldIsNamed() {
    String yaml = VALID.replace("warehouse: hdfs://nn.example:8020/trame/warehouse\n", "");
    assertThatThrownBy(() -> ConfigLoader.parse(yaml, "trame.yaml", TrameConfig.class))
        .isInstanceOf(ConfigException.class)
        .hasMessageMatching(
            "trame\\.yaml line \\d+, column \\d+: missing required field 'warehouse'");
  }

  @Test
  void invalidSettingIsRefusedWithItsPath() {
    String yaml = VALID.replace("spark.sql.shuffle.partitions: 4", "shuffle: 4");
    assertThatThrownBy(() -> ConfigLoader.parse(yaml, "trame.yaml", TrameConfig.class))
        .hasMessageContaining("spark: spark.settings key 'shuffle' is not a Spark setting");
  }

  @Test
  void brokenYamlSaysWhere() {
    assertThatThrownBy(
            () ->
                ConfigLoader.parse("landing: a\n  warehouse: b: c\n", "t.yaml", TrameConfig.class))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("t.yaml line ")
        .hasMessageContaining("invalid YAML");
  }

  @Test
  void emptyFileIsNamed() {
    assertThatThrownBy(() -> ConfigLoader.parse("", "t.yaml", TrameConfig.class))
        .hasMessageContaining("t.yaml: the file is empty");
  }

  @Test
  void missingFileIsNamed() {
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.yaml"), TrameConfig.class))
        .hasMessageContaining("nope.yaml: no such file");
  }
}
