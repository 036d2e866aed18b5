package dev.bffkit.core.compose;

import dev.bffkit.core.pipeline.Deadline;
import dev.bffkit.core.upstream.UpstreamCaller;
import io.vertx.core.MultiMap;
import java.util.Map;

/**
 * What one composition run needs from its request: the way out to services, the request's
 * deadline and id, the {@code {ctx.x}} values and the request headers ({@code {header.x}}).
 */
public record ComposeContext(
    UpstreamCaller upstreams,
    Deadline deadline,
    String requestId,
    Map<String, Object> ctx,
    MultiMap headers) {}
