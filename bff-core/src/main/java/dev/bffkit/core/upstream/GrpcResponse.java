package dev.bffkit.core.upstream;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * The end of a gRPC call that reached the service: its status (0 = OK; any other code is a
 * successful response for the caller to judge, like an HTTP error status), the status message,
 * the protobuf messages (empty when they were streamed to {@link GrpcRequest#onMessage()}) and
 * the trailers and headers (response metadata; null when the call ended before any).
 */
public record GrpcResponse(int status, String statusMessage, List<Buffer> messages, MultiMap trailers,
    MultiMap headers) {
  public GrpcResponse(int status, String statusMessage, List<Buffer> messages, MultiMap trailers) {
    this(status, statusMessage, messages, trailers, null);
  }

  public boolean ok() {
    return status == 0;
  }
}
