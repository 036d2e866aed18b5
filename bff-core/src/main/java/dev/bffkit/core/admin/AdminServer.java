package dev.bffkit.core.admin;

import dev.bffkit.core.config.AdminConfig;
import dev.bffkit.core.observe.Observability;
import dev.bffkit.core.route.RouteTable;
import dev.bffkit.core.upstream.UpstreamRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The operators' listener, on its own port and bind address (never the client listener), in the
 * manner of Envoy's admin interface: {@code /healthz} and {@code /readyz} (open, for probes),
 * {@code /upstreamz} (breakers, endpoints, ejections, bulkheads: the service topology) and
 * {@code /routes} (the route table, JSON or {@code ?format=text}), {@code /metrics} (Prometheus
 * text) and what the BFF's parts mount (SLOs, the status page). With {@code admin.token} every path but the probes needs
 * {@code Authorization: Bearer <token>} (compared in constant time). One listener per BFF, on
 * vertx-web's router: admin traffic is rare, so convenience wins over the client path's
 * hand-rolled table.
 */
public final class AdminServer {
  private static final String JSON = "application/json";

  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final Vertx vertx;
  private AdminConfig config;
  private final Router router;
  private final byte[] token;
  private HttpServer server;
  /** The table served by {@code /routes}: replaced by a reload. */
  private volatile RouteTable routes;

  /** The live table after a reload. */
  public void routes(RouteTable next) {
    this.routes = next;
  }

  /**
   * Builds the router now (the BFF's parts add their pages through {@link #router()} before
   * {@link #start}); the probes are open, everything added after them needs the token.
   */
  public AdminServer(Vertx vertx, AdminConfig config, Readiness readiness, RouteTable routes, UpstreamRegistry upstreams,
      Observability observe) {
    this.vertx = vertx;
    this.config = config;
    this.routes = routes;
    this.token = config.token() == null ? null : config.token().getBytes(StandardCharsets.UTF_8);
    router = Router.router(vertx);
    router.get("/healthz").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/readyz").handler(ctx -> {
      json(ctx, readiness.isReady() ? 200 : 503, readiness.status());
    });
    router.route().handler(this::authorize);
    router.get("/upstreamz").handler(ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .end(upstreams.snapshot().toBuffer()));
    // Canary weights, live: each service's canary state (share, rollback), and PUT {"share": 0.05} to change it
    // (which also re-arms a canary that rolled back).
    router.get("/canaries").handler(ctx -> {
      JsonObject all = new JsonObject();
      upstreams.services().forEach((name, state) -> {
        if (state.canary() != null) all.put(name, state.canary().state().toJson());
      });
      json(ctx, 200, all);
    });
    router.put("/canaries/:service").handler(ctx -> ctx.request().body().onSuccess(body -> {
      var state = upstreams.services().get(ctx.pathParam("service"));
      if (state == null || state.canary() == null) {
        json(ctx, 404, error(404, "no_canary", "no canary on service '" + ctx.pathParam("service") + "'"));
        return;
      }
      Double share = null;
      try {
        Object v = body.length() == 0 ? null : body.toJsonObject().getValue("share");
        if (v instanceof Number n) share = n.doubleValue();
      } catch (RuntimeException bad) {
        // not JSON: answered below
      }
      if (share == null || !(share >= 0 && share <= 1)) {
        json(ctx, 400, error(400, "bad_share", "send {\"share\": 0.05} (a number from 0 to 1)"));
        return;
      }
      state.canary().setShare(share);
      json(ctx, 200, state.canary().state().toJson());
    }));
    router.get("/routes").handler(ctx -> {
      RouteTable live = this.routes;
      if ("text".equals(ctx.request().getParam("format"))) {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
            .end(String.join("\n", live.lines()) + "\n");
      } else {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(live.toJson().toBuffer());
      }
    });
    if (observe.metrics().enabled()) {
      // A scrape formats every meter (milliseconds of CPU): on a worker, never on an event loop.
      router.get("/metrics").handler(ctx -> vertx.executeBlocking(() -> observe.metrics().scrape(), false)
          .onSuccess(text -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, PROMETHEUS_TEXT).end(text))
          .onFailure(ctx::fail));
    }
  }

  /** The admin router: parts of the BFF mount their pages here before {@link #start}. */
  public Router router() {
    return router;
  }

  public Future<AdminServer> start() {
    // The paths as mounted (metrics only when on, the parts' pages), listed once for the 404.
    String paths = router.getRoutes().stream().map(Route::getPath).filter(Objects::nonNull).distinct()
        .collect(Collectors.joining(" "));
    router.route().last().handler(ctx -> json(ctx, 404, error(404, "not_found", "admin paths: " + paths)));
    server = vertx.createHttpServer(new HttpServerOptions().setHost(config.host()).setPort(config.port())
        .setIdleTimeout(60).setMaxHeaderSize(8192))
        .requestHandler(router);
    return server.listen().map(s -> this);
  }

  /** Listen on another port instead (before {@link #start}). */
  public AdminServer listenOn(int port) {
    config = new AdminConfig(config.host(), port, config.token());
    return this;
  }

  /** The port listened on (the real one when the config asked for 0). */
  public int port() {
    return server.actualPort();
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void authorize(RoutingContext ctx) {
    if (token == null) {
      ctx.next();
      return;
    }
    String given = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    // The scheme is case-insensitive (RFC 9110 §11.1); the token is compared in constant time.
    if (given != null && given.regionMatches(true, 0, "Bearer ", 0, 7)
        && MessageDigest.isEqual(token, given.substring(7).getBytes(StandardCharsets.UTF_8))) {
      ctx.next();
    } else {
      ctx.response().putHeader("www-authenticate", "Bearer realm=\"admin\"");
      json(ctx, 401, error(401, "unauthenticated", "the admin listener needs Authorization: Bearer <admin.token>"));
    }
  }

  /** The admin listener's one error body: {@code {"error":{"status","code","message"}}}. */
  public static JsonObject error(int status, String code, String message) {
    return new JsonObject().put("error", new JsonObject().put("status", status).put("code", code).put("message", message));
  }

  /** Answers {@code body} as JSON with {@code status}. */
  public static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body.toBuffer());
  }
}
