package dev.bffkit.core.upstream;

import io.vertx.core.Future;

/**
 * Calls a named service. The only way the composition engine reaches the network, so tests
 * and later layers (breakers, retries, hedging) wrap this one interface.
 *
 * <p>The returned future fails with {@link UpstreamException} for transport problems
 * (connect refused, deadline exceeded, reset); an HTTP error status is a successful
 * {@link UpstreamResponse} for the caller to judge.
 */
public interface UpstreamCaller {
  Future<UpstreamResponse> call(String service, UpstreamRequest request);
}
