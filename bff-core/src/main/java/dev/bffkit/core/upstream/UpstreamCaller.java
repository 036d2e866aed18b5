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

  /**
   * One gRPC call to a service declared with {@code protocol: grpc}. A non-OK gRPC status is a
   * successful {@link GrpcResponse}; transport problems fail the future with {@link UpstreamException}.
   */
  default Future<GrpcResponse> grpc(String service, GrpcRequest request) {
    return Future.failedFuture(new UpstreamException(service, UpstreamException.Kind.UNAVAILABLE,
        "gRPC is not available on this caller"));
  }
}
