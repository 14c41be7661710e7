package org.trame.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Turns a configured root (a URI such as {@code hdfs://nn:8020/trame/warehouse} or {@code
 * s3a://bucket/warehouse}, or a plain path) into an absolute URI without a trailing slash. Plain
 * and relative paths are resolved against a base folder (the working directory) and become {@code
 * file:} URIs.
 */
public final class StorageRoots {
  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*");

  private StorageRoots() {}

  /**
   * Resolves {@code value} to an absolute URI string.
   *
   * @throws IllegalArgumentException if the value is blank or not a valid URI
   */
  public static String resolve(String value, Path base, String field) {
    Require.nonBlank(value, field);
    String v = value.trim();
    URI uri;
    if (SCHEME.matcher(v).matches() && !v.matches("^[A-Za-z]:[\\\\/].*")) {
      try {
        uri = new URI(v);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(
            "field '" + field + "' is not a valid URI: '" + v + "' (" + e.getReason() + ")");
      }
      if ("file".equals(uri.getScheme())) {
        uri =
            uri.isOpaque()
                ? base.resolve(uri.getSchemeSpecificPart()).toAbsolutePath().normalize().toUri()
                : Path.of(uri).normalize().toUri();
      }
    } else {
      uri = base.resolve(v).toAbsolutePath().normalize().toUri();
    }
    String s = uri.toString();
    while (s.endsWith("/") && !s.endsWith(":/") && !s.endsWith("://")) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }
}
