package dev.bffkit.core.ratelimit.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The global GCRA limiter against a real redis-server: burst, accuracy, two instances, several limits. */
class RedisLimiterTest {

  private static final long SECOND = 1_000_000;
  private static final AtomicInteger KEYS = new AtomicInteger();

  private static RedisServer server;
  private static Vertx vertx;
  private static RedisLimiter limiter;

  @BeforeAll
  static void start() throws Exception {
    server = RedisServer.start();
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    limiter = await(RedisLimiter.start(vertx, options()));
  }

  @AfterAll
  static void stop() throws Exception {
    if (limiter != null) await(limiter.close());
    if (vertx != null) await(vertx.close());
    if (server != null) server.close();
  }

  static RedisLimiterOptions options() {
    // 1 s rather than 50 ms: this machine is shared and loaded; the outage test checks the short timeout.
    return new RedisLimiterOptions().connectionString(server.url()).timeoutMillis(1000);
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static String key() {
    return "test:" + KEYS.incrementAndGet();
  }

  @Test
  void freshKeyAllowsExactlyTheBurstThenRefusesForAboutOneInterval() throws Exception {
    String key = key();
    long interval = SECOND; // 1/s, burst 5
    long tolerance = 4 * interval;
    for (int i = 0; i < 5; i++) {
      RedisDecision d = await(limiter.decide(key, interval, tolerance));
      assertTrue(d.allowed(), "request " + i + ": " + d);
      assertEquals(4 - i, d.remaining(0), d.toString());
      assertTrue(d.resetAfterMillis(0) > (i + 1) * 900L && d.resetAfterMillis(0) <= (i + 1) * 1000L, d.toString());
    }
    RedisDecision refused = await(limiter.decide(key, interval, tolerance));
    assertTrue(refused.refused(), refused.toString());
    assertEquals(0, refused.remaining(0));
    // The fifth came ≤ a few hundred ms after the first, so the next cell is ~1 s away.
    assertTrue(refused.retryAfterMillis() > 500 && refused.retryAfterMillis() <= 1000, refused.toString());
  }

  @Test
  void theKeyExpiresWhenItsTheoreticalArrivalTimePasses() throws Exception {
    String key = key();
    assertTrue(await(limiter.decide(key, 200_000, 0)).allowed());
    Redis raw = Redis.createClient(vertx, server.url());
    try {
      long pttl = await(raw.send(Request.cmd(Command.PTTL).arg(key))).toLong();
      assertTrue(pttl > 0 && pttl <= 201, "pttl=" + pttl);
    } finally {
      await(raw.close());
    }
  }

  @Test
  void concurrentCallersStayWithinRateTimesTimePlusBurst() throws Exception {
    long rate = 200; // per second
    long burst = 20;
    long interval = SECOND / rate;
    String key = key();
    LimiterLoad load = LimiterLoad.run(vertx, limiter, 2, 64, 2000, c -> List.of(key),
        new long[] {interval}, new long[] {(burst - 1) * interval});
    double bound = rate * load.seconds() + burst;
    System.out.printf("accuracy allowed=%d refused=%d seconds=%.2f bound=%.0f%n", load.allowed.get(),
        load.refused.get(), load.seconds(), bound);
    assertEquals(0, load.unavailable.get(), "no decision failed");
    assertTrue(load.allowed.get() <= bound, "allowed=" + load.allowed + " bound=" + bound);
    // And it does admit: at least half of the rate (wide margin for a loaded machine).
    assertTrue(load.allowed.get() >= rate * load.seconds() / 2, "allowed=" + load.allowed + " over " + load.seconds());
    assertTrue(load.refused.get() > load.allowed.get(), "the load was above the limit: " + load.refused);
  }

  @Test
  void twoLimiterInstancesShareOneLimit() throws Exception {
    long rate = 100;
    long burst = 10;
    long interval = SECOND / rate;
    String key = key();
    Vertx other = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      RedisLimiter second = await(RedisLimiter.start(other, options()));
      long t0 = System.nanoTime();
      LimiterLoad[] loads = new LimiterLoad[2];
      Thread t = new Thread(() -> {
        try {
          loads[1] = LimiterLoad.run(other, second, 1, 32, 2000, c -> List.of(key),
              new long[] {interval}, new long[] {(burst - 1) * interval});
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      t.start();
      loads[0] = LimiterLoad.run(vertx, limiter, 1, 32, 2000, c -> List.of(key),
          new long[] {interval}, new long[] {(burst - 1) * interval});
      t.join(60_000);
      double seconds = (System.nanoTime() - t0) / 1e9;
      long sum = loads[0].allowed.get() + loads[1].allowed.get();
      double bound = rate * seconds + burst;
      System.out.printf("shared allowed_a=%d allowed_b=%d sum=%d seconds=%.2f bound=%.0f%n", loads[0].allowed.get(),
          loads[1].allowed.get(), sum, seconds, bound);
      assertTrue(sum <= bound, "sum=" + sum + " bound=" + bound);
      assertTrue(loads[0].allowed.get() > 0 && loads[1].allowed.get() > 0,
          "both instances were admitted: " + loads[0].allowed + " " + loads[1].allowed);
      // Each alone would have had the whole rate: the sum near one rate shows they share it.
      assertTrue(sum >= rate * seconds / 2, "sum=" + sum);
      await(second.close());
    } finally {
      await(other.close());
    }
  }

  @Test
  void severalLimitsAreAllOrNothing() throws Exception {
    String perSecond = key();
    String perDay = key();
    List<String> keys = List.of(perSecond, perDay);
    long[] intervals = {10 * SECOND, 1000 * SECOND}; // burst 1 and burst 3
    long[] tolerances = {0, 2 * 1000 * SECOND};

    RedisDecision first = await(limiter.decide(keys, intervals, tolerances));
    assertTrue(first.allowed(), first.toString());
    assertEquals(2, first.limits());
    assertEquals(0, first.remaining(0));
    assertEquals(2, first.remaining(1));

    RedisDecision second = await(limiter.decide(keys, intervals, tolerances));
    assertTrue(second.refused(), second.toString());
    assertTrue(second.retryAfterMillis() > 9000 && second.retryAfterMillis() <= 10_000, second.toString());
    assertEquals(0, second.remaining(0));
    assertEquals(2, second.remaining(1), "the refusal by the first limit consumed nothing of the second");

    RedisDecision dayAlone = await(limiter.decide(perDay, intervals[1], tolerances[1]));
    assertTrue(dayAlone.allowed());
    assertEquals(1, dayAlone.remaining(0), "two of three used: the refused request was not counted");
  }

  @Test
  void aFlushedScriptCacheIsReloadedAndTheDecisionRetriedOnce() throws Exception {
    Redis raw = Redis.createClient(vertx, server.url());
    try {
      await(raw.send(Request.cmd(Command.SCRIPT).arg("FLUSH")));
      RedisDecision d = await(limiter.decide(key(), SECOND, 0));
      assertTrue(d.allowed(), d.toString());
      long exists = await(raw.send(Request.cmd(Command.SCRIPT).arg("EXISTS").arg(GcraScript.SHA1))).get(0).toLong();
      assertEquals(1, exists);
    } finally {
      await(raw.close());
    }
  }

  @Test
  void aKeyOfAnotherTypeIsAnErrorDecisionNotAFailedFuture() throws Exception {
    String key = key();
    Redis raw = Redis.createClient(vertx, server.url());
    try {
      await(raw.send(Request.cmd(Command.LPUSH).arg(key).arg("x")));
      RedisDecision d = await(limiter.decide(key, SECOND, 0));
      assertTrue(d.unavailable(), d.toString());
      assertEquals(RedisDecision.Failure.ERROR, d.failure());
      assertTrue(limiter.healthy(), "a bad key is not a Redis outage");
    } finally {
      await(raw.close());
    }
  }

  @Test
  void malformedArgumentsAreRefusedBeforeRedis() {
    // Table: each row would make the script misbehave; the limiter refuses it at the call.
    List<Runnable> rows = List.of(
        () -> limiter.decide(List.of(), new long[0], new long[0]),
        () -> limiter.decide(List.of("a"), new long[] {1, 2}, new long[] {0}),
        () -> limiter.decide(List.of("a"), new long[] {0}, new long[] {0}),
        () -> limiter.decide(List.of("a"), new long[] {-5}, new long[] {0}),
        () -> limiter.decide(List.of("a"), new long[] {SECOND}, new long[] {-1}),
        () -> limiter.decide(List.of("a", ""), new long[] {SECOND, SECOND}, new long[] {0, 0}));
    for (int i = 0; i < rows.size(); i++) {
      Runnable row = rows.get(i);
      assertThrows(IllegalArgumentException.class, row::run, "row " + i);
    }
  }
}
