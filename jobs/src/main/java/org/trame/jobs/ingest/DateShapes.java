package org.trame.jobs.ingest;

import org.apache.spark.sql.api.java.UDF1;

/**
 * The text of a date in one of the usual layouts, rearranged to ISO {@code yyyy-MM-dd} when it has
 * exactly that layout's shape (ASCII digits where digits go), else null: what ingest then casts to
 * a date. It answers as the anchored regular expressions it replaces did, including their one
 * allowance: a single line terminator at the very end, which is kept.
 */
final class DateShapes implements UDF1<String, String> {
  private static final long serialVersionUID = 1L;

  /** The layouts rearranged here; any other goes to Spark's pattern-based parser. */
  static boolean handles(String format) {
    return format.equals("yyyy-MM-dd") || format.equals("dd/MM/yyyy") || format.equals("yyyyMMdd");
  }

  private final String format;

  DateShapes(String format) {
    if (!handles(format)) {
      throw new IllegalArgumentException("Not a rearranged date layout: " + format);
    }
    this.format = format;
  }

  @Override
  public String call(String text) {
    if (text == null) {
      return null;
    }
    int end = text.length() - terminatorLength(text);
    switch (format) {
      case "yyyy-MM-dd":
        return end == 10
                && digits(text, 0, 4)
                && text.charAt(4) == '-'
                && digits(text, 5, 7)
                && text.charAt(7) == '-'
                && digits(text, 8, 10)
            ? text
            : null;
      case "dd/MM/yyyy":
        return end == 10
                && digits(text, 0, 2)
                && text.charAt(2) == '/'
                && digits(text, 3, 5)
                && text.charAt(5) == '/'
                && digits(text, 6, 10)
            ? text.substring(6, 10)
                + '-'
                + text.substring(3, 5)
                + '-'
                + text.substring(0, 2)
                + text.substring(end)
            : null;
      default:
        return end == 8 && digits(text, 0, 8)
            ? text.substring(0, 4)
                + '-'
                + text.substring(4, 6)
                + '-'
                + text.substring(6, 8)
                + text.substring(end)
            : null;
    }
  }

  private static boolean digits(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char ch = s.charAt(i);
      if (ch < '0' || ch > '9') {
        return false;
      }
    }
    return true;
  }

  /**
   * The length of the line terminator that ends {@code s}, if any: {@code $} in a Java regular
   * expression matches before one ({@code \r\n}, {@code \n}, {@code \r}, U+0085, U+2028, U+2029).
   */
  private static int terminatorLength(String s) {
    int n = s.length();
    if (n == 0) {
      return 0;
    }
    char last = s.charAt(n - 1);
    if (last == '\n') {
      return n >= 2 && s.charAt(n - 2) == '\r' ? 2 : 1;
    }
    return last == '\r' || last == '\u0085' || last == '\u2028' || last == '\u2029' ? 1 : 0;
  }
}
