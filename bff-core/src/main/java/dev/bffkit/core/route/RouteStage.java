package dev.bffkit.core.route;

import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Stage;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * Resolves the request's route once, at the head of the routed part of the pipeline, onto the
 * {@link Exchange}: paths whose meaning depends on normalisation are refused first
 * ({@link PathGuard}, 400), then no route is 404 and a route without the method 405 with
 * {@code Allow} (RFC 9110 §15.5.6). The stages after it read {@link Exchange#route()}.
 */
public final class RouteStage implements Stage {
  private final RouteTable table;

  public RouteStage(RouteTable table) {
    this.table = table;
  }

  @Override
  public void handle(Exchange ex, Next next) {
    HttpServerRequest req = ex.request();
    String path = req.path();
    RouteTable.Resolution r = table.resolve(req.method(), path);
    // A template's variables are values, never forwarded as a path (an encoded '/' is data
    // there, as google.api.http says); every other path is guarded before anything reads it.
    if (r == null || r.route() == null || r.route().kind() != RouteKind.TRANSCODE) {
      String refused = PathGuard.check(path);
      if (refused != null) {
        ex.fail(400, "bad_path", refused);
        return;
      }
    }
    String malformed = PathGuard.malformedEscape(path, "path");
    if (malformed == null) malformed = PathGuard.malformedEscape(req.query(), "query");
    if (malformed != null) {
      ex.fail(400, "bad_request_target", malformed);
      return;
    }
    if (r == null) {
      if (grpc(req)) unimplemented(ex);
      else ex.fail(404, "not_found", "no route for " + shown(path));
    } else if (r.route() == null) {
      ex.response().putHeader(HttpHeaders.ALLOW, r.allow());
      ex.fail(405, "method_not_allowed", req.method().name() + " is not allowed on " + shown(path) + "; allowed: " + r.allow());
    } else {
      ex.route(r.route(), r.pathParams());
      next.proceed(ex);
    }
  }

  private static boolean grpc(HttpServerRequest req) {
    String type = req.getHeader(HttpHeaders.CONTENT_TYPE);
    return type != null && type.regionMatches(true, 0, "application/grpc", 0, 16);
  }

  /**
   * A gRPC or gRPC-Web call to a service this BFF does not expose: a trailers-only answer with
   * UNIMPLEMENTED (12), which is what gRPC clients understand (PROTOCOL-HTTP2.md, "Responses";
   * PROTOCOL-WEB.md: trailers-only responses carry grpc-status in the headers).
   */
  private static void unimplemented(Exchange ex) {
    ex.response().setStatusCode(200)
        .putHeader(HttpHeaders.CONTENT_TYPE, ex.request().getHeader(HttpHeaders.CONTENT_TYPE))
        .putHeader("grpc-status", "12")
        .putHeader("grpc-message", "no gRPC service is exposed at this path")
        .end();
  }

  private static String shown(String path) {
    return path.length() > 128 ? path.substring(0, 128) + "..." : path;
  }
}
