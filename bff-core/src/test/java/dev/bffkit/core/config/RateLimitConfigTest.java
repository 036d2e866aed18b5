package dev.bffkit.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.TestBundles;
import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.ratelimit.RateLimit;
import dev.bffkit.core.route.RouteTable;
import dev.bffkit.core.server.Routes;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@code rateLimits:} section: every key, the API keys' tiers, and each error with file, line and fix. */
class RateLimitConfigTest {
  private static final String KEY = "0".repeat(64);
  @TempDir Path tmp;

  private ClientBundle load(String yaml) throws IOException {
    return TestBundles.helloFolder(tmp.resolve("ios"), yaml);
  }

  private static final String BASE = """
      name: ios
      services: { posts: { endpoints: "http://127.0.0.1:9" } }
      routes: [ { prefix: /api/posts, service: posts } ]
      """;

  @Test
  void offByDefault() throws IOException {
    RateLimitConfig r = load(BASE).config().rateLimits();
    assertEquals(RateLimitConfig.none(), r);
    assertFalse(r.enabled());
  }

  @Test
  void everyKey() throws IOException {
    ClientBundle b = load(BASE + """
        auth:
          apiKeys:
            keys:
              - { name: a, sha256: %s, tier: pro }
              - { name: b, sha256: %s }
        rateLimits:
          tierClaim: plan
          defaultTier: free
          localKeys: 1000
          headers: false
          redis: { url: "redis://127.0.0.1:6379/2", type: sentinel, masterName: m1, connections: 4, timeout: 30ms, onFailure: closed, keyPrefix: "x:" }
          tiers:
            anonymous: { limits: [ { limit: 10, per: 1s } ] }
            free:
              key: [sub, route]
              limits: [ { name: minute, limit: 100, per: 1m, burst: 20 }, { name: day, limit: 5000, per: 1d } ]
              quota: { limit: 10000, per: month, over: reject, thresholds: [100%%, 80%%] }
            pro:
              key: claim:org
              quota: { limit: 5, per: day, over: bill }
          rules:
            - { name: posts-ip, routes: ["proxy:/api/posts", "*"], key: [ip], limits: [ { limit: 3, per: 1s } ] }
          billing: { url: "https://billing.example.com/hook", secret: "0123456789abcdef0", timeout: 1s, maxAttempts: 3, initialBackoff: 100ms, maxBackoff: 2s, queue: 50 }
        """.formatted(KEY, "1".repeat(64)));
    RateLimitConfig r = b.config().rateLimits();
    assertTrue(r.enabled());
    assertEquals(List.of("anonymous", "free", "pro"), List.copyOf(r.tiers().keySet()), "declaration order");
    assertEquals("plan", r.tierClaim());
    assertEquals("free", r.defaultTier());
    assertEquals(1000, r.localKeys());
    assertFalse(r.headers());
    assertEquals(new RateLimitConfig.Redis("redis://127.0.0.1:6379/2", "sentinel", "m1", 4, Duration.ofMillis(30),
        false, "x:"), r.redis());
    RateLimitConfig.Tier free = r.tiers().get("free");
    assertEquals(List.of(new RateLimit("minute", 100, Duration.ofMinutes(1), 20),
        new RateLimit("day", 5000, Duration.ofDays(1), 5000)), free.limits());
    assertEquals("sub+route", free.key().describe());
    assertEquals(new RateLimitConfig.Quota(10000, RateLimitConfig.Period.MONTH, RateLimitConfig.Over.REJECT,
        List.of(80, 100)), free.quota());
    assertEquals("ip", r.tiers().get("anonymous").key().describe(), "anonymous callers are keyed by address");
    assertEquals("claim:org", r.tiers().get("pro").key().describe());
    assertEquals(RateLimitConfig.Over.BILL, r.tiers().get("pro").quota().over());
    assertEquals(List.of(new RateLimit("3-per-1s", 3, Duration.ofSeconds(1), 3)), r.rules().get(0).limits());
    assertTrue(r.rules().get(0).declaredAt().endsWith("bff.yaml:25"), r.rules().get(0).declaredAt());
    assertEquals(50, r.billing().queue());
    assertFalse(r.billing().toString().contains("0123456789abcdef0"), "the secret is never printed");
    assertEquals("pro", b.config().auth().apiKeys().keys().get(0).tier());
    assertEquals("free", b.config().auth().apiKeys().keys().get(1).tier(), "a key without a tier is in defaultTier");
  }

  @Test
  void theFleetsRedisIsTheDefaultOfTheLimitersAndItsOwnUrlWins() throws IOException {
    String tiers = "rateLimits: { tiers: { f: { limits: [ { limit: 1, per: 1s } ] } }%s }\n";
    ClientBundle fleet = load(BASE + "redis: { url: \"redis://fleet:6379\", apqTtl: 2h }\n" + tiers.formatted(""));
    assertEquals("redis://fleet:6379", fleet.config().rateLimits().redis().url());
    assertEquals("redis://fleet:6379", fleet.config().fleet().redisUrl());
    assertEquals(Duration.ofHours(2), fleet.config().fleet().apqTtl());
    ClientBundle own = load(BASE + "redis: { url: \"redis://fleet:6379\" }\n"
        + tiers.formatted(", redis: { url: \"redis://limits:6379\" }"));
    assertEquals("redis://limits:6379", own.config().rateLimits().redis().url());
    ClientBundle sentinels = load(BASE + "redis: { url: \"redis://s1:26379,redis://s2:26379\", type: sentinel,"
        + " masterName: main }\n" + tiers.formatted(""));
    assertEquals("sentinel", sentinels.config().rateLimits().redis().type(), "the limiter takes the fleet's deployment too");
    assertEquals("main", sentinels.config().rateLimits().redis().masterName());
    assertEquals("main", sentinels.config().fleet().masterName());
    ClientBundle alone = load(BASE + "redis: { url: \"\" }\n" + tiers.formatted(""));
    assertNull(alone.config().rateLimits().redis(), "an empty url: each instance alone");
    assertFalse(alone.config().fleet().shared());
  }

  @Test
  void enabledFalseEnforcesNothingButKeepsTheTiersForTheKeys() throws IOException {
    RateLimitConfig r = load(BASE + """
        auth: { apiKeys: { keys: [ { name: a, sha256: %s, tier: pro } ] } }
        rateLimits: { enabled: false, tiers: { pro: { limits: [ { limit: 1, per: 1s } ] } } }
        """.formatted(KEY)).config().rateLimits();
    assertFalse(r.enabled());
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        Arguments.of("auth: { apiKeys: { keys: [ { name: a, sha256: " + KEY + ", tier: gold } ] } }\n"
            + "rateLimits: { tiers: { free: { limits: [ { limit: 1, per: 1s } ] } } }\n",
            "bff.yaml:4: auth.apiKeys.keys[0].tier: 'gold' is not a tier of rateLimits.tiers; declared: free"),
        Arguments.of("auth: { apiKeys: { keys: [ { name: a, sha256: " + KEY + ", tier: anonymous } ] } }\n"
            + "rateLimits: { tiers: { anonymous: { limits: [ { limit: 1, per: 1s } ] } } }\n",
            "'anonymous' is not a tier of rateLimits.tiers"),
        Arguments.of("rateLimits: { defaultTier: gold, tiers: { free: { limits: [ { limit: 1, per: 1s } ] } } }\n",
            "bff.yaml:4: rateLimits.defaultTier: 'gold' is not a declared tier"),
        Arguments.of("rateLimits: { tiers: { free: { } } }\n", "declares neither limits nor a quota"),
        Arguments.of("rateLimits: { tiers: { free: { limits: [ { per: 1s } ] } } }\n", "missing 'limit'"),
        Arguments.of("rateLimits: { tiers: { free: { limits: [ { limit: 5 } ] } } }\n", "missing 'per'"),
        Arguments.of("rateLimits: { tiers: { free: { limits: [ { limit: 0, per: 1s } ] } } }\n", "must be at least 1"),
        Arguments.of("rateLimits: { tiers: { free: { limits: [ { limit: 5, per: 0 } ] } } }\n", "must be positive"),
        Arguments.of("rateLimits: { tiers: { free: { limits: [ { limit: 5, per: 1s }, { limit: 5, per: 1s } ] } } }\n",
            "names a limit twice"),
        Arguments.of("rateLimits: { tiers: { free: { key: [mac], limits: [ { limit: 5, per: 1s } ] } } }\n",
            "'mac' is not a key part; write apikey, sub, claim:NAME, ip or route"),
        Arguments.of("rateLimits: { tiers: { free: { quota: { limit: 5, per: year } } } }\n", "write month or day"),
        Arguments.of("rateLimits: { tiers: { free: { quota: { limit: 5, over: warn } } } }\n", "write reject (429) or bill"),
        Arguments.of("rateLimits: { tiers: { free: { quota: { limit: 5, thresholds: [80%, 80%] } } } }\n", "is listed twice"),
        Arguments.of("rateLimits: { tiers: { anonymous: { quota: { limit: 5 } } } }\n", "the anonymous tier has no quota"),
        Arguments.of("rateLimits: { rules: [ { name: r, routes: [\"*\"], limits: [ { limit: 1, per: 1s } ] } ] }\n",
            "missing 'key'"),
        Arguments.of("rateLimits: { rules: [ { name: r, key: ip, limits: [ { limit: 1, per: 1s } ] } ] }\n",
            "missing 'routes'"),
        Arguments.of("rateLimits: { redis: { url: \"http://x\" }, tiers: { free: { limits: [ { limit: 1, per: 1s } ] } } }\n",
            "is not a Redis URL"),
        Arguments.of("rateLimits: { redis: { url: \"redis://x\", type: sentinel }, tiers: { f: { limits: [ { limit: 1, per: 1s } ] } } }\n",
            "sentinel needs masterName"),
        Arguments.of("rateLimits: { redis: { url: \"redis://x\", onFailure: maybe }, tiers: { f: { limits: [ { limit: 1, per: 1s } ] } } }\n",
            "write open"),
        Arguments.of("rateLimits: { tiers: { f: { limits: [ { limit: 1, per: 1s } ] } }, billing: { url: \"http://b\", secret: s } }\n",
            "a billing webhook needs a tier with a quota"),
        Arguments.of("rateLimits: { tiers: { f: { quota: { limit: 9 } } }, billing: { url: \"http://b.example\", secret: short } }\n",
            "at least 16 characters"),
        Arguments.of("rateLimits: { tiers: { f: { quota: { limit: 9 } } }, billing: { url: \"ftp://b\", secret: \"0123456789abcdefg\" } }\n",
            "billing.url"),
        Arguments.of("rateLimits: { colour: red }\n", "unknown key 'colour'"),
        Arguments.of("redis: { url: \"localhost:6379\" }\n", "redis.url"),
        Arguments.of("redis: { url: \"http://x\" }\n", "is not a Redis URL"),
        Arguments.of("redis: { url: \"redis://x\", timeout: soon }\n", "redis.timeout"),
        Arguments.of("redis: { url: \"redis://x\", type: sentinel }\n", "sentinel needs masterName"),
        Arguments.of("redis: { url: \"redis://x\", type: ring }\n", "is not a Redis deployment"));
  }

  @ParameterizedTest
  @MethodSource("errors")
  void errorsNameTheFileLineAndFix(String section, String expected) {
    ConfigException e = assertThrows(ConfigException.class, () -> load(BASE + section));
    assertTrue(e.getMessage().contains(expected), () -> "expected «" + expected + "» in: " + e.getMessage());
    assertTrue(e.getMessage().matches("(?s).*bff\\.yaml:\\d+: .*"), e.getMessage());
  }

  @Test
  void aRuleNamingARouteNotInTheTableStopsTheStartAtItsLine() throws IOException {
    ClientBundle b = load(BASE + """
        rateLimits:
          rules:
            - { name: r, routes: ["proxy:/api/post"], key: ip, limits: [ { limit: 1, per: 1s } ] }
        """);
    ConfigException e = assertThrows(ConfigException.class, () -> Routes.compile(b, CompositionEngine.create(b)));
    assertTrue(e.getMessage().contains("bff.yaml:6: rateLimits.rules 'r': route 'proxy:/api/post' is not in the route"
        + " table; name one of graphql, proxy:/api/posts, screen:*, screen:home or \"*\""), e.getMessage());
  }

  @Test
  void limitsLandInTheRoutePolicyHealthRoutesNever() throws IOException {
    ClientBundle b = load(BASE + """
        rateLimits:
          tiers: { free: { limits: [ { name: minute, limit: 100, per: 1m } ] } }
          rules: [ { name: r, routes: ["screen:home"], key: ip, limits: [ { limit: 2, per: 1s } ] } ]
        """);
    RouteTable t = Routes.compile(b, CompositionEngine.create(b));
    assertTrue(t.named("health:/healthz").policy().rateLimits().isEmpty());
    assertNull(t.named("proxy:/api/posts").policy().rateLimits().plan(-1), "no tier, no rule: nothing");
    assertEquals("free=[minute 100/60s by sub]", t.named("proxy:/api/posts").policy().rateLimits().describe());
    assertEquals("free=[minute 100/60s by sub] rule:r=[2-per-1s 2/1s by ip] | rule:r=[2-per-1s 2/1s by ip]",
        t.named("screen:home").policy().rateLimits().describe());
  }
}
