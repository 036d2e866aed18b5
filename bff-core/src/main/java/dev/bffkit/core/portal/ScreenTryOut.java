package dev.bffkit.core.portal;

import dev.bffkit.core.admin.AdminServer;
import dev.bffkit.core.Bff.RunningBff;
import dev.bffkit.core.compose.Screen;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.route.Route;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * {@code POST /portal/try/{screen}} with {@code {"token": "...", "credential": "bearer"|"apiKey",
 * "variables": {"id": "p1", "tags": ["a", "b"]}}}: calls {@code GET {screensPath}/{screen}} on the
 * BFF's own client listener, as a client would, and answers with what that answered (status,
 * body, and the headers a developer cares about: cache, partial, auth challenge, rate limits).
 *
 * <p>Why a proxy and not a call from the page to the client port: the page lives on the admin
 * origin, so a direct call is cross-origin and would need {@code cors.allowedOrigins} to list the
 * admin origin on every BFF (and a bearer token through CORS); through the admin listener the page
 * stays same-origin ({@code connect-src 'self'}), the client listener's CORS stays as the operator
 * set it, and the call still takes the full client path (auth, scopes, rate limits, deadline).
 * The developer's token rides in the JSON body because the admin listener's own token may already
 * use the {@code Authorization} header; it is forwarded, never logged or kept.
 *
 * <p>CSRF: only {@code application/json} bodies are taken, which a cross-site form cannot send
 * without a CORS preflight (that the admin listener never grants).
 */
final class ScreenTryOut {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.portal");
  /** Longer tokens are refused here; the client listener's {@code auth.maxTokenLength} applies after. */
  static final int MAX_TOKEN = 16 * 1024;
  static final int MAX_VALUES = 64;
  /** Answer headers passed back to the page (lower case). */
  private static final List<String> PASSED = List.of("content-type", "cache-control", "etag", "x-bff-partial",
      "www-authenticate", "x-request-id", "ratelimit", "ratelimit-policy", "retry-after");

  private final Vertx vertx;
  private final Supplier<RunningBff> live;
  private volatile HttpClient client;

  ScreenTryOut(Vertx vertx, Supplier<RunningBff> live) {
    this.vertx = vertx;
    this.live = live;
  }

  void handle(RoutingContext ctx) {
    RunningBff bff = live.get();
    if (bff == null) {
      AdminServer.json(ctx, 503, AdminServer.error(503, "starting", "the BFF is starting; try again in a moment"));
      return;
    }
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !type.regionMatches(true, 0, "application/json", 0, 16)) {
      AdminServer.json(ctx, 415, AdminServer.error(415, "unsupported_media_type", "send the try-it request as application/json"));
      return;
    }
    Screen screen = bff.engine().screen(ctx.pathParam("screen"));
    if (screen == null) {
      AdminServer.json(ctx, 404, AdminServer.error(404, "screen_not_found", "no such screen; see /portal/screens"));
      return;
    }
    String query;
    JsonObject in;
    try {
      Buffer body = ctx.body().buffer();
      in = body == null || body.length() == 0 ? new JsonObject() : body.toJsonObject();
      query = query(in.getValue("variables"));
    } catch (RuntimeException e) {
      AdminServer.json(ctx, 400, AdminServer.error(400, "bad_request", "send {\"token\": \"...\", \"credential\": \"bearer\"|\"apiKey\", "
          + "\"variables\": {\"name\": \"value\" or [\"values\"]}}: " + e.getMessage()));
      return;
    }
    Object token = in.getValue("token");
    Object credential = in.getValue("credential", "bearer");
    if ((token != null && !(token instanceof String)) || !("bearer".equals(credential) || "apiKey".equals(credential))) {
      AdminServer.json(ctx, 400, AdminServer.error(400, "bad_request", "token is a string; credential is \"bearer\" or \"apiKey\""));
      return;
    }
    String t = (String) token;
    // A header value may not hold CR, LF or NUL (RFC 9110 §5.5); refused rather than sent.
    if (t != null && (t.length() > MAX_TOKEN || t.indexOf('\r') >= 0 || t.indexOf('\n') >= 0 || t.indexOf('\0') >= 0)) {
      AdminServer.json(ctx, 400, AdminServer.error(400, "bad_token", "the token is too long or holds a line break"));
      return;
    }
    BffConfig config = bff.config();
    String path = config.composition().screensPath() + "/" + screen.name() + query;
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(clientHost(config))
        .setPort(bff.port()).setURI(path).setTimeout(timeoutMs(bff, screen));
    if (t != null && !t.isEmpty()) {
      if ("apiKey".equals(credential)) options.putHeader(config.auth().apiKeys().header(), t);
      else options.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + t);
    }
    client().request(options)
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(b -> {
          answer(ctx, resp, b);
          LOG.info("event=portal_try screen=" + screen.name() + " status=" + resp.statusCode() + " bytes=" + b.length()
              + " request_id=" + resp.getHeader("x-request-id"));
          return null;
        }))
        .onFailure(e -> {
          if (ctx.response().ended()) return;
          AdminServer.json(ctx, 502, AdminServer.error(502, "client_port_unreachable",
              "calling the BFF's client listener failed: " + e.getMessage()));
        });
  }

  private static void answer(RoutingContext ctx, HttpClientResponse resp, Buffer body) {
    if (ctx.response().ended()) return;
    ctx.response().setStatusCode(resp.statusCode());
    for (String h : PASSED) {
      String v = resp.getHeader(h);
      if (v != null) ctx.response().putHeader(h, v);
    }
    ctx.response().putHeader("x-portal-bytes", Integer.toString(body.length())).end(body);
  }

  /** The route's deadline and a second to spare: the client listener answers in time on its own. */
  private static long timeoutMs(RunningBff bff, Screen screen) {
    Route r = bff.routes().named("screen:" + screen.name());
    long deadline = r == null ? bff.config().composition().deadline().toMillis() : r.policy().deadline().toMillis();
    return deadline + 1_000;
  }

  /** The client listener as seen from this process: loopback when it listens on every address. */
  private static String clientHost(BffConfig c) {
    String h = c.server().host();
    return h == null || h.isEmpty() || "0.0.0.0".equals(h) || "::".equals(h) || "[::]".equals(h) ? "127.0.0.1" : h;
  }

  private HttpClient client() {
    HttpClient c = client;
    if (c == null) {
      synchronized (this) { // once, on the first try-it
        // No keep-alive: tries are rare, and no idle connection outlives a BFF that shares this Vert.x.
        if (client == null) client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false),
            new PoolOptions().setHttp1MaxSize(4));
        c = client;
      }
    }
    return c;
  }

  /** {@code ?a=1&tags=x&tags=y} from the variables object (strings, numbers, booleans, or lists of them). */
  static String query(Object variables) {
    if (variables == null) return "";
    if (!(variables instanceof JsonObject vars)) throw new IllegalArgumentException("variables is an object");
    StringBuilder q = new StringBuilder();
    int count = 0;
    for (Map.Entry<String, Object> e : vars) {
      List<?> values = e.getValue() instanceof JsonArray a ? a.getList() : Collections.singletonList(e.getValue());
      for (Object v : values) {
        if (v == null) continue;
        if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
          throw new IllegalArgumentException("variable '" + e.getKey() + "' is a string, number, boolean or list of them");
        }
        if (++count > MAX_VALUES) throw new IllegalArgumentException("at most " + MAX_VALUES + " values");
        q.append(q.length() == 0 ? '?' : '&').append(encode(e.getKey())).append('=').append(encode(v.toString()));
      }
    }
    return q.toString();
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
