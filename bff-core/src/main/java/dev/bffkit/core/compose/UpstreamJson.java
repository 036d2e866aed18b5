package dev.bffkit.core.compose;

import dev.bffkit.core.upstream.UpstreamException;
import dev.bffkit.core.upstream.UpstreamRequest;
import dev.bffkit.core.upstream.UpstreamResponse;
import io.vertx.core.Future;

/** One upstream call whose answer is parsed (once) into plain JSON values. */
final class UpstreamJson {
  private UpstreamJson() {}

  static Future<Object> fetch(ComposeContext cx, String service, UpstreamRequest req) {
    return fetch(cx, service, req, null);
  }

  /** As above, building only what {@code projection} wants of the answer (null: all of it). */
  static Future<Object> fetch(ComposeContext cx, String service, UpstreamRequest req, JsonProjection projection) {
    if (req.deadline() != null && req.deadline().expired()) {
      return Future.failedFuture(new UpstreamException(service, UpstreamException.Kind.TIMEOUT,
          "deadline exceeded before calling " + service));
    }
    Future<UpstreamResponse> call;
    try {
      call = cx.upstreams().call(service, req);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return call.map(resp -> {
      if (!resp.ok()) {
        // Never copy the upstream body into the message: it may hold internals.
        throw new FetchFailure("UPSTREAM_ERROR", service, resp.status(), service + " answered " + resp.status());
      }
      try {
        return ProjectedJson.parse(resp.body(), projection);
      } catch (Exception e) {
        throw new FetchFailure("UPSTREAM_ERROR", service, resp.status(), service + " answered with invalid JSON");
      }
    });
  }
}
