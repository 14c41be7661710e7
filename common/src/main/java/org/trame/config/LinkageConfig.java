package org.trame.config;

/**
 * Settings of {@code trame link} ({@code linkage:} in {@code trame.yaml}).
 *
 * @param matchThreshold the match probability from which two records are linked (default 0.95)
 * @param reviewThreshold the probability from which a pair below the match threshold is listed for
 *     review instead of being ignored (default 0.5)
 * @param ambiguityMargin when a record without a key matches two persons that keys tell apart, the
 *     match weight (log2) by which the best must beat the second to be linked (default 3)
 * @param maxBlockSize blocks with more records than this are skipped, and counted in the report, so
 *     that one very common value cannot make the work quadratic (default 5000)
 * @param emIterations the most expectation-maximization rounds to estimate match probabilities
 *     (default 50)
 */
public record LinkageConfig(
    Double matchThreshold,
    Double reviewThreshold,
    Double ambiguityMargin,
    Integer maxBlockSize,
    Integer emIterations) {
  public LinkageConfig {
    matchThreshold = matchThreshold == null ? 0.95 : matchThreshold;
    reviewThreshold = reviewThreshold == null ? 0.5 : reviewThreshold;
    ambiguityMargin = ambiguityMargin == null ? 3.0 : ambiguityMargin;
    maxBlockSize = maxBlockSize == null ? 5000 : maxBlockSize;
    emIterations = emIterations == null ? 50 : emIterations;
    if (!(matchThreshold > 0 && matchThreshold < 1)) {
      throw new IllegalArgumentException(
          "linkage.match_threshold must be between 0 and 1 (exclusive), got " + matchThreshold);
    }
    if (!(reviewThreshold > 0 && reviewThreshold <= matchThreshold)) {
      throw new IllegalArgumentException(
          "linkage.review_threshold must be above 0 and at most match_threshold ("
              + matchThreshold
              + "), got "
              + reviewThreshold);
    }
    if (ambiguityMargin < 0) {
      throw new IllegalArgumentException(
          "linkage.ambiguity_margin must not be negative, got " + ambiguityMargin);
    }
    if (maxBlockSize < 2) {
      throw new IllegalArgumentException(
          "linkage.max_block_size must be at least 2, got " + maxBlockSize);
    }
    if (emIterations < 1) {
      throw new IllegalArgumentException(
          "linkage.em_iterations must be at least 1, got " + emIterations);
    }
  }

  /** Every setting at its default. */
  public static LinkageConfig defaults() {
    return new LinkageConfig(null, null, null, null, null);
  }
}
