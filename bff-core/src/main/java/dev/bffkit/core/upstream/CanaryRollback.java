package dev.bffkit.core.upstream;

import dev.bffkit.core.config.CanaryConfig;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.LongAdder;

/**
 * Watches a canary's error rate against stable's over a sliding window of {@link #BUCKETS}
 * buckets and rolls the canary back when it is clearly worse: at least {@code minCalls} canary
 * calls in the window, a canary error rate of at least {@code minErrorRate} and above
 * {@code errorRatio} × stable's. Calls only add to the current bucket (LongAdders, no lock); a
 * periodic timer judges the window and then clears the oldest bucket.
 */
final class CanaryRollback {
  static final int BUCKETS = 6;
  private final Canary canary;
  private final CanaryConfig.Rollback config;
  /** [bucket]: calls and errors, per side. */
  private final LongAdder[] canaryCalls = adders();
  private final LongAdder[] canaryErrors = adders();
  private final LongAdder[] stableCalls = adders();
  private final LongAdder[] stableErrors = adders();
  private volatile int current;
  private Vertx vertx;
  private long timer = -1;

  CanaryRollback(Canary canary, CanaryConfig.Rollback config) {
    this.canary = canary;
    this.config = config;
  }

  private static LongAdder[] adders() {
    LongAdder[] a = new LongAdder[BUCKETS];
    for (int i = 0; i < BUCKETS; i++) a[i] = new LongAdder();
    return a;
  }

  /** Judges the window every window / BUCKETS. */
  void start(Vertx vertx) {
    this.vertx = vertx;
    long every = Math.max(100, config.window().toMillis() / BUCKETS);
    timer = vertx.setPeriodic(every, id -> tick());
  }

  void record(boolean isCanary, boolean error) {
    int i = current;
    (isCanary ? canaryCalls : stableCalls)[i].increment();
    if (error) (isCanary ? canaryErrors : stableErrors)[i].increment();
  }

  /** Judges the window, then makes the oldest bucket the (empty) current one. */
  void tick() {
    long cc = sum(canaryCalls);
    long ce = sum(canaryErrors);
    long sc = sum(stableCalls);
    long se = sum(stableErrors);
    if (!canary.rolledBack() && cc >= config.minCalls()) {
      double canaryRate = ce / (double) cc;
      double stableRate = sc == 0 ? 0 : se / (double) sc;
      if (canaryRate >= config.minErrorRate() && canaryRate > config.errorRatio() * stableRate) {
        canary.rollBack(canaryRate, stableRate, cc, sc);
      }
    }
    int next = (current + 1) % BUCKETS;
    clear(next);
    current = next;
  }

  /** A fresh window (after the canary is re-armed). */
  void reset() {
    for (int i = 0; i < BUCKETS; i++) clear(i);
  }

  private void clear(int i) {
    canaryCalls[i].reset();
    canaryErrors[i].reset();
    stableCalls[i].reset();
    stableErrors[i].reset();
  }

  private static long sum(LongAdder[] a) {
    long n = 0;
    for (LongAdder x : a) n += x.sum();
    return n;
  }

  void close() {
    if (timer >= 0) vertx.cancelTimer(timer);
  }
}
