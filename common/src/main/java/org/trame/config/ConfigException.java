package org.trame.config;

/**
 * A configuration file or value is invalid. The message names the file, and where known the line,
 * column and field path, then what is wrong: it is meant to be shown to the user as it is.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
