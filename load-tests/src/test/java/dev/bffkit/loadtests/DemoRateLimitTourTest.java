package dev.bffkit.loadtests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.loadtests.demo.DemoRedis;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DemoRateLimitTourTest {
  @Test
  void tourNamesTheKeysTheRealPortAndTheSharedRedis() {
    DemoRedis redis = DemoRedis.start(Map.of("BFF_REDIS_URL", "redis://127.0.0.1:6390")::get);
    String t = Demo.rateLimitTour(18081, redis);
    assertTrue(t.contains("Limits are shared through Redis (redis://127.0.0.1:6390) by every instance."), t);
    assertTrue(t.contains("for i in $(seq 30); do curl -s -o /dev/null -w '%{http_code} ' -H 'X-API-Key: demo-free-key'"
        + " http://127.0.0.1:18081/api/posts/p1; done; echo"), t);
    assertTrue(t.contains("curl -si -H 'X-API-Key: demo-free-key' http://127.0.0.1:18081/api/posts/p1 | grep -i -E"
        + " '^(HTTP|retry-after|ratelimit)'"), t);
    assertTrue(t.contains("curl -s -o /dev/null -w '%{http_code}\\n' -H 'X-API-Key: demo-pro-key'"
        + " http://127.0.0.1:18081/api/posts/p1"), t);
  }

  @Test
  void withoutRedisTheTourSaysEachBffLimitsLocally() {
    String t = Demo.rateLimitTour(8081, null);
    assertTrue(t.contains("local limiter"), t);
    assertFalse(t.contains("redis://"), t);
  }

  @Test
  void servicesOnlyStartsNoRedis() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Demo.Options o = new Demo.Options(0, Map.of(), 1, true);
      Demo.Running r = Demo.start(vertx, o).await(20, TimeUnit.SECONDS);
      assertNull(r.redis());
      assertTrue(r.bffs().isEmpty());
      r.close().await(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
