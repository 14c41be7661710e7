package org.trame.jobs.cli;

import java.util.Locale;
import java.util.Map;

/** Plain-text renderings of a link report and an evaluation, for the terminal. */
final class LinkSummary {
  private LinkSummary() {}

  @SuppressWarnings("unchecked")
  static String report(Map<String, Object> r) {
    StringBuilder out = new StringBuilder();
    Map<String, Object> methods = (Map<String, Object>) r.get("by_method");
    out.append(
        String.format(
            Locale.ROOT,
            "Linkage run %s: %,d records, %,d persons (%,d in several sources)%n",
            r.get("link_run_id"),
            num(r.get("records")),
            num(r.get("persons")),
            num(r.get("persons_in_several_sources"))));
    out.append(
        String.format(
            Locale.ROOT,
            "  by method: %,d deterministic, %,d probabilistic, %,d singleton%n",
            num(methods.get("deterministic")),
            num(methods.get("probabilistic")),
            num(methods.get("singleton"))));
    out.append(
        String.format(
            Locale.ROOT,
            "  %-28s %10s %10s %14s %10s %9s%n",
            "table",
            "records",
            "link rate",
            "deterministic",
            "probabil.",
            "singleton"));
    for (Map.Entry<String, Object> e : ((Map<String, Object>) r.get("by_table")).entrySet()) {
      Map<String, Object> t = (Map<String, Object>) e.getValue();
      out.append(
          String.format(
              Locale.ROOT,
              "  %-28s %,10d %9.1f%% %,14d %,10d %,9d%n",
              e.getKey(),
              num(t.get("records")),
              100 * ((Number) t.get("link_rate")).doubleValue(),
              num(t.get("deterministic")),
              num(t.get("probabilistic")),
              num(t.get("singleton"))));
    }
    Map<String, Object> m = (Map<String, Object>) r.get("matching");
    Map<String, Object> events = (Map<String, Object>) r.get("person_events");
    out.append(
        String.format(
            Locale.ROOT,
            "  matching: %,d candidate pairs, %,d linked, %,d to review, %,d ambiguous, %,d"
                + " blocks skipped%n",
            num(m.get("candidate_pairs")),
            num(m.get("accepted_pairs")),
            num(m.get("review_pairs")),
            num(m.get("ambiguous_entities")),
            num(m.get("skipped_blocks"))));
    Map<String, Object> model = (Map<String, Object>) r.get("model");
    if (model != null && model.get("fields") instanceof Map<?, ?> fields) {
      Map<String, java.util.List<String>> bySource = new java.util.TreeMap<>();
      for (Map.Entry<?, ?> f : fields.entrySet()) {
        if (!(f.getValue() instanceof Map<?, ?> field) || field.get("m_from") == null) {
          continue;
        }
        Object from = field.get("m_from");
        String how = String.valueOf(from).replaceAll(" \\(.*\\)$", "");
        bySource.computeIfAbsent(how, k -> new java.util.ArrayList<>()).add((String) f.getKey());
      }
      StringBuilder estimates = new StringBuilder();
      bySource.forEach(
          (how, names) ->
              estimates
                  .append(estimates.length() == 0 ? "" : "; ")
                  .append(String.join(", ", names))
                  .append(" from ")
                  .append(how));
      if (estimates.length() > 0) {
        out.append("  model m: ").append(estimates).append(String.format("%n"));
      }
    }
    out.append(
        String.format(
            Locale.ROOT,
            "  twin groups: %,d; person merges: %,d, splits: %,d; %.1f s",
            num(r.get("twin_groups")),
            num(events.get("merge")),
            num(events.get("split")),
            ((Number) r.getOrDefault("seconds", 0)).doubleValue()));
    return out.toString();
  }

  @SuppressWarnings("unchecked")
  static String evaluation(Map<String, Object> e) {
    StringBuilder out = new StringBuilder();
    Map<String, Object> persons = (Map<String, Object>) e.get("persons");
    out.append(
        String.format(
            Locale.ROOT,
            "Evaluation: %,d records matched to truth (of %,d), %,d persons found for %,d true%n",
            num(e.get("records_evaluated")),
            num(e.get("truth_records")),
            num(persons.get("predicted")),
            num(persons.get("true"))));
    out.append(
        String.format(
            Locale.ROOT,
            "  %-40s %10s %14s %14s %9s %7s %7s%n",
            "records",
            "count",
            "true pairs",
            "found pairs",
            "precision",
            "recall",
            "F1"));
    row(out, "all", e);
    for (String group : new String[] {"by_source", "by_method", "by_source_and_method"}) {
      for (Map.Entry<String, Object> s : ((Map<String, Object>) e.get(group)).entrySet()) {
        row(out, s.getKey(), (Map<String, Object>) s.getValue());
      }
    }
    out.append("  (a subset's pairs are those with at least one record in it)");
    return out.toString();
  }

  private static void row(StringBuilder out, String name, Map<String, Object> m) {
    out.append(
        String.format(
            Locale.ROOT,
            "  %-40s %,10d %,14d %,14d %9.4f %7.4f %7.4f%n",
            name,
            num(m.get("records")),
            num(m.get("true_pairs")),
            num(m.get("predicted_pairs")),
            ((Number) m.get("precision")).doubleValue(),
            ((Number) m.get("recall")).doubleValue(),
            ((Number) m.get("f1")).doubleValue()));
  }

  private static long num(Object o) {
    return o == null ? 0 : ((Number) o).longValue();
  }
}
