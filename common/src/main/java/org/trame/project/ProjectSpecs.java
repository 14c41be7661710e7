package org.trame.project;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.trame.config.ConfigException;
import org.trame.config.ConfigLoader;
import org.trame.config.Require;
import org.trame.config.SourceConfig;

/** Finds, reads and checks project specs in {@code <conf>/projects/}. */
public final class ProjectSpecs {
  private ProjectSpecs() {}

  /**
   * A checked spec with what the extract records of it.
   *
   * @param sha256 of the spec file's bytes, so a manifest names the exact spec it followed
   */
  public record LoadedSpec(ProjectSpec spec, Path file, String sha256) {}

  /**
   * Loads {@code <confDir>/projects/<projectId>.yaml} and checks it against the sources.
   *
   * @throws ConfigException naming the spec line of every problem
   */
  public static LoadedSpec load(Path confDir, String projectId, List<SourceConfig> sources) {
    try {
      Require.safeName(projectId, "project");
    } catch (IllegalArgumentException e) {
      throw new ConfigException("Cannot use project: " + e.getMessage());
    }
    Path file = confDir.resolve("projects").resolve(projectId + ".yaml");
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(
          "Cannot read project '" + projectId + "': no spec at " + file + " (see conf/projects/)");
    } catch (IOException e) {
      throw new ConfigException("Cannot read " + file + ": " + e.getMessage(), e);
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    ProjectSpec spec = ConfigLoader.parse(text, file.toString(), ProjectSpec.class);
    if (!spec.id().equals(projectId)) {
      throw new ConfigException(
          file
              + ConfigLoader.position(text, "id")
              + ": id: names project '"
              + spec.id()
              + "' but the file is named '"
              + projectId
              + "'");
    }
    List<String> problems = ProjectSpecCheck.problems(spec, sources, text, file.toString());
    if (!problems.isEmpty()) {
      throw new ConfigException(
          String.join("\n", problems)
              + (problems.size() > 1 ? "\n(" + problems.size() + " problems)" : ""));
    }
    return new LoadedSpec(spec, file, sha256(bytes));
  }

  /** The ids of the specs in {@code <confDir>/projects/}, sorted. */
  public static List<String> ids(Path confDir) {
    Path folder = confDir.resolve("projects");
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (var files = Files.list(folder)) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(f -> f.endsWith(".yaml") && !f.startsWith("."))
          .map(f -> f.substring(0, f.length() - ".yaml".length()))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new ConfigException("Cannot list project specs in " + folder + ": " + e);
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
