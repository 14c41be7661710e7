package org.trame.jobs.link;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Fellegi-Sunter model of {@link Comparisons}' fields: for each field and agreement level, m
 * (the chance of that level for a true match) and u (for a non-match), and λ, the share of matches
 * among candidate pairs. u is counted on random pairs; m and λ are estimated by
 * expectation-maximization over the candidate pairs, with no labels. Runs on the driver over the
 * counts of each comparison pattern, whose number is bounded by the levels, not by the data.
 */
public final class FellegiSunter {
  private static final double FLOOR = 1e-6;

  private final List<String> fields;
  private final int[] levels;
  private final double[][] m;
  private final double[][] u;
  private double lambda;
  private int iterations;
  private String[] sources;

  private FellegiSunter(List<String> fields, int[] levels, double[][] m, double[][] u, double l) {
    this.fields = List.copyOf(fields);
    this.levels = levels.clone();
    this.m = m;
    this.u = u;
    this.lambda = l;
    this.sources = new String[fields.size()];
  }

  /** A comparison pattern: one level per field (-1 where a side lacks the field), and its count. */
  public record Pattern(int[] levels, long count) {}

  /**
   * Estimates u from random pairs' patterns, then m. Where keys already link records of two tables
   * (a NIR on both sides), their agreement gives a field's m directly. Other fields get m by EM
   * over blocked pairs, Splink-style: a field a blocking pass made agree is no evidence among that
   * pass's pairs, so it is masked there; pairs blocked on the birth date give the other fields' m,
   * pairs blocked on names give the birth date's.
   *
   * @param levels how many levels each field has; level {@code levels[f] - 1} is full agreement
   * @param keyLinked patterns of record pairs that keys link, from different tables
   * @param byDate patterns of pairs blocked on the birth date, with the birth date masked (-1)
   * @param byName patterns of pairs blocked on names, with the names masked
   * @param dateField the index of the birth date among {@code fields}
   */
  public static FellegiSunter estimate(
      List<String> fields,
      int[] levels,
      List<Pattern> random,
      List<Pattern> keyLinked,
      List<Pattern> byDate,
      List<Pattern> byName,
      int dateField,
      int maxIterations) {
    int n = fields.size();
    double[][] u = new double[n][];
    double[][] m = new double[n][];
    String[] source = new String[n];
    java.util.Set<Integer> free = new java.util.HashSet<>();
    for (int f = 0; f < n; f++) {
      u[f] = frequencies(random, f, levels[f]);
      double[] fromKeys = keyLinked.isEmpty() ? null : frequencies(keyLinked, f, levels[f]);
      long linked = count(keyLinked, f);
      if (linked >= 20) {
        m[f] = fromKeys;
        source[f] = "key-linked pairs (" + linked + ")";
      } else {
        m[f] = new double[levels[f]];
        for (int l = 0; l < levels[f]; l++) {
          m[f][l] = l == levels[f] - 1 ? 0.9 : 0.1 / (levels[f] - 1);
        }
        source[f] = "default";
        free.add(f);
      }
    }
    FellegiSunter model = new FellegiSunter(fields, levels, m, u, 0.1);
    java.util.Set<Integer> notDate = new java.util.HashSet<>(free);
    notDate.remove(dateField);
    model.em(byDate, maxIterations, notDate, source, "EM on pairs blocked by birth date");
    double lambda = model.lambda;
    int iterations = model.iterations;
    if (free.contains(dateField)) {
      model.lambda = 0.1;
      model.em(
          byName,
          maxIterations,
          java.util.Set.of(dateField),
          source,
          "EM on pairs blocked by name");
    }
    model.lambda = lambda;
    model.iterations = iterations;
    model.sources = source;
    return model;
  }

  private static long count(List<Pattern> patterns, int f) {
    return patterns.stream().filter(p -> p.levels()[f] >= 0).mapToLong(Pattern::count).sum();
  }

  /** Level frequencies of one field, with half a pair of smoothing per level. */
  private static double[] frequencies(List<Pattern> patterns, int f, int levels) {
    double[] out = new double[levels];
    double total = 0;
    for (Pattern p : patterns) {
      if (p.levels()[f] >= 0) {
        out[p.levels()[f]] += p.count();
        total += p.count();
      }
    }
    for (int l = 0; l < levels; l++) {
      out[l] = (out[l] + 0.5) / (total + 0.5 * levels);
    }
    return out;
  }

  /** The same estimate with no blocking information: EM over all fields of the candidates. */
  public static FellegiSunter estimate(
      List<String> fields,
      int[] levels,
      List<Pattern> random,
      List<Pattern> candidates,
      int maxIterations) {
    FellegiSunter model =
        estimate(fields, levels, random, List.of(), List.of(), List.of(), 0, maxIterations);
    java.util.Set<Integer> all = new java.util.HashSet<>();
    for (int f = 0; f < fields.size(); f++) {
      all.add(f);
    }
    model.em(candidates, maxIterations, all, model.sources, "EM on candidates");
    return model;
  }

  /**
   * EM over {@code candidates}, updating λ and the m of the {@code updated} fields; a field whose
   * matches are too few there (less than ten pairs' worth) keeps its m, for EM would only fit
   * noise.
   */
  private void em(
      List<Pattern> candidates,
      int maxIterations,
      java.util.Set<Integer> updated,
      String[] source,
      String how) {
    int n = fields.size();
    java.util.Set<Integer> done = new java.util.HashSet<>();
    for (int it = 1; it <= maxIterations; it++) {
      iterations = it;
      double[][] mNum = new double[n][];
      double[] mDen = new double[n];
      for (int f = 0; f < n; f++) {
        mNum[f] = new double[levels[f]];
      }
      double matches = 0;
      double all = 0;
      for (Pattern p : candidates) {
        double g = posterior(p.levels());
        matches += g * p.count();
        all += p.count();
        for (int f = 0; f < n; f++) {
          int l = p.levels()[f];
          if (l >= 0) {
            mNum[f][l] += g * p.count();
            mDen[f] += g * p.count();
          }
        }
      }
      double change = 0;
      double newLambda = all == 0 ? lambda : Math.min(1 - FLOOR, Math.max(FLOOR, matches / all));
      change = Math.max(change, Math.abs(newLambda - lambda));
      lambda = newLambda;
      for (int f = 0; f < n; f++) {
        if (mDen[f] < 10 || !updated.contains(f)) {
          continue;
        }
        done.add(f);
        for (int l = 0; l < levels[f]; l++) {
          double v = Math.max(FLOOR, (mNum[f][l] + 1e-3) / (mDen[f] + 1e-3 * levels[f]));
          change = Math.max(change, Math.abs(v - m[f][l]));
          m[f][l] = v;
        }
      }
      if (change < 1e-6) {
        break;
      }
    }
    for (int f : done) {
      source[f] = how;
    }
  }

  /** The probability that a pair with these levels is a match, without value frequencies. */
  public double posterior(int[] pattern) {
    double w = priorWeight();
    for (int f = 0; f < fields.size(); f++) {
      w += weight(f, pattern[f]);
    }
    return probability(w);
  }

  /** log2(λ / (1 - λ)): the weight of a pair before any field is compared. */
  public double priorWeight() {
    return log2(lambda / (1 - lambda));
  }

  /** log2(m / u) of one field's level; 0 when the level is absent (-1). */
  public double weight(int field, int level) {
    if (level < 0) {
      return 0;
    }
    // Levels are ordered from disagreement to full agreement: a weaker agreement never weighs
    // more than a stronger one (a phonetic match rarer than an exact one is still weaker).
    double w = log2(m[field][level] / u[field][level]);
    for (int l = level + 1; l < levels[field]; l++) {
      w = Math.min(w, log2(m[field][l] / u[field][l]));
    }
    return w;
  }

  /** log2(m / tf) for full agreement on a value with frequency {@code tf} among records. */
  public double weightForFrequency(int field, double tf) {
    return log2(m[field][levels[field] - 1] / Math.max(FLOOR, tf));
  }

  /** The probability of a total weight: 2^w / (1 + 2^w). */
  public static double probability(double weight) {
    return 1 / (1 + Math.pow(2, -weight));
  }

  public double lambda() {
    return lambda;
  }

  public int iterations() {
    return iterations;
  }

  /** The estimates as a JSON-ready map: per field, m and u by level. */
  public Map<String, Object> describe(List<List<String>> levelNames) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("lambda", lambda);
    out.put("em_iterations", iterations);
    Map<String, Object> byField = new LinkedHashMap<>();
    for (int f = 0; f < fields.size(); f++) {
      List<Map<String, Object>> ls = new ArrayList<>();
      for (int l = levels[f] - 1; l >= 0; l--) {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("level", levelNames.get(f).get(l));
        one.put("m", m[f][l]);
        one.put("u", u[f][l]);
        one.put("weight", weight(f, l));
        ls.add(one);
      }
      Map<String, Object> field = new LinkedHashMap<>();
      field.put("m_from", sources[f]);
      field.put("levels", ls);
      byField.put(fields.get(f), field);
    }
    out.put("fields", byField);
    return out;
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
