package org.trame.config;

/**
 * How a landing table's files are encoded ({@code format:} in a source's YAML).
 *
 * @param type {@code csv} (plain or gzipped, by file name) or {@code parquet}
 * @param delimiter field separator for CSV (default {@code ;}, as SNDS exports)
 * @param quote quote character for CSV (default {@code "})
 * @param header whether the first CSV line names the columns (default true)
 * @param charset {@code UTF-8} (default) or {@code ISO-8859-1} (Latin-1)
 */
public record FileFormat(
    Type type, String delimiter, String quote, Boolean header, String charset) {
  /** The file types Trame reads. */
  public enum Type {
    CSV,
    PARQUET
  }

  public FileFormat {
    type = type == null ? Type.CSV : type;
    delimiter = delimiter == null ? ";" : delimiter;
    quote = quote == null ? "\"" : quote;
    header = header == null ? Boolean.TRUE : header;
    charset = charset == null ? "UTF-8" : charset;
    if (delimiter.length() != 1) {
      throw new IllegalArgumentException(
          "field 'delimiter' must be one character, got '" + delimiter + "'");
    }
    if (quote.length() != 1) {
      throw new IllegalArgumentException(
          "field 'quote' must be one character, got '" + quote + "'");
    }
    if (!java.nio.charset.Charset.isSupported(charset)) {
      throw new IllegalArgumentException("field 'charset': unknown charset '" + charset + "'");
    }
  }
}
