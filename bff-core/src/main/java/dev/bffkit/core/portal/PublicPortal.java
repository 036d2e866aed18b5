package dev.bffkit.core.portal;

import dev.bffkit.core.Bff.RunningBff;
import dev.bffkit.core.config.PortalConfig;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Stage;
import dev.bffkit.core.portal.keys.KeysApi;
import dev.bffkit.core.portal.keys.PortalKeys;
import dev.bffkit.core.security.Principal;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The public developer portal ({@code portal.public}): the target of the client listener's {@code portal} route.
 * The request has passed the route's policy (rate limits, CORS, body limits, deadline, and the auth stage, which
 * verified any bearer token); this checks the developer token for the data and hands the request to a vertx-web
 * {@link Router} holding the partner-facing subset of the admin portal, mounted under the path with the same
 * handlers: the page, the screens catalog, the API documents, GraphiQL with its relay, try-it and the keys API.
 * Never the operator pages ({@code /config}, {@code /routes}, {@code /metrics}, {@code /status}...): the router
 * has no such route, so they are 404.
 *
 * <p>Auth: the page, the GraphiQL page and their assets are open (static, from the jar, no data); everything
 * else needs {@code Authorization: Bearer} with a token from the BFF's issuers (an API key is not a developer
 * sign-in) holding {@code portal.public.scopes}: else 401, or 403 {@code insufficient_scope}, in the client
 * listener's error shape with an RFC 6750 §3 challenge. The relays (try-it, GraphiQL) call the client listener
 * with the credential the developer gives for that call, as on the admin listener.
 */
public final class PublicPortal implements Stage {
  private static final String WWW_AUTHENTICATE = "www-authenticate";
  private final Router router;
  private final String base;
  private final Set<String> scopes;
  private final String realm;
  private final String scopeList;

  private PublicPortal(Router router, PortalConfig.Public config, String bffName) {
    this.router = router;
    this.base = config.path();
    this.scopes = config.scopes();
    this.realm = bffName.replace("\"", "");
    this.scopeList = String.join(" ", new TreeSet<>(config.scopes()));
  }

  /** Builds the portal's router at start-up; {@code docs} are the admin listener's documents (one cache for both). */
  public static PublicPortal create(Vertx vertx, PortalConfig.Public config, String bffName, ApiDocsPages docs,
      PortalKeys keys, Supplier<RunningBff> live) {
    String base = config.path();
    Router router = Router.router(vertx);
    Portal.mount(vertx, router, base, base, live);
    docs.mountAt(router, base);
    KeysApi.mount(vertx, router, base, keys, live);
    PublicPortal portal = new PublicPortal(router, config, bffName);
    router.errorHandler(404, ctx -> portal.error(ctx, 404, "not_found", "no portal page at this path"));
    router.errorHandler(405, ctx -> portal.error(ctx, 405, "method_not_allowed", "this portal page does not take that method"));
    router.errorHandler(500, ctx -> portal.error(ctx, 500, "portal_failed", "the portal request failed"));
    return portal;
  }

  @Override
  public void handle(Exchange ex, Next next) {
    String rest = ex.request().path().substring(Math.min(base.length(), ex.request().path().length()));
    if (!open(rest)) {
      Principal p = ex.principal();
      if (p == null || !"jwt".equals(p.kind())) {
        // RFC 6750 §3.1: no error attribute when the request carried no token; an API key is no developer sign-in.
        ex.response().putHeader(WWW_AUTHENTICATE, p == null ? "Bearer realm=\"" + realm + "\""
            : "Bearer realm=\"" + realm + "\", error=\"invalid_token\", error_description=\"a developer token is needed\"");
        ex.fail(401, "unauthenticated", "the developer portal needs Authorization: Bearer <token from the BFF's identity provider>");
        return;
      }
      if (!p.hasAll(scopes)) {
        ex.response().putHeader(WWW_AUTHENTICATE,
            "Bearer realm=\"" + realm + "\", error=\"insufficient_scope\", scope=\"" + scopeList + "\"");
        ex.fail(403, "insufficient_scope", "the developer portal needs a token with scopes: " + scopeList);
        return;
      }
    }
    router.handle(ex.request());
  }

  /** The static parts, open to anyone: the page, the GraphiQL page and their assets (from the jar, no data). */
  static boolean open(String rest) {
    return rest.isEmpty() || rest.equals("/") || rest.equals("/graphiql") || rest.startsWith("/assets/");
  }

  /** The router's own errors in the client listener's shape. */
  private void error(RoutingContext ctx, int status, String code, String message) {
    if (ctx.response().ended()) return;
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(Exchange.errorBody(status, code, message, ctx.response().headers().get("x-request-id")));
  }
}
