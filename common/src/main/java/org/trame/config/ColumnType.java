package org.trame.config;

/** The type a landing column is parsed into. */
public enum ColumnType {
  /** Text, stored as delivered (trimmed). */
  STRING,
  /** A whole number (64-bit). */
  INTEGER,
  /** A decimal number; '.' or ',' as the decimal separator. */
  DECIMAL,
  /** A calendar date, read with the column's {@code format} (default {@code yyyy-MM-dd}). */
  DATE
}
