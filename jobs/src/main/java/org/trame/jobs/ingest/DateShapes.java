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
    String tail = text.substring(end);
    switch (format) {
      case "yyyy-MM-dd":
        return hasShape(text, end, "9999-99-99") ? text : null;
      case "dd/MM/yyyy":
        return hasShape(text, end, "99/99/9999")
            ? iso(text.substring(6, 10), text.substring(3, 5), text.substring(0, 2), tail)
            : null;
      default:
        return hasShape(text, end, "99999999")
            ? iso(text.substring(0, 4), text.substring(4, 6), text.substring(6, 8), tail)
            : null;
    }
  }

  /**
   * Whether {@code text[0, end)} has {@code shape}: an ASCII digit where the shape has {@code 9},
   * the shape's own character elsewhere.
   */
  private static boolean hasShape(String text, int end, String shape) {
    if (end != shape.length()) {
      return false;
    }
    for (int i = 0; i < end; i++) {
      char want = shape.charAt(i);
      char ch = text.charAt(i);
      if (want == '9' ? ch < '0' || ch > '9' : ch != want) {
        return false;
      }
    }
    return true;
  }

  private static String iso(String year, String month, String day, String tail) {
    return year + '-' + month + '-' + day + tail;
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
