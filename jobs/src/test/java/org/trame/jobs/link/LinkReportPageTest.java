package org.trame.jobs.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LinkReportPageTest {
  @Test
  void threeChartsFromTheReportWithThresholdsAndEveryLevel() {
    String html = LinkReportPage.render(report(true));
    assertThat(html)
        .startsWith("<!DOCTYPE html>")
        .contains("<figure class=\"chart\" id=\"weights\">")
        .contains("<figure class=\"chart\" id=\"mu\">")
        .contains("<figure class=\"chart\" id=\"rates\">")
        .contains("review 0.0")
        .contains("match 4.2")
        .contains("weight [6, 7): 1,234 pairs")
        .contains("birth_date day_month_swapped: m = 0.014706")
        .contains("hospital_eds, probabilistic: 13 records")
        .contains("data-charts-rendered")
        // Nothing is fetched: the page opens from a file with no network.
        .doesNotContain("http://cdn")
        .doesNotContain("<script src");
  }

  @Test
  void namesAreEscapedAndAMissingHistogramIsSaid() {
    Map<String, Object> r = report(false);
    @SuppressWarnings("unchecked")
    Map<String, Object> bySource = (Map<String, Object>) r.get("by_source");
    bySource.put("<script>alert(1)</script>", bySource.get("dcir"));
    String html = LinkReportPage.render(r);
    assertThat(html)
        .doesNotContain("<script>alert")
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        .contains("recorded no weight distribution")
        .doesNotContain("id=\"weights\"");
  }

  private static Map<String, Object> report(boolean withWeights) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("link_run_id", "20261126T161944Z-dbe89e");
    r.put("created", "2026-11-26T16:20:53Z");
    r.put("seconds", 65.5);
    r.put("records", 3996);
    r.put("persons", 1066);
    r.put("persons_in_several_sources", 37);
    r.put("by_method", Map.of("deterministic", 3973, "probabilistic", 19, "singleton", 4));
    Map<String, Object> bySource = new LinkedHashMap<>();
    bySource.put("dcir", source(3863, 3857, 2, 4, 0.0342));
    bySource.put("hospital_eds", source(103, 90, 13, 0, 0.5922));
    r.put("by_source", bySource);
    r.put("by_table", Map.of("dcir.IR_BEN_R", source(1028, 1025, 1, 2, 0.035)));
    r.put("matching", Map.of("candidate_pairs", 1300, "accepted_pairs", 1250));
    r.put("person_events", Map.of("merge", 0, "split", 0));
    r.put(
        "model",
        Map.of(
            "lambda",
            0.5,
            "em_iterations",
            4,
            "fields",
            Map.of(
                "birth_date",
                Map.of(
                    "m_from",
                    "key-linked pairs (32)",
                    "levels",
                    List.of(
                        Map.of("level", "exact", "m", 0.955882, "u", 0.00111, "weight", 9.75),
                        Map.of(
                            "level",
                            "day_month_swapped",
                            "m",
                            0.014706,
                            "u",
                            0.000058,
                            "weight",
                            7.98))))));
    if (withWeights) {
      r.put(
          "match_weights",
          Map.of(
              "bin_width",
              1,
              "match_threshold_weight",
              4.2,
              "review_threshold_weight",
              0.0,
              "bins",
              List.of(
                  Map.of("from", -12, "pairs", 40),
                  Map.of("from", 0, "pairs", 2),
                  Map.of("from", 6, "pairs", 1234))));
    }
    return r;
  }

  private static Map<String, Object> source(long n, long d, long p, long s, double rate) {
    return Map.of(
        "records", n, "deterministic", d, "probabilistic", p, "singleton", s, "link_rate", rate);
  }
}
