package dev.bffkit.core.ratelimit;

/**
 * The generic cell rate algorithm (ITU-T I.371 virtual scheduling) as pure functions of one key's
 * theoretical arrival time (TAT, nanos), so the local limiter and the Redis script compute the same
 * numbers.
 *
 * <p>Convention: with T the emission interval and window = burst × T, a request at {@code now} makes
 * {@code newTat = max(tat, now) + T} and is allowed iff {@code newTat - now <= window}; a refused
 * request leaves TAT unchanged. (In the classic notation the tolerance τ is (burst − 1) × T and the
 * test is newTat − now ≤ τ + T.) A fresh key (TAT ≤ now) therefore takes exactly {@code burst}
 * requests at once, then one per T. Times are compared by subtraction, so any {@code System.nanoTime}
 * origin works; a TAT in the past is the same as no TAT, which is why idle keys may be forgotten.
 */
public final class Gcra {
  private Gcra() {}

  /** The TAT after allowing one request. */
  public static long newTat(long tat, long now, long emissionNanos) {
    return (tat - now > 0 ? tat : now) + emissionNanos;
  }

  /** Nanos until a request would be allowed; 0 when it is allowed now. */
  public static long retryAfter(long tat, long now, long emissionNanos, long windowNanos) {
    return Math.max(0, newTat(tat, now, emissionNanos) - now - windowNanos);
  }

  /** How many more requests would be allowed at once, given the TAT after the decision. */
  public static long remaining(long tatAfter, long now, long emissionNanos, long windowNanos) {
    long used = Math.max(0, tatAfter - now);
    return Math.max(0, (windowNanos - used) / emissionNanos);
  }

  /** Nanos until the bucket is full again (TAT reaches now), given the TAT after the decision. */
  public static long resetAfter(long tatAfter, long now) {
    return Math.max(0, tatAfter - now);
  }

  /** Whole seconds, rounded up (Retry-After and the {@code t} parameter must not promise too early). */
  public static long ceilSeconds(long nanos) {
    return nanos <= 0 ? 0 : (nanos - 1) / 1_000_000_000L + 1;
  }
}
