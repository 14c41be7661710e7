package org.trame.jobs.generate;

/** Semicolon-separated lines as the sources export them, quoting only where needed. */
final class Csv {
  private Csv() {}

  static String line(String... fields) {
    StringBuilder b = new StringBuilder(fields.length * 12);
    for (int i = 0; i < fields.length; i++) {
      if (i > 0) {
        b.append(';');
      }
      String f = fields[i] == null ? "" : fields[i];
      if (f.indexOf(';') >= 0 || f.indexOf('"') >= 0 || f.indexOf('\n') >= 0) {
        b.append('"').append(f.replace("\"", "\"\"")).append('"');
      } else {
        b.append(f);
      }
    }
    return b.toString();
  }

  static String key(String... parts) {
    return String.join("|", parts);
  }
}
