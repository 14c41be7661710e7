package org.trame.jobs.generate;

/**
 * Seed mixing (SplitMix64 finalizer), so that every (seed, entity, stream) has its own random
 * stream.
 */
final class Seeds {
  private Seeds() {}

  static long mix(long seed, long a, long b) {
    return finalize(finalize(finalize(seed) ^ a) ^ b);
  }

  private static long finalize(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
