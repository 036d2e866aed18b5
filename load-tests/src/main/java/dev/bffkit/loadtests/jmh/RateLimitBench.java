package dev.bffkit.loadtests.jmh;

import dev.bffkit.core.ratelimit.Decision;
import dev.bffkit.core.ratelimit.LocalLimiter;
import dev.bffkit.core.ratelimit.RateLimit;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One local GCRA decision (issue 12: well under 1 µs, no allocation), on the real clock, for one
 * hot key (every decision a CAS on the same TAT; with 2 threads, contended) and for 100k keys
 * round-robin (a cache miss per decision), with one limit or two (per second and per day):
 * {@code load-tests/jmh.sh RateLimitBench -f 1 -wi 2 -i 3 -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RateLimitBench {
  static final int KEYS = 100_000;

  @Param({"1", "2"})
  public int limitCount;

  LocalLimiter limiter;
  RateLimit[] limits;
  String[] keys;

  @Setup
  public void setup() {
    // High limits: the benchmark measures the decision, allowed or not, not a refusal shortcut.
    RateLimit perSecond = new RateLimit("second", 1_000_000_000, Duration.ofSeconds(1), 1_000);
    RateLimit perDay = new RateLimit("day", 50_000_000_000_000L, Duration.ofDays(1), 1_000_000); // T = 2 ns
    limits = limitCount == 1 ? new RateLimit[] {perSecond} : new RateLimit[] {perSecond, perDay};
    limiter = new LocalLimiter(KEYS * limitCount);
    keys = new String[KEYS];
    for (int i = 0; i < KEYS; i++) keys[i] = "free|apikey:partner-" + i;
  }

  /** Per thread: its own Decision (as one per event loop) and round-robin position. */
  @State(Scope.Thread)
  public static class PerThread {
    final Decision decision = new Decision();
    int next;
  }

  @Benchmark
  @Threads(1)
  public boolean hotKey(PerThread t) {
    return limiter.decide("free|apikey:partner", limits, t.decision);
  }

  @Benchmark
  @Threads(2)
  public boolean hotKey2Threads(PerThread t) {
    return limiter.decide("free|apikey:partner", limits, t.decision);
  }

  @Benchmark
  @Threads(1)
  public boolean manyKeys(PerThread t) {
    int i = t.next++;
    if (t.next == KEYS) t.next = 0;
    return limiter.decide(keys[i], limits, t.decision);
  }

  @Benchmark
  @Threads(2)
  public boolean manyKeys2Threads(PerThread t) {
    int i = t.next++;
    if (t.next == KEYS) t.next = 0;
    return limiter.decide(keys[i], limits, t.decision);
  }
}
