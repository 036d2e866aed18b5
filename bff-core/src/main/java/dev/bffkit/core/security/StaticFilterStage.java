package dev.bffkit.core.security;

import dev.bffkit.core.config.Cidr;
import dev.bffkit.core.config.FiltersConfig;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.Stage;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Static filters, before auth (DESIGN step 3): IP allow/deny by CIDR with trusted proxies for
 * {@code X-Forwarded-For}, a geofence on a trusted country header, and WAF signatures on path,
 * query and headers ({@code block}: 403; {@code audit}: logged and let through). Bodies are
 * checked where they are read: {@link #bodyCheck} for GraphQL, {@code proxy.BodyWaf} for proxy routes. Synchronous and
 * allocation-light; nothing runs when nothing is configured (the stage is not installed).
 */
public final class StaticFilterStage implements Stage {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.security");

  private final FiltersConfig config;
  private final ClientAddress clients;
  private final Cidr[] allow;
  private final Cidr[] deny;
  private final boolean ipRules;

  public StaticFilterStage(FiltersConfig config) {
    this.config = config;
    this.clients = new ClientAddress(config.trustedProxies());
    this.allow = config.ipAllow().stream().map(Cidr::parse).toArray(Cidr[]::new);
    this.deny = config.ipDeny().stream().map(Cidr::parse).toArray(Cidr[]::new);
    this.ipRules = allow.length > 0 || deny.length > 0;
  }

  @Override
  public void handle(Exchange ex, Next next) {
    HttpServerRequest req = ex.request();
    if (ipRules && !ipAllowed(clients.of(req))) {
      ex.fail(403, "forbidden_address", "requests from this address are not accepted");
      return;
    }
    if (config.countryHeader() != null && !countryAllowed(req.getHeader(config.countryHeader()))) {
      ex.fail(403, "forbidden_country", "requests from this country are not accepted");
      return;
    }
    if (config.waf() != FiltersConfig.WafMode.OFF) {
      Waf.Hit hit = waf(req);
      if (hit != null) {
        LOG.warning("event=waf_" + (config.waf() == FiltersConfig.WafMode.BLOCK ? "blocked" : "audit")
            + " " + ex.logIds() + " rule=" + hit.rule() + " where=" + hit.where());
        if (config.waf() == FiltersConfig.WafMode.BLOCK) {
          ex.fail(403, "request_blocked", "the request was blocked by a security rule (" + hit.rule() + " in "
              + hit.where() + "); quote request id " + ex.requestId());
          return;
        }
      }
    }
    next.proceed(ex);
  }

  /**
   * The WAF's check of a GraphQL POST body (read whole by its endpoint; proxied bodies are read by
   * {@code proxy.BodyWaf}): a refusal message in block mode, null otherwise (audit mode logs).
   */
  public static java.util.function.BiFunction<Exchange, io.vertx.core.buffer.Buffer, String> bodyCheck(FiltersConfig config) {
    if (config.waf() == FiltersConfig.WafMode.OFF) return null;
    boolean block = config.waf() == FiltersConfig.WafMode.BLOCK;
    return (ex, body) -> verdict(ex,
        Waf.checkBody("application/json", null, body.toString(java.nio.charset.StandardCharsets.UTF_8)), block);
  }

  /**
   * Logs a body hit (one line with the request id) and returns the 403 message in block mode;
   * null when nothing matched or in audit mode.
   */
  public static String verdict(Exchange ex, Waf.Hit hit, boolean block) {
    if (hit == null) return null;
    LOG.warning("event=waf_" + (block ? "blocked" : "audit") + " " + ex.logIds() + " rule=" + hit.rule()
        + " where=" + hit.where());
    return block ? "the request was blocked by a security rule (" + hit.rule() + " in " + hit.where()
        + "); quote request id " + ex.requestId() : null;
  }

  private boolean ipAllowed(byte[] addr) {
    if (addr == null) return allow.length == 0;
    for (Cidr c : deny) if (c.contains(addr)) return false;
    if (allow.length == 0) return true;
    for (Cidr c : allow) if (c.contains(addr)) return true;
    return false;
  }

  private boolean countryAllowed(String country) {
    String c = country == null ? "" : country.trim().toUpperCase(java.util.Locale.ROOT);
    if (config.countryDeny().contains(c)) return false;
    return config.countryAllow().isEmpty() || config.countryAllow().contains(c);
  }

  private static Waf.Hit waf(HttpServerRequest req) {
    Waf.Hit hit = Waf.check(req.path(), "path");
    if (hit == null) hit = Waf.check(req.query(), "query");
    if (hit != null) return hit;
    for (Map.Entry<String, String> h : req.headers()) {
      String name = h.getKey();
      if (name.equalsIgnoreCase("authorization")) continue; // a token: opaque, checked by auth
      hit = Waf.check(h.getValue(), "header " + name.toLowerCase(java.util.Locale.ROOT));
      if (hit != null) return hit;
    }
    return null;
  }
}
