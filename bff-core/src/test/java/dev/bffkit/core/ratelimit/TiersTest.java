package dev.bffkit.core.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bffkit.core.config.RateLimitConfig;
import dev.bffkit.core.security.Principal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which tier a caller is in, for every kind of caller. */
class TiersTest {
  private static RateLimitConfig.Tier tier(String name) {
    return new RateLimitConfig.Tier(name, new RateLimitConfig.Key(List.of(RateLimitConfig.KeyPart.SUB), null),
        List.of(RateLimit.of("m", 10, Duration.ofMinutes(1))), null, "bff.yaml:1");
  }

  private static Tiers tiers(String defaultTier) {
    Map<String, RateLimitConfig.Tier> t = new LinkedHashMap<>();
    for (String n : List.of("anonymous", "free", "pro")) t.put(n, tier(n));
    return new Tiers(new RateLimitConfig(true, t, List.of(), "plan", defaultTier, null, null, 1000, true));
  }

  private static Principal jwt(Map<String, Object> claims) {
    return new Principal("jwt", "u1", "https://idp", Set.of(), null, claims);
  }

  @Test
  void eachCallerFindsItsTier() {
    Tiers t = tiers("free");
    assertEquals(0, t.of(null), "no credentials: the anonymous tier");
    assertEquals(2, t.of(new Principal("apikey", "k", null, Set.of(), "pro", Map.of())), "an API key's own tier");
    assertEquals(2, t.of(jwt(Map.of("plan", "pro"))), "a token's tier claim");
    assertEquals(1, t.of(jwt(Map.of())), "no claim: the default tier");
    assertEquals(1, t.of(jwt(Map.of("plan", "platinum"))), "an unknown tier name: the default tier");
    assertEquals(1, t.of(jwt(Map.of("plan", "anonymous"))), "a token cannot claim to be anonymous");
    assertEquals(1, t.of(jwt(Map.of("plan", List.of("pro")))), "only a string names a tier");
  }

  @Test
  void withoutADefaultTierUnnamedCallersHaveNone() {
    Tiers t = tiers(null);
    assertEquals(Tiers.NO_TIER, t.of(jwt(Map.of())));
    assertEquals(Tiers.NO_TIER, t.of(jwt(Map.of("plan", "gold"))));
  }
}
