package org.trame.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * The platform configuration, {@code conf/trame.yaml}: where data lives, how Spark runs and where
 * keys come from.
 *
 * <p>Roots are URIs ({@code file:}, {@code hdfs://}, {@code s3a://}) or plain paths (resolved
 * against the working directory). Each can be overridden from the environment: {@code
 * TRAME_LANDING}, {@code TRAME_WAREHOUSE}, {@code TRAME_EXTRACTS}, and {@code TRAME_KEYSTORE} for
 * the keystore.
 *
 * @param landing where sources deliver files ({@code landing/<source>/<batch>/}); read only
 * @param warehouse Delta tables: sources, quarantine, linkage, run ledger
 * @param extracts per-project Parquet extracts
 */
public record TrameConfig(
    String landing,
    String warehouse,
    String extracts,
    SparkConfig spark,
    KeysConfig keys,
    LinkageConfig linkage) {
  /** Environment variable overriding {@link #landing()}. */
  public static final String ENV_LANDING = "TRAME_LANDING";

  /** Environment variable overriding {@link #warehouse()}. */
  public static final String ENV_WAREHOUSE = "TRAME_WAREHOUSE";

  /** Environment variable overriding {@link #extracts()}. */
  public static final String ENV_EXTRACTS = "TRAME_EXTRACTS";

  /** Environment variable overriding the keystore path. */
  public static final String ENV_KEYSTORE = "TRAME_KEYSTORE";

  public TrameConfig {
    Require.nonBlank(landing, "landing");
    Require.nonBlank(warehouse, "warehouse");
    Require.nonBlank(extracts, "extracts");
    spark = spark == null ? SparkConfig.defaults() : spark;
    keys = keys == null ? KeysConfig.defaults() : keys;
    linkage = linkage == null ? LinkageConfig.defaults() : linkage;
  }

  /**
   * Applies the environment overrides, then resolves every root to an absolute URI and the keystore
   * and password file to absolute paths, relative ones against {@code base}.
   */
  public TrameConfig resolve(Path base, Map<String, String> env) {
    String l = env.getOrDefault(ENV_LANDING, landing);
    String w = env.getOrDefault(ENV_WAREHOUSE, warehouse);
    String x = env.getOrDefault(ENV_EXTRACTS, extracts);
    String ks = env.getOrDefault(ENV_KEYSTORE, keys.keystore());
    KeysConfig k = keys.withKeystore(ks == null ? null : absolute(base, ks));
    if (k.passwordFile() != null) {
      k = k.withPasswordFile(absolute(base, k.passwordFile()));
    }
    return new TrameConfig(
        StorageRoots.resolve(l, base, "landing"),
        StorageRoots.resolve(w, base, "warehouse"),
        StorageRoots.resolve(x, base, "extracts"),
        spark,
        k,
        linkage);
  }

  private static String absolute(Path base, String path) {
    return base.resolve(path).toAbsolutePath().normalize().toString();
  }
}
