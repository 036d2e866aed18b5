package dev.bffkit.core.observe.status;

/**
 * The status page's latency histogram: {@value #COUNT} fixed, log-spaced buckets from 0.5 ms to
 * 10 s (each about 1.68 times the one before), small enough to keep one per second per route and
 * service for 15 minutes, fine enough for a p99 within one bucket's width. The last bucket also
 * takes everything slower than 10 s.
 */
final class LatencyBuckets {
  static final int COUNT = 20;
  private static final double FIRST_NANOS = 500_000;
  private static final double LAST_NANOS = 10_000_000_000.0;
  /** Upper bound of each bucket, inclusive, in nanoseconds. */
  private static final long[] UPPER = new long[COUNT];

  static {
    double ratio = Math.pow(LAST_NANOS / FIRST_NANOS, 1.0 / (COUNT - 1));
    for (int i = 0; i < COUNT; i++) UPPER[i] = Math.round(FIRST_NANOS * Math.pow(ratio, i));
    UPPER[COUNT - 1] = (long) LAST_NANOS;
  }

  private LatencyBuckets() {}

  /** The bucket of a duration: a binary search over 20 bounds (no logarithm per request). */
  static int index(long nanos) {
    int lo = 0;
    int hi = COUNT - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (nanos <= UPPER[mid]) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  static long lowerNanos(int bucket) {
    return bucket == 0 ? 0 : UPPER[bucket - 1];
  }

  static long upperNanos(int bucket) {
    return UPPER[bucket];
  }

  /**
   * The {@code q} quantile (0..1) of {@code counts[from .. from+COUNT)} holding {@code total}
   * samples, in milliseconds, interpolated linearly inside its bucket; NaN when there are none.
   */
  static double quantileMillis(long[] counts, int from, long total, double q) {
    if (total <= 0) return Double.NaN;
    double rank = q * total;
    long seen = 0;
    for (int b = 0; b < COUNT; b++) {
      long c = counts[from + b];
      if (c == 0) continue;
      if (seen + c >= rank) {
        double within = Math.max(0, Math.min(1, (rank - seen) / c));
        double lower = lowerNanos(b);
        return (lower + within * (UPPER[b] - lower)) / 1e6;
      }
      seen += c;
    }
    return UPPER[COUNT - 1] / 1e6;
  }
}
