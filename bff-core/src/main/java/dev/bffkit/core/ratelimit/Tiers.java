package dev.bffkit.core.ratelimit;

import dev.bffkit.core.config.RateLimitConfig;
import dev.bffkit.core.security.Principal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which tier a caller is in: an API key's own tier, or the token's {@code tierClaim} (a name no tier has counts
 * as none), else the default tier; callers without credentials are in the {@code anonymous} tier when declared.
 * Tiers are numbered in declaration order so a route's plans are an array.
 */
public final class Tiers {
  public static final int NO_TIER = -1;

  private final List<RateLimitConfig.Tier> tiers;
  private final Map<String, Integer> index = new HashMap<>();
  private final String claim;
  private final int anonymous;
  private final int fallback;

  public Tiers(RateLimitConfig config) {
    this.tiers = List.copyOf(config.tiers().values());
    for (int i = 0; i < tiers.size(); i++) index.put(tiers.get(i).name(), i);
    this.claim = config.tierClaim();
    this.anonymous = index.getOrDefault(RateLimitConfig.ANONYMOUS, NO_TIER);
    this.fallback = config.defaultTier() == null ? NO_TIER : index.get(config.defaultTier());
  }

  public int size() {
    return tiers.size();
  }

  public RateLimitConfig.Tier tier(int i) {
    return tiers.get(i);
  }

  /** The caller's tier index, or {@link #NO_TIER}. */
  public int of(Principal p) {
    if (p == null) return anonymous;
    String name = p.tier();
    if (name == null) {
      Object c = p.claims().get(claim);
      name = c instanceof String s ? s : null;
    }
    if (name == null) return fallback;
    Integer i = index.get(name);
    return i == null || i == anonymous ? fallback : i;
  }
}
