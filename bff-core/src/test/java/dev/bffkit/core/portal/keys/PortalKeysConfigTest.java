package dev.bffkit.core.portal.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.PortalConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code portal.keys} in bff.yaml: defaults, the two stores, and an error at the line of each mistake. */
class PortalKeysConfigTest {
  @TempDir Path tmp;

  private static final String TIERS = """
      rateLimits:
        tiers:
          anonymous: { limits: [ { limit: 10, per: 1m } ] }
          free: { limits: [ { limit: 100, per: 1m } ] }
          pro: { limits: [ { limit: 1000, per: 1m } ] }
      """;

  private PortalConfig.Keys load(String yaml) throws Exception {
    return TestBundles.helloFolder(tmp.resolve("ios"), "name: ios\n" + yaml).config().portal().keys();
  }

  private ConfigException fails(String yaml) {
    return assertThrows(ConfigException.class, () -> load(yaml));
  }

  @Test
  void offUnlessEnabled() throws Exception {
    assertFalse(load("").enabled());
    assertFalse(load(TIERS + "portal: { keys: { enabled: false } }\n").enabled());
    // Off, a misspelt store key is still refused: it would bite the day the keys are turned on.
    assertTrue(fails(TIERS + "portal: { keys: { enabled: false, store: { fiel: k.json } } }\n").getMessage()
        .contains("portal.keys.store.fiel: unknown key 'fiel'"));
    assertTrue(fails(TIERS + "portal: { keys: { store: { redis: { uri: x } } } }\n").getMessage()
        .contains("portal.keys.store.redis.uri: unknown key 'uri'"));
  }

  @Test
  void defaultsAndAFileRelativeToTheBundle() throws Exception {
    PortalConfig.Keys k = load(TIERS + "portal: { keys: { enabled: true, store: { file: data/keys.json } } }\n");
    assertEquals(List.of("free", "pro"), k.tiers(), "every tier but anonymous");
    assertEquals(5, k.maxPerDeveloper());
    assertEquals(tmp.resolve("ios/data/keys.json"), k.file());
    assertNull(k.redisUrl());
    assertEquals(Set.of(), k.scopes());
  }

  @Test
  void redisFromTheRateLimitsOrItsOwn() throws Exception {
    String shared = TIERS.replace("rateLimits:\n", "rateLimits:\n  redis: { url: redis://127.0.0.1:6390 }\n");
    PortalConfig.Keys k = load(shared + "portal: { keys: { enabled: true, store: redis, tiers: [pro], maxPerDeveloper: 2,"
        + " scopes: [read, write] } }\n");
    assertEquals("redis://127.0.0.1:6390", k.redisUrl());
    assertNull(k.file());
    assertEquals(List.of("pro"), k.tiers());
    assertEquals(2, k.maxPerDeveloper());
    assertEquals(Set.of("read", "write"), k.scopes());
    assertEquals("redis://10.0.0.1:6379", load(TIERS + "portal: { keys: { enabled: true, store: { redis: { url: "
        + "\"redis://10.0.0.1:6379\" } } } }\n").redisUrl());
  }

  record Bad(String what, String portal, int line, String fragment) {}

  @Test
  void eachMistakeIsReportedAtItsLine() {
    List<Bad> cases = List.of(
        new Bad("unknown tier", "portal:\n  keys:\n    enabled: true\n    tiers: [gold]\n    store: { file: k.json }\n", 10,
            "is not a tier of rateLimits.tiers"),
        new Bad("anonymous tier", "portal:\n  keys:\n    enabled: true\n    tiers: [anonymous]\n    store: { file: k.json }\n", 10,
            "anonymous excluded"),
        new Bad("no store", "portal:\n  keys:\n    enabled: true\n", 8, "missing 'store'"),
        new Bad("unknown store", "portal:\n  keys:\n    enabled: true\n    store: s3\n", 10, "is not a key store"),
        new Bad("both stores", "portal:\n  keys:\n    enabled: true\n    store: { file: k.json, redis: {} }\n", 10,
            "name one store"),
        new Bad("redis without a url", "portal:\n  keys:\n    enabled: true\n    store: redis\n", 10, "needs a Redis URL"),
        new Bad("the fleet's Redis is a sentinel", "redis: { url: \"redis://s:26379\", type: sentinel, masterName: m }\n"
            + "portal:\n  keys:\n    enabled: true\n    store: redis\n", 11, "needs one standalone Redis"),
        new Bad("not a redis url", "portal:\n  keys:\n    enabled: true\n    store: { redis: { url: http://x } }\n", 10,
            "is not a Redis URL"),
        new Bad("max 0", "portal:\n  keys:\n    enabled: true\n    maxPerDeveloper: 0\n    store: { file: k.json }\n", 10,
            "maxPerDeveloper"),
        new Bad("unknown key", "portal:\n  keys:\n    enabled: true\n    stor: { file: k.json }\n", 10, "stor"));
    StringBuilder wrong = new StringBuilder();
    for (Bad c : cases) {
      ConfigException e = fails(TIERS + c.portal());
      if (!e.getMessage().startsWith("ios/bff.yaml:" + c.line() + ":") || !e.getMessage().contains(c.fragment())) {
        wrong.append(c.what()).append(": ").append(e.getMessage()).append('\n');
      }
    }
    ConfigException noTiers = fails("portal: { keys: { enabled: true, store: { file: k.json } } }\n");
    assertTrue(noTiers.getMessage().contains("declare tiers under rateLimits.tiers"), noTiers.getMessage());
    assertEquals("", wrong.toString());
  }
}
