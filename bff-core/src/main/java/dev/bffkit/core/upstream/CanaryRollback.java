package dev.bffkit.core.upstream;

import dev.bffkit.core.config.CanaryConfig;
import dev.bffkit.core.observe.slo.Objective;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.LongAdder;

/**
 * Watches how fast the canary burns its SLO budget against stable over a sliding window of
 * {@link #BUCKETS} buckets, in the terms of {@code observe.slos}: burn rate = bad ratio / (1 −
 * target), for availability (errors) and, when a threshold is set, latency (calls slower than it).
 * A call that wanted the canary but fell back to stable because no canary endpoint was live is a
 * bad canary call for availability (and none for latency: nothing was timed): otherwise a canary
 * failing every call is ejected by outlier detection, its callers quietly served by stable, and
 * never rolled back. Calls only add to the current bucket (LongAdders, no lock); a periodic timer
 * judges the window ({@link #judge}, pure) and then clears the oldest bucket.
 */
final class CanaryRollback {
  static final int BUCKETS = 6;
  private final Canary canary;
  private final CanaryConfig.Rollback config;
  /** Slower than this is bad for latency; MAX_VALUE without a latency objective. */
  private final long slowNanos;
  /** [bucket], per side: calls made (answered or failed), errors among them, slow ones among them. */
  private final LongAdder[] canaryCalls = adders();
  private final LongAdder[] canaryErrors = adders();
  private final LongAdder[] canarySlow = adders();
  private final LongAdder[] stableCalls = adders();
  private final LongAdder[] stableErrors = adders();
  private final LongAdder[] stableSlow = adders();
  /** Calls that wanted the canary and went to stable: it had no live endpoint. */
  private final LongAdder[] canaryFallbacks = adders();
  private volatile int current;
  private Vertx vertx;
  private long timer = -1;

  /** One side's counts over the window; {@code fallbacks} (canary only) are not among {@code calls}. */
  record Counts(long calls, long errors, long slow, long fallbacks) {}

  /** One objective judged on both sides: what a rollback reports. */
  record Verdict(Objective sli, double target, long canaryCalls, long canaryBad, long stableCalls, long stableBad) {
    double canaryBadRatio() {
      return ratio(canaryBad, canaryCalls);
    }

    double stableBadRatio() {
      return ratio(stableBad, stableCalls);
    }

    double canaryBurnRate() {
      return canaryBadRatio() / (1 - target);
    }

    /** 0 without stable calls: the canary is then held to {@code minBurnRate} alone. */
    double stableBurnRate() {
      return stableBadRatio() / (1 - target);
    }

    private static double ratio(long bad, long calls) {
      return calls == 0 ? 0 : bad / (double) calls;
    }

    /**
     * Both sides share the target, so "burns faster" compares bad ratios; the floor allows for
     * rounding (1 bad in 1000 at 99.9 % burns at 0.99999…, not 1).
     */
    boolean fires(CanaryConfig.Rollback rule) {
      return canaryCalls >= rule.minCalls() && canaryBurnRate() >= rule.minBurnRate() * (1 - 1e-9)
          && canaryBadRatio() > rule.burnRatio() * stableBadRatio();
    }
  }

  CanaryRollback(Canary canary, CanaryConfig.Rollback config) {
    this.canary = canary;
    this.config = config;
    this.slowNanos = config.latency() == null ? Long.MAX_VALUE : config.latency().threshold().toNanos();
  }

  private static LongAdder[] adders() {
    LongAdder[] a = new LongAdder[BUCKETS];
    for (int i = 0; i < BUCKETS; i++) a[i] = new LongAdder();
    return a;
  }

  /**
   * The objective the canary burns too fast, or null. Availability is judged first; each objective
   * needs {@code minCalls} canary calls of its own (fallbacks count for availability only).
   */
  static Verdict judge(CanaryConfig.Rollback rule, Counts canary, Counts stable) {
    Verdict a = new Verdict(Objective.AVAILABILITY, rule.availability(), canary.calls() + canary.fallbacks(),
        canary.errors() + canary.fallbacks(), stable.calls(), stable.errors());
    if (a.fires(rule)) return a;
    if (rule.latency() == null) return null;
    Verdict l = new Verdict(Objective.LATENCY, rule.latency().target(), canary.calls(), canary.slow(), stable.calls(),
        stable.slow());
    return l.fires(rule) ? l : null;
  }

  /** Judges the window every window / BUCKETS. */
  void start(Vertx vertx) {
    this.vertx = vertx;
    long every = Math.max(100, config.window().toMillis() / BUCKETS);
    timer = vertx.setPeriodic(every, id -> tick());
  }

  /** One finished call: {@code nanos} from its start to its answer or failure. */
  void record(boolean isCanary, boolean error, long nanos) {
    int i = current;
    (isCanary ? canaryCalls : stableCalls)[i].increment();
    if (error) (isCanary ? canaryErrors : stableErrors)[i].increment();
    if (nanos > slowNanos) (isCanary ? canarySlow : stableSlow)[i].increment();
  }

  /** A call that wanted the canary went to stable: the canary had no live endpoint. */
  void fellBack() {
    canaryFallbacks[current].increment();
  }

  /** Judges the window, then makes the oldest bucket the (empty) current one. */
  void tick() {
    if (!canary.rolledBack()) {
      Counts c = new Counts(sum(canaryCalls), sum(canaryErrors), sum(canarySlow), sum(canaryFallbacks));
      Counts s = new Counts(sum(stableCalls), sum(stableErrors), sum(stableSlow), 0);
      Verdict v = judge(config, c, s);
      if (v != null) canary.rollBack(v, c.fallbacks(), config.window());
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
    for (LongAdder[] a : new LongAdder[][] {canaryCalls, canaryErrors, canarySlow, stableCalls, stableErrors, stableSlow,
        canaryFallbacks}) {
      a[i].reset();
    }
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
