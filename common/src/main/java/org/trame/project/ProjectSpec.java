package org.trame.project;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.trame.config.Require;

/**
 * An approved project's data-access spec, {@code conf/projects/<id>.yaml}: who the project is, the
 * period, the cohort, the only tables and columns it may have, how each is generalized, and the
 * disclosure rule its extract must pass.
 *
 * <p>The cohort is a small declarative language (code prefixes, an age range, a sex, nested {@code
 * any}/{@code all}), never SQL: every name in a spec is checked to be a plain name and every code
 * prefix to be letters and digits, so a spec cannot run code. Names are checked against the source
 * configurations by {@link ProjectSpecCheck}.
 *
 * @param id the project id: a plain name, also the file name and the extract folder
 * @param title what the project studies
 * @param approval the reference of its approval (ethics committee, regulator)
 * @param period the care period the project may see; events outside it are not extracted
 * @param cohort who is in the project
 * @param tables the tables and the only columns the project may have
 * @param disclosure the quasi-identifiers and k every extract must respect
 * @param encrypt whether the Parquet files are encrypted (footer and columns) with the project's
 *     key
 */
public record ProjectSpec(
    String id,
    String title,
    String approval,
    Period period,
    Criterion cohort,
    List<TableRequest> tables,
    Disclosure disclosure,
    Boolean encrypt) {

  /** Code prefixes: letters and digits only (ICD-10 without the dot, ATC, CCAM, CIP). */
  private static final Pattern CODE_PREFIX = Pattern.compile("[A-Za-z0-9]{1,20}");

  /** Column names as ingest stores them. */
  private static final Pattern COLUMN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

  public ProjectSpec {
    Require.safeName(id, "id");
    Require.nonBlank(title, "title");
    Require.nonBlank(approval, "approval");
    Require.present(period, "period");
    Require.present(cohort, "cohort");
    tables = List.copyOf(Require.nonEmpty(tables, "tables"));
    Require.present(disclosure, "disclosure");
    encrypt = encrypt != null && encrypt;
  }

  /** The care period, both days included. */
  public record Period(String from, String to) {
    public Period {
      LocalDate f = date(from, "from");
      LocalDate t = date(to, "to");
      if (t.isBefore(f)) {
        throw new IllegalArgumentException(
            "period: 'to' (" + to + ") is before 'from' (" + from + ")");
      }
    }

    public LocalDate start() {
      return LocalDate.parse(from);
    }

    public LocalDate end() {
      return LocalDate.parse(to);
    }

    private static LocalDate date(String value, String field) {
      Require.nonBlank(value, field);
      try {
        return LocalDate.parse(value);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(
            "field '" + field + "' must be an ISO date (2023-01-31), got '" + value + "'");
      }
    }
  }

  /**
   * One cohort criterion: exactly one of its fields. {@code any}/{@code all} combine others; {@code
   * diagnosis}, {@code drug} and {@code act} select persons with a code starting with one of the
   * prefixes; {@code age} by birth year; {@code sex} by value.
   */
  public record Criterion(
      List<Criterion> any,
      List<Criterion> all,
      CodeCriterion diagnosis,
      CodeCriterion drug,
      CodeCriterion act,
      AgeCriterion age,
      ValueCriterion sex) {
    public Criterion {
      int set = 0;
      for (Object o : new Object[] {any, all, diagnosis, drug, act, age, sex}) {
        set += o == null ? 0 : 1;
      }
      if (set != 1) {
        throw new IllegalArgumentException(
            "a cohort criterion has exactly one of any, all, diagnosis, drug, act, age, sex; got "
                + set);
      }
      any = any == null ? null : List.copyOf(Require.nonEmpty(any, "any"));
      all = all == null ? null : List.copyOf(Require.nonEmpty(all, "all"));
    }

    /** The kind of this criterion, as written in the spec. */
    public String kind() {
      if (any != null) {
        return "any";
      }
      if (all != null) {
        return "all";
      }
      if (diagnosis != null) {
        return "diagnosis";
      }
      if (drug != null) {
        return "drug";
      }
      if (act != null) {
        return "act";
      }
      return age != null ? "age" : "sex";
    }

    /** The code criterion, when this is a diagnosis, drug or act. */
    public CodeCriterion codes() {
      return diagnosis != null ? diagnosis : drug != null ? drug : act;
    }
  }

  /**
   * Persons with a row of {@code table} whose code in one of {@code columns} starts with one of
   * {@code prefixes}, dated within the period when {@code date} is given.
   *
   * @param table {@code source.table}
   * @param lookup maps the column's value through a reference table first (CIP code to ATC class)
   * @param date a date column of the table, or {@code PARENT.COLUMN} of the table its rows take
   *     their person from
   */
  public record CodeCriterion(
      String table, List<String> columns, List<String> prefixes, Lookup lookup, String date) {
    public CodeCriterion {
      TableRef.parse(table, "table");
      columns = List.copyOf(Require.nonEmpty(columns, "columns"));
      columns.forEach(c -> columnName(c, "columns"));
      prefixes = List.copyOf(Require.nonEmpty(prefixes, "prefixes"));
      for (String p : prefixes) {
        if (p == null || !CODE_PREFIX.matcher(p).matches()) {
          throw new IllegalArgumentException(
              "field 'prefixes': a code prefix is 1 to 20 letters or digits, got '" + p + "'");
        }
      }
      prefixes = prefixes.stream().map(p -> p.toUpperCase(Locale.ROOT)).toList();
      if (date != null) {
        dateRef(date, "date");
      }
    }
  }

  /** A reference table that maps a code to another (a CIP code to its ATC class). */
  public record Lookup(String table, String key, String value) {
    public Lookup {
      TableRef.parse(table, "table");
      columnName(key, "key");
      columnName(value, "value");
    }
  }

  /**
   * Persons aged {@code min} to {@code max} at the start of the period, from a birth-year column.
   */
  public record AgeCriterion(String table, String birthYear, Integer min, Integer max) {
    public AgeCriterion {
      TableRef.parse(table, "table");
      columnName(birthYear, "birth_year");
      if (min == null && max == null) {
        throw new IllegalArgumentException("age: give 'min', 'max' or both");
      }
      if ((min != null && (min < 0 || min > 150)) || (max != null && (max < 0 || max > 150))) {
        throw new IllegalArgumentException("age: 'min' and 'max' are ages from 0 to 150");
      }
      if (min != null && max != null && max < min) {
        throw new IllegalArgumentException("age: 'max' (" + max + ") is below 'min' (" + min + ")");
      }
    }
  }

  /** Persons with a row of {@code table} whose {@code column} holds one of {@code values}. */
  public record ValueCriterion(String table, String column, List<String> values) {
    public ValueCriterion {
      TableRef.parse(table, "table");
      columnName(column, "column");
      values = List.copyOf(Require.nonEmpty(values, "values"));
      for (String v : values) {
        if (v == null || !CODE_PREFIX.matcher(v).matches()) {
          throw new IllegalArgumentException(
              "field 'values': a value is 1 to 20 letters or digits, got '" + v + "'");
        }
      }
    }
  }

  /**
   * One table of the extract.
   *
   * @param table {@code source.table}
   * @param date the column (or {@code PARENT.COLUMN}) that dates a row; rows outside the period are
   *     left out. Without it every row of a cohort person is extracted.
   * @param columns the only columns the project receives, besides {@code subject_id}
   */
  public record TableRequest(String table, String date, List<ColumnRequest> columns) {
    public TableRequest {
      TableRef.parse(table, "table");
      if (date != null) {
        dateRef(date, "date");
      }
      columns = List.copyOf(Require.nonEmpty(columns, "columns"));
      List<String> seen = new ArrayList<>();
      for (ColumnRequest c : columns) {
        if (seen.contains(c.name())) {
          throw new IllegalArgumentException("column '" + c.name() + "' is listed twice");
        }
        seen.add(c.name());
      }
    }

    public TableRef ref() {
      return TableRef.parse(table, "table");
    }
  }

  /** How a column is coarsened in the extract. */
  public enum Generalization {
    /** A date to its month, {@code 2023-05}. */
    MONTH,
    /** A date to its year, {@code 2023}. */
    YEAR,
    /** A postcode or commune code to its département, {@code 75}, {@code 2A}, {@code 971}. */
    DEPARTEMENT,
    /** A whole number to a band of {@code width}, {@code 1970-1974} (ages, birth years). */
    BAND
  }

  /**
   * One column of an extract table: a bare name, or a mapping.
   *
   * @param generalize how it is coarsened
   * @param width the band width, with {@code generalize: band}
   * @param pseudonymize replaced by a project pseudonym (equal values stay equal across the
   *     extract's tables of one source, and differ from every other project's)
   * @param exact grants a potential identifier (a date, a postcode) as stored
   */
  public record ColumnRequest(
      String name, Generalization generalize, Integer width, Boolean pseudonymize, Boolean exact) {
    public ColumnRequest {
      columnName(name, "name");
      pseudonymize = pseudonymize != null && pseudonymize;
      exact = exact != null && exact;
      if (generalize == Generalization.BAND) {
        if (width == null || width < 2 || width > 100) {
          throw new IllegalArgumentException(
              "column '" + name + "': generalize: band needs 'width' from 2 to 100");
        }
      } else if (width != null) {
        throw new IllegalArgumentException(
            "column '" + name + "': 'width' only applies to generalize: band");
      }
      int treatments = (generalize != null ? 1 : 0) + (pseudonymize ? 1 : 0) + (exact ? 1 : 0);
      if (treatments > 1) {
        throw new IllegalArgumentException(
            "column '" + name + "': choose one of generalize, pseudonymize, exact");
      }
    }

    /** A column written as a bare name: as stored. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static ColumnRequest named(String name) {
      return new ColumnRequest(name, null, null, null, null);
    }
  }

  /** What is done when a combination of quasi-identifiers is shared by fewer than k persons. */
  public enum DisclosureAction {
    /** Exit 5, nothing written. */
    FAIL,
    /** The persons in those combinations are left out of every table, and the report says so. */
    SUPPRESS
  }

  /**
   * The disclosure rule: every combination of the quasi-identifiers' values (after generalization)
   * is shared by at least {@code k} persons.
   *
   * @param quasiIdentifiers extract columns as {@code source.table.column}
   */
  public record Disclosure(List<String> quasiIdentifiers, Integer k, DisclosureAction action) {
    public Disclosure {
      quasiIdentifiers = List.copyOf(Require.nonEmpty(quasiIdentifiers, "quasi_identifiers"));
      for (String q : quasiIdentifiers) {
        ColumnRef.parse(q, "quasi_identifiers");
      }
      Require.present(k, "k");
      if (k < 2 || k > 1000) {
        throw new IllegalArgumentException("field 'k' must be from 2 to 1000, got " + k);
      }
      Require.present(action, "action");
    }
  }

  /** {@code source.table}. */
  public record TableRef(String source, String table) {
    public static TableRef parse(String text, String field) {
      Require.nonBlank(text, field);
      String[] parts = text.split("\\.", -1);
      if (parts.length != 2) {
        throw new IllegalArgumentException(
            "field '" + field + "' names a table as source.table, got '" + text + "'");
      }
      return new TableRef(Require.safeName(parts[0], field), Require.safeName(parts[1], field));
    }

    @Override
    public String toString() {
      return source + "." + table;
    }
  }

  /** {@code source.table.column}. */
  public record ColumnRef(TableRef table, String column) {
    public static ColumnRef parse(String text, String field) {
      Require.nonBlank(text, field);
      int dot = text.lastIndexOf('.');
      if (dot < 0) {
        throw new IllegalArgumentException(
            "field '" + field + "' names a column as source.table.column, got '" + text + "'");
      }
      return new ColumnRef(
          TableRef.parse(text.substring(0, dot), field),
          columnName(text.substring(dot + 1), field));
    }

    @Override
    public String toString() {
      return table + "." + column;
    }
  }

  static String columnName(String name, String field) {
    Require.nonBlank(name, field);
    if (!COLUMN.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "field '" + field + "': a column name is letters, digits and '_', got '" + name + "'");
    }
    return name;
  }

  /** A date column, bare or as {@code PARENT.COLUMN}. */
  static String dateRef(String text, String field) {
    Require.nonBlank(text, field);
    int dot = text.indexOf('.');
    if (dot < 0) {
      return columnName(text, field);
    }
    Require.safeName(text.substring(0, dot), field);
    columnName(text.substring(dot + 1), field);
    return text;
  }
}
