package dev.bffkit.core.upstream;

import dev.bffkit.core.pipeline.Deadline;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * One gRPC call at the transport level: the request message already encoded as protobuf, and
 * the response messages handed back as protobuf. The {@code grpc} package owns the schemas; this
 * package only frames, routes and guards the call (bulkhead, breaker, balancer, deadline).
 *
 * @param fullMethod {@code package.Service/Method}
 * @param metadata   request metadata (custom headers) or null
 * @param onMessage  for server streaming: each response message as it arrives; null collects
 *                   them into {@link GrpcResponse#messages()}
 * @param onHeaders  the response headers (metadata) when they arrive, before any message; or null
 */
public record GrpcRequest(
    String fullMethod,
    Buffer message,
    MultiMap metadata,
    Deadline deadline,
    String requestId,
    Handler<Buffer> onMessage,
    Handler<MultiMap> onHeaders) {

  public GrpcRequest(String fullMethod, Buffer message, MultiMap metadata, Deadline deadline, String requestId,
      Handler<Buffer> onMessage) {
    this(fullMethod, message, metadata, deadline, requestId, onMessage, null);
  }
}
