package dev.bffkit.core.portal;

import dev.bffkit.core.Bff.RunningBff;
import dev.bffkit.core.admin.AdminServer;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.route.Route;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import java.util.logging.Logger;

/**
 * The portal's way to call the BFF's own client listener for a developer: the "Try it" of a screen
 * ({@link ScreenTryOut}) and GraphiQL's queries ({@link GraphiqlRelay}). The page posts JSON to the
 * admin listener with the developer's token in the body; this relays the call to the client port,
 * as a client would, and answers with what that answered (status, body, and the headers a developer
 * cares about: cache, partial, auth challenge, rate limits).
 *
 * <p>Why a relay and not a call from the page to the client port: the page lives on the admin
 * origin, so a direct call is cross-origin and would need {@code cors.allowedOrigins} to list the
 * admin origin on every BFF (and a bearer token through CORS); through the admin listener the page
 * stays same-origin ({@code connect-src 'self'}), the client listener's CORS stays as the operator
 * set it, and the call still takes the full client path (auth, scopes, rate limits, query limits,
 * deadline). The token rides in the JSON body because the admin listener's own token may already
 * use the {@code Authorization} header; it is forwarded, never logged or kept.
 *
 * <p>CSRF: only {@code application/json} bodies are taken ({@link #isJson}), which a cross-site
 * form cannot send without a CORS preflight (that the admin listener never grants).
 */
final class ClientRelay {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.portal");
  /** Longer tokens are refused here; the client listener's {@code auth.maxTokenLength} applies after. */
  static final int MAX_TOKEN = 16 * 1024;
  /** Answer headers passed back to the page (lower case). */
  private static final List<String> PASSED = List.of("content-type", "cache-control", "etag", "x-bff-partial",
      "www-authenticate", "x-request-id", "ratelimit", "ratelimit-policy", "retry-after");

  /** The developer's credential from the request body: a bearer token or an API key (null token: none). */
  record Credential(String token, boolean apiKey) {
    /** {@code token} and {@code credential} of the request body; the message says what is wrong. */
    static Credential of(JsonObject in) {
      Object token = in.getValue("token");
      Object credential = in.getValue("credential", "bearer");
      if ((token != null && !(token instanceof String)) || !("bearer".equals(credential) || "apiKey".equals(credential))) {
        throw new IllegalArgumentException("token is a string; credential is \"bearer\" or \"apiKey\"");
      }
      String t = (String) token;
      // A header value may not hold CR, LF or NUL (RFC 9110 §5.5); refused rather than sent.
      if (t != null && (t.length() > MAX_TOKEN || t.indexOf('\r') >= 0 || t.indexOf('\n') >= 0 || t.indexOf('\0') >= 0)) {
        throw new BadToken();
      }
      return new Credential(t == null || t.isEmpty() ? null : t, "apiKey".equals(credential));
    }

    void applyTo(RequestOptions options, BffConfig config) {
      if (token == null) return;
      if (apiKey) options.putHeader(config.auth().apiKeys().header(), token);
      else options.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token);
    }
  }

  /** A token too long or holding a line break: its own error code, the message never echoes it. */
  static final class BadToken extends IllegalArgumentException {
    BadToken() {
      super("the token is too long or holds a line break");
    }
  }

  private final Vertx vertx;
  private volatile HttpClient client;

  ClientRelay(Vertx vertx) {
    this.vertx = vertx;
  }

  /** The running BFF, or null after answering 503. */
  static RunningBff ready(RoutingContext ctx, RunningBff bff) {
    if (bff == null) AdminServer.json(ctx, 503, AdminServer.error(503, "starting", "the BFF is starting; try again in a moment"));
    return bff;
  }

  /** Whether the request body is JSON; else answers 415 (and the CSRF rule above is why). */
  static boolean isJson(RoutingContext ctx, String what) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type != null && type.regionMatches(true, 0, "application/json", 0, 16)) return true;
    AdminServer.json(ctx, 415, AdminServer.error(415, "unsupported_media_type", "send the " + what + " as application/json"));
    return false;
  }

  /** The 400 for a body that {@link Credential#of} or the caller refused, naming the expected shape. */
  static void badRequest(RoutingContext ctx, RuntimeException e, String shape) {
    if (e instanceof BadToken) AdminServer.json(ctx, 400, AdminServer.error(400, "bad_token", e.getMessage()));
    else AdminServer.json(ctx, 400, AdminServer.error(400, "bad_request", "send " + shape + ": " + e.getMessage()));
  }

  /**
   * Calls the client listener with {@code options} (method and URI set; host, port, timeout and the
   * credential added here) and {@code body} (null: none), and answers the page with what it answered.
   * {@code event} and {@code fields} name the call in the one log line (never the token).
   */
  void forward(RoutingContext ctx, RunningBff bff, Route route, RequestOptions options, Credential credential,
      Buffer body, String event, String fields) {
    BffConfig config = bff.config();
    options.setHost(clientHost(config)).setPort(bff.port()).setTimeout(timeoutMs(route, config));
    credential.applyTo(options, config);
    client().request(options)
        .compose(req -> body == null ? req.send() : req.send(body))
        .compose(resp -> resp.body().map(b -> {
          answer(ctx, resp, b);
          LOG.info("event=" + event + " " + fields + " status=" + resp.statusCode() + " bytes=" + b.length()
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
  private static long timeoutMs(Route route, BffConfig config) {
    Duration deadline = route == null ? config.composition().deadline() : route.policy().deadline();
    return deadline.toMillis() + 1_000;
  }

  /** The client listener as seen from this process: loopback when it listens on every address. */
  private static String clientHost(BffConfig c) {
    String h = c.server().host();
    return h == null || h.isEmpty() || "0.0.0.0".equals(h) || "::".equals(h) || "[::]".equals(h) ? "127.0.0.1" : h;
  }

  private HttpClient client() {
    HttpClient c = client;
    if (c == null) {
      synchronized (this) { // once, on the first call
        // No keep-alive: calls are rare, and no idle connection outlives a BFF that shares this Vert.x.
        if (client == null) client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false),
            new PoolOptions().setHttp1MaxSize(4));
        c = client;
      }
    }
    return c;
  }
}
