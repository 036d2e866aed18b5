package dev.bffkit.core.compose;

import dev.bffkit.core.pipeline.Deadline;
import dev.bffkit.core.upstream.UpstreamCaller;
import io.vertx.core.MultiMap;
import java.util.Map;
import java.util.Set;

/**
 * What one composition run needs from its request: the way out to services, the request's
 * deadline and id, the {@code {ctx.x}} values, the request headers ({@code {header.x}}), the
 * caller's scopes (null when anonymous; {@code @auth} fields check them) and the identity
 * headers every upstream call carries (null for none).
 */
public record ComposeContext(
    UpstreamCaller upstreams,
    Deadline deadline,
    String requestId,
    Map<String, Object> ctx,
    MultiMap headers,
    Set<String> scopes,
    MultiMap identityHeaders) {

  /** An anonymous caller, no identity headers. */
  public ComposeContext(UpstreamCaller upstreams, Deadline deadline, String requestId, Map<String, Object> ctx,
      MultiMap headers) {
    this(upstreams, deadline, requestId, ctx, headers, null, null);
  }

  /** Headers for one upstream call: the identity headers plus {@code extra} (either may be null). */
  MultiMap upstreamHeaders(MultiMap extra) {
    if (identityHeaders == null) return extra;
    if (extra == null) return identityHeaders;
    return MultiMap.caseInsensitiveMultiMap().addAll(identityHeaders).addAll(extra);
  }
}
