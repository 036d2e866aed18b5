package dev.bffkit.loadtests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.RateLimitConfig;
import dev.bffkit.core.ratelimit.RateLimit;
import dev.bffkit.loadtests.demo.DemoRedis;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rate-limit rows' wiring: the switches reach the bundles, /metrics is read right, one Redis decides. */
class RateLimitRowsTest {
  private static final Path IOS = Path.of("..").toAbsolutePath().normalize().resolve("bff-ios/src/main/resources/bff/ios");

  @Test
  void everyHarnessBffRunsWithRateLimitsOffButTheRateLimitedOne(@TempDir Path tmp) throws Exception {
    Path noAuth;
    String root = System.getProperty("bffkit.root");
    System.setProperty("bffkit.root", Path.of("..").toAbsolutePath().normalize().toString());
    try {
      noAuth = Scenarios.writeIosBundleWithoutAuth(tmp);
    } finally {
      if (root == null) System.clearProperty("bffkit.root");
      else System.setProperty("bffkit.root", root);
    }
    Map<String, String> off = Scenarios.childEnv();
    for (Path dir : List.of(IOS, noAuth)) {
      RateLimitConfig c = BundleLoader.load(dir, off::get).config().rateLimits();
      assertFalse(c.enabled(), dir + ": the existing rows must not meet the demo's 100/s users tier");
      // without the harness's env the demo bundle limits: the reason every child gets childEnv()
      assertTrue(BundleLoader.load(dir, name -> null).config().rateLimits().enabled(), dir.toString());
    }
    Map<String, String> on = new HashMap<>(off);
    on.putAll(Scenarios.rateLimitsOn("redis://127.0.0.1:6390"));
    RateLimitConfig c = BundleLoader.load(IOS, on::get).config().rateLimits();
    assertTrue(c.enabled());
    assertEquals("redis://127.0.0.1:6390", c.redis().url());
    // the bench's token names no tier: the default one, whose limit the load never reaches
    assertEquals("users", c.defaultTier());
    RateLimit second = c.tiers().get("users").limits().get(0);
    assertEquals(Long.parseLong(Scenarios.UNREACHED_USER_RATE), second.limit());
    assertEquals(Duration.ofSeconds(1), second.period());
    assertNull(c.tiers().get("users").quota(), "a quota could refuse the bench's caller mid-run");
  }

  @Test
  void decisionCountsAreSummedOverTiersAndDiffed() {
    String before = """
        # HELP bff_ratelimit_decisions_total Rate-limit decisions by caller tier and result
        # TYPE bff_ratelimit_decisions_total counter
        bff_ratelimit_decisions_total{result="allowed",tier="users"} 10.0
        bff_ratelimit_decisions_total{result="allowed",tier="pro"} 5.0
        bff_ratelimit_decisions_total{result="limited",tier="users"} 0.0
        bff_ratelimit_decisions_total{result="unavailable_open",tier="users"} 2.0
        bff_ratelimit_redis_up 1.0
        bff_ratelimit_redis_upish 0.0
        bff_usage_requests_total{result="limited"} 99.0
        """;
    DecisionCounts a = DecisionCounts.parse(before);
    assertEquals(15, a.get("allowed"));
    assertEquals(17, a.total());
    assertTrue(a.redisUp());
    assertFalse(a.allAllowedByRedis(), "fail-open decisions are the local limiter's");
    String later = before.replace("} 10.0", "} 110.0").replace("redis_up 1.0", "redis_up 0.0");
    DecisionCounts d = DecisionCounts.parse(later).minus(a);
    assertEquals(100, d.get("allowed"));
    assertEquals(0, d.get("unavailable_open"));
    assertTrue(d.allAllowedByRedis());
    assertFalse(d.redisUp());
    DecisionCounts limited = DecisionCounts.parse(later.replace("limited\",tier=\"users\"} 0.0", "limited\",tier=\"users\"} 1.0"))
        .minus(a);
    assertFalse(limited.allAllowedByRedis(), "a 429 makes the on row cheaper: it must show");
    assertFalse(DecisionCounts.parse("").allAllowedByRedis(), "no decisions at all proves nothing");
  }

  @Test
  void oneRedisDecidesEveryRequestOfTheDriver() throws Exception {
    String port = Integer.toString(Scenarios.freePort());
    try (DemoRedis redis = DemoRedis.start(name -> switch (name) {
      case "PATH" -> System.getenv("PATH");
      case "REDIS_PORT" -> port;
      default -> null;
    })) {
      assumeTrue(redis.available(), "no redis-server: " + redis.detail());
      RedisDecisionRate.Result r = RedisDecisionRate.run(redis.url(), 2, 8, Duration.ofMillis(200), Duration.ofMillis(500));
      assertTrue(r.decisions() > 0, r.toString());
      assertEquals(r.decisions(), r.allowed(), r.toString());
      assertEquals(r.decisions(), r.latency().getTotalCount(), r.toString());
      assertTrue(r.perSecond() > 0 && r.latency().getValueAtPercentile(99) > 0, r.toString());
    }
  }
}
