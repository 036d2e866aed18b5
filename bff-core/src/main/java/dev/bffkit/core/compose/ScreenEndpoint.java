package dev.bffkit.core.compose;

import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Failures;
import dev.bffkit.core.pipeline.Stage;
import dev.bffkit.core.upstream.UpstreamCaller;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Map;

/**
 * {@code GET {screensPath}/{name}?var=...}: runs a persisted screen. Terminal stage.
 *
 * <p>200 with the body (its {@code Cache-Control}: see {@link #respond}); 200 + {@code X-BFF-Partial: true} when some fields failed (no ETag:
 * partial answers are not for caching); 502 when every root field failed; 304 when
 * {@code If-None-Match} matches the weak ETag of a complete answer; 404 unknown screen; 400 bad
 * variable (other methods are answered 405 by the route table). A screen with {@code @defer} or
 * {@code @stream} asked for with {@code Accept: multipart/mixed} is answered in parts
 * ({@link IncrementalResponse}: 200, no ETag); other clients get the one JSON answer above.
 */
public final class ScreenEndpoint implements Stage {
  private static final CharSequence CACHE_CONTROL_VALUE = HttpHeaders.createOptimized(ScreenFacts.CACHE_CONTROL);
  private static final CharSequence PARTIAL = HttpHeaders.createOptimized("X-BFF-Partial");

  private final CompositionEngine engine;
  private final UpstreamCaller upstreams;
  private final String prefix;
  private final String known;

  public ScreenEndpoint(CompositionEngine engine, UpstreamCaller upstreams) {
    this.engine = engine;
    this.upstreams = upstreams;
    this.prefix = engine.config().screensPath() + "/";
    this.known = String.join(", ", CompositionEngine.names(engine.screens()));
  }

  @Override
  public void handle(Exchange ex, Next next) {
    HttpServerRequest req = ex.request();
    // Screen routes take GET and HEAD; the route table answered other methods 405.
    String path = req.path();
    String name = path.startsWith(prefix) ? path.substring(prefix.length()) : "";
    Screen screen = engine.screen(name);
    if (screen == null) {
      String shown = name.length() > 64 ? name.substring(0, 64) + "..." : name;
      ex.fail(404, "screen_not_found", "no screen '" + shown + "'; known: " + known);
      return;
    }
    Map<String, Object> variables;
    try {
      variables = screen.variablesFrom(req.params());
    } catch (BadVariableException e) {
      ex.fail(400, "bad_variable", e.getMessage());
      return;
    }
    ComposeContext cx = ComposeContext.of(upstreams, ex, engine.fieldCache());
    if (incremental(ex, screen, variables, cx)) return;
    engine.run(screen, variables, cx).onComplete(ar -> {
      if (ex.deadline().cancelled()) return; // nobody to answer
      try {
        if (ar.failed()) Failures.internal(ex, "ScreenEndpoint", ar.cause());
        else respond(ex, ar.result(), cx.track());
      } catch (RuntimeException e) {
        Failures.internal(ex, "ScreenEndpoint", e);
      }
    });
  }

  /** A screen with active {@code @defer}/{@code @stream} for a client that takes multipart: answered in parts. */
  private boolean incremental(Exchange ex, Screen screen, Map<String, Object> variables, ComposeContext cx) {
    if (ex.request().method() != HttpMethod.GET || !IncrementalResponse.wanted(ex)) return false;
    IncrementalRun run = engine.incremental(screen, variables, cx);
    if (run == null) return false;
    ex.response().putHeader(HttpHeaders.CACHE_CONTROL, CACHE_CONTROL_VALUE);
    IncrementalResponse.send(ex, run, "ScreenEndpoint");
    return true;
  }

  /**
   * {@code Cache-Control} is the most restrictive of the fields': {@code private, no-cache} unless the answer is
   * complete and every fetch was answered by the field cache (none stale on error); then the least freshness left,
   * {@code private} when a field is PRIVATE or the request carried credentials.
   */
  private static void respond(Exchange ex, ComposeResult r, CacheTrack track) {
    HttpServerResponse resp = ex.response();
    if (resp.ended()) return;
    String cc = track == null || !r.complete() ? null
        : track.cacheControl(ex.request().headers().contains(HttpHeaders.AUTHORIZATION), ScreenFacts.CACHE_CONTROL);
    resp.putHeader(HttpHeaders.CACHE_CONTROL, cc == null || cc == ScreenFacts.CACHE_CONTROL ? CACHE_CONTROL_VALUE : cc);
    if (r.requestError()) {
      ex.respondJson(400, r.body());
    } else if (r.allFailed()) {
      resp.putHeader(PARTIAL, "true");
      ex.respondJson(502, r.body());
    } else if (r.hasFieldErrors()) {
      resp.putHeader(PARTIAL, "true");
      if (ex.log() != null) ex.log().partial(true);
      ex.respondJson(200, r.body());
    } else {
      String etag = ETags.weak(r.body());
      resp.putHeader(HttpHeaders.ETAG, etag);
      if (ETags.matches(ex.request().getHeader(HttpHeaders.IF_NONE_MATCH), etag)) {
        resp.setStatusCode(304);
        ex.end();
      } else {
        ex.respondJson(200, r.body());
      }
    }
  }
}
