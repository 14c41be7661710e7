package org.trame.jobs.ingest;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;

/**
 * The stable code of each quarantine reason ({@code field_count}, {@code unknown_code}, {@code
 * duplicate}, ...), for counting and alerting by kind without parsing messages, which may change.
 *
 * <p>Codes are read from the fixed shape of the messages ingest writes: the reader's start with
 * {@code line N}, a column's with its name and a colon, the value shown (if any) in quotes after
 * it. The rules are tried in order; a value shown in a message can only follow the part a rule
 * reads, except for pattern and range, and a range is only checked on values that parsed as numbers
 * or dates, which cannot contain {@code does not match}.
 */
final class ReasonCodes {
  /** The reason's code when none of the rules reads it (a message this class does not know). */
  static final String OTHER = "other";

  private static final String COLUMN = "^[^:' ]+: ";

  /** Code → the regular expression (Java and Spark alike) its messages match; tried in order. */
  private static final Map<String, String> RULES = new LinkedHashMap<>();

  static {
    RULES.put("file_broken", "^file: ");
    RULES.put("duplicate", "^duplicate of ");
    RULES.put("field_count", "^line [0-9]+: [0-9]+ fields, the header has [0-9]+$");
    RULES.put("quoting", "^line [0-9]+, column [0-9]+: (quote opened|text after a closing quote)");
    RULES.put("charset", "^line [0-9]+, not valid .* text \\(check the declared charset\\)$");
    RULES.put("too_long", "^line [0-9]+, (line longer than|more than) [0-9]+ ");
    RULES.put("required", COLUMN + "required value missing$");
    RULES.put("unparsable", COLUMN + "(cannot parse '|not a valid )");
    RULES.put("unknown_code", COLUMN + "unknown code");
    RULES.put("date_order", COLUMN + "before [^ ]+$");
    RULES.put("pattern", COLUMN + "('.*'|\\(identifier value not shown\\)) does not match ");
    RULES.put("out_of_range", COLUMN + "('.*'|\\(identifier value not shown\\)) is (below|above) ");
  }

  private static final Map<String, Pattern> COMPILED = new LinkedHashMap<>();

  static {
    RULES.forEach((code, regex) -> COMPILED.put(code, Pattern.compile(regex)));
  }

  private ReasonCodes() {}

  /** The code of one reason. */
  static String of(String reason) {
    for (Map.Entry<String, Pattern> rule : COMPILED.entrySet()) {
      if (rule.getValue().matcher(reason).find()) {
        return rule.getKey();
      }
    }
    return OTHER;
  }

  /**
   * The codes of an array column of reasons, in the same order: the same rules as {@link
   * #of(String)}, as a Spark expression (Spark's {@code rlike} is Java's {@code find}).
   */
  static Column of(Column reasons) {
    return functions.transform(
        reasons,
        r -> {
          Column code = null;
          for (Map.Entry<String, String> rule : RULES.entrySet()) {
            Column matches = r.rlike(rule.getValue());
            code =
                code == null
                    ? when(matches, lit(rule.getKey()))
                    : code.when(matches, lit(rule.getKey()));
          }
          return code.otherwise(lit(OTHER));
        });
  }
}
