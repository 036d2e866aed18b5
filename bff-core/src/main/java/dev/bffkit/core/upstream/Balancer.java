package dev.bffkit.core.upstream;

import dev.bffkit.core.config.ServiceConfig;
import io.vertx.core.MultiMap;

/**
 * Picks one endpoint among candidates. One instance per service and event loop, so policies may
 * keep plain (unsynchronised) state such as a round-robin cursor.
 */
public interface Balancer {
  /**
   * @param candidates never empty
   * @param headers the request's headers (for hashing policies); may be null
   * @param avoid an endpoint to steer away from when another exists (the one a retry or hedge
   *     follows); may be null
   */
  EndpointState pick(EndpointState[] candidates, MultiMap headers, EndpointState avoid);

  static Balancer of(ServiceConfig.Balancer cfg) {
    long slowStartNanos = cfg.slowStart().toNanos();
    return switch (cfg.policy()) {
      case LEAST_REQUEST -> new P2cLeastRequest(slowStartNanos);
      case ROUND_ROBIN -> new RoundRobin();
      case WEIGHTED -> new WeightedRoundRobin();
      case RING_HASH -> new RingHash(cfg.hashOn(), new P2cLeastRequest(slowStartNanos));
    };
  }
}
