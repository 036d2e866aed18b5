package dev.bffkit.core.cache;

import dev.bffkit.core.admin.AdminServer;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.logging.Logger;

/**
 * The field cache on the admin listener (behind its token, as every route after {@code /readyz}):
 * {@code GET /cache} (sizes, per-field counts) and {@code POST /cache/invalidate} with {@code {"prefix": "..."}} or
 * {@code {"tag": "..."}}, answering how many entries were dropped here and on the shared tier; 503
 * {@code shared_invalidation_failed} (with {@code local}) when Redis failed, so nobody mistakes it for done.
 */
public final class CacheAdmin {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.cache");
  private static final int MAX_BODY = 4096;
  private static final int MAX_TEXT = 1024;

  private final FieldCache cache;

  private CacheAdmin(FieldCache cache) {
    this.cache = cache;
  }

  public static void mount(Router admin, FieldCache cache) {
    CacheAdmin api = new CacheAdmin(cache);
    admin.get("/cache").handler(ctx -> AdminServer.json(ctx, 200, cache.stats()));
    admin.post("/cache/invalidate").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY))
        .handler(api::invalidate).failureHandler(CacheAdmin::failed);
  }

  private void invalidate(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().length() == 0 ? null : ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      body = null;
    }
    Object prefix = body == null ? null : body.getValue("prefix");
    Object tag = body == null ? null : body.getValue("tag");
    if (body == null || (prefix == null) == (tag == null) || body.size() != 1
        || !(prefix == null || prefix instanceof String) || !(tag == null || tag instanceof String)) {
      bad(ctx, "send a JSON object with exactly one of \"prefix\" or \"tag\" (a string)");
      return;
    }
    String text = (String) (prefix != null ? prefix : tag);
    if (text.isEmpty() && tag != null || text.length() > MAX_TEXT) {
      bad(ctx, "the tag must be 1 to " + MAX_TEXT + " characters (a prefix up to " + MAX_TEXT + "; \"\" drops all)");
      return;
    }
    Future<FieldCache.Invalidated> done = prefix != null ? cache.invalidatePrefix(text) : cache.invalidateTag(text);
    done.onComplete(ar -> {
      if (ar.failed() && ar.cause() instanceof FieldCache.SharedInvalidationFailed f) {
        // Not a success: the entries remain in Redis and the other instances still serve theirs.
        LOG.warning("event=field_cache_invalidate_shared_failed by=" + (prefix != null ? "prefix" : "tag")
            + " length=" + text.length() + " local=" + f.local() + " error=" + f.getMessage());
        AdminServer.json(ctx, 503, AdminServer.error(503, "shared_invalidation_failed", "dropped " + f.local()
            + " here, but Redis failed: its entries remain and the other instances were not told; retry once Redis"
            + " answers").put("local", f.local()));
        return;
      }
      if (ar.failed()) {
        AdminServer.json(ctx, 500, AdminServer.error(500, "invalidate_failed", "the invalidation failed"));
        return;
      }
      FieldCache.Invalidated n = ar.result();
      // The prefix or tag may name a user: its length only.
      LOG.info("event=field_cache_invalidated by=" + (prefix != null ? "prefix" : "tag") + " length=" + text.length()
          + " local=" + n.local() + " shared=" + n.remote());
      JsonObject out = new JsonObject().put("local", n.local());
      out.put("redis", n.remote() < 0 ? null : n.remote());
      AdminServer.json(ctx, 200, out);
    });
  }

  private static void bad(RoutingContext ctx, String message) {
    AdminServer.json(ctx, 400, AdminServer.error(400, "bad_invalidation", message));
  }

  private static void failed(RoutingContext ctx) {
    int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
    AdminServer.json(ctx, status, AdminServer.error(status, status == 413 ? "body_too_large" : "invalidate_failed",
        status == 413 ? "the request is larger than " + MAX_BODY + " bytes" : "the invalidation failed"));
  }
}
