package dev.bffkit.core.ratelimit;

import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.RateLimitConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A route's rate limits, one {@link LimitPlan} per tier (and one for callers without a tier), compiled into the
 * route's policy at start-up, so a request finds its limits through the route it already matched, never by
 * matching paths again. Immutable.
 */
public final class RouteLimits {
  public static final RouteLimits NONE = new RouteLimits(new LimitPlan[0]);

  /** Index = the tier's index in {@link Tiers}; the last entry is for callers without a tier. Null = no limits. */
  private final LimitPlan[] byTier;

  private RouteLimits(LimitPlan[] byTier) {
    this.byTier = byTier;
  }

  /** The plan for a caller of tier {@code tierIndex} ({@link Tiers#NO_TIER} for none); null when nothing limits it. */
  public LimitPlan plan(int tierIndex) {
    if (byTier.length == 0) return null;
    return byTier[tierIndex < 0 ? byTier.length - 1 : tierIndex];
  }

  public boolean isEmpty() {
    return byTier.length == 0;
  }

  /**
   * The limits of the route named {@code route}: every tier's, and the rules naming it (or {@code *}). Health routes
   * take none ({@code limited} false): probes must not be throttled.
   */
  public static RouteLimits compile(RateLimitConfig config, Tiers tiers, String route, boolean limited) {
    if (!config.enabled() || !limited) return NONE;
    List<RateLimitConfig.Rule> rules = new ArrayList<>();
    for (RateLimitConfig.Rule r : config.rules()) {
      if (r.routes().contains("*") || r.routes().contains(route)) rules.add(r);
    }
    LimitPlan[] plans = new LimitPlan[tiers.size() + 1];
    boolean any = false;
    for (int i = 0; i <= tiers.size(); i++) {
      RateLimitConfig.Tier tier = i < tiers.size() ? tiers.tier(i) : null;
      boolean tierLimits = tier != null && (!tier.limits().isEmpty() || tier.quota() != null);
      if (tierLimits || !rules.isEmpty()) {
        plans[i] = new LimitPlan(route, tier, rules);
        any = true;
      }
    }
    return any ? new RouteLimits(plans) : NONE;
  }

  /** Every rule's routes name routes of the table (or {@code *}); else the start stops at the rule's line. */
  public static void checkRuleRoutes(RateLimitConfig config, Collection<String> routeNames) {
    for (RateLimitConfig.Rule r : config.rules()) {
      for (String name : r.routes()) {
        if (!name.equals("*") && !routeNames.contains(name)) {
          Set<String> known = new TreeSet<>(routeNames);
          known.removeIf(n -> n.startsWith("health:"));
          throw ConfigException.at(r.declaredAt(), "rateLimits.rules '" + r.name() + "': route '" + name
              + "' is not in the route table; name one of " + String.join(", ", known) + " or \"*\"");
        }
      }
    }
  }

  /** One line for the route table ({@code --routes}, the admin {@code /routes}); empty when no limits. */
  public String describe() {
    if (byTier.length == 0) return "";
    Set<String> parts = new LinkedHashSet<>();
    for (LimitPlan p : byTier) if (p != null) parts.add(p.describe());
    return String.join(" | ", parts);
  }
}
