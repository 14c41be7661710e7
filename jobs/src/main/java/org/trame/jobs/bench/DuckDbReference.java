package org.trame.jobs.bench;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.trame.config.ColumnConfig;
import org.trame.config.SourceConfig;
import org.trame.config.TableConfig;

/**
 * The single-machine reference: DuckDB copying the same landing files to Parquet, plain and with a
 * {@code sha256} of the identifier columns, through JDBC. DuckDB is not part of Trame's jar: it is
 * there only when the jar is built with {@code -Pbench}, and the bench says so otherwise.
 */
final class DuckDbReference {
  private static final String DRIVER = "org.duckdb.DuckDBDriver";

  private DuckDbReference() {}

  /** Whether the DuckDB JDBC driver is on the classpath. */
  static boolean available() {
    try {
      Class.forName(DRIVER);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /**
   * Copies every table of a source's local landing batch to Parquet under {@code out}, with two
   * threads, hashing identifier columns when asked; empty when the batch is not on the local file
   * system.
   */
  static Optional<Integer> copy(String landingBatch, SourceConfig source, Path out, boolean hash)
      throws SQLException, java.io.IOException {
    URI uri = URI.create(landingBatch);
    if (uri.getScheme() != null && !uri.getScheme().equals("file")) {
      return Optional.empty();
    }
    Path folder = Path.of(uri.getScheme() == null ? URI.create("file:" + landingBatch) : uri);
    Files.createDirectories(out);
    int tables = 0;
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      s.execute("SET threads = 2");
      for (TableConfig table : source.tables()) {
        List<String> files = new ArrayList<>();
        try (var listing = Files.newDirectoryStream(folder, table.files())) {
          listing.forEach(p -> files.add(p.toString()));
        }
        if (files.isEmpty()) {
          continue;
        }
        List<String> columns = new ArrayList<>();
        boolean hashed = false;
        for (ColumnConfig col : table.columns()) {
          String name = quoteIdentifier(col.name());
          if (hash && col.role() != null) {
            columns.add("sha256(" + name + ") AS " + name);
            hashed = true;
          } else {
            columns.add(name);
          }
        }
        if (hash && !hashed) {
          continue;
        }
        String list =
            String.join(", ", files.stream().sorted().map(DuckDbReference::quoteText).toList());
        String encoding = table.format().charset().equalsIgnoreCase("UTF-8") ? "utf-8" : "latin-1";
        s.execute(
            "COPY (SELECT "
                + String.join(", ", columns)
                + " FROM read_csv(["
                + list
                + "], delim = "
                + quoteText(table.format().delimiter())
                + ", header = true, all_varchar = true, encoding = "
                + quoteText(encoding)
                // Landing files have defects on purpose: like Spark's copy, never stop on them.
                + ", quote = '\"', escape = '\"', ignore_errors = true, null_padding = true,"
                + " strict_mode = false)) TO "
                + quoteText(out.resolve(table.name() + ".parquet").toString())
                + " (FORMAT parquet)");
        tables++;
      }
    }
    return Optional.of(tables);
  }

  private static String quoteText(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  private static String quoteIdentifier(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }
}
