package dev.bffkit.core.portal;

import dev.bffkit.core.admin.AdminServer;
import dev.bffkit.core.Bff.RunningBff;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.CompositionConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.function.Supplier;

/**
 * The developer portal's screens part, on the admin listener: {@code GET /portal} (one offline
 * HTML page, {@link PortalPage}), {@code GET /portal/config} (what the page needs to call the
 * BFF), {@code GET /portal/screens} and {@code /portal/screens/{name}} (the {@link ScreenCatalog}
 * of the live engine) and {@code POST /portal/try/{screen}} ({@link ScreenTryOut}: the screen
 * called on the BFF's own client port with the developer's token).
 *
 * <p>The page is static and carries no data, so it is served before the admin token check, as
 * {@code /status} is; everything else is behind it.
 */
public final class Portal {
  /** The largest try-it request: a token (8 KiB at most by default) and a few variables. */
  static final int MAX_TRY_BODY = 32 * 1024;

  /** The admin listener's mount point of the portal. */
  public static final String ADMIN_BASE = "/portal";

  private final Supplier<RunningBff> live;
  private final String base;
  private final String docsBase;
  private volatile ScreenCatalog catalog;

  private Portal(Supplier<RunningBff> live, String base, String docsBase) {
    this.live = live;
    this.base = base;
    this.docsBase = docsBase;
  }

  /**
   * Mounts the portal's screens pages on the admin router (before it starts; the token check is
   * already on it). {@code live} is the running BFF, null until it is ready (then 503).
   */
  public static void mount(Vertx vertx, Router admin, Supplier<RunningBff> live) {
    mount(vertx, admin, ADMIN_BASE, "", live);
  }

  /**
   * Mounts the same pages under {@code base} on any router: {@code /portal} on the admin listener, the
   * public portal's path on its own router ({@link PublicPortal}). {@code docsBase} is where the API documents
   * are ({@code ""} on the admin listener: {@code /openapi.json}), for the page's links.
   */
  static void mount(Vertx vertx, Router router, String base, String docsBase, Supplier<RunningBff> live) {
    Portal p = new Portal(live, base, docsBase);
    PortalPage.mount(router, base);
    router.get(base + "/config").handler(p::config);
    router.get(base + "/screens").handler(p::screens);
    router.get(base + "/screens/:name").handler(p::screen);
    GraphiqlPage.mount(vertx, router, base, live);
    ScreenTryOut tryOut = new ScreenTryOut(vertx, live);
    router.post(base + "/try/:screen").handler(BodyHandler.create(false).setBodyLimit(MAX_TRY_BODY))
        .handler(tryOut::handle)
        .failureHandler(ctx -> { // the body handler's 413 (and any bug) in the admin error shape
          int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
          AdminServer.json(ctx, status, AdminServer.error(status, status == 413 ? "body_too_large" : "try_failed",
              status == 413 ? "the try-it request is larger than " + MAX_TRY_BODY + " bytes" : "the try-it call failed"));
        });
  }

  private void config(RoutingContext ctx) {
    RunningBff bff = ready(ctx);
    if (bff == null) return;
    BffConfig c = bff.config();
    CompositionConfig comp = c.composition();
    AdminServer.json(ctx, 200, new JsonObject()
        .put("bff", c.name())
        .put("clientPort", bff.port())
        .put("screensPath", comp.screensPath())
        .put("graphqlPath", comp.graphqlPath())
        .put("adhocGraphql", comp.adhocGraphql())
        .put("authEnabled", c.auth().enabled())
        .put("apiKeyHeader", c.auth().apiKeys().keys().isEmpty() ? null : c.auth().apiKeys().header())
        .put("portal", base)
        .put("openapi", docsBase + ApiDocsPages.OPENAPI_PATH)
        .put("schema", docsBase + ApiDocsPages.SDL_PATH));
  }

  private void screens(RoutingContext ctx) {
    ScreenCatalog c = current(ctx);
    if (c == null) return;
    c.all().onSuccess(a -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, PortalPage.JSON)
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store").end(a.toBuffer())).onFailure(ctx::fail);
  }

  private void screen(RoutingContext ctx) {
    ScreenCatalog c = current(ctx);
    if (c == null) return;
    String name = ctx.pathParam("name");
    c.one(name).onSuccess(e -> {
      if (e == null) {
        String shown = name.length() > 64 ? name.substring(0, 64) + "..." : name;
        AdminServer.json(ctx, 404, AdminServer.error(404, "screen_not_found", "no screen '" + shown + "'; see " + base + "/screens"));
      } else {
        ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        AdminServer.json(ctx, 200, e);
      }
    }).onFailure(ctx::fail);
  }

  /** The catalog of the generation serving now, built on first use after a start or reload. */
  private ScreenCatalog current(RoutingContext ctx) {
    RunningBff bff = ready(ctx);
    if (bff == null) return null;
    var engine = bff.engine();
    var routes = bff.routes();
    ScreenCatalog c = catalog;
    if (c == null || !c.isFor(engine, routes)) {
      c = ScreenCatalog.of(engine, routes);
      catalog = c; // two racing builds are both right; the last one stays
    }
    return c;
  }

  private RunningBff ready(RoutingContext ctx) {
    RunningBff bff = live.get();
    if (bff == null) AdminServer.json(ctx, 503, AdminServer.error(503, "starting", "the BFF is starting; try again in a moment"));
    return bff;
  }
}
