package dev.bffkit.core.internal;

import dev.bffkit.core.config.FleetConfig;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import java.util.Locale;

/** Client options for the fleet's Redis ({@code redis:}): its type, endpoints and sentinel master; a bounded pool. */
public final class FleetRedis {
  private FleetRedis() {}

  /** {@code poolSize} connections, at most 256 waiting for one (a hung Redis fails commands instead of queueing them). */
  public static RedisOptions options(FleetConfig fleet, String name, int poolSize) {
    RedisOptions options = new RedisOptions().setType(RedisClientType.valueOf(fleet.type().toUpperCase(Locale.ROOT)))
        .setMaxPoolSize(poolSize).setMaxPoolWaiting(256).setPoolName(name).setMetricsName(name);
    for (String endpoint : fleet.redisUrl().split(",")) options.addConnectionString(endpoint.trim());
    if (fleet.masterName() != null) options.setMasterName(fleet.masterName());
    return options;
  }
}
