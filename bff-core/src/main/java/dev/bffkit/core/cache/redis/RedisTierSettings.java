package dev.bffkit.core.cache.redis;

import dev.bffkit.core.config.CacheConfig;
import dev.bffkit.core.config.FleetConfig;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import java.util.Locale;

/**
 * What the Redis tier runs with, resolved once from {@code composition.cache.redis} and the fleet's {@code redis:}.
 * The url is the tier's own or the fleet's; type and masterName are always the fleet's.
 */
public record RedisTierSettings(
    String url,
    String type,
    String masterName,
    /** Every key and the channel start with it: {@code <redis.keyPrefix>fc:<bff>:} unless set. */
    String keyPrefix,
    /** A lookup's budget (request path). */
    long getTimeoutMs,
    /** A write's or publish's budget (fire and forget; a late one still lands). */
    long writeTimeoutMs,
    /** One admin command's budget (SCAN, UNLINK, ZRANGE pages). */
    long adminTimeoutMs,
    long maxEntryBytes) {

  /** The settings, or null when the tier is off or no url is known. */
  public static RedisTierSettings of(CacheConfig cache, FleetConfig fleet, String bff) {
    if (cache == null || !cache.enabled() || !cache.redis().enabled()) return null;
    CacheConfig.Redis r = cache.redis();
    String url = r.url() != null ? r.url() : fleet.redisUrl();
    if (url == null) return null;
    String prefix = r.keyPrefix() != null ? r.keyPrefix() : fleet.keyPrefix() + "fc:" + bff + ":";
    long get = Math.max(1, r.timeout().toMillis());
    long write = Math.max(get, fleet.timeout().toMillis());
    return new RedisTierSettings(url, fleet.type(), fleet.masterName(), prefix, get, write, Math.max(1000, write),
        r.maxEntryBytes());
  }

  RedisClientType clientType() {
    return RedisClientType.valueOf(type.toUpperCase(Locale.ROOT));
  }

  /** Waiters are bounded, so a hung Redis fails commands at once rather than queueing them without end. */
  RedisOptions options(String name, int poolSize) {
    RedisOptions o = new RedisOptions().setType(clientType()).setMaxPoolSize(poolSize).setMaxPoolWaiting(1024)
        .setMaxWaitingHandlers(8192)
        .setPoolName(name).setMetricsName(name);
    for (String endpoint : url.split(",")) o.addConnectionString(endpoint.trim());
    if (masterName != null) o.setMasterName(masterName);
    return o;
  }
}
