package org.trame.config;

import java.util.Map;
import java.util.TreeMap;

/**
 * Spark settings from {@code trame.yaml}'s {@code spark:} section.
 *
 * @param master the master URL for embedded runs ({@code local[*]}); ignored under spark-submit,
 *     which sets its own
 * @param settings any {@code spark.*} or {@code spark.hadoop.*} setting, passed as they are
 */
public record SparkConfig(String master, Map<String, String> settings) {
  public SparkConfig {
    master = master == null ? "local[*]" : Require.nonBlank(master, "spark.master");
    settings = settings == null ? Map.of() : Map.copyOf(new TreeMap<>(settings));
    for (String key : settings.keySet()) {
      if (!key.startsWith("spark.")) {
        throw new IllegalArgumentException(
            "spark.settings key '"
                + key
                + "' is not a Spark setting (it must start with 'spark.')");
      }
    }
  }

  /** Embedded {@code local[*]} Spark with no extra settings. */
  public static SparkConfig defaults() {
    return new SparkConfig(null, null);
  }
}
