package dev.bffkit.loadtests.bench;

import dev.bffkit.core.ratelimit.redis.RedisDecision;
import dev.bffkit.core.ratelimit.redis.RedisLimiter;
import dev.bffkit.core.ratelimit.redis.RedisLimiterOptions;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Decisions per second one Redis gives a BFF: {@link RedisLimiter#decide} driven from the harness JVM, closed
 * loop, {@code loops} event loops with {@code inFlight} decisions each always in flight, for a fixed time. Each
 * decision has the shape of the iOS BFF's for a token caller: one limit (the users tier) and the usage hash
 * (metering only), every chain its own caller; the limit is far above the load, so every decision runs the
 * whole script and is allowed.
 */
final class RedisDecisionRate {
  private RedisDecisionRate() {}

  /** What a run gave; latencies in µs, from the call to the decision's completion on the event loop. */
  record Result(long allowed, long refused, long unavailable, double seconds, Histogram latency) {
    long decisions() {
      return allowed + refused + unavailable;
    }

    double perSecond() {
      return seconds > 0 ? decisions() / seconds : 0;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%,.0f decisions/s (%,d in %.1f s: %,d allowed, %,d refused, %,d unavailable),"
              + " one decision p50 %.2f ms, p99 %.2f ms", perSecond(), decisions(), seconds, allowed, refused, unavailable,
          latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0);
    }
  }

  /**
   * Blocks for about {@code warmup + duration} plus start-up; not on an event loop. The warm-up (not recorded) lets
   * the JIT compile and the pipelined connections open. The decision timeout is a generous 1 s rather than a
   * BFF's 50 ms: this measures what Redis gives, not whether a busy machine keeps a 50 ms promise.
   */
  static Result run(String redisUrl, int loops, int inFlight, Duration warmup, Duration duration) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
    try {
      RedisLimiter limiter = RedisLimiter.start(vertx, new RedisLimiterOptions().connectionString(redisUrl).timeoutMillis(1000))
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      if (!limiter.healthy()) throw new IllegalStateException("Redis at " + redisUrl + " did not answer the limiter's probe");
      try {
        if (!warmup.isZero()) drive(vertx, limiter, loops, inFlight, warmup);
        return drive(vertx, limiter, loops, inFlight, duration);
      } finally {
        limiter.close();
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static Result drive(Vertx vertx, RedisLimiter limiter, int loops, int inFlight, Duration duration)
      throws Exception {
    // the users tier at Scenarios.UNREACHED_USER_RATE: T = 1 µs, burst 200
    long[] interval = {1};
    long[] tolerance = {199};
    long expireAt = System.currentTimeMillis() / 1000 + 3600;
    String run = Long.toString(System.nanoTime(), 36); // fresh keys per run: no TAT left from an earlier one
    AtomicLong allowed = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    AtomicLong unavailable = new AtomicLong();
    List<Histogram> histograms = new ArrayList<>();
    long start = System.nanoTime();
    long deadline = start + duration.toNanos();
    int[] next = {0};
    vertx.deployVerticle(() -> {
      int loop;
      Histogram h = LoadDriver.newHistogram();
      synchronized (histograms) {
        loop = next[0]++;
        histograms.add(h);
      }
      return new VerticleBase() {
        @Override
        public Future<?> start() {
          Promise<Void> done = Promise.promise();
          int[] live = {inFlight};
          for (int c = 0; c < inFlight; c++) {
            String caller = "bench:" + run + ":" + (loop * inFlight + c);
            List<String> keys = List.of(caller + ":second");
            RedisLimiter.Metering metering = new RedisLimiter.Metering(caller + ":usage", 0, false, expireAt,
                "route:screen:home");
            fire(keys, metering, () -> {
              if (--live[0] == 0) done.complete();
            });
          }
          return done.future();
        }

        /** One chain: the next decision as soon as the last one completes (on this event loop). */
        private void fire(List<String> keys, RedisLimiter.Metering metering, Runnable ended) {
          long t0 = System.nanoTime();
          if (t0 >= deadline) {
            ended.run();
            return;
          }
          limiter.decide(keys, interval, tolerance, metering).onComplete(ar -> {
            h.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
            RedisDecision d = ar.result();
            if (d.allowed()) allowed.incrementAndGet();
            else if (d.refused()) refused.incrementAndGet();
            else unavailable.incrementAndGet();
            // an unavailable decision may complete at once (Redis held for down): not a recursion, not a spin
            if (d.unavailable()) vertx.setTimer(1, id -> fire(keys, metering, ended));
            else fire(keys, metering, ended);
          });
        }
      };
    }, new DeploymentOptions().setInstances(loops)).toCompletionStage().toCompletableFuture()
        .get(duration.toMillis() + 30_000, TimeUnit.MILLISECONDS);
    double seconds = (System.nanoTime() - start) / 1e9;
    Histogram all = LoadDriver.newHistogram();
    synchronized (histograms) {
      for (Histogram h : histograms) all.add(h);
    }
    return new Result(allowed.get(), refused.get(), unavailable.get(), seconds, all);
  }
}
