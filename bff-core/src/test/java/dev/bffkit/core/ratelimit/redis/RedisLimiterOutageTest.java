package dev.bffkit.core.ratelimit.redis;

import static dev.bffkit.core.ratelimit.redis.RedisLimiterTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis killed, hung, or absent: every decision ends within the timeout (plus slack for this loaded machine) with
 * the failure mode, {@code healthy()} turns false, and the same limiter recovers when Redis is back.
 */
class RedisLimiterOutageTest {

  private static final long TIMEOUT_MS = 50;
  /** Wide: the machine is shared; a hang would be seconds (the test waits 30 s before calling it one). */
  private static final long SLACK_MS = 700;
  private static final long SECOND = 1_000_000;

  private RedisServer server;
  private Vertx vertx;
  private RedisLimiter limiter;

  @BeforeEach
  void start() throws Exception {
    server = RedisServer.start();
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
  }

  @AfterEach
  void stop() throws Exception {
    if (limiter != null) await(limiter.close());
    if (vertx != null) await(vertx.close());
    if (server != null) server.close();
  }

  private RedisLimiterOptions options(String url) {
    return new RedisLimiterOptions().connectionString(url).timeoutMillis(TIMEOUT_MS).probeIntervalMillis(200);
  }

  @Test
  void redisKilledThenRestartedOnTheSamePort() throws Exception {
    limiter = await(RedisLimiter.start(vertx, options(server.url())));
    assertTrue(limiter.healthy());
    assertTrue(await(limiter.decide("k", SECOND / 1000, 100 * SECOND)).allowed());

    server.kill();
    long decisions = 0;
    long worst = 0;
    Set<RedisDecision.Failure> seen = EnumSet.noneOf(RedisDecision.Failure.class);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (System.nanoTime() < until) {
      // 20 at once, as concurrent requests would be
      List<Future<RedisDecision>> batch = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int i = 0; i < 20; i++) batch.add(limiter.decide("k", SECOND / 1000, 100 * SECOND));
      for (Future<RedisDecision> f : batch) {
        RedisDecision d = await(f);
        decisions++;
        worst = Math.max(worst, (System.nanoTime() - t0) / 1_000_000);
        assertTrue(d.unavailable(), d.toString());
        seen.add(d.failure());
      }
    }
    assertTrue(worst <= TIMEOUT_MS + SLACK_MS, "worst decision took " + worst + " ms");
    assertFalse(limiter.healthy(), "healthy() after Redis died");
    assertTrue(seen.contains(RedisDecision.Failure.DOWN), "held for down, answering at once: " + seen);
    System.out.println("redis_killed decisions=" + decisions + " worst_ms=" + worst + " failures=" + seen);

    server.restart(); // empty: no script, no keys
    long back = System.nanoTime();
    RedisDecision d = waitForAllowed();
    System.out.println("redis_restarted recovered_ms=" + (System.nanoTime() - back) / 1_000_000);
    assertTrue(d.allowed(), d.toString());
    assertTrue(limiter.healthy());
  }

  @Test
  void redisHungAnswersTimeoutWithinTheTimeoutThenRecovers() throws Exception {
    limiter = await(RedisLimiter.start(vertx, options(server.url())));
    assertTrue(await(limiter.decide("h", SECOND / 1000, 100 * SECOND)).allowed());

    server.pause();
    try {
      List<Future<RedisDecision>> batch = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int i = 0; i < 20; i++) batch.add(limiter.decide("h", SECOND / 1000, 100 * SECOND));
      long worst = 0;
      for (Future<RedisDecision> f : batch) {
        RedisDecision d = await(f);
        worst = Math.max(worst, (System.nanoTime() - t0) / 1_000_000);
        assertTrue(d.unavailable(), d.toString());
        assertEquals(RedisDecision.Failure.TIMEOUT, d.failure(), d.toString());
      }
      assertTrue(worst <= TIMEOUT_MS + SLACK_MS, "worst decision took " + worst + " ms");
      assertTrue(worst >= TIMEOUT_MS - 5, "it did wait for Redis: " + worst + " ms");
      assertFalse(limiter.healthy(), "20 timeouts hold Redis for down");
      RedisDecision fast = await(limiter.decide("h", SECOND / 1000, 100 * SECOND));
      assertEquals(RedisDecision.Failure.DOWN, fast.failure());
    } finally {
      server.resume();
    }
    assertTrue(waitForAllowed().allowed());
  }

  @Test
  void redisAbsentAtStartLeavesTheLimiterDownNotFailed() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    limiter = await(RedisLimiter.start(vertx, options("redis://127.0.0.1:" + port + "/0")));
    assertFalse(limiter.healthy());
    long t0 = System.nanoTime();
    RedisDecision d = await(limiter.decide("a", SECOND, 0));
    assertTrue((System.nanoTime() - t0) / 1_000_000 <= TIMEOUT_MS + SLACK_MS);
    assertEquals(RedisDecision.Failure.DOWN, d.failure(), d.toString());
  }

  private RedisDecision waitForAllowed() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    RedisDecision d = null;
    while (System.nanoTime() < deadline) {
      d = await(limiter.decide("after:" + System.nanoTime(), SECOND, 0));
      if (d.allowed()) return d;
      Thread.sleep(50);
    }
    throw new AssertionError("no recovery within 15 s: " + d);
  }
}
