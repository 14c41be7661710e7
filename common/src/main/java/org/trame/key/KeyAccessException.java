package org.trame.key;

/**
 * A keystore cannot be created, opened or read: missing file, wrong password, missing key. The
 * message names the keystore and what to do; it never holds a password or key bytes.
 */
public final class KeyAccessException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public KeyAccessException(String message) {
    super(message);
  }

  public KeyAccessException(String message, Throwable cause) {
    super(message, sanitize(cause));
  }

  /** Keeps the type and message of the cause chain, but never a cause that could carry secrets. */
  private static Throwable sanitize(Throwable cause) {
    return cause == null ? null : new RuntimeException(cause.getClass().getName());
  }
}
