package org.trame.jobs.pseudonymize;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.api.java.UDF1;
import org.trame.pseudo.Names;
import org.trame.pseudo.Phonetics;
import org.trame.pseudo.Pseudonymizer;

/**
 * Name → pseudonym of its French phonetic key. The Beider-Morse encoder costs about 0.2 ms a name,
 * and names follow a steep frequency curve, so each task keeps the last 20,000 results.
 */
final class PhoneticUdf implements UDF1<String, String> {
  private static final long serialVersionUID = 1L;
  private static final int CACHE = 20_000;

  private final Pseudonymizer pseudonymizer;
  private transient Map<String, String> cache;

  PhoneticUdf(Pseudonymizer pseudonymizer) {
    this.pseudonymizer = pseudonymizer;
  }

  @Override
  public String call(String raw) {
    String normalized = Names.normalize(raw);
    if (normalized == null) {
      return null;
    }
    if (cache == null) {
      cache =
          new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
              return size() > CACHE;
            }
          };
    }
    String key = cache.get(normalized);
    if (key == null) {
      key = Phonetics.french(normalized);
      key = key == null ? "" : key;
      cache.put(normalized, key);
    }
    return key.isEmpty() ? null : pseudonymizer.pseudonym("name_phon", key);
  }

  @Override
  public String toString() {
    return "PhoneticUdf[" + pseudonymizer + "]";
  }
}
