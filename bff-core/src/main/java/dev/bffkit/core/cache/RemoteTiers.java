package dev.bffkit.core.cache;

import dev.bffkit.core.config.CacheConfig;
import dev.bffkit.core.config.FleetConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;

/** Makes the shared tier a BFF's config asks for. */
public final class RemoteTiers {
  private RemoteTiers() {}

  /**
   * The Redis tier when {@code composition.cache.redis.enabled} and a url is known (its own, else the fleet's); null
   * when the instance caches alone.
   */
  public static RemoteTier create(Vertx vertx, CacheConfig cache, FleetConfig fleet, String bff, MeterRegistry registry) {
    return null; // the Redis tier lands with issue 19's work package B
  }
}
