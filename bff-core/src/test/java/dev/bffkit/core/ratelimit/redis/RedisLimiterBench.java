package dev.bffkit.core.ratelimit.redis;

import static dev.bffkit.core.ratelimit.redis.RedisLimiterTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Decisions per second on one local redis-server and their latency: 2 event loops × 64 in flight for 5 s, over
 * 10 000 keys, one limit per decision and then two. Opt-in (it loads the machine for seconds):
 * {@code mvn -o -pl bff-core test -Dtest=RedisLimiterBench} (not a *Test: the suite never runs it).
 */
class RedisLimiterBench {

  @Test
  void decisionsPerSecondAndLatency() throws Exception {
    int loops = Integer.getInteger("bff.bench.loops", 2);
    int inFlight = Integer.getInteger("bff.bench.inFlight", 64);
    int connections = Integer.getInteger("bff.bench.connections", 2);
    long millis = Long.getLong("bff.bench.millis", 5000);
    try (RedisServer server = RedisServer.start()) {
      Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
      try {
        RedisLimiter limiter = await(RedisLimiter.start(vertx,
            new RedisLimiterOptions().connectionString(server.url()).connections(connections).timeoutMillis(1000)));
        long interval = 1_000; // 1000/s per key, burst 100
        long tolerance = 99 * interval;
        // warm-up: JIT and connections
        LimiterLoad.run(vertx, limiter, loops, inFlight, 1000, c -> List.of("w:" + c), new long[] {interval},
            new long[] {tolerance});
        LimiterLoad one = LimiterLoad.run(vertx, limiter, loops, inFlight, millis,
            c -> List.of("b:" + (c * 7919 + System.nanoTime()) % 10_000), new long[] {interval}, new long[] {tolerance});
        report("one_limit", loops, inFlight, connections, one);
        LimiterLoad two = LimiterLoad.run(vertx, limiter, loops, inFlight, millis,
            c -> { long k = (c * 7919 + System.nanoTime()) % 10_000; return List.of("s:" + k, "d:" + k); },
            new long[] {interval, 86_400_000_000L / 10_000}, new long[] {tolerance, 86_400_000_000L});
        report("two_limits", loops, inFlight, connections, two);
        // Light load (one loop, 4 in flight): the latency a request sees when Redis is not saturated.
        LimiterLoad light = LimiterLoad.run(vertx, limiter, 1, 4, millis,
            c -> List.of("l:" + (c * 7919 + System.nanoTime()) % 10_000), new long[] {interval}, new long[] {tolerance});
        report("light", 1, 4, connections, light);
        assertEquals(0, one.unavailable.get() + two.unavailable.get() + light.unavailable.get(), "no decision failed");
        assertTrue(one.total() > 0);
        await(limiter.close());
      } finally {
        await(vertx.close());
      }
    }
  }

  private static void report(String name, int loops, int inFlight, int connections, LimiterLoad l) {
    System.out.printf("bench=%s loops=%d in_flight=%d connections=%d seconds=%.1f decisions=%d per_second=%.0f "
            + "allowed=%d refused=%d p50_us=%d p99_us=%d p999_us=%d max_us=%d%n",
        name, loops, inFlight, connections, l.seconds(), l.total(), l.total() / l.seconds(), l.allowed.get(),
        l.refused.get(), l.latencyMicros(0.5), l.latencyMicros(0.99), l.latencyMicros(0.999), l.maxMicros());
  }
}
