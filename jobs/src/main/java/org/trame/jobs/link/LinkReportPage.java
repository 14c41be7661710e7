package org.trame.jobs.link;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A link run's quality report as one HTML page that opens in a browser from a file, with no server
 * and nothing fetched: the charts are inline SVG. Three charts (the match-weight histogram with the
 * thresholds, m and u per comparison level, link rates per source) and the tables behind them.
 * Counts and model estimates only, like the report it renders: no identifier.
 *
 * <p>A small inline script measures each chart once the page is laid out and records how many drew
 * bars in {@code data-charts-rendered} on the root element, so a headless browser can tell a page
 * whose charts render from one that merely contains markup.
 */
public final class LinkReportPage {
  private static final String[] METHOD_COLOURS = {"#2b6cb0", "#dd6b20", "#a0aec0"};
  private static final String M_COLOUR = "#2b6cb0";
  private static final String U_COLOUR = "#dd6b20";

  private LinkReportPage() {}

  /** The page for one report, as {@link LinkReport#load} returns it. */
  public static String render(Map<String, Object> report) {
    StringBuilder html = new StringBuilder(32_768);
    String runId = text(report.get("link_run_id"));
    html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<title>Trame linkage report ")
        .append(esc(runId))
        .append("</title>\n<style>\n")
        .append(STYLE)
        .append("</style>\n</head>\n<body>\n");
    html.append("<h1>Linkage and quality report</h1>\n<p class=\"meta\">Run <code>")
        .append(esc(runId))
        .append("</code>, created ")
        .append(esc(text(report.get("created"))))
        .append(", ")
        .append(esc(text(report.get("seconds"))))
        .append(" s. Counts only: no identifier is shown.</p>\n");
    summary(html, report);
    weights(html, map(report.get("match_weights")));
    model(html, map(report.get("model")));
    rates(html, map(report.get("by_source")), map(report.get("by_table")));
    html.append("<script>\n").append(PROBE).append("</script>\n</body>\n</html>\n");
    return html.toString();
  }

  private static void summary(StringBuilder html, Map<String, Object> r) {
    Map<String, Object> methods = map(r.get("by_method"));
    Map<String, Object> matching = map(r.get("matching"));
    Map<String, Object> events = map(r.get("person_events"));
    html.append("<table class=\"summary\">\n");
    row(html, "Records", count(r.get("records")));
    row(html, "Persons", count(r.get("persons")));
    row(html, "Persons in several sources", count(r.get("persons_in_several_sources")));
    row(
        html,
        "Records by method",
        count(methods.get("deterministic"))
            + " deterministic, "
            + count(methods.get("probabilistic"))
            + " probabilistic, "
            + count(methods.get("singleton"))
            + " singleton");
    row(html, "Candidate pairs", count(matching.get("candidate_pairs")));
    row(
        html,
        "Pairs linked / to review",
        count(matching.get("accepted_pairs")) + " / " + count(matching.get("review_pairs")));
    row(html, "Ambiguous entities", count(matching.get("ambiguous_entities")));
    row(html, "Blocks skipped (too large)", count(matching.get("skipped_blocks")));
    row(html, "Twin groups", count(r.get("twin_groups")));
    row(
        html,
        "Person merges / splits",
        count(events.get("merge")) + " / " + count(events.get("split")));
    html.append("</table>\n");
  }

  private static void weights(StringBuilder html, Map<String, Object> w) {
    html.append("<h2>Match weights of the candidate pairs</h2>\n");
    List<Map<String, Object>> bins = list(w.get("bins"));
    if (bins.isEmpty()) {
      html.append(
          "<p class=\"note\">This run recorded no weight distribution (no candidate pair, or a"
              + " run made before reports kept one).</p>\n");
      return;
    }
    double match = num(w.get("match_threshold_weight"));
    double review = num(w.get("review_threshold_weight"));
    long lo = Math.min((long) Math.floor(review) - 1, longOf(bins.get(0).get("from")));
    long hi =
        Math.max((long) Math.ceil(match) + 1, longOf(bins.get(bins.size() - 1).get("from")) + 1);
    long most = 1;
    for (Map<String, Object> b : bins) {
      most = Math.max(most, longOf(b.get("pairs")));
    }
    int width = 760;
    int height = 300;
    int left = 60;
    int bottom = 40;
    int plotW = width - left - 20;
    int plotH = height - bottom - 20;
    double scaleMax = Math.log10(most + 1.0);
    Svg svg = new Svg("weights", width, height, "Histogram of candidate pairs by match weight");
    for (int p = 0; Math.pow(10, p) <= most; p++) {
      double y = 20 + plotH - plotH * Math.log10(Math.pow(10, p) + 1) / scaleMax;
      svg.line(left, y, left + plotW, y, "grid");
      svg.text(left - 6, y + 4, "end", tick(Math.pow(10, p)));
    }
    double binW = plotW / (double) (hi - lo);
    for (Map<String, Object> b : bins) {
      long from = longOf(b.get("from"));
      long pairs = longOf(b.get("pairs"));
      double h = plotH * Math.log10(pairs + 1.0) / scaleMax;
      String colour = from >= match ? M_COLOUR : from + 1 > review ? "#d69e2e" : "#a0aec0";
      svg.bar(
          left + (from - lo) * binW + 1,
          20 + plotH - h,
          Math.max(1, binW - 2),
          h,
          colour,
          String.format(Locale.ROOT, "weight [%d, %d): %,d pairs", from, from + 1, pairs));
    }
    for (long x = lo; x <= hi; x++) {
      if ((x - lo) % Math.max(1, (hi - lo) / 12) == 0) {
        svg.text(left + (x - lo) * binW, 20 + plotH + 16, "middle", Long.toString(x));
      }
    }
    threshold(svg, left + (review - lo) * binW, plotH, "review " + fixed(review, 1));
    threshold(svg, left + (match - lo) * binW, plotH, "match " + fixed(match, 1));
    svg.line(left, 20 + plotH, left + plotW, 20 + plotH, "axis");
    svg.text(left + plotW / 2.0, height - 4, "middle", "match weight (log2 Bayes factor, bits)");
    svg.text(left - 6, 12, "end", "pairs");
    html.append(svg.close());
    html.append(
        "<p class=\"note\">Pairs per one-bit bin, on a log scale. Grey: rejected; amber: sent"
            + " to review; blue: linked. Matches and non-matches should form two humps with the"
            + " thresholds in the trough between them.</p>\n");
  }

  private static void threshold(Svg svg, double x, int plotH, String label) {
    svg.line(x, 14, x, 20 + plotH, "threshold");
    svg.text(x + 3, 12, "start", label);
  }

  private static void model(StringBuilder html, Map<String, Object> model) {
    html.append("<h2>m and u per comparison level</h2>\n");
    Map<String, Object> fields = map(model.get("fields"));
    if (fields.isEmpty()) {
      html.append("<p class=\"note\">No model was estimated in this run.</p>\n");
      return;
    }
    List<String[]> levels = new ArrayList<>();
    List<double[]> mu = new ArrayList<>();
    for (Map.Entry<String, Object> f : fields.entrySet()) {
      for (Map<String, Object> level : list(map(f.getValue()).get("levels"))) {
        levels.add(new String[] {f.getKey(), text(level.get("level"))});
        mu.add(new double[] {num(level.get("m")), num(level.get("u")), num(level.get("weight"))});
      }
    }
    int rowH = 22;
    int left = 260;
    int width = 760;
    int plotW = width - left - 70;
    int height = 40 + rowH * levels.size();
    Svg svg = new Svg("mu", width, height, "m and u probabilities per comparison level");
    double floor = -5;
    for (int p = 0; p >= floor; p--) {
      double x = left + plotW * (p - floor) / -floor;
      svg.line(x, 20, x, height - 20, "grid");
      svg.text(x, 14, "middle", tick(Math.pow(10, p)));
    }
    String previous = "";
    for (int i = 0; i < levels.size(); i++) {
      double y = 24 + i * rowH;
      String field = levels.get(i)[0];
      svg.text(
          left - 8, y + 13, "end", (field.equals(previous) ? "" : field + ": ") + levels.get(i)[1]);
      previous = field;
      double[] v = mu.get(i);
      for (int k = 0; k < 2; k++) {
        double scaled = Math.max(floor, Math.log10(Math.max(v[k], 1e-12)));
        double w = plotW * (scaled - floor) / -floor;
        svg.bar(
            left,
            y + k * 9,
            Math.max(1, w),
            8,
            k == 0 ? M_COLOUR : U_COLOUR,
            String.format(
                Locale.ROOT,
                "%s %s: %s = %.6f",
                field,
                levels.get(i)[1],
                k == 0 ? "m" : "u",
                v[k]));
      }
      svg.text(left + plotW + 6, y + 13, "start", signed(v[2]));
    }
    html.append(svg.close());
    html.append(
        "<p class=\"note\"><span style=\"color:"
            + M_COLOUR
            + "\">&#9632; m</span>: probability of the level among true matches; <span"
            + " style=\"color:"
            + U_COLOUR
            + "\">&#9632; u</span>: among non-matches (log scale). Right: the level's weight in"
            + " bits, log2(m/u). λ = "
            + fixed(num(model.get("lambda")), 6)
            + " after "
            + count(model.get("em_iterations"))
            + " EM iterations.</p>\n");
    html.append(
        "<table><tr><th>field</th><th>level</th><th>m</th><th>u</th><th>weight</th>"
            + "<th>m estimated from</th></tr>\n");
    for (Map.Entry<String, Object> f : fields.entrySet()) {
      Map<String, Object> field = map(f.getValue());
      for (Map<String, Object> level : list(field.get("levels"))) {
        html.append("<tr><td>")
            .append(esc(f.getKey()))
            .append("</td><td>")
            .append(esc(text(level.get("level"))))
            .append("</td><td class=\"n\">")
            .append(fixed(num(level.get("m")), 6))
            .append("</td><td class=\"n\">")
            .append(fixed(num(level.get("u")), 6))
            .append("</td><td class=\"n\">")
            .append(signed(num(level.get("weight"))))
            .append("</td><td>")
            .append(esc(text(field.get("m_from"))))
            .append("</td></tr>\n");
      }
    }
    html.append("</table>\n");
  }

  private static void rates(
      StringBuilder html, Map<String, Object> bySource, Map<String, Object> byTable) {
    html.append("<h2>Link rates per source</h2>\n");
    if (bySource.isEmpty()) {
      html.append("<p class=\"note\">No record was linked in this run.</p>\n");
      return;
    }
    int rowH = 30;
    int left = 160;
    int width = 760;
    int plotW = width - left - 80;
    int height = 40 + rowH * bySource.size();
    Svg svg = new Svg("rates", width, height, "Records per source by linkage method");
    for (int pct = 0; pct <= 100; pct += 25) {
      double x = left + plotW * pct / 100.0;
      svg.line(x, 20, x, height - 16, "grid");
      svg.text(x, 14, "middle", pct + "%");
    }
    int i = 0;
    String[] methods = {"deterministic", "probabilistic", "singleton"};
    for (Map.Entry<String, Object> s : bySource.entrySet()) {
      Map<String, Object> t = map(s.getValue());
      double y = 24 + i++ * rowH;
      long records = Math.max(1, longOf(t.get("records")));
      svg.text(left - 8, y + 15, "end", s.getKey());
      double x = left;
      for (int k = 0; k < methods.length; k++) {
        double w = plotW * longOf(t.get(methods[k])) / (double) records;
        if (w > 0) {
          svg.bar(
              x,
              y,
              w,
              20,
              METHOD_COLOURS[k],
              String.format(
                  Locale.ROOT, "%s, %s: %,d records", s.getKey(), methods[k], t.get(methods[k])));
        }
        x += w;
      }
      svg.text(
          left + plotW + 6, y + 15, "start", fixed(100 * num(t.get("link_rate")), 1) + "% linked");
    }
    html.append(svg.close());
    html.append("<p class=\"note\">Records by method: ");
    for (int k = 0; k < methods.length; k++) {
      html.append("<span style=\"color:")
          .append(METHOD_COLOURS[k])
          .append("\">&#9632; ")
          .append(methods[k])
          .append("</span> ");
    }
    html.append(
        ". Right: the share of a source's records whose person also has records in another"
            + " source.</p>\n");
    html.append(
        "<table><tr><th>table</th><th>records</th><th>link rate</th><th>deterministic</th>"
            + "<th>probabilistic</th><th>singleton</th></tr>\n");
    for (Map.Entry<String, Object> e : byTable.entrySet()) {
      Map<String, Object> t = map(e.getValue());
      html.append("<tr><td>")
          .append(esc(e.getKey()))
          .append("</td><td class=\"n\">")
          .append(count(t.get("records")))
          .append("</td><td class=\"n\">")
          .append(fixed(100 * num(t.get("link_rate")), 1))
          .append("%</td><td class=\"n\">")
          .append(count(t.get("deterministic")))
          .append("</td><td class=\"n\">")
          .append(count(t.get("probabilistic")))
          .append("</td><td class=\"n\">")
          .append(count(t.get("singleton")))
          .append("</td></tr>\n");
    }
    html.append("</table>\n");
  }

  /** One inline SVG chart, built up element by element. */
  private static final class Svg {
    private final StringBuilder out = new StringBuilder();

    Svg(String id, int width, int height, String title) {
      out.append("<figure class=\"chart\" id=\"")
          .append(id)
          .append("\">\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
          .append(width)
          .append("\" height=\"")
          .append(height)
          .append("\" viewBox=\"0 0 ")
          .append(width)
          .append(' ')
          .append(height)
          .append("\" role=\"img\" aria-label=\"")
          .append(esc(title))
          .append("\">\n");
    }

    void bar(double x, double y, double w, double h, String colour, String title) {
      out.append(
              String.format(
                  Locale.ROOT,
                  "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
                      + " fill=\"%s\"><title>",
                  x,
                  y,
                  w,
                  h,
                  colour))
          .append(esc(title))
          .append("</title></rect>\n");
    }

    void line(double x1, double y1, double x2, double y2, String cls) {
      out.append(
          String.format(
              Locale.ROOT,
              "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
              cls,
              x1,
              y1,
              x2,
              y2));
    }

    void text(double x, double y, String anchor, String value) {
      out.append(
              String.format(
                  Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y, anchor))
          .append(esc(value))
          .append("</text>\n");
    }

    String close() {
      return out.append("</svg>\n</figure>\n").toString();
    }
  }

  private static void row(StringBuilder html, String name, String value) {
    html.append("<tr><th>")
        .append(esc(name))
        .append("</th><td>")
        .append(esc(value))
        .append("</td></tr>\n");
  }

  static String esc(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object o) {
    return o instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
  }

  private static String text(Object o) {
    return o == null ? "" : String.valueOf(o);
  }

  private static double num(Object o) {
    return o instanceof Number n ? n.doubleValue() : 0;
  }

  private static long longOf(Object o) {
    return o instanceof Number n ? n.longValue() : 0;
  }

  private static String count(Object o) {
    return String.format(Locale.ROOT, "%,d", longOf(o));
  }

  private static String fixed(double x, int digits) {
    return String.format(Locale.ROOT, "%." + digits + "f", x);
  }

  private static String signed(double x) {
    return String.format(Locale.ROOT, "%+.2f", x);
  }

  private static String tick(double x) {
    if (x >= 1) {
      return String.format(Locale.ROOT, "%,d", Math.round(x));
    }
    return x >= 0.001
        ? new java.math.BigDecimal(x).round(new java.math.MathContext(1)).toPlainString()
        : "1e" + Math.round(Math.log10(x));
  }

  private static final String STYLE =
      """
      body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 820px; color: #1a202c; }
      h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
      .meta, .note { color: #4a5568; font-size: 0.9em; }
      table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
      th, td { border-bottom: 1px solid #e2e8f0; padding: 3px 10px; text-align: left; }
      td.n { text-align: right; font-variant-numeric: tabular-nums; }
      figure.chart { margin: 0.5em 0; }
      svg text { font-size: 11px; fill: #2d3748; }
      line.grid { stroke: #edf2f7; } line.axis { stroke: #718096; }
      line.threshold { stroke: #c53030; stroke-dasharray: 4 3; }
      """;

  /** Counts the charts that laid out bars of a real size: evidence that the page renders. */
  private static final String PROBE =
      """
      window.addEventListener('load', function () {
        var rendered = 0;
        document.querySelectorAll('figure.chart svg').forEach(function (svg) {
          var drawn = Array.prototype.filter.call(svg.querySelectorAll('rect.bar'), function (r) {
            var box = r.getBoundingClientRect();
            return box.width > 0 && box.height > 0;
          });
          if (drawn.length > 0) { rendered++; }
        });
        document.documentElement.setAttribute('data-charts-rendered', String(rendered));
      });
      """;
}
