package dev.bffkit.core.compose;

import dev.bffkit.core.cache.FieldCache;
import dev.bffkit.core.pipeline.Deadline;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.security.Principal;
import dev.bffkit.core.upstream.UpstreamCaller;
import io.vertx.core.MultiMap;
import java.util.Map;
import java.util.Set;

/**
 * What one composition run needs from its request: the way out to services, the request's
 * deadline and id, the {@code {ctx.x}} values, the request headers ({@code {header.x}}), the
 * caller's scopes (null when anonymous; {@code @auth} fields check them) and the identity
 * headers every upstream call carries (null for none). With the field cache: the BFF's {@code cache}, this
 * request's {@code track} of what it served, and the caller's {@code principal} ({@code issuer|subject}, the PRIVATE
 * key part; null when anonymous); all null without it (dry runs, tests).
 */
public record ComposeContext(
    UpstreamCaller upstreams,
    Deadline deadline,
    String requestId,
    Map<String, Object> ctx,
    MultiMap headers,
    Set<String> scopes,
    MultiMap identityHeaders,
    FieldCache cache,
    CacheTrack track,
    String principal) {

  /** Without the field cache. */
  public ComposeContext(UpstreamCaller upstreams, Deadline deadline, String requestId, Map<String, Object> ctx,
      MultiMap headers, Set<String> scopes, MultiMap identityHeaders) {
    this(upstreams, deadline, requestId, ctx, headers, scopes, identityHeaders, null, null, null);
  }

  /** A served request's context: with {@code cache} (null or off: none) and a fresh track. */
  static ComposeContext of(UpstreamCaller upstreams, Exchange ex, FieldCache cache) {
    boolean on = cache != null && cache.enabled();
    Principal p = ex.principal();
    String who = p == null ? null : (p.issuer() == null ? p.kind() : p.issuer()) + "|" + p.subject();
    return new ComposeContext(upstreams, ex.deadline(), ex.requestId(), ex.ctx(), ex.request().headers(), ex.scopes(),
        ex.identityHeaders(), on ? cache : null, on ? new CacheTrack() : null, who);
  }

  /** An anonymous caller, no identity headers. */
  public ComposeContext(UpstreamCaller upstreams, Deadline deadline, String requestId, Map<String, Object> ctx,
      MultiMap headers) {
    this(upstreams, deadline, requestId, ctx, headers, null, null, null, null, null);
  }

  /** What the answer's {@code extensions} carry (stale answers on error); null for nothing. */
  Map<String, Object> extensions() {
    return track == null ? null : track.extensions();
  }

  /** Notes a fetch the cache did not answer (the screen then stays {@code private, no-cache}). */
  void uncached() {
    if (track != null) track.uncached();
  }

  /** Headers for one upstream call: the identity headers plus {@code extra} (either may be null). */
  MultiMap upstreamHeaders(MultiMap extra) {
    if (identityHeaders == null) return extra;
    if (extra == null) return identityHeaders;
    return MultiMap.caseInsensitiveMultiMap().addAll(identityHeaders).addAll(extra);
  }
}
