package dev.bffkit.core.upstream;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * An approximate, decaying p95 of a service's answer times, for the hedge delay. Log-scale
 * buckets (about 19 % apart, 50 µs to ~2 min); recomputed at most once a second by whoever asks,
 * halving the counts so the estimate follows changes. Recording is one atomic increment.
 */
public final class LatencyTracker {
  private static final int BUCKETS = 96;
  private static final double BASE_MICROS = 50;
  private static final double RATIO = 1.1892; // 2^(1/4)
  private static final double LOG_RATIO = Math.log(RATIO);
  static final int MIN_SAMPLES = 20;

  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
  private volatile long p95Nanos = -1;
  private volatile long computedAt;

  public void record(long nanos) {
    counts.incrementAndGet(bucket(nanos));
  }

  static int bucket(long nanos) {
    double micros = nanos / 1000.0;
    if (micros <= BASE_MICROS) return 0;
    int b = (int) (Math.log(micros / BASE_MICROS) / LOG_RATIO) + 1;
    return Math.min(b, BUCKETS - 1);
  }

  static long upperNanos(int bucket) {
    return (long) (BASE_MICROS * Math.pow(RATIO, bucket) * 1000);
  }

  /** The p95 in nanoseconds, or -1 before enough samples. */
  public long p95Nanos() {
    long now = System.nanoTime();
    if (now - computedAt > 1_000_000_000L || p95Nanos < 0) {
      computedAt = now;
      p95Nanos = compute();
    }
    return p95Nanos;
  }

  private long compute() {
    long total = 0;
    long[] snap = new long[BUCKETS];
    for (int i = 0; i < BUCKETS; i++) total += snap[i] = counts.get(i);
    if (total < MIN_SAMPLES) return -1;
    long target = (long) Math.ceil(total * 0.95);
    long seen = 0;
    long result = upperNanos(BUCKETS - 1);
    for (int i = 0; i < BUCKETS; i++) {
      seen += snap[i];
      if (seen >= target) {
        result = upperNanos(i);
        break;
      }
    }
    for (int i = 0; i < BUCKETS; i++) {
      long c = snap[i] / 2;
      if (c != snap[i]) counts.addAndGet(i, c - snap[i]);
    }
    return result;
  }
}
