package org.trame.jobs.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.trame.config.ColumnConfig;
import org.trame.config.FileFormat;
import org.trame.config.SourceConfig;
import org.trame.config.TableConfig;
import org.trame.landing.CsvReader;
import org.trame.pseudo.IdentifierRole;

/**
 * Looks for the direct identifiers of a landing folder (NIRs, names, local patient numbers) in
 * everything Trame wrote or printed: Parquet files decoded value by value (data files, Delta
 * checkpoints, extracts), every other file as text (Delta logs and their statistics, manifests,
 * dictionaries, reports, lock files), and captured command output. A finding names the file and the
 * kind of identifier, never the value, so that a failing test prints no identifier either.
 *
 * <p>NIRs are matched on their 13-character body inside any run of digits (spaces removed, so a NIR
 * written {@code 2 49 12 ...} is found too); local ids inside any run of letters and digits; names
 * as whole words, accents and case ignored, each part of three letters or more.
 */
public final class LeakScanner {
  /** One identifier found: where, and of which kind. The value is deliberately not kept. */
  public record Leak(String where, String kind) {
    @Override
    public String toString() {
      return kind + " in " + where;
    }
  }

  private final Set<String> nirs;
  private final Set<String> names;
  private final Set<String> localIds;
  private final Set<Integer> localIdLengths = new TreeSet<>();

  private LeakScanner(Set<String> nirs, Set<String> names, Set<String> localIds) {
    this.nirs = Set.copyOf(nirs);
    this.names = Set.copyOf(names);
    this.localIds = Set.copyOf(localIds);
    this.localIds.forEach(id -> localIdLengths.add(id.length()));
  }

  /**
   * The identifiers given, as they would appear raw: NIRs (any spacing, with or without key),
   * names, local ids.
   */
  public static LeakScanner of(
      Iterable<String> nirValues, Iterable<String> nameValues, Iterable<String> localIdValues) {
    Set<String> nirs = new HashSet<>();
    Set<String> names = new HashSet<>();
    Set<String> ids = new HashSet<>();
    nirValues.forEach(v -> addNir(nirs, v));
    nameValues.forEach(v -> addName(names, v));
    localIdValues.forEach(v -> addLocalId(ids, v));
    return new LeakScanner(nirs, names, ids);
  }

  /**
   * Every direct identifier in the landing files of the given sources ({@code
   * landing/<source>/<batch>/<file>}), read with each table's declared format and column roles.
   * Lines that cannot be parsed are skipped.
   */
  public static LeakScanner fromLanding(Path landing, List<SourceConfig> sources)
      throws IOException {
    Set<String> nirs = new HashSet<>();
    Set<String> names = new HashSet<>();
    Set<String> ids = new HashSet<>();
    for (SourceConfig source : sources) {
      Path folder = landing.resolve(source.name());
      if (!Files.isDirectory(folder)) {
        continue;
      }
      try (Stream<Path> all = Files.walk(folder)) {
        for (Path file : all.filter(Files::isRegularFile).toList()) {
          for (TableConfig table : source.tables()) {
            PathMatcher glob = FileSystems.getDefault().getPathMatcher("glob:" + table.files());
            if (glob.matches(file.getFileName())) {
              Map<String, IdentifierRole> roles = new HashMap<>();
              for (ColumnConfig c : table.columns()) {
                if (c.role() != null && ColumnConfig.DIRECT.contains(c.role())) {
                  roles.put(c.name(), c.role());
                }
              }
              read(file, table.format(), roles, nirs, names, ids);
            }
          }
        }
      }
    }
    return new LeakScanner(nirs, names, ids);
  }

  /** How many distinct identifiers are looked for: NIRs, name parts, local ids. */
  public int[] sizes() {
    return new int[] {nirs.size(), names.size(), localIds.size()};
  }

  /** Every file under {@code root}, recursively; a missing root holds nothing. */
  public List<Leak> scanFiles(Path root) throws IOException {
    List<Leak> out = new ArrayList<>();
    if (!Files.exists(root)) {
      return out;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path f : all.filter(Files::isRegularFile).sorted().toList()) {
        String name = f.getFileName().toString();
        if (name.startsWith(".") && name.endsWith(".crc")) {
          continue; // Hadoop's binary checksum of the file beside it
        }
        if (isParquet(f)) {
          scanParquet(f, out);
        } else if (!isBinary(f)) {
          // A binary file that is not Parquet (a PNG screenshot) holds no text to read; decoded
          // as text its bytes would spell short names by chance.
          out.addAll(scanText(f.toString(), text(f)));
        }
      }
    }
    return out;
  }

  /** One text (a file's content or a command's output), named {@code where} in findings. */
  public List<Leak> scanText(String where, String text) {
    Set<String> kinds = new TreeSet<>();
    scanInto(text, kinds);
    List<Leak> out = new ArrayList<>();
    kinds.forEach(k -> out.add(new Leak(where, k)));
    return out;
  }

  private void scanParquet(Path file, List<Leak> out) throws IOException {
    Set<String> kinds = new TreeSet<>();
    try (ParquetReader<Group> r =
        ParquetReader.builder(new GroupReadSupport(), new org.apache.hadoop.fs.Path(file.toUri()))
            .withConf(new Configuration())
            .build()) {
      for (Group g = r.read(); g != null; g = r.read()) {
        values(g, kinds);
      }
    }
    kinds.forEach(k -> out.add(new Leak(file.toString(), k)));
  }

  private void values(Group g, Set<String> kinds) {
    int fields = g.getType().getFieldCount();
    for (int i = 0; i < fields; i++) {
      boolean primitive = g.getType().getType(i).isPrimitive();
      for (int j = 0; j < g.getFieldRepetitionCount(i); j++) {
        if (primitive) {
          scanInto(g.getValueToString(i, j), kinds);
        } else {
          values(g.getGroup(i, j), kinds);
        }
      }
    }
  }

  private void scanInto(String text, Set<String> kinds) {
    if (text == null || text.isEmpty()) {
      return;
    }
    String digits = text.replace(" ", "");
    forEachRun(
        digits,
        Character::isDigit,
        run -> {
          for (int i = 0; i + 13 <= run.length(); i++) {
            if (nirs.contains(run.substring(i, i + 13))) {
              kinds.add("NIR");
              return;
            }
          }
        });
    forEachRun(
        text,
        Character::isLetterOrDigit,
        run -> {
          for (int len : localIdLengths) {
            for (int i = 0; i + len <= run.length(); i++) {
              if (localIds.contains(run.substring(i, i + len))) {
                kinds.add("local id");
                return;
              }
            }
          }
        });
    // Names: words of letters, hyphens, underscores and apostrophes, matched part by part. A
    // word holding a digit is no name: pseudonyms (Base64url) are such words, and the letter
    // runs inside them would otherwise match short names by chance.
    forEachRun(
        text,
        c -> Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '\'',
        word -> {
          if (word.chars().anyMatch(Character::isDigit)) {
            return;
          }
          forEachRun(
              word,
              Character::isLetter,
              part -> {
                if (names.contains(fold(part))) {
                  kinds.add("name");
                }
              });
        });
  }

  private static void forEachRun(
      String text, java.util.function.IntPredicate in, java.util.function.Consumer<String> action) {
    int start = -1;
    for (int i = 0; i <= text.length(); i++) {
      boolean inside = i < text.length() && in.test(text.charAt(i));
      if (inside && start < 0) {
        start = i;
      } else if (!inside && start >= 0) {
        action.accept(text.substring(start, i));
        start = -1;
      }
    }
  }

  private static void read(
      Path file,
      FileFormat format,
      Map<String, IdentifierRole> roles,
      Set<String> nirs,
      Set<String> names,
      Set<String> ids)
      throws IOException {
    if (roles.isEmpty()) {
      return;
    }
    if (format.type() == FileFormat.Type.PARQUET) {
      try (ParquetReader<Group> r =
          ParquetReader.builder(new GroupReadSupport(), new org.apache.hadoop.fs.Path(file.toUri()))
              .withConf(new Configuration())
              .build()) {
        for (Group g = r.read(); g != null; g = r.read()) {
          for (Map.Entry<String, IdentifierRole> e : roles.entrySet()) {
            if (g.getType().containsField(e.getKey())
                && g.getFieldRepetitionCount(e.getKey()) > 0) {
              add(
                  e.getValue(),
                  g.getValueToString(g.getType().getFieldIndex(e.getKey()), 0),
                  nirs,
                  names,
                  ids);
            }
          }
        }
      }
      return;
    }
    try (InputStream raw = Files.newInputStream(file);
        InputStream in =
            file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
        CsvReader csv =
            new CsvReader(
                in,
                Charset.forName(format.charset()),
                format.delimiter().charAt(0),
                format.quote().charAt(0),
                CsvReader.Limits.defaults())) {
      CsvReader.Record header = csv.next();
      if (header == null || !header.ok() || !format.header()) {
        return;
      }
      Map<Integer, IdentifierRole> byIndex = new HashMap<>();
      for (int i = 0; i < header.fields().size(); i++) {
        IdentifierRole role = roles.get(header.fields().get(i).strip().replace("\uFEFF", ""));
        if (role != null) {
          byIndex.put(i, role);
        }
      }
      for (CsvReader.Record r = csv.next(); r != null; r = csv.next()) {
        if (!r.ok()) {
          continue;
        }
        for (Map.Entry<Integer, IdentifierRole> e : byIndex.entrySet()) {
          if (e.getKey() < r.fields().size()) {
            add(e.getValue(), r.fields().get(e.getKey()), nirs, names, ids);
          }
        }
      }
    } catch (IOException e) {
      // A truncated or hostile file: what was read before the failure is kept.
    }
  }

  private static void add(
      IdentifierRole role, String value, Set<String> nirs, Set<String> names, Set<String> ids) {
    switch (role) {
      case NIR, INSURED_NIR -> addNir(nirs, value);
      case LAST_NAME, FIRST_NAME -> addName(names, value);
      default -> addLocalId(ids, value);
    }
  }

  private static void addNir(Set<String> nirs, String value) {
    if (value == null) {
      return;
    }
    String d = value.replace(" ", "").strip();
    if (d.length() >= 13 && d.substring(0, 13).chars().allMatch(Character::isDigit)) {
      nirs.add(d.substring(0, 13));
    }
  }

  private static void addName(Set<String> names, String value) {
    if (value == null) {
      return;
    }
    forEachRun(
        value,
        Character::isLetter,
        part -> {
          if (part.length() >= 3) {
            names.add(fold(part));
          }
        });
  }

  private static void addLocalId(Set<String> ids, String value) {
    if (value == null) {
      return;
    }
    String v = value.strip();
    if (v.length() >= 6 && v.chars().allMatch(Character::isLetterOrDigit)) {
      ids.add(v);
    }
  }

  private static String fold(String word) {
    return Normalizer.normalize(word, Normalizer.Form.NFD)
        .replaceAll("\\p{M}", "")
        .toUpperCase(Locale.ROOT);
  }

  private static boolean isParquet(Path f) throws IOException {
    if (Files.size(f) < 8) {
      return false;
    }
    try (InputStream in = Files.newInputStream(f)) {
      byte[] magic = in.readNBytes(4);
      return new String(magic, StandardCharsets.ISO_8859_1).equals("PAR1");
    }
  }

  private static boolean isBinary(Path f) throws IOException {
    if (f.getFileName().toString().endsWith(".gz")) {
      return false;
    }
    try (InputStream in = Files.newInputStream(f)) {
      for (byte b : in.readNBytes(8192)) {
        if (b == 0) {
          return true;
        }
      }
    }
    return false;
  }

  private static String text(Path f) throws IOException {
    byte[] bytes = Files.readAllBytes(f);
    if (f.getFileName().toString().endsWith(".gz")) {
      try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
        bytes = in.readAllBytes();
      }
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
