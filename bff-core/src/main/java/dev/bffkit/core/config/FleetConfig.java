package dev.bffkit.core.config;

import java.time.Duration;

/**
 * {@code redis:} in bff.yaml: the Redis that every instance of one BFF shares, so any instance answers any client
 * the same. Set, it holds APQ registrations and is the default of {@code rateLimits.redis.url} and of
 * {@code portal.keys.store: redis}. Unset (the default), each instance keeps its own state.
 */
public record FleetConfig(
    /** redis://, rediss:// or unix://, comma-separated for sentinels or cluster nodes; null = no shared state. */
    String redisUrl,
    /** standalone, sentinel or cluster. */
    String type,
    /** sentinel: the master's name; else null. */
    String masterName,
    /** Prefix of every key this BFF writes. */
    String keyPrefix,
    /** A lookup's budget; past it the instance answers from what it alone knows. */
    Duration timeout,
    /** How long an APQ registration lives in Redis after it was last written. */
    Duration apqTtl) {

  public static FleetConfig none() {
    return new FleetConfig(null, "standalone", null, "bffkit:", Duration.ofMillis(100), Duration.ofHours(24));
  }

  public boolean shared() {
    return redisUrl != null;
  }
}
