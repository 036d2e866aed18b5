package dev.bffkit.core.config;

import dev.bffkit.core.ratelimit.RateLimit;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code rateLimits:} in bff.yaml: who may call how often, and how much a month. Off unless tiers or rules are
 * declared. A caller's tier comes from its API key ({@code auth.apiKeys[].tier}) or its token's
 * {@code tierClaim}, else {@code defaultTier}; callers without credentials are in the tier named
 * {@value #ANONYMOUS} when one is declared. Rules add limits to named routes of the route table. Decisions are
 * made by Redis for the whole fleet when {@code redis.url} is set, else by this instance alone.
 */
public record RateLimitConfig(
    /** {@code enabled:} (default true); false keeps the tiers as labels and enforces nothing. */
    boolean active,
    Map<String, Tier> tiers,
    List<Rule> rules,
    /** JWT claim naming a token's tier. */
    String tierClaim,
    /** Tier of a caller whose credential names none (or names an unknown one); null = no tier limits for them. */
    String defaultTier,
    /** Null = each instance decides alone (its own in-memory limiter). */
    Redis redis,
    /** Null = no billing webhook. */
    Billing billing,
    /** About how many (key, limit) pairs the in-memory limiter holds before it evicts. */
    int localKeys,
    /** Whether allowed answers carry {@code RateLimit} / {@code RateLimit-Policy}; 429s always do. */
    boolean headers) {

  public static final String ANONYMOUS = "anonymous";

  public RateLimitConfig {
    tiers = Collections.unmodifiableMap(new LinkedHashMap<>(tiers)); // declaration order numbers the tiers
    rules = List.copyOf(rules);
  }

  public static RateLimitConfig none() {
    return new RateLimitConfig(true, Map.of(), List.of(), "tier", null, null, null, 100_000, true);
  }

  /** Whether anything is enforced. */
  public boolean enabled() {
    return active && (!tiers.isEmpty() || !rules.isEmpty());
  }

  /** Where a limit's key comes from; a caller without that value is not limited by it. */
  public enum KeyPart {
    /** The API key's name (API-key callers only). */
    APIKEY,
    /** The caller's subject: the API key's name or the token's {@code sub}. */
    SUB,
    /** One claim of the token (see {@link Key#claim}). */
    CLAIM,
    /** The client's address (after trusted proxies). */
    IP,
    /** The route's name in the route table. */
    ROUTE
  }

  /** A key: one or more parts, joined. */
  public record Key(List<KeyPart> parts, /** The claim's name for {@link KeyPart#CLAIM}. */ String claim) {
    public Key {
      parts = List.copyOf(parts);
    }

    public String describe() {
      StringBuilder b = new StringBuilder();
      for (KeyPart p : parts) {
        if (b.length() > 0) b.append('+');
        b.append(p == KeyPart.CLAIM ? "claim:" + claim : p.name().toLowerCase(Locale.ROOT));
      }
      return b.toString();
    }
  }

  /** A tier: its limits and its quota, for every route. */
  public record Tier(String name, Key key, List<RateLimit> limits, Quota quota, String declaredAt) {
    public Tier {
      limits = List.copyOf(limits);
    }
  }

  /** What happens past the quota. */
  public enum Over { REJECT, BILL }

  /** The billing period of a quota (UTC calendar). */
  public enum Period { DAY, MONTH }

  /** {@code limit} requests per calendar {@code period}; at each threshold (percent of the limit) the billing webhook is called once. */
  public record Quota(long limit, Period period, Over over, List<Integer> thresholds) {
    public Quota {
      thresholds = List.copyOf(thresholds);
    }
  }

  /** Extra limits on the routes named (route-table names, {@code *} for all), keyed as given. */
  public record Rule(String name, List<String> routes, Key key, List<RateLimit> limits, String declaredAt) {
    public Rule {
      routes = List.copyOf(routes);
      limits = List.copyOf(limits);
    }
  }

  /**
   * The shared limiter. {@code failOpen}: with Redis unreachable, each instance's own limiter decides (a floor:
   * the same limits per instance); otherwise requests are refused with 503 until Redis answers again.
   */
  public record Redis(String url, String type, String masterName, int connections, Duration timeout,
      boolean failOpen, String keyPrefix) {}

  /** The webhook called when a caller crosses a quota threshold; {@code secret} signs each call (HMAC-SHA256). */
  public record Billing(URI url, String secret, Duration timeout, int maxAttempts, Duration initialBackoff,
      Duration maxBackoff, int queue) {
    @Override
    public String toString() {
      return "Billing[url=" + url + ", secret=<redacted>]";
    }
  }
}
