package dev.bffkit.core.upstream;

import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.pipeline.Deadline;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;

/**
 * One call to a service. {@code pathAndQuery} is already rendered and encoded; the service
 * picks the endpoint. {@code headers} and {@code body} may be null.
 */
public record UpstreamRequest(
    HttpMethod method,
    String pathAndQuery,
    MultiMap headers,
    Buffer body,
    Deadline deadline,
    String requestId,
    /** Hedging for this call ({@code @hedge} on a field); null = the service's setting. */
    ServiceConfig.Hedge hedge) {

  public UpstreamRequest(HttpMethod method, String pathAndQuery, MultiMap headers, Buffer body, Deadline deadline,
      String requestId) {
    this(method, pathAndQuery, headers, body, deadline, requestId, null);
  }

  public static UpstreamRequest get(String pathAndQuery, Deadline deadline, String requestId) {
    return new UpstreamRequest(HttpMethod.GET, pathAndQuery, null, null, deadline, requestId);
  }
}
