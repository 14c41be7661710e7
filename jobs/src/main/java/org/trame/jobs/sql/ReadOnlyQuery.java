package org.trame.jobs.sql;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.UnresolvedFunction;
import org.apache.spark.sql.catalyst.analysis.UnresolvedRelation;
import org.apache.spark.sql.catalyst.analysis.UnresolvedTableValuedFunction;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.ParsedStatement;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Decides, before anything runs, whether a SQL text is a read-only query over the warehouse's named
 * tables. The text is parsed (not executed) and every node of its plan, subqueries and common table
 * expressions included, is checked: no command or statement (INSERT, MERGE, DELETE, CREATE, SET,
 * CACHE, ...), no table but the registered ones (no {@code delta.`/path`}, {@code
 * csv.`/landing/...`}, which would read raw files), no table-valued function and no function that
 * calls Java by reflection.
 */
public final class ReadOnlyQuery {
  private static final Set<String> FORBIDDEN_FUNCTIONS =
      Set.of("reflect", "java_method", "try_reflect");

  /**
   * What the check found.
   *
   * @param problems why the text may not run; empty when it may
   * @param tables the registered tables it reads, lower case
   */
  public record Verdict(List<String> problems, Set<String> tables) {
    public boolean allowed() {
      return problems.isEmpty();
    }
  }

  private ReadOnlyQuery() {}

  /**
   * Checks {@code sql}.
   *
   * @param tables the names it may read, lower case ({@code dcir.er_prs_f}, {@code runs})
   */
  public static Verdict check(SparkSession spark, String sql, Set<String> tables) {
    LogicalPlan plan;
    try {
      plan = spark.sessionState().sqlParser().parsePlan(sql);
    } catch (ParseException e) {
      String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
      return new Verdict(List.of("not valid SQL: " + message), Set.of());
    }
    List<String> out = new ArrayList<>();
    Set<String> ctes = new java.util.HashSet<>();
    Deque<LogicalPlan> todo = new ArrayDeque<>();
    todo.push(plan);
    List<UnresolvedRelation> relations = new ArrayList<>();
    while (!todo.isEmpty()) {
      LogicalPlan node = todo.pop();
      if (node instanceof Command || node instanceof ParsedStatement) {
        out.add("only queries may run, not " + node.nodeName());
        continue;
      }
      if (node instanceof UnresolvedTableValuedFunction f) {
        out.add("table-valued functions are not allowed: " + f.name().mkString("."));
      }
      if (node instanceof UnresolvedRelation r) {
        relations.add(r);
      }
      if (node instanceof org.apache.spark.sql.catalyst.plans.logical.UnresolvedWith with) {
        for (var cte : CollectionConverters.asJava(with.cteRelations())) {
          ctes.add(cte._1().toLowerCase(Locale.ROOT));
        }
      }
      for (Object inner : CollectionConverters.asJava(node.innerChildren())) {
        if (inner instanceof LogicalPlan p) {
          todo.push(p);
        }
      }
      for (LogicalPlan child : CollectionConverters.asJava(node.children())) {
        todo.push(child);
      }
      for (Expression e : CollectionConverters.asJava(node.expressions())) {
        checkExpression(e, todo, out);
      }
    }
    Set<String> read = new java.util.TreeSet<>();
    for (UnresolvedRelation r : relations) {
      List<String> parts = CollectionConverters.asJava(r.multipartIdentifier());
      String name = String.join(".", parts).toLowerCase(Locale.ROOT);
      if (parts.size() == 1 && ctes.contains(name)) {
        continue;
      }
      if (tables.contains(name)) {
        read.add(name);
      } else {
        out.add("no table " + String.join(".", parts) + " (see trame sql --tables)");
      }
    }
    return new Verdict(List.copyOf(out), read);
  }

  private static void checkExpression(Expression e, Deque<LogicalPlan> todo, List<String> out) {
    Deque<Expression> exprs = new ArrayDeque<>();
    exprs.push(e);
    while (!exprs.isEmpty()) {
      Expression x = exprs.pop();
      if (x instanceof UnresolvedFunction f) {
        List<String> name = CollectionConverters.asJava(f.nameParts());
        if (FORBIDDEN_FUNCTIONS.contains(name.get(name.size() - 1).toLowerCase(Locale.ROOT))) {
          out.add("function " + String.join(".", name) + " is not allowed");
        }
      }
      if (x instanceof SubqueryExpression s) {
        todo.push(s.plan());
      }
      for (Expression child : CollectionConverters.asJava(x.children())) {
        exprs.push(child);
      }
    }
  }
}
