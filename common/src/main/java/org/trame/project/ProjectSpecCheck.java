package org.trame.project;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.trame.config.ColumnConfig;
import org.trame.config.ColumnType;
import org.trame.config.ConfigLoader;
import org.trame.config.SourceConfig;
import org.trame.config.TableConfig;
import org.trame.project.ProjectSpec.CodeCriterion;
import org.trame.project.ProjectSpec.ColumnRef;
import org.trame.project.ProjectSpec.ColumnRequest;
import org.trame.project.ProjectSpec.Criterion;
import org.trame.project.ProjectSpec.Generalization;
import org.trame.project.ProjectSpec.TableRef;
import org.trame.project.ProjectSpec.TableRequest;

/**
 * Checks a loaded spec against the source configurations: every source, table and column it names
 * exists and is stored in clear; no direct identifier, warehouse pseudonym or internal column is
 * asked for; potential identifiers are generalized or granted one at a time; no table's record key
 * goes out whole in clear (it would join the extract back to the warehouse); each generalization
 * fits its column's type; quasi-identifiers are extract columns. Every problem is reported with the
 * spec line it comes from.
 */
public final class ProjectSpecCheck {
  private final List<SourceConfig> sources;
  private final String text;
  private final String origin;
  private final List<String> problems = new ArrayList<>();

  private ProjectSpecCheck(List<SourceConfig> sources, String text, String origin) {
    this.sources = sources;
    this.text = text;
    this.origin = origin;
  }

  /**
   * The problems of a spec, one line each ({@code <file> line N, column M: <path>: <what>}); empty
   * when it can be extracted.
   *
   * @param text the spec's YAML text, to locate problems
   * @param origin names the spec in messages (its path)
   */
  public static List<String> problems(
      ProjectSpec spec, List<SourceConfig> sources, String text, String origin) {
    ProjectSpecCheck check = new ProjectSpecCheck(sources, text, origin);
    check.criterion(spec.cohort(), List.of("cohort"));
    Set<String> tables = new HashSet<>();
    for (int i = 0; i < spec.tables().size(); i++) {
      TableRequest t = spec.tables().get(i);
      List<Object> at = List.of("tables", i);
      if (!tables.add(t.table())) {
        check.problem(at, "table " + t.table() + " is listed twice");
        continue;
      }
      check.tableRequest(t, at);
    }
    List<String> qis = spec.disclosure().quasiIdentifiers();
    for (int i = 0; i < qis.size(); i++) {
      ColumnRef q = ColumnRef.parse(qis.get(i), "quasi_identifiers");
      boolean requested =
          spec.tables().stream()
              .anyMatch(
                  t ->
                      t.table().equals(q.table().toString())
                          && t.columns().stream().anyMatch(c -> c.name().equals(q.column())));
      if (!requested) {
        check.problem(
            List.of("disclosure", "quasi_identifiers", i),
            q + " is not a column of the extract (list it under tables first)");
      } else {
        List<Object> at = List.of("disclosure", "quasi_identifiers", i);
        check
            .source(q.table().source())
            .flatMap(s -> s.table(q.table().table()))
            .filter(t -> !StoredColumn.holdsPersons(t))
            .ifPresent(
                t ->
                    check.problem(at, q + " is in a reference table: its rows describe no person"));
      }
    }
    return List.copyOf(check.problems);
  }

  private void criterion(Criterion c, List<Object> at) {
    List<Criterion> group = c.any() != null ? c.any() : c.all();
    if (group != null) {
      for (int i = 0; i < group.size(); i++) {
        criterion(group.get(i), path(at, c.kind(), i));
      }
      return;
    }
    List<Object> here = path(at, c.kind());
    switch (c.kind()) {
      case "age" -> {
        Optional<TableConfig> t = personTable(c.age().table(), path(here, "table"));
        t.flatMap(
                x -> clearColumn(x, c.age().table(), c.age().birthYear(), path(here, "birth_year")))
            .filter(s -> s.type() != ColumnType.INTEGER)
            .ifPresent(
                s ->
                    problem(
                        path(here, "birth_year"), s.name() + " is not a whole number (a year)"));
      }
      case "sex" ->
          personTable(c.sex().table(), path(here, "table"))
              .ifPresent(
                  x -> clearColumn(x, c.sex().table(), c.sex().column(), path(here, "column")));
      default -> codes(c.codes(), here);
    }
  }

  private void codes(CodeCriterion c, List<Object> at) {
    Optional<TableConfig> t = personTable(c.table(), path(at, "table"));
    if (t.isEmpty()) {
      return;
    }
    for (int i = 0; i < c.columns().size(); i++) {
      clearColumn(t.get(), c.table(), c.columns().get(i), path(at, "columns", i));
    }
    if (c.lookup() != null) {
      List<Object> l = path(at, "lookup");
      table(c.lookup().table(), path(l, "table"))
          .ifPresent(
              r -> {
                clearColumn(r, c.lookup().table(), c.lookup().key(), path(l, "key"));
                clearColumn(r, c.lookup().table(), c.lookup().value(), path(l, "value"));
              });
    }
    if (c.date() != null) {
      date(t.get(), c.table(), c.date(), path(at, "date"));
    }
  }

  private void tableRequest(TableRequest request, List<Object> at) {
    Optional<TableConfig> found = table(request.table(), path(at, "table"));
    if (found.isEmpty()) {
      return;
    }
    TableConfig t = found.get();
    if (request.date() != null) {
      date(t, request.table(), request.date(), path(at, "date"));
    }
    Set<String> clearKeyColumns = new HashSet<>();
    for (int j = 0; j < request.columns().size(); j++) {
      ColumnRequest c = request.columns().get(j);
      List<Object> here = path(at, "columns", j);
      Optional<StoredColumn> s = clearColumn(t, request.table(), c.name(), here);
      if (s.isEmpty()) {
        continue;
      }
      StoredColumn col = s.get();
      if (c.generalize() != null) {
        String fits = fits(c.generalize(), col, t);
        if (fits != null) {
          problem(here, c.name() + ": generalize " + lower(c.generalize()) + " " + fits);
        }
      } else if (!c.pseudonymize()) {
        if (col.potentialIdentifier() && !c.exact()) {
          problem(
              here,
              c.name()
                  + " is a potential identifier ("
                  + (col.type() == ColumnType.DATE ? "a date" : "a place or birth year")
                  + "): generalize it ("
                  + suggestions(col, t)
                  + ") or grant it as stored with exact: true");
        }
        clearKeyColumns.add(c.name());
      }
    }
    if (StoredColumn.holdsPersons(t)) {
      // A reference table's rows belong to no person: its key may go out as it is.
      keyInClear(t, t.key(), clearKeyColumns, request.table(), at);
      keyInClear(t, t.linkage().on(), clearKeyColumns, request.table(), at);
    }
  }

  /** A record key whose every stored column goes out in clear would join rows back. */
  private void keyInClear(
      TableConfig t, List<String> key, Set<String> clear, String table, List<Object> at) {
    List<String> stored = key.stream().filter(k -> StoredColumn.of(t, k).isPresent()).toList();
    if (!stored.isEmpty() && clear.containsAll(stored)) {
      problem(
          path(at, "columns"),
          table
              + ": "
              + String.join(", ", stored)
              + (stored.size() == 1 ? " names" : " together name")
              + " a warehouse record and would join the extract back to it;"
              + " give at least one of them pseudonymize: true (or generalize it)");
    }
  }

  private static String fits(Generalization g, StoredColumn c, TableConfig t) {
    boolean place =
        t.column(c.name())
            .map(ColumnConfig::role)
            .map(r -> r == org.trame.pseudo.IdentifierRole.POSTCODE)
            .orElse(false);
    return switch (g) {
      case MONTH, YEAR -> c.type() == ColumnType.DATE ? null : "applies to dates only";
      case BAND -> c.type() == ColumnType.INTEGER ? null : "applies to whole numbers only";
      case DEPARTEMENT ->
          place || c.type() == ColumnType.STRING && !c.name().endsWith("_year")
              ? null
              : "applies to postcodes and commune codes only";
    };
  }

  private static String suggestions(StoredColumn c, TableConfig t) {
    if (c.type() == ColumnType.DATE) {
      return "month or year";
    }
    if (c.type() == ColumnType.INTEGER) {
      return "band with a width";
    }
    return "departement";
  }

  private void date(TableConfig t, String table, String ref, List<Object> at) {
    int dot = ref.indexOf('.');
    TableConfig owner = t;
    String column = ref;
    String ownerName = table;
    if (dot >= 0) {
      String parent = ref.substring(0, dot);
      column = ref.substring(dot + 1);
      if (!parent.equals(t.linkage().personOf())) {
        problem(
            at,
            "'"
                + ref
                + "': a date from another table must come from the table "
                + table
                + " takes its person from"
                + (t.linkage().personOf() == null
                    ? " (it has none)"
                    : " (" + t.linkage().personOf() + ")"));
        return;
      }
      String source = table.substring(0, table.indexOf('.'));
      ownerName = source + "." + parent;
      owner = source(source).flatMap(s -> s.table(parent)).orElse(null);
      if (owner == null) {
        return;
      }
    }
    Optional<StoredColumn> s = clearColumn(owner, ownerName, column, at);
    if (s.isPresent() && s.get().type() != ColumnType.DATE) {
      problem(at, column + " of " + ownerName + " is not a date column");
    }
  }

  private Optional<TableConfig> personTable(String ref, List<Object> at) {
    Optional<TableConfig> t = table(ref, at);
    if (t.isPresent() && !StoredColumn.holdsPersons(t.get())) {
      problem(at, ref + " is a reference table: its rows belong to no person");
      return Optional.empty();
    }
    return t;
  }

  private Optional<TableConfig> table(String ref, List<Object> at) {
    TableRef r = TableRef.parse(ref, "table");
    Optional<SourceConfig> s = source(r.source());
    if (s.isEmpty()) {
      problem(
          at,
          "unknown source '"
              + r.source()
              + "' (sources: "
              + String.join(", ", sources.stream().map(SourceConfig::name).toList())
              + ")");
      return Optional.empty();
    }
    Optional<TableConfig> t = s.get().table(r.table());
    if (t.isEmpty()) {
      problem(
          at,
          "unknown table '"
              + r.table()
              + "' in source "
              + r.source()
              + " (tables: "
              + String.join(", ", s.get().tables().stream().map(TableConfig::name).toList())
              + ")");
    }
    return t;
  }

  private Optional<StoredColumn> clearColumn(
      TableConfig t, String table, String column, List<Object> at) {
    Optional<StoredColumn> s = StoredColumn.of(t, column);
    if (s.isEmpty()) {
      problem(at, column + " of " + table + " " + StoredColumn.refusal(t, column));
    }
    return s;
  }

  private Optional<SourceConfig> source(String name) {
    return sources.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  private void problem(List<Object> at, String what) {
    StringBuilder field = new StringBuilder();
    for (Object step : at) {
      if (step instanceof Integer i) {
        field.append('[').append(i).append(']');
      } else {
        field.append(field.length() == 0 ? "" : ".").append(step);
      }
    }
    problems.add(origin + ConfigLoader.position(text, at.toArray()) + ": " + field + ": " + what);
  }

  private static List<Object> path(List<Object> at, Object... more) {
    List<Object> out = new ArrayList<>(at);
    out.addAll(List.of(more));
    return out;
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(java.util.Locale.ROOT);
  }
}
