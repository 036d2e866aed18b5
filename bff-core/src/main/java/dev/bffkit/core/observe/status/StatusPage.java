package dev.bffkit.core.observe.status;

import dev.bffkit.core.admin.AdminServer;
import dev.bffkit.core.admin.InlinePage;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.observe.Observability;
import dev.bffkit.core.route.RouteTable;
import dev.bffkit.core.upstream.UpstreamRegistry;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;

/**
 * The operators' status page on the admin listener: {@code /status} is one self-contained HTML
 * file (inline CSS and JS drawing SVG charts, no external asset, so it works offline and behind
 * any firewall) that polls {@code /status/data} (this class, from {@link LiveStats} and the
 * upstream registry) and {@code /slo} every 2 s.
 *
 * <p>The admin token: the HTML is the same static file for every BFF and carries no data and no
 * secret, so {@code /status} is served before the admin listener's token check; everything it
 * shows comes from {@code /status/data}, {@code /slo} and friends, which stay behind the token.
 * When they answer 401 the page asks for the token and keeps it in the tab's memory only (never
 * in the HTML, a URL, a cookie or storage), sending it as {@code Authorization: Bearer}; a proxy
 * that injects the header works as well, with no prompt.
 *
 * <p>The Content-Security-Policy allows only the page's own inline style and script, by SHA-256
 * hash (computed once from the file), and fetches to the same origin.
 */
public final class StatusPage {
  static final String RESOURCE = "status.html";
  static final int DEFAULT_SECONDS = 300;
  static final int DEFAULT_STEP = 2;
  private static final String JSON = "application/json";

  private static final InlinePage PAGE = InlinePage.load(StatusPage.class, RESOURCE);

  private StatusPage() {}

  /**
   * Makes the BFF's {@link LiveStats}, registers it as an observer of completed requests and
   * mounts the page on the admin router; null (and nothing mounted) when {@code observe.statusPage}
   * is off. Call it after the admin listener's token check is on the router: {@code /status/data}
   * must be behind it ({@code /status}, the static page, goes before it on purpose).
   */
  public static LiveStats install(Observability o, BffConfig config, RouteTable routes, UpstreamRegistry upstreams,
      Router adminRouter) {
    if (!o.config().statusPage()) return null;
    LiveStats stats = new LiveStats(routes, config.services().keySet(), System::currentTimeMillis);
    o.observe(stats);
    mount(adminRouter, stats, o.bffName(), upstreams == null ? JsonObject::new : upstreams::snapshot);
    return stats;
  }

  /** Mounts {@code /status} (first of all routes, before any token check) and {@code /status/data}. */
  public static void mount(Router router, LiveStats stats, String bffName, Supplier<JsonObject> upstreams) {
    router.get("/status").order(-1).handler(PAGE::serve);
    router.get("/status/data").handler(ctx -> data(ctx, stats, bffName, upstreams));
  }

  /** The Content-Security-Policy the page is served with. */
  public static String contentSecurityPolicy() {
    return PAGE.contentSecurityPolicy();
  }

  private static void data(RoutingContext ctx, LiveStats stats, String bffName, Supplier<JsonObject> upstreams) {
    int seconds = param(ctx, "seconds", DEFAULT_SECONDS, 1, LiveStats.SECONDS);
    int step = param(ctx, "step", DEFAULT_STEP, 1, 60);
    if (seconds < 0 || step < 0) {
      noStore(ctx.response());
      AdminServer.json(ctx, 400, AdminServer.error(400, "bad_parameter", "seconds is 1.." + LiveStats.SECONDS + ", step 1..60"));
      return;
    }
    JsonObject out = stats.toJson(seconds, Math.min(step, seconds)).put("bff", bffName).put("upstreams", upstreams.get());
    noStore(ctx.response()).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(out.toBuffer());
  }

  private static int param(RoutingContext ctx, String name, int dflt, int min, int max) {
    return bounded(ctx.request().getParam(name), dflt, min, max);
  }

  /** A decimal integer in [min, max] (at most 4 digits, no sign); {@code dflt} when null; -1 when malformed or out of range. */
  static int bounded(String v, int dflt, int min, int max) {
    if (v == null) return dflt;
    if (v.isEmpty() || v.length() > 4) return -1;
    int n = 0;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') return -1;
      n = n * 10 + (c - '0');
    }
    return n < min || n > max ? -1 : n;
  }

  private static HttpServerResponse noStore(HttpServerResponse r) {
    return r.putHeader(HttpHeaders.CACHE_CONTROL, "no-store").putHeader("x-content-type-options", "nosniff");
  }
}
