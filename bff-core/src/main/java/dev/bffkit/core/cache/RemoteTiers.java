package dev.bffkit.core.cache;

import dev.bffkit.core.cache.redis.RedisTier;
import dev.bffkit.core.cache.redis.RedisTierSettings;
import dev.bffkit.core.config.CacheConfig;
import dev.bffkit.core.config.FleetConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.util.logging.Logger;

/** Makes the shared tier a BFF's config asks for. */
public final class RemoteTiers {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.cache");

  private RemoteTiers() {}

  /**
   * The Redis tier when {@code composition.cache.redis.enabled} and a url is known (its own, else the fleet's); null
   * when the instance caches alone.
   */
  public static RemoteTier create(Vertx vertx, CacheConfig cache, FleetConfig fleet, String bff, MeterRegistry registry) {
    RedisTierSettings settings = RedisTierSettings.of(cache, fleet, bff);
    if (settings == null) {
      if (cache != null && cache.enabled() && cache.redis().enabled()) {
        LOG.warning("event=field_cache_redis_off bff=" + bff + " reason=no url"
            + " fix=set composition.cache.redis.url or redis.url effect=each instance caches alone");
      }
      return null;
    }
    return RedisTier.start(vertx, settings, bff, registry);
  }
}
