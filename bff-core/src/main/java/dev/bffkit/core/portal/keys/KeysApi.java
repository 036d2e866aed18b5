package dev.bffkit.core.portal.keys;

import dev.bffkit.core.Bff.RunningBff;
import dev.bffkit.core.admin.AdminServer;
import dev.bffkit.core.security.Principal;
import dev.bffkit.core.security.Security;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The portal's keys API on the admin listener, for a developer signed in with the BFF's identity
 * provider (their token in {@value #TOKEN_HEADER}, verified by the BFF's own JWT verifier; the
 * admin listener's token may already hold {@code Authorization}):
 * <ul>
 *   <li>{@code GET /portal/keys/status}: whether self-service keys are on here, and if not why (no token needed;
 *       the page asks it before showing its keys section);
 *   <li>{@code GET /portal/keys}: the developer's keys with their metered requests (never a secret);
 *   <li>{@code POST /portal/keys} {@code {"name", "tier"}}: 201 and the new key, shown this once;
 *   <li>{@code POST /portal/keys/{id}/rotate}: a new secret, the old one refused;
 *   <li>{@code DELETE /portal/keys/{id}}: revoked.
 * </ul>
 * Another developer's key answers 404, as an unknown one does. CSRF: a cross-site form can send
 * neither the custom token header nor an {@code application/json} body (both need a CORS preflight
 * the admin listener never grants). Tokens and keys are never logged (a key by its id only).
 */
public final class KeysApi {
  static final String TOKEN_HEADER = "X-Developer-Token";
  /** A name and a tier: far below this. */
  static final int MAX_BODY = 4 * 1024;
  static final int MAX_TOKEN = 16 * 1024;
  private static final Logger LOG = Logger.getLogger("dev.bffkit.portal");

  private final Vertx vertx;
  private final PortalKeys keys;
  private final Supplier<RunningBff> live;

  private KeysApi(Vertx vertx, PortalKeys keys, Supplier<RunningBff> live) {
    this.vertx = vertx;
    this.keys = keys;
    this.live = live;
  }

  /** Mounts the keys API ({@code keys} null: each call answers 404 saying how to turn them on). */
  public static void mount(Vertx vertx, Router admin, PortalKeys keys, Supplier<RunningBff> live) {
    mount(vertx, admin, "/portal", keys, live);
  }

  /** The same API under {@code base} ({@code /portal} on the admin listener; the public portal's path). */
  public static void mount(Vertx vertx, Router router, String base, PortalKeys keys, Supplier<RunningBff> live) {
    KeysApi api = new KeysApi(vertx, keys, live);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(MAX_BODY);
    router.get(base + "/keys/status").handler(api::status);
    router.get(base + "/keys").handler(api::list);
    router.post(base + "/keys").handler(body).handler(api::create).failureHandler(KeysApi::failed);
    router.post(base + "/keys/:id/rotate").handler(body).handler(api::rotate).failureHandler(KeysApi::failed);
    router.delete(base + "/keys/:id").handler(api::revoke);
  }

  /** The body handler's 413 (and any bug) in the admin error shape. */
  private static void failed(RoutingContext ctx) {
    int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
    AdminServer.json(ctx, status, AdminServer.error(status, status == 413 ? "body_too_large" : "keys_failed",
        status == 413 ? "the request is larger than " + MAX_BODY + " bytes" : "the keys request failed"));
  }

  private void status(RoutingContext ctx) {
    String off = off(live.get());
    AdminServer.json(ctx, 200, new JsonObject().put("enabled", off == null).put("reason", off)
        .put("tokenHeader", TOKEN_HEADER));
  }

  /** Why the keys API is off on this BFF (an answer's message), or null when it is on. */
  private String off(RunningBff bff) {
    if (keys == null) return "self-service keys are off; set portal.keys.enabled: true and a store in bff.yaml";
    Security security = bff == null ? null : bff.security();
    if (security == null || security.jwt() == null) {
      return "self-service keys need developers signed in with the BFF's identity provider; configure auth.issuers in bff.yaml";
    }
    return null;
  }

  private void list(RoutingContext ctx) {
    developer(ctx).onSuccess(owner -> {
      if (owner == null) return;
      JsonArray out = new JsonArray();
      for (KeyRecord r : keys.of(owner)) out.add(r.toPublic(keys.usage(r.id())));
      ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
      AdminServer.json(ctx, 200, new JsonObject().put("keys", out).put("tiers", new JsonArray(keys.config().tiers()))
          .put("maxPerDeveloper", keys.config().maxPerDeveloper()));
    });
  }

  private void create(RoutingContext ctx) {
    if (!json(ctx)) return;
    developer(ctx).onSuccess(owner -> {
      if (owner == null) return;
      KeyRequest req;
      try {
        req = KeyRequest.parse(ctx.body().buffer(), keys.config().tiers());
      } catch (KeyRequest.Refused e) {
        AdminServer.json(ctx, e.status, AdminServer.error(e.status, e.code, e.getMessage()));
        return;
      }
      if (keys.active(owner) >= keys.config().maxPerDeveloper()) {
        AdminServer.json(ctx, 409, AdminServer.error(409, "too_many_keys", "at most " + keys.config().maxPerDeveloper()
            + " keys per developer; revoke one first"));
        return;
      }
      keys.create(owner, req).onComplete(ar -> issued(ctx, 201, ar));
    });
  }

  private void rotate(RoutingContext ctx) {
    if (!json(ctx)) return;
    developer(ctx).onSuccess(owner -> {
      if (owner == null) return;
      KeyRecord r = mine(ctx, owner);
      if (r != null) keys.rotate(r).onComplete(ar -> issued(ctx, 200, ar));
    });
  }

  private void revoke(RoutingContext ctx) {
    developer(ctx).onSuccess(owner -> {
      if (owner == null) return;
      KeyRecord r = mine(ctx, owner);
      if (r != null) keys.revoke(r).onComplete(ar -> {
        if (ar.failed()) storeFailed(ctx, ar.cause());
        else AdminServer.json(ctx, 200, new JsonObject().put("key", ar.result().toPublic(keys.usage(r.id()))));
      });
    });
  }

  private void issued(RoutingContext ctx, int status, AsyncResult<PortalKeys.Issued> ar) {
    if (ar.failed()) {
      storeFailed(ctx, ar.cause());
      return;
    }
    PortalKeys.Issued i = ar.result();
    ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
    AdminServer.json(ctx, status, new JsonObject().put("key", i.record().toPublic(0)).put("secret", i.secret())
        .put("note", "shown this once: only its hash is kept"));
  }

  private static void storeFailed(RoutingContext ctx, Throwable e) {
    LOG.warning("event=portal_keys_store_failed error=" + e.getMessage());
    AdminServer.json(ctx, 503, AdminServer.error(503, "store_unavailable", "the key store did not answer; try again"));
  }

  /** The developer's active key {@code id}, or null after a 404 (unknown, revoked, or another developer's). */
  private KeyRecord mine(RoutingContext ctx, String owner) {
    KeyRecord r = keys.find(owner, ctx.pathParam("id"));
    if (r == null || !r.active()) {
      AdminServer.json(ctx, 404, AdminServer.error(404, "key_not_found", "no such key of yours; see GET /portal/keys"));
      return null;
    }
    return r;
  }

  private static boolean json(RoutingContext ctx) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type != null && type.regionMatches(true, 0, "application/json", 0, 16)) return true;
    AdminServer.json(ctx, 415, AdminServer.error(415, "unsupported_media_type", "send the request as application/json"));
    return false;
  }

  /**
   * The developer ({@code iss} and {@code sub} of their verified token), or null once a 4xx is sent:
   * 404 when self-service keys or the identity provider are not configured, 401 for a missing or bad token.
   */
  private Future<String> developer(RoutingContext ctx) {
    RunningBff bff = live.get();
    if (bff == null) {
      AdminServer.json(ctx, 503, AdminServer.error(503, "starting", "the BFF is starting; try again in a moment"));
      return Future.succeededFuture();
    }
    String off = off(bff);
    if (off != null) {
      AdminServer.json(ctx, 404, AdminServer.error(404, keys == null ? "keys_off" : "no_identity_provider", off));
      return Future.succeededFuture();
    }
    Security security = bff.security();
    String token = ctx.request().getHeader(TOKEN_HEADER);
    if (token == null || token.isBlank() || token.length() > MAX_TOKEN) {
      AdminServer.json(ctx, 401, AdminServer.error(401, "developer_token_missing", "send your token from the identity provider"
          + " in " + TOKEN_HEADER));
      return Future.succeededFuture();
    }
    return security.verify(vertx, token.strip()).map(p -> owner(p)).recover(e -> {
      AdminServer.json(ctx, 401, AdminServer.error(401, "developer_token_invalid", "your token was refused: " + e.getMessage()));
      return Future.succeededFuture();
    });
  }

  private static String owner(Principal p) {
    return p.issuer() + " " + p.subject();
  }
}
