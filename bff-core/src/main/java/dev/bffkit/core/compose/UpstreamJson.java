package dev.bffkit.core.compose;

import dev.bffkit.core.upstream.UpstreamException;
import dev.bffkit.core.upstream.UpstreamRequest;
import dev.bffkit.core.upstream.UpstreamResponse;
import dev.bffkit.core.cache.FieldCache;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.util.Locale;

/** One upstream call whose answer is parsed (once) into plain JSON values. */
final class UpstreamJson {
  private UpstreamJson() {}

  static Future<Object> fetch(ComposeContext cx, String service, UpstreamRequest req) {
    return fetch(cx, service, req, null);
  }

  /** As above, building only what {@code projection} wants of the answer (null: all of it). */
  static Future<Object> fetch(ComposeContext cx, String service, UpstreamRequest req, JsonProjection projection) {
    cx.uncached();
    return call(cx, service, req).map(resp -> parse(service, resp.status(), resp.body(), projection));
  }

  /** The call within what is left of the deadline; a non-2xx answer fails it. */
  private static Future<UpstreamResponse> call(ComposeContext cx, String service, UpstreamRequest req) {
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
      return resp;
    });
  }

  static Object parse(String service, int status, Buffer body, JsonProjection projection) {
    try {
      return ProjectedJson.parse(body, projection);
    } catch (Exception e) {
      throw new FetchFailure("UPSTREAM_ERROR", service, status, service + " answered with invalid JSON");
    }
  }

  /**
   * A {@code @cache} field's load: the answer's bytes as sent (copied onto the heap: every event loop reads them),
   * not kept when the service says {@code Cache-Control: no-store}. A non-2xx fails as {@link #fetch} does.
   */
  static Future<FieldCache.Fill> bytes(ComposeContext cx, String service, UpstreamRequest req) {
    return call(cx, service, req).map(resp -> {
      String cc = resp.headers() == null ? null : resp.headers().get(HttpHeaders.CACHE_CONTROL);
      boolean noStore = cc != null && cc.toLowerCase(Locale.ROOT).contains("no-store");
      Buffer body = resp.body() == null ? Buffer.buffer() : Buffer.buffer(resp.body().getBytes());
      return new FieldCache.Fill(body, !noStore);
    });
  }
}
