package dev.bffkit.core.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.OnLoop;
import dev.bffkit.core.cache.redis.RedisTierSettings;
import dev.bffkit.core.config.CacheConfig;
import dev.bffkit.core.config.FleetConfig;
import dev.bffkit.core.ratelimit.redis.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Which tier a config gets: none unless the cache and its Redis tier are on and a url is known; the tier's own url and
 * prefix win over the fleet's; the meters exist from the start, so a scrape shows zeros before the first lookup.
 */
class RemoteTiersTest {
  static final FleetConfig FLEET = new FleetConfig("redis://fleet:6379/0", "standalone", null, "acme:",
      Duration.ofMillis(100), Duration.ofHours(24));

  static CacheConfig cache(boolean enabled, boolean redis, String url, String prefix) {
    return new CacheConfig(enabled, 1 << 20, 1 << 16,
        new CacheConfig.Redis(redis, url, prefix, Duration.ofMillis(20), 256 * 1024));
  }

  @Test
  void offUnlessTheCacheAndItsRedisTierAreOnAndAUrlIsKnown() {
    Vertx vertx = Vertx.vertx();
    try {
      SimpleMeterRegistry reg = new SimpleMeterRegistry();
      assertNull(RemoteTiers.create(vertx, CacheConfig.defaults(), FLEET, "web", reg));
      assertNull(RemoteTiers.create(vertx, cache(false, true, null, null), FLEET, "web", reg));
      assertNull(RemoteTiers.create(vertx, cache(true, false, "redis://own:6379", null), FLEET, "web", reg));
      assertNull(RemoteTiers.create(vertx, cache(true, true, null, null), FleetConfig.none(), "web", reg));
      assertTrue(reg.getMeters().isEmpty(), "nothing registered for a tier that does not exist");
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void theFleetsUrlAndPrefixAreTheDefaults() {
    RedisTierSettings s = RedisTierSettings.of(cache(true, true, null, null), FLEET, "web");
    assertEquals("redis://fleet:6379/0", s.url());
    assertEquals("acme:fc:web:", s.keyPrefix());
    assertEquals(20, s.getTimeoutMs());
    assertEquals(100, s.writeTimeoutMs(), "a write may take the fleet's budget: nobody waits for it");
    assertEquals(256 * 1024, s.maxEntryBytes());
    RedisTierSettings own = RedisTierSettings.of(cache(true, true, "redis://own:6380/1", "x:"), FLEET, "web");
    assertEquals("redis://own:6380/1", own.url());
    assertEquals("x:", own.keyPrefix());
  }

  @Test
  void theTierItMakesWorksAndCountsFromTheStart() throws Exception {
    try (RedisServer server = RedisServer.start()) {
      Vertx vertx = Vertx.vertx();
      try {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        FleetConfig fleet = new FleetConfig(server.url(), "standalone", null, "bffkit:", Duration.ofMillis(100),
            Duration.ofHours(24));
        RemoteTier tier = RemoteTiers.create(vertx, cache(true, true, null, null), fleet, "web", reg);
        assertNotNull(tier);
        for (String result : List.of("hit", "miss", "error", "write", "skipped", "corrupt")) {
          assertEquals(0.0, reg.get("bff_field_cache_redis_total").tag("result", result).counter().count(), result);
        }
        CachedEntry e = new CachedEntry(Buffer.buffer("{}"), System.currentTimeMillis(), 60_000, 0, 0, Set.of());
        OnLoop loop = new OnLoop(vertx.getOrCreateContext());
        tier.put("svc GET /x", e);
        Redis raw = Redis.createClient(vertx, server.url());
        long exists = 0;
        for (int i = 0; i < 500 && exists == 0; i++) {
          exists = raw.send(Request.cmd(Command.EXISTS).arg("bffkit:fc:web:svc GET /x")).await(5, TimeUnit.SECONDS)
              .toLong();
          if (exists == 0) Thread.sleep(10);
        }
        assertEquals(1, exists, "written under <redis.keyPrefix>fc:<bff>:");
        assertNotNull(loop.run(() -> tier.get("svc GET /x")).await(5, TimeUnit.SECONDS));
        raw.close();
        tier.close().await();
      } finally {
        vertx.close().await();
      }
    }
  }
}
