package dev.bffkit.core.ratelimit.redis;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Closed-loop load on a limiter: {@code loops} event loops keep {@code inFlight} decisions each in flight for a
 * while; counts outcomes and each decision's latency.
 */
final class LimiterLoad {

  final AtomicLong allowed = new AtomicLong();
  final AtomicLong refused = new AtomicLong();
  final AtomicLong unavailable = new AtomicLong();
  private final long[][] latencies;
  private final int[] counts;
  volatile long startNanos;
  volatile long endNanos;

  private LimiterLoad(int loops) {
    latencies = new long[loops][1_000_000];
    counts = new int[loops];
  }

  private void record(int loop, long nanos) {
    if (counts[loop] < latencies[loop].length) latencies[loop][counts[loop]++] = nanos;
  }

  long total() {
    return allowed.get() + refused.get() + unavailable.get();
  }

  double seconds() {
    return (endNanos - startNanos) / 1e9;
  }

  /** The q-quantile (0..1) of the decisions' latency, in µs. */
  long latencyMicros(double q) {
    int n = Arrays.stream(counts).sum();
    long[] all = new long[n];
    int at = 0;
    for (int i = 0; i < counts.length; i++) {
      System.arraycopy(latencies[i], 0, all, at, counts[i]);
      at += counts[i];
    }
    Arrays.sort(all);
    return n == 0 ? 0 : all[Math.min(n - 1, (int) (q * n))] / 1000;
  }

  long maxMicros() {
    return latencyMicros(1.0);
  }

  /** Runs the load on {@code loops} event loops of {@code vertx} and completes when every chain has ended. */
  static LimiterLoad run(Vertx vertx, RedisLimiter limiter, int loops, int inFlight, long millis,
      IntFunction<List<String>> keys, long[] intervals, long[] tolerances) throws Exception {
    LimiterLoad load = new LimiterLoad(loops);
    long start = System.nanoTime();
    load.startNanos = start;
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(millis);
    int[] next = {0};
    vertx.deployVerticle(() -> {
      int loop;
      synchronized (next) { loop = next[0]++; }
      return new VerticleBase() {
        @Override
        public Future<?> start() {
          Promise<Void> done = Promise.promise();
          int[] live = {inFlight};
          for (int c = 0; c < inFlight; c++) {
            int chain = loop * inFlight + c;
            fire(chain, () -> { if (--live[0] == 0) done.complete(); });
          }
          return done.future();
        }

        private void fire(int chain, Runnable ended) {
          long t0 = System.nanoTime();
          if (t0 >= deadline) {
            ended.run();
            return;
          }
          limiter.decide(keys.apply(chain), intervals, tolerances).onComplete(ar -> {
            long t1 = System.nanoTime();
            load.record(loop, t1 - t0);
            RedisDecision d = ar.result();
            if (d.allowed()) load.allowed.incrementAndGet();
            else if (d.refused()) load.refused.incrementAndGet();
            else load.unavailable.incrementAndGet();
            fire(chain, ended);
          });
        }
      };
    }, new DeploymentOptions().setInstances(loops)).toCompletionStage().toCompletableFuture()
        .get(millis + 30_000, TimeUnit.MILLISECONDS);
    load.endNanos = System.nanoTime();
    return load;
  }
}
