package org.trame.jobs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.trame.config.ConfigLoader;
import org.trame.config.SourceConfig;
import org.trame.config.TrameConfig;
import org.trame.jobs.spark.SparkSessions;
import org.trame.jobs.spark.WarehousePaths;
import org.trame.jobs.sql.ReadOnlyQuery;
import org.trame.jobs.sql.WarehouseTables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code trame sql}: read-only Spark SQL over the warehouse's tables, by stable names. */
@Command(
    name = "sql",
    mixinStandardHelpOptions = true,
    description = {
      "Run one read-only Spark SQL query over the warehouse: <source>.<table> (pseudonymized",
      "source tables), <source>_quarantine.<table>, linkage.<table> and runs (the ledger).",
      "Anything that would write, read files by path or call Java is refused (exit 2) before",
      "it runs. --tables lists the names."
    })
final class SqlCommand implements Callable<Integer> {
  @ParentCommand TrameCommand root;

  @Parameters(index = "0", arity = "0..1", paramLabel = "QUERY", description = "The query.")
  String query;

  @Option(
      names = "--format",
      paramLabel = "F",
      defaultValue = "table",
      description = "table (default), csv or json (one object per line).")
  String format;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "1000",
      description = "At most N rows printed (default: ${DEFAULT-VALUE}); 0 for all.")
  int limit;

  @Option(names = "--tables", description = "List the tables a query may name, and stop.")
  boolean listTables;

  @Override
  public Integer call() throws IOException {
    Cli cli = root.cli();
    if (!List.of("table", "csv", "json").contains(format)) {
      throw CommandException.usage("Cannot use --format " + format + ": table, csv or json");
    }
    if (limit < 0) {
      throw CommandException.usage("Cannot use --limit " + limit + ": 0 or more");
    }
    if (!listTables && (query == null || query.isBlank())) {
      throw CommandException.usage("Give a query, such as: trame sql \"SELECT * FROM runs\"");
    }
    TrameConfig config = cli.config();
    List<SourceConfig> sources = SourceConfig.loadAll(cli.confDir());
    SparkSession spark = SparkSessions.start(config.spark(), "trame sql", cli.verbose());
    Map<String, WarehouseTables.Table> tables =
        WarehouseTables.find(spark, WarehousePaths.of(config), sources);
    if (listTables) {
      for (WarehouseTables.Table t : tables.values()) {
        cli.out().printf("%-36s %s%n", t.name(), t.what());
      }
      return ExitCode.OK;
    }
    ReadOnlyQuery.Verdict verdict = ReadOnlyQuery.check(spark, query, tables.keySet());
    if (!verdict.allowed()) {
      throw CommandException.usage(
          "Cannot run this query: " + String.join("; ", verdict.problems()));
    }
    java.nio.file.Path scratch = Files.createTempDirectory("trame-sql");
    try {
      List<WarehouseTables.Table> used = new ArrayList<>();
      verdict.tables().forEach(name -> used.add(tables.get(name)));
      WarehouseTables.register(spark, used, scratch.toUri().toString());
      Dataset<Row> result = spark.sql(query);
      print(cli.out(), result, limit);
    } finally {
      deleteTree(scratch);
    }
    return ExitCode.OK;
  }

  private void print(PrintWriter out, Dataset<Row> result, int max) {
    Dataset<Row> rows = max > 0 ? result.limit(max + 1) : result;
    String[] columns = result.columns();
    switch (format) {
      case "json" -> {
        List<String> lines = rows.toJSON().collectAsList();
        lines.stream().limit(max > 0 ? max : Long.MAX_VALUE).forEach(out::println);
        truncated(lines.size(), max);
      }
      case "csv" -> {
        List<Row> list = rows.collectAsList();
        out.println(
            String.join(",", java.util.Arrays.stream(columns).map(SqlCommand::csv).toList()));
        for (Row r : list.subList(0, max > 0 ? Math.min(max, list.size()) : list.size())) {
          List<String> cells = new ArrayList<>();
          for (int i = 0; i < columns.length; i++) {
            cells.add(r.isNullAt(i) ? "" : csv(text(r.get(i))));
          }
          out.println(String.join(",", cells));
        }
        truncated(list.size(), max);
      }
      default -> {
        List<Row> list = rows.collectAsList();
        List<Row> shown = list.subList(0, max > 0 ? Math.min(max, list.size()) : list.size());
        int[] widths = new int[columns.length];
        for (int i = 0; i < columns.length; i++) {
          widths[i] = Math.min(60, columns[i].length());
          for (Row r : shown) {
            widths[i] = Math.min(60, Math.max(widths[i], cell(r, i).length()));
          }
        }
        StringBuilder head = new StringBuilder();
        for (int i = 0; i < columns.length; i++) {
          head.append(i == 0 ? "" : "  ").append(pad(columns[i], widths[i]));
        }
        out.println(head.toString().stripTrailing());
        for (Row r : shown) {
          StringBuilder line = new StringBuilder();
          for (int i = 0; i < columns.length; i++) {
            line.append(i == 0 ? "" : "  ").append(pad(cell(r, i), widths[i]));
          }
          out.println(line.toString().stripTrailing());
        }
        out.printf(Locale.ROOT, "(%,d row%s)%n", shown.size(), shown.size() == 1 ? "" : "s");
        truncated(list.size(), max);
      }
    }
  }

  private void truncated(int fetched, int max) {
    if (max > 0 && fetched > max) {
      root.cli().progress("(only the first " + max + " rows; use --limit N or --limit 0)");
    }
  }

  private static String cell(Row r, int i) {
    return r.isNullAt(i) ? "NULL" : text(r.get(i)).replace('\n', ' ');
  }

  /**
   * A value as text: arrays, maps and structs in JSON, as {@code --format json} writes them, rather
   * than as Scala's {@code ArraySeq(...)}, which no CSV reader understands.
   */
  static String text(Object value) {
    return value instanceof scala.collection.Iterable<?> || value instanceof Row
        ? ConfigLoader.toJson(plain(value))
        : String.valueOf(value);
  }

  /** Spark's nested values as Java lists and maps; leaves other than numbers as their text. */
  private static Object plain(Object value) {
    if (value == null || value instanceof Number || value instanceof Boolean) {
      return value;
    }
    if (value instanceof scala.collection.Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.foreach(kv -> out.put(String.valueOf(kv._1()), plain(kv._2())));
      return out;
    }
    if (value instanceof scala.collection.Iterable<?> items) {
      List<Object> out = new ArrayList<>();
      items.foreach(v -> out.add(plain(v)));
      return out;
    }
    if (value instanceof Row row && row.schema() != null) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (int i = 0; i < row.size(); i++) {
        out.put(row.schema().fieldNames()[i], plain(row.get(i)));
      }
      return out;
    }
    return String.valueOf(value);
  }

  private static String pad(String s, int width) {
    String t = s.length() > width ? s.substring(0, width - 1) + "…" : s;
    return t + " ".repeat(width - t.length());
  }

  private static String csv(String value) {
    boolean quote =
        value.contains(",") || value.contains("\"") || value.contains("\n") || value.contains("\r");
    return quote ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
  }

  private static void deleteTree(java.nio.file.Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      for (java.nio.file.Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
