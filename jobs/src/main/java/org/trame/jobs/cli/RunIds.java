package org.trame.jobs.cli;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Run ids: sortable by start time, unique across concurrent runs ({@code 20261126T075512Z-3fa9c1}).
 */
public final class RunIds {
  private static final DateTimeFormatter FORMAT =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final SecureRandom RANDOM = new SecureRandom();

  private RunIds() {}

  /** A new run id. */
  public static String next() {
    return FORMAT.format(Instant.now()) + "-" + String.format("%06x", RANDOM.nextInt(1 << 24));
  }
}
