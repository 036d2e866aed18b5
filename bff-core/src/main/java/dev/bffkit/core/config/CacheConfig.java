package dev.bffkit.core.config;

import java.time.Duration;

/**
 * {@code composition.cache} in bff.yaml: the field cache that fields declared {@code @cache} in the schema use. One
 * per running BFF, kept across reloads; bounded by bytes. The Redis tier is the fleet's shared copy: a lookup there
 * has its own small budget, and past it the field is a local miss, never an error.
 */
public record CacheConfig(
    /** False: {@code @cache} is ignored, every field calls its service. */
    boolean enabled,
    /** The instance's bound: keys and answers, least recently used evicted first. */
    long maxBytes,
    /** Answers larger than this are not kept. */
    long maxEntryBytes,
    Redis redis) {

  public CacheConfig {
    if (redis == null) redis = Redis.off();
  }

  /** {@code composition.cache.redis}. */
  public record Redis(
      boolean enabled,
      /** null: the fleet's {@code redis.url}. */
      String url,
      /** null: {@code <redis.keyPrefix>fc:<bff name>:}. */
      String keyPrefix,
      /** A lookup's budget. */
      Duration timeout,
      /** Larger answers stay in the instance. */
      long maxEntryBytes) {

    public static Redis off() {
      return new Redis(false, null, null, Duration.ofMillis(20), 256 * 1024);
    }
  }

  public static CacheConfig defaults() {
    return new CacheConfig(true, 64L * 1024 * 1024, 1024 * 1024, Redis.off());
  }
}
