package dev.bffkit.core.ratelimit;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Duration;
import java.util.Arrays;

/**
 * Differential test: random keys, limits and times through {@link LocalLimiter} against a slow
 * reference written the other way round, as a leaky bucket (ITU-T I.371's continuous-state
 * algorithm, proven equivalent to GCRA's virtual scheduling): each (key, limit) holds a level of
 * work in nanos that drains with time; a request fits if level + T ≤ burst × T. Every answer
 * (allowed, binding limit, remaining, reset, retry) must be equal. The table is small (one bucket)
 * so idle cells are retired and re-created under the sequence.
 */
class GcraFuzzTest {
  private static final String[] KEYS = {"a", "b", "Aa", "BB", "free|apikey:x"}; // "Aa" and "BB" share String.hashCode

  @FuzzTest(maxDuration = "10s")
  void fastPathEqualsReference(FuzzedDataProvider data) {
    int keys = data.consumeInt(1, KEYS.length);
    RateLimit[][] limits = new RateLimit[keys][];
    int cells = 0;
    for (int k = 0; k < keys; k++) {
      limits[k] = new RateLimit[data.consumeInt(1, 3)];
      for (int i = 0; i < limits[k].length; i++) {
        long limit = data.consumeLong(1, 1_000);
        long period = data.consumeLong(limit, 10_000_000_000L);
        limits[k][i] = new RateLimit("l" + i, limit, Duration.ofNanos(period), data.consumeInt(1, 50));
      }
      cells += limits[k].length;
    }
    // At most 15 cells: a small table (maxKeys 16: 8 buckets) still holds them all, so no live eviction.
    LocalLimiter limiter = new LocalLimiter(cells <= 8 ? 1 : 16);
    Reference ref = new Reference(keys, 3);
    Decision d = new Decision();
    long now = data.consumeLong(-(1L << 62), 1L << 62); // 300 steps of ≤ 20 s never wrap; LocalLimiterTest covers the wrap
    int steps = data.consumeInt(1, 300);
    for (int s = 0; s < steps && data.remainingBytes() > 0; s++) {
      int k = data.consumeInt(0, keys - 1);
      switch (data.consumeInt(0, 3)) {
        case 0 -> { }
        case 1 -> now += data.consumeLong(0, 1_000);
        case 2 -> now += data.consumeLong(0, 2_000_000_000L);
        default -> now += data.consumeLong(0, 20_000_000_000L);
      }
      boolean allowed = limiter.decide(KEYS[k], limits[k], now, d);
      Reference.Answer want = ref.decide(k, limits[k], now);
      String at = "step " + s + " key " + KEYS[k] + " at " + now + " limits " + Arrays.toString(limits[k]);
      check(allowed == want.allowed && d.allowed() == want.allowed, at + ": allowed " + allowed + " want " + want);
      check(d.limitIndex() == want.index, at + ": binding " + d.limitIndex() + " want " + want);
      check(d.limit() == limits[k][want.index], at + ": limit");
      check(d.remaining() == want.remaining, at + ": remaining " + d + " want " + want);
      check(d.resetAfterNanos() == want.reset, at + ": reset " + d + " want " + want);
      check(d.retryAfterNanos() == want.retry, at + ": retry " + d + " want " + want);
    }
    check(limiter.liveEvictions() == 0, "live evictions in a table that holds every key");
  }

  private static void check(boolean ok, String message) {
    if (!ok) throw new AssertionError(message);
  }

  /** The obviously-correct model: leaky buckets in nanos of work, all-or-nothing over the limits. */
  static final class Reference {
    record Answer(boolean allowed, int index, long remaining, long reset, long retry) {}

    final long[][] level;
    final long[][] last;

    Reference(int keys, int limits) {
      level = new long[keys][limits];
      last = new long[keys][limits];
      for (long[] l : last) Arrays.fill(l, Long.MIN_VALUE);
    }

    Answer decide(int k, RateLimit[] limits, long now) {
      int n = limits.length;
      long[] drained = new long[n];
      int worst = -1;
      long worstRetry = 0;
      for (int i = 0; i < n; i++) {
        long t = limits[i].emissionNanos();
        long cap = t * limits[i].burst();
        drained[i] = last[k][i] == Long.MIN_VALUE ? 0 : Math.max(0, level[k][i] - (now - last[k][i]));
        if (drained[i] + t > cap) {
          long retry = drained[i] + t - cap;
          if (retry > worstRetry) {
            worst = i;
            worstRetry = retry;
          }
        }
      }
      if (worst >= 0) return new Answer(false, worst, 0, drained[worst], worstRetry);
      int bind = 0;
      long least = Long.MAX_VALUE;
      for (int i = 0; i < n; i++) {
        long t = limits[i].emissionNanos();
        level[k][i] = drained[i] + t;
        last[k][i] = now;
        long remaining = (t * limits[i].burst() - level[k][i]) / t;
        if (remaining < least) {
          least = remaining;
          bind = i;
        }
      }
      return new Answer(true, bind, least, level[k][bind], 0);
    }
  }
}
