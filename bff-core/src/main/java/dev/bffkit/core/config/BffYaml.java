package dev.bffkit.core.config;

import dev.bffkit.core.config.YamlReader.Obj;
import dev.bffkit.core.config.YamlReader.Scalar;
import dev.bffkit.core.ratelimit.RateLimit;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Turns the text of a bff.yaml into a validated {@link BffConfig}; the format is described on {@link BundleLoader}. */
final class BffYaml {
  private static final Set<String> ROOT = ConfigKeys.ROOT.names();
  private static final Set<String> PORTAL = ConfigKeys.PORTAL.names();
  private static final Set<String> PORTAL_PUBLIC = ConfigKeys.PORTAL_PUBLIC.names();
  /** A public portal path: segments of unreserved characters (RFC 3986 §2.3), no dot segments. */
  private static final Pattern PORTAL_PATH = Pattern.compile("(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+");
  private static final Set<String> PORTAL_KEYS = ConfigKeys.PORTAL_KEYS.names();
  private static final Set<String> KEY_STORE = ConfigKeys.KEY_STORE.names();
  private static final Set<String> KEY_STORE_REDIS = ConfigKeys.KEY_STORE_REDIS.names();
  private static final Set<String> TRAFFIC = ConfigKeys.TRAFFIC.names();
  private static final Set<String> MIRROR = ConfigKeys.MIRROR.names();
  private static final Set<String> RATE_LIMITS = ConfigKeys.RATE_LIMITS.names();
  private static final Set<String> TIER = ConfigKeys.TIER.names();
  private static final Set<String> LIMIT = ConfigKeys.LIMIT.names();
  private static final Set<String> QUOTA = ConfigKeys.QUOTA.names();
  private static final Set<String> RULE = ConfigKeys.RATE_RULE.names();
  private static final Set<String> REDIS = ConfigKeys.REDIS.names();
  private static final Set<String> FLEET = ConfigKeys.FLEET.names();
  private static final Set<String> BILLING = ConfigKeys.BILLING.names();
  private static final Pattern LIMIT_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final Set<String> OBSERVE = ConfigKeys.OBSERVE.names();
  private static final Set<String> OBSERVE_METRICS = ConfigKeys.METRICS.names();
  private static final Set<String> TRACING = ConfigKeys.TRACING.names();
  private static final Set<String> ACCESS_LOG = ConfigKeys.ACCESS_LOG.names();
  private static final Set<String> AUDIT = ConfigKeys.AUDIT.names();
  private static final Set<String> SLO = ConfigKeys.SLO.names();
  private static final Set<String> SLO_LATENCY = ConfigKeys.SLO_LATENCY.names();
  private static final Set<String> ADMIN = ConfigKeys.ADMIN.names();
  private static final Set<String> FILTERS = ConfigKeys.FILTERS.names();
  private static final Set<String> CACHE = ConfigKeys.CACHE.names();
  private static final Set<String> CACHE_REDIS = ConfigKeys.CACHE_REDIS.names();
  private static final Set<String> WAF_BODY = ConfigKeys.WAF_BODY.names();
  private static final Set<String> WASM_FILTER = ConfigKeys.WASM_FILTER.names();
  private static final Pattern MEDIA_RANGE = Pattern.compile(
      "\\*/\\*|[a-z0-9][a-z0-9!#$&^_.+-]*/(\\*(\\+[a-z0-9!#$&^_.-]+)?|[a-z0-9][a-z0-9!#$&^_.+-]*)");
  private static final Set<String> CORS = ConfigKeys.CORS.names();
  private static final Set<String> TLS = ConfigKeys.TLS.names();
  private static final Set<String> LIMITS = ConfigKeys.LIMITS.names();
  private static final Set<String> GRAPHQL_LIMITS = ConfigKeys.GRAPHQL_LIMITS.names();
  private static final Set<String> SERVER = ConfigKeys.SERVER.names();
  private static final Set<String> WARM_UP = ConfigKeys.WARM_UP.names();
  private static final Set<String> HTTP3 = ConfigKeys.HTTP3.names();
  private static final Set<String> COMPOSITION = ConfigKeys.COMPOSITION.names();
  private static final Set<String> SERVICE = ConfigKeys.SERVICE.names();
  private static final Set<String> SERVICE_TLS = ConfigKeys.SERVICE_TLS.names();
  private static final Set<String> DISCOVERY = ConfigKeys.DISCOVERY.names();
  private static final Set<String> BALANCER = ConfigKeys.BALANCER.names();
  private static final Set<String> HEALTH = ConfigKeys.HEALTH.names();
  private static final Set<String> OUTLIER = ConfigKeys.OUTLIER.names();
  private static final Set<String> BREAKER = ConfigKeys.BREAKER.names();
  private static final Set<String> RETRY = ConfigKeys.RETRY.names();
  private static final Set<String> HEDGE = ConfigKeys.HEDGE.names();
  private static final Set<String> BULKHEAD = ConfigKeys.BULKHEAD.names();
  private static final Set<String> COLD_START = ConfigKeys.COLD_START.names();
  private static final Set<String> HTTP2 = ConfigKeys.HTTP2.names();
  private static final Set<String> ROUTE = ConfigKeys.ROUTE.names();
  private static final Set<String> AUTH = ConfigKeys.AUTH.names();
  private static final Set<String> ISSUER = ConfigKeys.ISSUER.names();
  private static final Set<String> INTROSPECTION = ConfigKeys.INTROSPECTION.names();
  private static final Set<String> API_KEYS = ConfigKeys.API_KEYS.names();
  private static final Set<String> API_KEY = ConfigKeys.API_KEY.names();
  /** Asymmetric JWS algorithms only: an HMAC "verified" with a public key is a classic forgery. */
  private static final Set<String> JWS_ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384",
      "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519");
  /** Each accepted algorithm by its upper-case spelling (the allowlist is case-insensitive). */
  private static final Map<String, String> JWS_ALGORITHM_NAMES = JWS_ALGORITHMS.stream()
      .collect(java.util.stream.Collectors.toUnmodifiableMap(a -> a.toUpperCase(Locale.ROOT), a -> a));
  static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
  private static final Set<String> GRPC = ConfigKeys.GRPC.names();
  private static final Set<String> EXPOSE = ConfigKeys.EXPOSE.names();
  static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE",
      "PATCH", "OPTIONS", "TRACE", "CONNECT");
  private static final Pattern SERVICE_NAME = Pattern.compile("[a-zA-Z][a-zA-Z0-9_-]*");
  /** {@code services.defaults}: keys every service starts from; not a service. */
  static final String SERVICE_DEFAULTS = "defaults";
  private static final String EXAMPLE_URL = "http://127.0.0.1:9101";

  private BffYaml() {}

  /** Parses and validates; {@code defaultName} is used when the file has no {@code name:}. */
  static BffConfig parse(String file, String text, String defaultName, EnvInterpolator env) {
    return parse(file, text, defaultName, env, YamlReader.Includes.NONE);
  }

  /** As above, with the files of {@code include:} read by {@code includes}. */
  static BffConfig parse(String file, String text, String defaultName, EnvInterpolator env,
      YamlReader.Includes includes) {
    Obj root = new YamlReader(file, env).parseRoot(text, ROOT, includes);
    String name = root.string("name", defaultName);
    if (name.isBlank()) {
      throw root.scalar("name", "").invalid("must not be empty; write e.g. name: " + defaultName);
    }
    Obj servicesObj = root.obj("services", null);
    Map<String, ServiceConfig> services = services(servicesObj);
    ServerConfig server = server(root.obj("server", SERVER));
    TlsConfig tls = tls(root.obj("tls", TLS));
    if (server.http3().enabled() && !tls.enabled()) {
      throw root.obj("server", SERVER).obj("http3", HTTP3).scalar("enabled", "").invalid(
          "needs tls: HTTP/3 is always TLS 1.3; set tls.certPath and tls.keyPath (the same PEM files serve TCP and QUIC)");
    }
    FleetConfig fleet = fleet(root.obj("redis", FLEET));
    RateLimitConfig rateLimits = rateLimits(root.obj("rateLimits", RATE_LIMITS), fleet);
    AuthConfig auth = auth(root.obj("auth", AUTH), rateLimits, fleet);
    Obj portal = root.obj("portal", PORTAL);
    return new BffConfig(name, server,
        composition(root.obj("composition", COMPOSITION)), services, routes(root, services),
        grpc(root.obj("grpc", GRPC), servicesObj, services),
        auth, limits(root.obj("limits", LIMITS)), filters(root.obj("filters", FILTERS), includes),
        cors(root.obj("cors", CORS)), tls, admin(root.obj("admin", ADMIN), server),
        observe(root.obj("observe", OBSERVE)), rateLimits, traffic(root.obj("traffic", TRAFFIC), services),
        portal(portal, rateLimits).withPublic(portalPublic(portal, auth)), contracts(servicesObj, services), fleet);
  }

  /** {@code redis:}: the fleet's shared Redis; an empty url = each instance alone. */
  private static FleetConfig fleet(Obj o) {
    String url = redisUrl(o, "an empty url = each instance alone");
    String type = redisType(o);
    return new FleetConfig(url.isEmpty() ? null : url, type, type.equals("sentinel") ? o.string("masterName", null) : null,
        o.string("keyPrefix"), o.duration("timeout"), o.duration("apqTtl"));
  }

  /** {@code type} of a Redis section, with {@code masterName} required for a sentinel. */
  private static String redisType(Obj o) {
    String type = o.string("type").trim();
    if (!Set.of("standalone", "sentinel", "cluster").contains(type)) {
      throw o.scalar("type", "").invalid("is not a Redis deployment; write standalone, sentinel or cluster");
    }
    String master = o.string("masterName", null);
    if (type.equals("sentinel") && (master == null || master.isBlank())) {
      throw o.error("sentinel needs masterName; write e.g. masterName: mymaster");
    }
    return type;
  }

  /** {@code url} of a Redis section, trimmed ("" when empty), or a start-up error naming the fix. */
  private static String redisUrl(Obj o, String emptyMeans) {
    String url = o.string("url").trim();
    if (!url.isEmpty() && !url.startsWith("redis://") && !url.startsWith("rediss://") && !url.startsWith("unix://")) {
      throw o.scalar("url", "").invalid("is not a Redis URL; write e.g. redis://127.0.0.1:6379 (" + emptyMeans + ")");
    }
    return url;
  }

  /** {@code services.<name>.openapi}: the service's OpenAPI document ({@code classpath:} or relative to the folder). */
  private static Map<String, GrpcConfig.Entry> contracts(Obj servicesObj, Map<String, ServiceConfig> services) {
    Map<String, GrpcConfig.Entry> out = new LinkedHashMap<>();
    for (String name : services.keySet()) {
      Obj o = servicesObj.objOver(name, SERVICE_DEFAULTS, SERVICE);
      if (!o.has("openapi")) continue;
      Scalar s = o.scalar("openapi", "");
      if (s.value.isBlank()) throw s.invalid("must name an OpenAPI document; write e.g. openapi: classpath:openapi/users.yaml");
      out.put(name, new GrpcConfig.Entry(s.value.trim(), s.pos()));
    }
    return out;
  }

  /**
   * {@code portal.public: { path: /developers, scopes: [...] }}: off when absent. Its data needs a developer token
   * from the BFF's issuers, so it needs an issuer; its path may not overlap another route (the route table checks).
   */
  private static PortalConfig.Public portalPublic(Obj portal, AuthConfig auth) {
    if (!portal.has("public")) return null;
    Obj p = portal.obj("public", PORTAL_PUBLIC);
    Scalar path = p.scalar("path", "write e.g. path: /developers");
    String v = path.value.trim();
    if (v.length() > 1 && v.endsWith("/")) v = v.substring(0, v.length() - 1);
    if (!PORTAL_PATH.matcher(v).matches()) {
      throw path.invalid("is not a path for the public portal; write e.g. /developers (letters, digits, '-', '_', '.',"
          + " '~' between slashes; not '/', no '.' or '..' segment)");
    }
    if (auth.issuers().isEmpty()) {
      throw p.error("the public portal admits developers by a token from the BFF's identity provider, and none is"
          + " configured: add auth.issuers (or remove portal.public)");
    }
    GrpcConfig.Pos at = p.pos();
    return new PortalConfig.Public(v, scopes(p, "scopes"), at.file() + ":" + at.line());
  }

  /**
   * {@code portal:}; {@code keys.store} is {@code file: PATH} (relative to the bundle folder) or {@code redis}
   * ({@code rateLimits.redis.url}) or {@code redis: {url}}; tiers default to every rate-limit tier.
   */
  private static PortalConfig portal(Obj o, RateLimitConfig rateLimits) {
    Obj k = o.obj("keys", PORTAL_KEYS);
    if (!k.bool("enabled")) {
      // Off, the store is never read; a misspelt key in it is refused all the same (it would bite when turned on).
      if (k.has("store") && !k.isScalar("store")) k.obj("store", KEY_STORE).obj("redis", KEY_STORE_REDIS);
      return PortalConfig.defaults();
    }
    List<String> declared = rateLimits.tiers().keySet().stream().filter(x -> !x.equals(RateLimitConfig.ANONYMOUS)).toList();
    List<String> tiers = new ArrayList<>();
    for (Scalar s : k.scalars("tiers")) {
      String t = s.value.trim();
      if (!declared.contains(t)) {
        throw s.invalid("is not a tier of rateLimits.tiers (anonymous excluded); declared: "
            + (declared.isEmpty() ? "none (declare tiers under rateLimits.tiers)" : String.join(", ", declared)));
      }
      if (tiers.contains(t)) throw s.invalid("is listed twice");
      tiers.add(t);
    }
    if (tiers.isEmpty()) tiers.addAll(declared);
    if (tiers.isEmpty()) {
      throw k.error("self-service keys pick a rate-limit tier; declare tiers under rateLimits.tiers (e.g. free, pro)");
    }
    int max = k.integer("maxPerDeveloper");
    String hint = "write store: { file: keys.json } (relative to the bundle folder) or store: redis";
    Path file = null;
    String redis = null;
    if (k.isScalar("store")) {
      Scalar s = k.scalar("store", hint);
      if (!s.value.trim().equals("redis")) throw s.invalid("is not a key store; " + hint);
      redis = keyStoreRedis(null, rateLimits, s.invalid("needs a Redis URL: set redis.url or write"
          + " store: { redis: { url: redis://127.0.0.1:6379 } }"));
    } else {
      Obj store = k.obj("store", KEY_STORE);
      if (store.has("file") && store.has("redis")) throw store.error("name one store, file or redis; " + hint);
      if (store.has("file")) {
        Scalar f = store.scalar("file", hint);
        try {
          if (f.value.isBlank()) throw f.invalid("is empty; " + hint);
          file = Path.of(f.value.trim());
        } catch (InvalidPathException e) {
          throw f.invalid("is not a file path; " + hint);
        }
      } else if (store.has("redis")) {
        Obj r = store.obj("redis", KEY_STORE_REDIS);
        redis = keyStoreRedis(r.has("url") ? r.scalar("url", "") : null, rateLimits,
            store.keyError("redis", "needs a Redis URL: set redis.url or write redis: { url: redis://127.0.0.1:6379 }"));
      } else {
        throw k.error("missing 'store'; " + hint);
      }
    }
    return new PortalConfig(new PortalConfig.Keys(true, tiers, max, file, redis, scopes(k, "scopes")));
  }

  /** The key store's Redis URL: {@code url} when given, else {@code rateLimits.redis.url}; else {@code missing}. */
  private static String keyStoreRedis(Scalar url, RateLimitConfig rateLimits, ConfigException missing) {
    String u = url != null ? url.value.trim() : rateLimits.redis() == null ? "" : rateLimits.redis().url();
    if (u.isEmpty()) throw missing;
    if (url == null && !rateLimits.redis().type().equals("standalone")) {
      // The store subscribes to its change channel on one connection: a Sentinel or Cluster client is not that.
      throw new ConfigException(missing.file(), missing.line(), "portal.keys.store: the shared Redis is a "
          + rateLimits.redis().type() + "; the key store needs one standalone Redis: write store: { redis: { url:"
          + " redis://HOST:6379 } } (e.g. the master's address)");
    }
    if (!u.startsWith("redis://") && !u.startsWith("rediss://") && !u.startsWith("unix://")) {
      throw url != null ? url.invalid("is not a Redis URL; write e.g. redis://127.0.0.1:6379") : missing;
    }
    return u;
  }

  /** {@code traffic:}; mirror routes are checked against the route table when it is compiled, services here. */
  private static TrafficConfig traffic(Obj o, Map<String, ServiceConfig> services) {
    List<TrafficConfig.Mirror> mirrors = new ArrayList<>();
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (Obj m : o.objs("mirrors", MIRROR)) {
      Scalar route = m.scalar("route", "name a route as --routes prints it, e.g. route: \"screen:home\"");
      String name = route.value.trim();
      if (name.isEmpty()) throw route.invalid("is empty; name a route as --routes prints it, e.g. \"screen:home\"");
      Integer first = seen.putIfAbsent(name, route.node.getStartMark().getLine() + 1);
      if (first != null) throw route.invalid("is already mirrored at line " + first + "; one mirror per route");
      Scalar service = m.scalar("service", "write e.g. service: shadow (a service declared under services:)");
      if (!services.containsKey(service.value.trim())) {
        throw service.invalid("is not a service; known services: "
            + (services.isEmpty() ? "none (declare it under services:)" : String.join(", ", services.keySet())));
      }
      double share = m.share("share");
      int max = m.integer("maxConcurrent");
      int maxBody = m.bytes("maxBodyBytes");
      GrpcConfig.Pos at = route.pos();
      mirrors.add(new TrafficConfig.Mirror(name, service.value.trim(), share, max, maxBody, at.file() + ":" + at.line()));
    }
    return new TrafficConfig(mirrors);
  }

  /** {@code rateLimits:}; rule routes are checked against the route table when it is compiled. */
  private static RateLimitConfig rateLimits(Obj o, FleetConfig fleet) {
    Map<String, RateLimitConfig.Tier> tiers = new LinkedHashMap<>();
    Obj t = o.obj("tiers", null);
    for (String tierName : t.keys()) {
      if (!LIMIT_NAME.matcher(tierName).matches()) {
        throw t.keyError(tierName, "is not a tier name; use letters, digits and _ . - (at most 64)");
      }
      Obj tier = t.obj(tierName, TIER);
      boolean anonymous = tierName.equals(RateLimitConfig.ANONYMOUS);
      RateLimitConfig.Key key = key(tier, anonymous ? RateLimitConfig.KeyPart.IP : RateLimitConfig.KeyPart.SUB);
      List<RateLimit> limits = limits(tier, tier.path);
      RateLimitConfig.Quota quota = null;
      if (tier.has("quota")) {
        Obj q = tier.obj("quota", QUOTA);
        long limit = q.integer("limit", 0, 1, Integer.MAX_VALUE);
        if (limit == 0) throw q.error("missing 'limit'; write e.g. quota: { limit: 10000, per: month }");
        RateLimitConfig.Period period = switch (q.string("per").trim()) {
          case "month" -> RateLimitConfig.Period.MONTH;
          case "day" -> RateLimitConfig.Period.DAY;
          default -> throw q.scalar("per", "").invalid("is not a billing period; write month or day");
        };
        RateLimitConfig.Over over = switch (q.string("over").trim()) {
          case "reject" -> RateLimitConfig.Over.REJECT;
          case "bill" -> RateLimitConfig.Over.BILL;
          default -> throw q.scalar("over", "").invalid("is not an over-quota action; write reject (429) or bill (allow, and bill)");
        };
        List<Integer> thresholds = new ArrayList<>();
        if (q.has("thresholds")) {
          for (Scalar s : q.scalars("thresholds")) {
            String v = s.value.trim();
            int pct;
            try {
              pct = Integer.parseInt(v.endsWith("%") ? v.substring(0, v.length() - 1).trim() : v);
            } catch (NumberFormatException e) {
              throw s.invalid("is not a percentage of the quota; write e.g. [80%, 100%]");
            }
            if (pct < 1 || pct > 1000) throw s.invalid("must be between 1% and 1000%");
            if (thresholds.contains(pct)) throw s.invalid("is listed twice");
            thresholds.add(pct);
          }
          thresholds.sort(null);
        } else {
          thresholds = List.of(80, 100);
        }
        quota = new RateLimitConfig.Quota(limit, period, over, thresholds);
      }
      if (anonymous && quota != null) {
        throw tier.obj("quota", QUOTA).error("the anonymous tier has no quota (callers without credentials have no"
            + " account to meter); give it limits only");
      }
      if (limits.isEmpty() && quota == null) {
        throw t.keyError(tierName, "declares neither limits nor a quota; write e.g. " + tierName
            + ": { limits: [ { limit: 100, per: 1m } ] }");
      }
      tiers.put(tierName, new RateLimitConfig.Tier(tierName, key, limits, quota, where(t, tierName)));
    }
    List<RateLimitConfig.Rule> rules = new ArrayList<>();
    Set<String> ruleNames = new LinkedHashSet<>();
    for (Obj r : o.objs("rules", RULE)) {
      Scalar name = r.scalar("name", "write e.g. name: checkout-per-ip");
      if (!LIMIT_NAME.matcher(name.value.trim()).matches()) throw name.invalid("may hold only letters, digits and _ . -");
      if (!ruleNames.add(name.value.trim())) throw name.invalid("is the name of another rule; give each its own");
      List<String> routes = new ArrayList<>();
      for (Scalar s : r.scalars("routes")) routes.add(s.value.trim());
      if (routes.isEmpty()) throw r.error("missing 'routes'; name routes as --routes prints them, e.g. routes: [\"screen:home\"], or [\"*\"]");
      List<RateLimit> limits = limits(r, r.path);
      if (limits.isEmpty()) throw r.error("missing 'limits'; write e.g. limits: [ { limit: 10, per: 1s } ]");
      if (!r.has("key")) throw r.error("missing 'key'; write e.g. key: ip, key: sub, key: [ip, route] or key: claim:org");
      GrpcConfig.Pos at = name.pos();
      rules.add(new RateLimitConfig.Rule(name.value.trim(), routes, key(r, null), limits, at.file() + ":" + at.line()));
    }
    String defaultTier = o.string("defaultTier", null);
    if (defaultTier != null) {
      defaultTier = defaultTier.trim();
      if (defaultTier.isEmpty()) defaultTier = null;
      else if (!tiers.containsKey(defaultTier) || defaultTier.equals(RateLimitConfig.ANONYMOUS)) {
        throw o.scalar("defaultTier", "").invalid("is not a declared tier (anonymous excluded); declared: "
            + String.join(", ", tiers.keySet()));
      }
    }
    RateLimitConfig.Redis redis = null;
    Obj rd = o.obj("redis", REDIS);
    String url = redisUrl(rd, "an empty url = redis.url, or each instance limits alone");
    // Without a url of its own the limiter uses the fleet's Redis as the fleet declares it.
    boolean fleets = url.isEmpty() && fleet.shared();
    if (fleets) url = fleet.redisUrl();
    if (!url.isEmpty()) {
      String type = fleets ? fleet.type() : redisType(rd);
      String master = fleets ? fleet.masterName() : rd.string("masterName", null);
      boolean failOpen = switch (rd.string("onFailure").trim()) {
        case "open" -> true;
        case "closed" -> false;
        default -> throw rd.scalar("onFailure", "").invalid("write open (each instance's own limiter decides) or"
            + " closed (503 until Redis is back)");
      };
      Duration timeout = rd.duration("timeout");
      redis = new RateLimitConfig.Redis(url, type, master, rd.integer("connections"), timeout, failOpen,
          rd.string("keyPrefix"));
    }
    RateLimitConfig.Billing billing = null;
    Obj b = o.obj("billing", BILLING);
    if (b.has("url") && !b.string("url", "").isBlank()) {
      boolean quotas = tiers.values().stream().anyMatch(x -> x.quota() != null);
      if (!quotas) throw b.error("a billing webhook needs a tier with a quota (it is called at quota thresholds)");
      URI hook = absoluteUrl(b.scalar("url", ""), "https://billing.example.com/hooks/usage");
      Scalar secret = b.scalar("secret", "write the HMAC key, e.g. secret: ${BFF_BILLING_SECRET}");
      if (secret.value.length() < 16) throw b.error("secret: at least 16 characters; write e.g. secret: ${BFF_BILLING_SECRET}");
      billing = new RateLimitConfig.Billing(hook, secret.value, b.duration("timeout"),
          b.integer("maxAttempts"), b.duration("initialBackoff"),
          b.duration("maxBackoff"), b.integer("queue"));
    }
    return new RateLimitConfig(o.bool("enabled"), tiers, rules, o.string("tierClaim").trim(), defaultTier, redis, billing,
        o.integer("localKeys"), o.bool("headers"));
  }

  /** {@code key:} of a tier or rule: one part or a list, e.g. {@code [ip, route]}, {@code claim:org}. */
  private static RateLimitConfig.Key key(Obj o, RateLimitConfig.KeyPart fallback) {
    List<RateLimitConfig.KeyPart> parts = new ArrayList<>();
    String claim = null;
    for (Scalar s : o.scalars("key")) {
      String v = s.value.trim();
      RateLimitConfig.KeyPart part;
      if (v.startsWith("claim:") && v.length() > 6) {
        if (claim != null) throw s.invalid("names a second claim; a key may use one claim");
        claim = v.substring(6);
        part = RateLimitConfig.KeyPart.CLAIM;
      } else {
        part = switch (v) {
          case "apikey" -> RateLimitConfig.KeyPart.APIKEY;
          case "sub" -> RateLimitConfig.KeyPart.SUB;
          case "ip" -> RateLimitConfig.KeyPart.IP;
          case "route" -> RateLimitConfig.KeyPart.ROUTE;
          default -> throw s.invalid("is not a key part; write apikey, sub, claim:NAME, ip or route (or a list of them)");
        };
      }
      if (parts.contains(part)) throw s.invalid("is listed twice");
      parts.add(part);
    }
    if (parts.isEmpty()) parts.add(fallback);
    return new RateLimitConfig.Key(parts, claim);
  }

  /** {@code limits:} of a tier or rule, each {@code { name, limit, per, burst }}; names unique within the list. */
  private static List<RateLimit> limits(Obj o, String path) {
    List<RateLimit> out = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (Obj l : o.objs("limits", LIMIT)) {
      int limit = l.integer("limit", 0, 1, Integer.MAX_VALUE);
      if (limit == 0) throw l.error("missing 'limit'; write e.g. { limit: 100, per: 1m }");
      Duration per = l.duration("per", null);
      if (per == null) throw l.error("missing 'per'; write e.g. { limit: 100, per: 1m } (s, m, h or d)");
      int burst = l.integer("burst", limit, 1, Integer.MAX_VALUE);
      String name = l.string("name", limit + "-per-" + Units.text(per)).trim();
      if (!LIMIT_NAME.matcher(name).matches()) throw l.scalar("name", "").invalid("may hold only letters, digits and _ . -");
      if (!names.add(name)) {
        throw (l.has("name") ? l.scalar("name", "") : l.scalar("per", "")).invalid("names a limit twice in " + path
            + "; give each limit its own name, e.g. name: per-minute");
      }
      try {
        out.add(new RateLimit(name, limit, per, burst));
      } catch (IllegalArgumentException e) {
        throw l.scalar("limit", "").invalid(e.getMessage());
      }
    }
    return out;
  }

  /** file:line of a mapping key. */
  private static String where(Obj o, String key) {
    ConfigException e = o.keyError(key, "");
    return e.file() + ":" + e.line();
  }

  /** {@code observe:}; SLO routes are checked against the route table when it is compiled. */
  private static ObserveConfig observe(Obj o) {
    ObserveConfig d = ObserveConfig.defaults();
    Obj m = o.obj("metrics", OBSERVE_METRICS);
    List<Duration> buckets = d.metrics().buckets();
    if (m.has("buckets")) {
      List<Duration> given = new ArrayList<>();
      for (Scalar s : m.scalars("buckets")) {
        Duration b = Units.duration(s.value);
        if (b == null || b.isZero()) throw s.invalid("is not a positive duration; write e.g. [5ms, 50ms, 500ms]");
        given.add(b);
      }
      buckets = given.stream().distinct().sorted().toList();
    }
    ObserveConfig.Metrics metrics = new ObserveConfig.Metrics(m.bool("enabled"), buckets);

    Obj t = o.obj("tracing", TRACING);
    ObserveConfig.Tracing.Exporter exporter = d.tracing().exporter();
    String endpoint = t.string("endpoint", null);
    if (endpoint != null && endpoint.isBlank()) endpoint = null; // "${BFF_OTLP_ENDPOINT:-}" unset: log the spans
    if (t.has("exporter")) {
      Scalar s = t.scalar("exporter", "");
      exporter = switch (s.value.trim()) {
        case "log" -> ObserveConfig.Tracing.Exporter.LOG;
        case "otlp" -> ObserveConfig.Tracing.Exporter.OTLP;
        case "none" -> ObserveConfig.Tracing.Exporter.NONE;
        default -> throw s.invalid("is not an exporter; write log, otlp or none");
      };
    } else if (endpoint != null) {
      exporter = ObserveConfig.Tracing.Exporter.OTLP;
    }
    if (endpoint != null) {
      Scalar s = t.scalar("endpoint", "");
      if (!endpoint.matches("https?://[^\\s/]+(/\\S*)?")) { // once, at start-up
        throw s.invalid("is not an http(s) URL; write e.g. http://127.0.0.1:4318/v1/traces");
      }
    } else if (exporter == ObserveConfig.Tracing.Exporter.OTLP) {
      throw t.error("exporter otlp needs an endpoint, e.g. endpoint: http://127.0.0.1:4318/v1/traces");
    }
    ObserveConfig.Tracing tracing = new ObserveConfig.Tracing(t.bool("enabled"),
        t.share("sampling"), exporter, endpoint, t.string("serviceName", null));

    Obj a = o.obj("accessLog", ACCESS_LOG);
    ObserveConfig.AccessLog accessLog = new ObserveConfig.AccessLog(a.bool("enabled"),
        a.string("file", null), a.bytes("maxFileBytes"),
        a.integer("maxFiles"), a.integer("queue"));

    Obj au = o.obj("audit", AUDIT);
    List<String> auditRoutes = new ArrayList<>();
    for (Scalar s : au.scalars("routes")) auditRoutes.add(s.value.trim());
    ObserveConfig.Audit audit = new ObserveConfig.Audit(au.has("file"), au.string("file", null),
        au.integer("queue"), au.integer("checkpointEvery"),
        auditRoutes);

    List<ObserveConfig.Slo> slos = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (Obj s : o.objs("slos", SLO)) {
      String route = s.scalar("route", "name the route as --routes prints it, e.g. route: screen:home").value.trim();
      String sloName = s.string("name", route);
      if (!sloName.matches("[A-Za-z0-9_.:-]+")) throw s.scalar("name", "").invalid("may hold only letters, digits and _ . : -");
      if (!names.add(sloName)) throw s.scalar("name", "").invalid("is the name of another SLO; give each its own");
      double availability = s.share("availability", 0, 1);
      Obj lat = s.obj("latency", SLO_LATENCY);
      double target = 0;
      Duration threshold = null;
      if (s.has("latency")) {
        threshold = lat.duration("threshold", null);
        if (threshold == null) throw lat.error("missing 'threshold'; write e.g. latency: { threshold: 300ms, target: 99% }");
        target = lat.share("target");
      }
      if (availability == 0 && target == 0) {
        throw s.error("declares no objective; write availability: 99.9% and/or latency: { threshold: 300ms, target: 99% }");
      }
      if (availability >= 1 || target >= 1) {
        throw s.error("an objective of 100% leaves no error budget; write e.g. 99.9%");
      }
      slos.add(new ObserveConfig.Slo(sloName, route, availability, target, threshold,
          s.duration("window"), s.scalar("route", "").pos().file() + ":" + s.scalar("route", "").pos().line()));
    }
    return new ObserveConfig(metrics, tracing, accessLog, audit, slos, o.bool("statusPage"));
  }

  /** The admin listener; beyond loopback it must have a token (it shows topology and config). */
  private static AdminConfig admin(Obj o, ServerConfig server) {
    AdminConfig d = AdminConfig.defaults(server.port());
    String token = null;
    Scalar t = o.has("token") ? o.scalar("token", "") : null;
    if (t != null && !t.value.isEmpty()) { // empty = none, so `token: "${BFF_ADMIN_TOKEN:-}"` reads as unset
      if (t.value.length() < 16) throw t.invalid("is too short; use at least 16 random characters, e.g. from ${BFF_ADMIN_TOKEN}");
      token = t.value;
    }
    AdminConfig admin = new AdminConfig(o.string("host"), o.integer("port", d.port(), -1, 65535), token);
    if (admin.enabled() && !admin.loopback() && token == null) {
      throw o.scalar("host", "").invalid("is not a loopback address, so the admin listener needs a token;"
          + " add token: \"${BFF_ADMIN_TOKEN}\" or bind host: 127.0.0.1");
    }
    if (admin.enabled() && admin.port() != 0 && admin.port() == server.port()) {
      throw o.scalar("port", "").invalid("is the client port; the admin listener needs its own, e.g. " + (server.port() + AdminConfig.OFFSET));
    }
    return admin;
  }

  private static FiltersConfig filters(Obj o, YamlReader.Includes includes) {
    FiltersConfig.WafMode waf = FiltersConfig.WafMode.OFF;
    if (o.has("waf")) {
      Scalar s = o.scalar("waf", "");
      waf = switch (s.value.trim().toLowerCase(Locale.ROOT)) {
        case "off", "false" -> FiltersConfig.WafMode.OFF;
        case "audit" -> FiltersConfig.WafMode.AUDIT;
        case "block", "true" -> FiltersConfig.WafMode.BLOCK;
        default -> throw s.invalid("is not a WAF mode; write one of off, audit, block");
      };
    }
    String countryHeader = o.has("countryHeader") ? headerName(o.scalar("countryHeader", "")) : null;
    Set<String> allow = countries(o, "countryAllow");
    Set<String> deny = countries(o, "countryDeny");
    if ((!allow.isEmpty() || !deny.isEmpty()) && countryHeader == null) {
      throw o.error("countryAllow/countryDeny need countryHeader (the header your CDN sets, e.g. cf-ipcountry)");
    }
    return new FiltersConfig(cidrs(o, "ipAllow"), cidrs(o, "ipDeny"), cidrs(o, "trustedProxies"), countryHeader,
        allow, deny, waf, wafBody(o.obj("wafBody", WAF_BODY)), wasm(o, includes));
  }

  /** {@code filters.wasm:}; the modules are read here (a missing file names its line) and compiled with the routes. */
  private static List<WasmFilterConfig> wasm(Obj o, YamlReader.Includes includes) {
    List<WasmFilterConfig> out = new ArrayList<>();
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (Obj f : o.objs("wasm", WASM_FILTER)) {
      Scalar name = f.scalar("name", "write e.g. name: pii (used in logs and metrics)");
      String n = name.value.trim();
      if (!LIMIT_NAME.matcher(n).matches()) throw name.invalid("is not a filter name; use letters, digits and _ . -");
      Integer first = seen.putIfAbsent(n, name.node.getStartMark().getLine() + 1);
      if (first != null) throw name.invalid("is already a filter's name at line " + first);
      Scalar file = f.scalar("file", "write e.g. file: filters/pii-redaction.wasm (relative to the folder)");
      byte[] module;
      try {
        module = includes.bytes(file.value.trim());
      } catch (YamlReader.IncludeProblem e) {
        throw file.invalid(e.getMessage());
      }
      List<String> routes = new ArrayList<>();
      for (Scalar r : f.scalars("routes")) routes.add(r.value.trim());
      if (routes.isEmpty()) throw f.error("routes is missing; name the routes it runs on as --routes prints them"
          + " (e.g. [\"proxy:/api/posts\", \"screen:*\"])");
      WasmFilterConfig.Failure failure = switch (f.string("failure").trim().toLowerCase(Locale.ROOT)) {
        case "open" -> WasmFilterConfig.Failure.OPEN;
        case "closed" -> WasmFilterConfig.Failure.CLOSED;
        default -> throw f.scalar("failure", "").invalid("is not a failure mode; write open or closed");
      };
      GrpcConfig.Pos at = name.pos();
      out.add(new WasmFilterConfig(n, file.value.trim(), module, routes, f.json("config"), failure,
          f.bytes("maxMemory"), f.duration("callbackBudget"), at.file() + ":" + at.line()));
    }
    return out;
  }

  private static FiltersConfig.WafBody wafBody(Obj o) {
    FiltersConfig.WafBody d = FiltersConfig.WafBody.defaults();
    FiltersConfig.OverLimit over = d.overLimit();
    if (o.has("overLimit")) {
      Scalar s = o.scalar("overLimit", "");
      over = switch (s.value.trim().toLowerCase(Locale.ROOT)) {
        case "pass" -> FiltersConfig.OverLimit.PASS;
        case "reject" -> FiltersConfig.OverLimit.REJECT;
        default -> throw s.invalid("is not an over-limit action; write pass (inspect the first bytes, stream the rest)"
            + " or reject (413)");
      };
    }
    List<String> types = d.types();
    if (o.has("types")) {
      types = new ArrayList<>();
      for (Scalar s : o.scalars("types")) {
        String t = s.value.trim().toLowerCase(Locale.ROOT);
        if (!MEDIA_RANGE.matcher(t).matches()) {
          throw s.invalid("is not a media type; write e.g. application/json, text/*, application/*+json or */*");
        }
        types.add(t);
      }
    }
    return new FiltersConfig.WafBody(o.bool("inspect"), o.bytes("limit"), over, types);
  }

  private static List<String> cidrs(Obj o, String key) {
    List<String> out = new ArrayList<>();
    for (Scalar s : o.scalars(key)) {
      for (String part : s.value.split(",")) {
        if (part.isBlank()) continue;
        String c = part.trim();
        try {
          Cidr.parse(c);
        } catch (IllegalArgumentException e) {
          throw s.invalid("is not an IP range (" + e.getMessage() + "); write e.g. 10.0.0.0/8 or 2001:db8::/32");
        }
        out.add(c);
      }
    }
    return out;
  }

  private static Set<String> countries(Obj o, String key) {
    Set<String> out = new LinkedHashSet<>();
    for (Scalar s : o.scalars(key)) {
      String c = s.value.trim().toUpperCase(Locale.ROOT);
      if (!c.matches("[A-Z]{2}")) throw s.invalid("is not a two-letter country code; write e.g. CH");
      out.add(c);
    }
    return out;
  }

  private static CorsConfig cors(Obj o) {
    CorsConfig d = CorsConfig.off();
    List<String> origins = new ArrayList<>();
    for (Scalar s : o.scalars("allowOrigins")) {
      for (String part : s.value.split(",")) { // one value may list several (handy in ${ENV:-a,b})
        String v = part.trim();
        if (v.isEmpty()) continue;
        if (!v.equals("*") && !v.matches("https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")) {
          throw s.invalid("is not an origin; write scheme://host[:port] without a path, e.g. https://app.example.com, or *");
        }
        origins.add(v);
      }
    }
    boolean credentials = o.bool("allowCredentials");
    if (credentials && origins.contains("*")) {
      throw o.error("allowCredentials cannot be used with the origin *; list the origins");
    }
    Set<String> methods = d.allowMethods();
    if (o.has("allowMethods")) {
      methods = new LinkedHashSet<>();
      for (Scalar m : o.scalars("allowMethods")) {
        String method = m.value.trim().toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) throw m.invalid("is not an HTTP method; write e.g. [GET, POST]");
        methods.add(method);
      }
    }
    return new CorsConfig(origins, methods, headerSet(o, "allowHeaders", d.allowHeaders()),
        headerSet(o, "exposeHeaders", d.exposeHeaders()), credentials, o.duration("maxAge"));
  }

  private static Set<String> headerSet(Obj o, String key, Set<String> def) {
    if (!o.has(key)) return def;
    Set<String> out = new LinkedHashSet<>();
    for (Scalar s : o.scalars(key)) out.add(headerName(s));
    return out;
  }

  private static TlsConfig tls(Obj o) {
    if (!o.has("certPath")) {
      if (o.has("keyPath")) throw o.error("keyPath needs certPath (the PEM certificate chain)");
      return TlsConfig.off();
    }
    Scalar cert = o.scalar("certPath", "");
    Scalar key = o.scalar("keyPath", "write the PEM private key's path, e.g. keyPath: /etc/bff/tls/key.pem");
    if (cert.value.isBlank()) throw cert.invalid("must be a path; write e.g. /etc/bff/tls/cert.pem");
    if (key.value.isBlank()) throw key.invalid("must be a path; write e.g. /etc/bff/tls/key.pem");
    TlsConfig.ClientAuth clientAuth = TlsConfig.ClientAuth.NONE;
    if (o.has("clientAuth")) {
      Scalar s = o.scalar("clientAuth", "");
      clientAuth = switch (s.value.trim().toLowerCase(Locale.ROOT)) {
        case "none", "false" -> TlsConfig.ClientAuth.NONE;
        case "request" -> TlsConfig.ClientAuth.REQUEST;
        case "required", "true" -> TlsConfig.ClientAuth.REQUIRED;
        default -> throw s.invalid("is not a client-certificate mode; write one of none, request, required");
      };
    }
    String clientCa = o.has("clientCaPath") ? nonBlank(o.scalar("clientCaPath", ""), "/etc/bff/tls/clients-ca.pem") : null;
    if (clientAuth != TlsConfig.ClientAuth.NONE && clientCa == null) {
      throw o.error("clientAuth needs clientCaPath (the PEM CA that signs client certificates)");
    }
    return new TlsConfig(cert.value.trim(), key.value.trim(), o.duration("reloadInterval"),
        o.durationOrZero("hsts"), clientAuth, clientCa);
  }

  private static LimitsConfig limits(Obj o) {
    LimitsConfig d = LimitsConfig.defaults();
    Obj g = o.obj("graphql", GRAPHQL_LIMITS);
    int maxUri = o.bytes("maxUriBytes");
    if (maxUri < 256) throw o.scalar("maxUriBytes", "").invalid("must be at least 256 bytes; write e.g. 8kb");
    return new LimitsConfig(
        maxUri,
        o.duration("headerReadTimeout"),
        o.integer("maxConnections"),
        new LimitsConfig.Graphql(
            g.integer("maxDepth"),
            g.integer("maxAliases"),
            g.integer("maxRootFields"),
            g.integer("maxTokens"),
            g.integer("maxCost"),
            g.bool("introspection"),
            g.bool("persistedQueries"),
            g.bool("serviceNamesInErrors")),
        o.duration("bodyTimeout"),
        o.integer("minBodyRate"));
  }

  private static AuthConfig auth(Obj o, RateLimitConfig rateLimits, FleetConfig fleet) {
    AuthConfig d = AuthConfig.off();
    List<AuthConfig.Issuer> issuers = new ArrayList<>();
    Set<String> seenIssuers = new LinkedHashSet<>();
    for (Obj i : o.objs("issuers", ISSUER)) {
      Scalar iss = i.scalar("issuer", "write e.g. issuer: https://login.example.com");
      if (iss.value.isBlank()) throw iss.invalid("must not be empty; write e.g. https://login.example.com");
      if (!seenIssuers.add(iss.value)) throw iss.invalid("is listed twice; merge the two entries");
      URI jwks = null;
      if (i.has("jwksUrl") && !i.scalar("jwksUrl", "").value.isBlank()) {
        Scalar u = i.scalar("jwksUrl", "");
        jwks = absoluteUrl(u, "https://login.example.com/.well-known/jwks.json");
      } else {
        absoluteUrl(iss, "https://login.example.com (OIDC discovery needs an http(s) issuer, or give jwksUrl)");
      }
      Set<String> audiences = new LinkedHashSet<>();
      for (Scalar a : i.scalars("audiences")) {
        for (String part : a.value.split(",")) if (!part.isBlank()) audiences.add(part.trim());
      }
      Set<String> algs = new LinkedHashSet<>();
      for (Scalar a : i.scalars("algorithms")) {
        String alg = JWS_ALGORITHM_NAMES.get(a.value.trim().toUpperCase(Locale.ROOT));
        if (alg == null) {
          throw a.invalid("is not an accepted algorithm (asymmetric only, never none or HS*); write one of "
              + String.join(", ", new java.util.TreeSet<>(JWS_ALGORITHMS)));
        }
        algs.add(alg);
      }
      if (algs.isEmpty()) algs = Set.of("RS256", "ES256");
      AuthConfig.Introspection introspection = i.has("introspection")
          ? introspection(i.obj("introspection", INTROSPECTION), iss, fleet) : null;
      boolean jwt = i.bool("jwt");
      if (!jwt && introspection == null) {
        throw i.scalar("jwt", "").invalid("leaves the issuer nothing to check; add introspection: { url, clientId, ... }"
            + " or remove jwt: false");
      }
      issuers.add(new AuthConfig.Issuer(iss.value, jwks, audiences, algs,
          i.duration("clockSkew"),
          i.duration("jwksRefresh"),
          i.duration("minRefetchInterval"),
          i.duration("fetchTimeout"), jwt, introspection));
    }
    Scalar secondIntrospection = null;
    int introspecting = 0;
    for (Obj i : o.objs("issuers", ISSUER)) {
      if (i.has("introspection") && ++introspecting == 2) secondIntrospection = i.scalar("issuer", "");
    }
    if (secondIntrospection != null) {
      // An opaque token names no issuer, so exactly one may take them.
      throw secondIntrospection.invalid("is a second issuer with introspection; an opaque token names no issuer, so"
          + " only one may introspect: keep introspection on one issuer");
    }
    Obj k = o.obj("apiKeys", API_KEYS);
    String header = k.has("header") ? headerName(k.scalar("header", "")) : d.apiKeys().header();
    List<AuthConfig.ApiKey> keys = new ArrayList<>();
    Set<String> seenKeys = new LinkedHashSet<>();
    for (Obj key : k.objs("keys", API_KEY)) {
      Scalar name = key.scalar("name", "write e.g. name: partner-a");
      Scalar hash = key.scalar("sha256", "write the hex SHA-256 of the key, e.g. from: printf %s \"$KEY\" | sha256sum");
      if (!SHA256_HEX.matcher(hash.value.trim()).matches()) {
        throw hash.invalid("is not a SHA-256 in hex (64 hex digits); write the output of: printf %s \"$KEY\" | sha256sum");
      }
      String h = hash.value.trim().toLowerCase(Locale.ROOT);
      if (!seenKeys.add(h)) throw hash.invalid("is listed twice");
      keys.add(new AuthConfig.ApiKey(name.value, h, apiKeyTier(key, rateLimits), scopes(key, "scopes")));
    }
    Map<String, String> claims = new LinkedHashMap<>();
    Obj c = o.obj("claimsToHeaders", null);
    for (String claim : c.keys()) {
      claims.put(claim, headerName(c.scalar(claim, "")));
    }
    Map<String, Set<String>> screens = new LinkedHashMap<>();
    Obj sc = o.obj("screens", null);
    for (String screen : sc.keys()) screens.put(screen, scopes(sc, screen));
    List<String> publicPaths = d.publicPaths();
    if (o.has("publicPaths")) {
      publicPaths = new ArrayList<>();
      for (Scalar p : o.scalars("publicPaths")) {
        if (!p.value.startsWith("/")) throw p.invalid("must start with '/'; write e.g. /healthz");
        publicPaths.add(p.value);
      }
    }
    // Required by default once anything authenticates; a bundle without auth stays open.
    return new AuthConfig(o.bool("required", !issuers.isEmpty() || !keys.isEmpty()), publicPaths, issuers, new AuthConfig.ApiKeys(header, keys),
        claims, screens, o.integer("maxTokenLength"), o.durationOrZero("keysBeforeReady"), o.bool("warmAhead"));
  }

  /**
   * An API key's tier: with tiers declared it must be one of them (else the start stops here); without one it is
   * {@code rateLimits.defaultTier} (or {@code default} when there is none, a label for {@code {ctx.tier}}).
   */
  private static String apiKeyTier(Obj key, RateLimitConfig rateLimits) {
    if (!key.has("tier")) return rateLimits.defaultTier() != null ? rateLimits.defaultTier() : "default";
    Scalar t = key.scalar("tier", "");
    String tier = t.value.trim();
    if (!rateLimits.tiers().isEmpty()
        && (!rateLimits.tiers().containsKey(tier) || tier.equals(RateLimitConfig.ANONYMOUS))) {
      throw t.invalid("is not a tier of rateLimits.tiers; declared: " + String.join(", ",
          rateLimits.tiers().keySet().stream().filter(x -> !x.equals(RateLimitConfig.ANONYMOUS)).toList()));
    }
    return tier;
  }

  private static Set<String> scopes(Obj o, String key) {
    Set<String> out = new LinkedHashSet<>();
    for (Scalar s : o.scalars(key)) {
      for (String part : s.value.trim().split("[\\s,]+")) if (!part.isEmpty()) out.add(part);
    }
    return out;
  }

  private static String headerName(Scalar s) {
    String v = s.value.trim();
    if (!HEADER_NAME.matcher(v).matches()) throw s.invalid("is not a header name; write e.g. x-user-id");
    return v.toLowerCase(Locale.ROOT);
  }

  /** {@code auth.issuers[].introspection}: the client's credentials must fit its {@code clientAuth}. */
  private static AuthConfig.Introspection introspection(Obj o, Scalar issuer, FleetConfig fleet) {
    URI url = o.has("url") ? absoluteUrl(o.scalar("url", ""), "https://login.example.com/oauth2/introspect") : null;
    if (url == null) absoluteUrl(issuer, "https://login.example.com (OIDC discovery finds the endpoint; or give url)");
    String clientId = o.scalar("clientId", "write the BFF's client id at the identity provider, e.g. clientId: bff")
        .value.trim();
    if (clientId.isEmpty()) throw o.scalar("clientId", "").invalid("must not be empty; write e.g. clientId: bff");
    AuthConfig.Introspection.ClientAuth how = switch (o.string("clientAuth").trim()) {
      case "client_secret_basic" -> AuthConfig.Introspection.ClientAuth.CLIENT_SECRET_BASIC;
      case "private_key_jwt" -> AuthConfig.Introspection.ClientAuth.PRIVATE_KEY_JWT;
      default -> throw o.scalar("clientAuth", "").invalid("is not a client authentication; write client_secret_basic"
          + " or private_key_jwt");
    };
    String secret = o.has("clientSecret") ? o.scalar("clientSecret", "").value : null;
    String key = o.has("privateKey") ? nonBlank(o.scalar("privateKey", ""), "/etc/bff/introspection-key.pem") : null;
    if (how == AuthConfig.Introspection.ClientAuth.CLIENT_SECRET_BASIC && (secret == null || secret.isEmpty())) {
      throw o.error("client_secret_basic needs clientSecret (e.g. clientSecret: \"${IDP_CLIENT_SECRET}\"),"
          + " or write clientAuth: private_key_jwt with privateKey");
    }
    if (how == AuthConfig.Introspection.ClientAuth.PRIVATE_KEY_JWT && key == null) {
      throw o.error("private_key_jwt needs privateKey: a PKCS#8 PEM file, e.g. privateKey: /etc/bff/introspection-key.pem");
    }
    boolean shared = o.bool("shared");
    if (shared && fleet.redisUrl() == null) {
      throw o.scalar("shared", "").invalid("needs the fleet's Redis: set redis.url (e.g. redis: { url: redis://127.0.0.1:6379 })");
    }
    // 0 = nothing remembered: every request asks (concurrent ones still share a call).
    return new AuthConfig.Introspection(url, clientId, secret, key, how, o.durationOrZero("cacheTtl"),
        o.durationOrZero("negativeTtl"), o.duration("timeout"), o.integer("maxEntries"), shared);
  }

  private static URI absoluteUrl(Scalar s, String example) {
    try {
      URI u = new URI(s.value.trim());
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && u.getHost() != null) return u;
    } catch (URISyntaxException e) {
      // reported below
    }
    throw s.invalid("is not an http(s) URL; write e.g. " + example);
  }

  private static ServerConfig server(Obj o) {
    ServerConfig d = ServerConfig.defaults();
    String host = o.string("host");
    if (host.isBlank()) {
      throw o.scalar("host", "").invalid("must not be empty; write e.g. 127.0.0.1 or 0.0.0.0");
    }
    return new ServerConfig(host.trim(),
        o.integer("port"),
        o.integer("instances"),
        o.duration("shutdownGrace"),
        o.duration("idleTimeout"),
        o.bytes("maxBodyBytes"),
        o.bytes("maxHeaderBytes"),
        o.bool("h2c"),
        warmUp(o.obj("warmUp", WARM_UP), d.warmUp()),
        o.durationOrZero("drainDelay"),
        http3(o.obj("http3", HTTP3)));
  }

  private static Http3Config http3(Obj o) {
    Duration idle = o.duration("idleTimeout");
    if (idle.isZero() || idle.isNegative()) {
      throw o.scalar("idleTimeout", "").invalid("must be positive, e.g. 30s: a QUIC connection without one is never reaped");
    }
    String qlog = o.string("qlogDir").trim();
    return new Http3Config(o.bool("enabled"), o.integer("port"), o.integer("maxConcurrentStreams"), idle,
        o.bytes("maxData"), o.bytes("maxStreamData"), o.durationOrZero("altSvcMaxAge"), qlog.isEmpty() ? null : qlog);
  }

  private static ServerConfig.WarmUp warmUp(Obj o, ServerConfig.WarmUp d) {
    Duration maxTime = o.duration("maxTime");
    if (maxTime.isZero() || maxTime.isNegative() || maxTime.compareTo(Duration.ofMinutes(1)) > 0) {
      throw o.scalar("maxTime", "").invalid("must be between 1ms and 1m: the warm-up holds back readiness this long at most");
    }
    return new ServerConfig.WarmUp(o.integer("requests"), maxTime);
  }

  private static CompositionConfig composition(Obj o) {
    CompositionConfig d = CompositionConfig.defaults();
    return new CompositionConfig(
        o.duration("deadline"),
        o.bool("adhocGraphql"),
        path(o, "graphqlPath", d.graphqlPath()),
        path(o, "screensPath", d.screensPath()),
        o.integer("maxBatchSize"),
        cache(o.obj("cache", CACHE)));
  }

  /** {@code composition.cache}; the Redis tier's url and prefix default to the fleet's ({@code redis:}) at start. */
  private static CacheConfig cache(Obj o) {
    Obj r = o.obj("redis", CACHE_REDIS);
    String url = r.string("url").trim();
    String prefix = r.string("keyPrefix");
    CacheConfig.Redis redis = new CacheConfig.Redis(r.bool("enabled"), url.isEmpty() ? null : url,
        prefix.isEmpty() ? null : prefix, r.duration("timeout"), r.bytes("maxEntryBytes"));
    return new CacheConfig(o.bool("enabled"), o.bytes("maxBytes"), o.bytes("maxEntryBytes"), redis);
  }

  private static String path(Obj o, String key, String def) {
    if (!o.has(key)) {
      return def;
    }
    Scalar s = o.scalar(key, "");
    if (!s.value.startsWith("/")) {
      throw s.invalid("must start with '/'; write e.g. " + def);
    }
    return s.value;
  }

  private static Map<String, ServiceConfig> services(Obj all) {
    Map<String, ServiceConfig> out = new LinkedHashMap<>();
    if (all.has(SERVICE_DEFAULTS)) all.obj(SERVICE_DEFAULTS, SERVICE); // its own unknown keys, named as its own
    for (String name : all.keys()) {
      if (name.equals(SERVICE_DEFAULTS)) continue;
      if (!SERVICE_NAME.matcher(name).matches()) {
        throw all.keyError(name, "'" + name + "' is not a valid service name; use letters, digits,"
            + " '_' and '-', starting with a letter, e.g. " + suggestName(name));
      }
      Obj o = all.objOver(name, SERVICE_DEFAULTS, SERVICE);
      List<URI> endpoints = new ArrayList<>();
      List<Integer> weights = new ArrayList<>();
      List<Map<String, String>> labels = new ArrayList<>();
      for (Object item : o.scalarsOrObjs("endpoints", CanaryYaml.ENDPOINT)) {
        if (item instanceof Obj labelled) { // { url: ..., labels: { version: v2 } }
          CanaryYaml.labelledEndpoint(labelled, endpoints, weights, labels);
          continue;
        }
        Scalar s = (Scalar) item;
        // One value may hold several URLs separated by commas (handy in ${ENV:-a,b}), each
        // optionally followed by " weight=N".
        for (String part : s.value.split(",")) {
          if (part.isBlank()) continue;
          String[] words = part.trim().split("\\s+");
          endpoints.add(endpoint(s, words[0]));
          weights.add(words.length > 1 ? weight(s, words) : 1);
          labels.add(Map.of());
        }
      }
      ServiceConfig.Discovery discovery = discovery(o.obj("discovery", DISCOVERY));
      if (endpoints.isEmpty() && discovery.type() == ServiceConfig.Discovery.Type.STATIC) {
        throw o.error("missing 'endpoints' (at least one base URL); write e.g. endpoints: [\""
            + EXAMPLE_URL + "\"] or discovery: {dns: posts.internal:8080}");
      }
      Duration timeout = o.duration("timeout");
      out.put(name, new ServiceConfig(name, endpoints,
          o.duration("connectTimeout"),
          o.integer("poolSize"),
          o.duration("keepAlive"),
          timeout,
          discovery,
          balancer(o.obj("balancer", BALANCER), weights),
          healthCheck(o.obj("healthCheck", HEALTH), o.has("healthCheck") && grpcProtocol(o)),
          outlier(o.obj("outlier", OUTLIER)),
          breaker(o.obj("breaker", BREAKER)),
          retry(o.obj("retry", RETRY)),
          hedge(o.obj("hedge", HEDGE)),
          bulkhead(o.obj("bulkhead", BULKHEAD)),
          http2(o.obj("http2", HTTP2)),
          serviceTls(o.obj("tls", SERVICE_TLS)))
          .withCanary(labels, CanaryYaml.canary(o, endpoints, labels, discovery))
          .withColdStart(o.has("coldStart") ? coldStart(o.obj("coldStart", COLD_START), o) : null));
    }
    return out;
  }

  /** The PEM files are read when the BFF starts (UpstreamTls), with these positions in the errors. */
  private static ServiceConfig.Tls serviceTls(Obj o) {
    Scalar ca = o.has("ca") ? nonBlankScalar(o.scalar("ca", ""), "/etc/bff/upstream-ca.pem") : null;
    Scalar cert = o.has("cert") ? nonBlankScalar(o.scalar("cert", ""), "/etc/bff/client.pem") : null;
    Scalar key = o.has("key") ? nonBlankScalar(o.scalar("key", ""), "/etc/bff/client-key.pem") : null;
    if ((cert == null) != (key == null)) {
      throw o.error("a client certificate needs both cert and key (PEM paths)");
    }
    return new ServiceConfig.Tls(ca == null ? null : ca.value.trim(), cert == null ? null : cert.value.trim(),
        key == null ? null : key.value.trim(), o.bool("verifyHost"),
        ca == null ? null : ca.pos(), cert == null ? null : cert.pos(), key == null ? null : key.pos());
  }

  private static Scalar nonBlankScalar(Scalar s, String example) {
    nonBlank(s, example);
    return s;
  }

  private static String nonBlank(Scalar s, String example) {
    if (s.value.isBlank()) throw s.invalid("must be a path; write e.g. " + example);
    return s.value.trim();
  }

  private static String suggestName(String name) {
    String s = name.replaceAll("[^a-zA-Z0-9_-]", "-").replaceAll("^[^a-zA-Z]+", "");
    return s.isEmpty() ? "users" : s;
  }

  /** An absolute http(s) base URL: scheme, host and optional port; normalised without a trailing '/'. */
  static URI endpoint(Scalar s, String text) {
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw s.invalid("is not a valid URL (" + e.getReason() + "); write e.g. " + EXAMPLE_URL);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
      throw s.invalid("is not an http(s) URL; write e.g. " + EXAMPLE_URL);
    }
    String base = scheme + "://" + uri.getRawAuthority();
    if (uri.getRawUserInfo() != null) {
      throw s.invalid("must not carry user info; write " + scheme + "://" + uri.getHost()
          + (uri.getPort() < 0 ? "" : ":" + uri.getPort()));
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (!(path.isEmpty() || path.equals("/")) || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw s.invalid("must be a base URL without path, query or fragment (put paths in @rest or"
          + " routes); write " + base);
    }
    return URI.create(base);
  }

  static int weight(Scalar s, String[] words) {
    if (words.length == 2 && words[1].startsWith("weight=")) {
      try {
        int w = Integer.parseInt(words[1].substring("weight=".length()));
        if (w >= 1 && w <= 1000) return w;
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw s.invalid("has a bad suffix after the URL; write e.g. " + words[0] + " weight=3 (1..1000)");
  }

  private static ServiceConfig.Discovery discovery(Obj o) {
    ServiceConfig.Discovery d = ServiceConfig.Discovery.defaults();
    Duration refresh = o.duration("refresh", o.has("file") ? Duration.ofSeconds(2) : d.refresh());
    int given = (o.has("dns") ? 1 : 0) + (o.has("srv") ? 1 : 0) + (o.has("file") ? 1 : 0);
    if (given > 1) {
      throw o.error("give only one of dns, srv and file");
    }
    if (o.has("dns")) {
      Scalar s = o.scalar("dns", "");
      String v = s.value.trim();
      int colon = v.lastIndexOf(':');
      if (colon <= 0) throw s.invalid("must be host:port; write e.g. posts.internal:8080");
      int port;
      try {
        port = Integer.parseInt(v.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 1 || port > 65535) throw s.invalid("must be host:port with a port 1..65535; write e.g. posts.internal:8080");
      return new ServiceConfig.Discovery(ServiceConfig.Discovery.Type.DNS, v.substring(0, colon), port, refresh, null);
    }
    if (o.has("srv")) {
      Scalar s = o.scalar("srv", "");
      if (s.value.isBlank()) throw s.invalid("must be an SRV name; write e.g. _http._tcp.posts.internal");
      return new ServiceConfig.Discovery(ServiceConfig.Discovery.Type.SRV, s.value.trim(), 0, refresh, null);
    }
    if (o.has("file")) {
      Scalar s = o.scalar("file", "");
      if (s.value.isBlank()) throw s.invalid("must be a path; write e.g. /etc/bff/posts.endpoints");
      return new ServiceConfig.Discovery(ServiceConfig.Discovery.Type.FILE, null, 0, refresh, s.value.trim());
    }
    return new ServiceConfig.Discovery(d.type(), null, 0, refresh, null);
  }

  private static ServiceConfig.Balancer balancer(Obj o, List<Integer> endpointWeights) {
    ServiceConfig.Balancer d = ServiceConfig.Balancer.defaults();
    ServiceConfig.Balancer.Policy policy = d.policy();
    if (o.has("policy")) {
      Scalar s = o.scalar("policy", "");
      policy = switch (s.value.trim()) {
        case "least_request", "p2c" -> ServiceConfig.Balancer.Policy.LEAST_REQUEST;
        case "round_robin" -> ServiceConfig.Balancer.Policy.ROUND_ROBIN;
        case "weighted" -> ServiceConfig.Balancer.Policy.WEIGHTED;
        case "ring_hash" -> ServiceConfig.Balancer.Policy.RING_HASH;
        default -> throw s.invalid("is not a balancer; write one of least_request, round_robin, weighted, ring_hash");
      };
    }
    ServiceConfig.HashOn hashOn = null;
    if (o.has("hashOn")) {
      Scalar s = o.scalar("hashOn", "");
      String v = s.value.trim();
      int colon = v.indexOf(':');
      ServiceConfig.HashOn.Source src = colon < 0 ? null : switch (v.substring(0, colon)) {
        case "header" -> ServiceConfig.HashOn.Source.HEADER;
        case "cookie" -> ServiceConfig.HashOn.Source.COOKIE;
        case "claim" -> ServiceConfig.HashOn.Source.CLAIM;
        default -> null;
      };
      if (src == null || colon == v.length() - 1) {
        throw s.invalid("must be header:NAME, cookie:NAME or claim:NAME; write e.g. header:x-user-id");
      }
      hashOn = new ServiceConfig.HashOn(src, src == ServiceConfig.HashOn.Source.HEADER
          ? v.substring(colon + 1).toLowerCase(Locale.ROOT) : v.substring(colon + 1));
    }
    if (policy == ServiceConfig.Balancer.Policy.RING_HASH && hashOn == null) {
      throw o.error("policy ring_hash needs hashOn; write e.g. hashOn: header:x-user-id");
    }
    List<Integer> weights = endpointWeights.stream().allMatch(w -> w == 1) ? List.of() : endpointWeights;
    if (o.has("weights")) {
      List<Integer> listed = new ArrayList<>();
      for (Scalar s : o.scalars("weights")) {
        try {
          int w = Integer.parseInt(s.value.trim());
          if (w < 1 || w > 1000) throw new NumberFormatException();
          listed.add(w);
        } catch (NumberFormatException e) {
          throw s.invalid("is not a weight; write a whole number 1..1000");
        }
      }
      if (listed.size() != endpointWeights.size()) {
        throw o.scalars("weights").get(0).invalid("lists " + listed.size() + " weights for "
            + endpointWeights.size() + " endpoints; give one per endpoint, in order");
      }
      weights = listed;
    }
    return new ServiceConfig.Balancer(policy, hashOn, o.durationOrZero("slowStart"), weights);
  }

  /** {@code protocol: grpc} on a service (validated with the grpc section). */
  private static boolean grpcProtocol(Obj service) {
    return service.has("protocol") && service.scalar("protocol", "").value.trim().equalsIgnoreCase("grpc");
  }

  private static ServiceConfig.HealthCheck healthCheck(Obj o, boolean grpc) {
    if (grpc && o.has("path")) {
      throw o.scalar("path", "").invalid("is for HTTP services; a gRPC service is checked with"
          + " grpc.health.v1.Health/Check: write service: NAME (default \"\", the whole server) instead");
    }
    if (!grpc && o.has("service")) {
      throw o.scalar("service", "").invalid("is for gRPC services (protocol: grpc); an HTTP service is checked"
          + " with path: /healthz");
    }
    String path = null;
    if (o.has("path")) {
      Scalar s = o.scalar("path", "");
      if (!s.value.startsWith("/")) throw s.invalid("must start with '/'; write e.g. /healthz");
      path = s.value;
    }
    ServiceConfig.HealthCheck h = new ServiceConfig.HealthCheck(path, o.duration("interval"),
        o.duration("timeout"),
        o.integer("healthyThreshold"),
        o.integer("unhealthyThreshold"));
    return grpc ? h.grpc(o.has("service") ? o.scalar("service", "").value.trim() : "") : h;
  }

  private static ServiceConfig.Outlier outlier(Obj o) {
    return new ServiceConfig.Outlier(o.integer("consecutiveErrors"),
        o.duration("baseEjectionTime"),
        o.duration("maxEjectionTime"),
        o.integer("maxEjectionPercent"));
  }

  private static ServiceConfig.Breaker breaker(Obj o) {
    return new ServiceConfig.Breaker(o.bool("enabled"),
        o.integer("failures"),
        o.duration("window"),
        o.duration("resetTimeout"));
  }

  private static ServiceConfig.Retry retry(Obj o) {
    ServiceConfig.Retry d = ServiceConfig.Retry.defaults();
    Set<String> methods = d.methods();
    if (o.has("methods")) {
      methods = new LinkedHashSet<>();
      for (Scalar m : o.scalars("methods")) {
        String method = m.value.trim().toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
          throw m.invalid("is not an HTTP method; write e.g. [GET, HEAD, PUT, DELETE]");
        }
        methods.add(method);
      }
    }
    Set<Integer> onStatus = d.onStatus();
    if (o.has("onStatus")) {
      onStatus = new LinkedHashSet<>();
      for (Scalar s : o.scalars("onStatus")) {
        try {
          int code = Integer.parseInt(s.value.trim());
          if (code < 500 || code > 599) throw new NumberFormatException();
          onStatus.add(code);
        } catch (NumberFormatException e) {
          throw s.invalid("is not a 5xx status; write e.g. [502, 503, 504]");
        }
      }
    }
    return new ServiceConfig.Retry(o.integer("maxRetries"), methods, onStatus,
        o.duration("backoff"), o.duration("maxBackoff"),
        o.has("perTryTimeout") ? o.duration("perTryTimeout", null) : null,
        o.share("budget"), o.integer("minPerSecond"));
  }

  private static ServiceConfig.Hedge hedge(Obj o) {
    Duration delay = null;
    if (o.has("delay")) {
      Scalar s = o.scalar("delay", "");
      if (!s.value.trim().equals("p95")) {
        delay = o.duration("delay", null);
      }
    }
    return new ServiceConfig.Hedge(o.bool("enabled"), delay,
        o.duration("minDelay"), o.integer("maxAttempts"));
  }

  private static ServiceConfig.Bulkhead bulkhead(Obj o) {
    return new ServiceConfig.Bulkhead(o.integer("maxConcurrent"),
        o.integer("maxPending"));
  }

  /** {@code service} is the service's block: a warm-up needs a path, its health check's or a gRPC service's check. */
  private static ServiceConfig.ColdStart coldStart(Obj o, Obj service) {
    if (!o.has("expected")) throw o.error("missing 'expected': how long a first call after sleeping takes, e.g. expected: 1500ms");
    Duration expected = o.duration("expected", null);
    Duration idleAfter = o.duration("idleAfter");
    Duration keepWarm = o.durationOrZero("keepWarm");
    if (!keepWarm.isZero() && keepWarm.compareTo(idleAfter) >= 0) {
      throw o.error("keepWarm (" + keepWarm.toMillis() + "ms) must be shorter than idleAfter (" + idleAfter.toMillis()
          + "ms), or the service falls asleep between warm-ups; e.g. keepWarm: " + idleAfter.dividedBy(2).toSeconds() + "s");
    }
    String path = o.has("path") ? o.scalar("path", "").value.trim() : null;
    if (path != null && !path.startsWith("/")) throw o.error("'path' must start with '/', e.g. path: /warm");
    if (path == null && !grpcProtocol(service) && !service.obj("healthCheck", HEALTH).has("path") && !keepWarm.isZero()) {
      throw o.error("keepWarm needs a warm-up path: add coldStart.path (e.g. path: /healthz) or healthCheck.path");
    }
    return new ServiceConfig.ColdStart(expected, idleAfter, keepWarm, o.duration("keepWarmFor"), path,
        o.integer("maxConcurrency"), grpcProtocol(service));
  }

  private static ServiceConfig.Http2 http2(Obj o) {
    return new ServiceConfig.Http2(o.bool("enabled"),
        o.integer("connections"),
        o.integer("maxStreams"));
  }

  /** {@code grpc:} and the services marked {@code protocol: grpc} (or {@code http}, the default). */
  private static GrpcConfig grpc(Obj o, Obj servicesObj, Map<String, ServiceConfig> services) {
    Set<String> grpcServices = new LinkedHashSet<>();
    for (String name : services.keySet()) {
      Obj s = servicesObj.objOver(name, SERVICE_DEFAULTS, SERVICE);
      if (!s.has("protocol")) continue;
      Scalar p = s.scalar("protocol", "");
      switch (p.value.trim().toLowerCase(Locale.ROOT)) {
        case "grpc" -> grpcServices.add(name);
        case "http", "" -> { }
        default -> throw p.invalid("is not a protocol; write grpc or http (the default)");
      }
    }
    List<GrpcConfig.Entry> descriptors = new ArrayList<>();
    for (Scalar s : o.scalars("descriptors")) {
      if (s.value.isBlank()) throw s.invalid("must name a descriptor set; write e.g. classpath:grpc/bffkit-services.desc");
      descriptors.add(new GrpcConfig.Entry(s.value.trim(), s.pos()));
    }
    int max = o.bytes("maxMessageSize");
    List<GrpcConfig.Expose> transcode = expose(o, "transcode", services, grpcServices, true);
    List<GrpcConfig.Expose> web = expose(o, "web", services, grpcServices, false);
    if (descriptors.isEmpty() && (!transcode.isEmpty() || !web.isEmpty())) {
      throw o.error("transcode and web need descriptors; write e.g. descriptors: [classpath:grpc/bffkit-services.desc]");
    }
    return new GrpcConfig(descriptors, max, grpcServices, transcode, web);
  }

  private static List<GrpcConfig.Expose> expose(Obj grpc, String key, Map<String, ServiceConfig> services,
      Set<String> grpcServices, boolean withPrefix) {
    List<GrpcConfig.Expose> out = new ArrayList<>();
    for (Obj o : grpc.objs(key, EXPOSE)) {
      Scalar service = o.scalar("service", "write e.g. service: recommendations");
      if (!grpcServices.contains(service.value)) {
        throw service.invalid(services.containsKey(service.value)
            ? "is not a gRPC service; add protocol: grpc to services." + service.value
            : "is not a service; gRPC services: " + (grpcServices.isEmpty() ? "none (mark one with protocol: grpc)"
                : String.join(", ", grpcServices)));
      }
      Scalar grpcService = o.scalar("grpcService", "write e.g. grpcService: recs.v1.Recommendations");
      String prefix = "";
      if (o.has("prefix")) {
        if (!withPrefix) throw o.scalar("prefix", "").invalid("is not allowed here: gRPC-Web paths are /package.Service/Method");
        Scalar p = o.scalar("prefix", "");
        if (!p.value.startsWith("/") || p.value.endsWith("/")) throw p.invalid("must start with '/' and not end with one; write e.g. /rest");
        prefix = p.value;
      }
      out.add(new GrpcConfig.Expose(service.value, grpcService.value.trim(), prefix, grpcService.pos()));
    }
    return out;
  }

  private static List<ProxyRouteConfig> routes(Obj root, Map<String, ServiceConfig> services) {
    List<ProxyRouteConfig> out = new ArrayList<>();
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (Obj o : root.objs("routes", ROUTE)) {
      Scalar prefix = o.scalar("prefix", "write e.g. prefix: /api/posts/");
      if (!prefix.value.startsWith("/")) {
        throw prefix.invalid("must start with '/'; write e.g. /" + prefix.value);
      }
      Integer first = seen.putIfAbsent(prefix.value, prefix.node.getStartMark().getLine() + 1);
      if (first != null) {
        throw prefix.invalid("is already routed at line " + first + "; merge the two routes");
      }
      Scalar service = o.scalar("service", "write e.g. service: "
          + services.keySet().stream().findFirst().orElse("posts"));
      if (!services.containsKey(service.value)) {
        throw service.invalid("is not a service; known services: "
            + (services.isEmpty() ? "none (declare it under services:)" : String.join(", ", services.keySet())));
      }
      String strip = "";
      if (o.has("stripPrefix")) {
        Scalar s = o.scalar("stripPrefix", "");
        if (!prefix.value.startsWith(s.value)) {
          throw s.invalid("is not a prefix of '" + prefix.value + "'; write a leading part of it, e.g. "
              + leadingSegment(prefix.value) + ", or remove stripPrefix");
        }
        strip = s.value;
      }
      Set<String> methods = new LinkedHashSet<>();
      for (Scalar m : o.scalars("methods")) {
        String method = m.value.trim().toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
          throw m.invalid("is not an HTTP method; write one of GET, HEAD, POST, PUT, DELETE, PATCH,"
              + " OPTIONS, TRACE, CONNECT");
        }
        methods.add(method);
      }
      GrpcConfig.Pos at = prefix.pos();
      List<RouteRuleConfig> rules = RouteRulesYaml.rules(o, prefix.value, services);
      RouteRulesYaml.checkSubsets(rules, service.value, services);
      out.add(new ProxyRouteConfig(prefix.value, service.value, strip, methods, scopes(o, "scopes"),
          at.file() + ":" + at.line(), o.has("maxBodyBytes") ? o.bytes("maxBodyBytes", 0) : 0, rules));
    }
    return out;
  }

  /** {@code /api/posts/} → {@code /api}: the usual thing to strip. */
  private static String leadingSegment(String prefix) {
    int slash = prefix.indexOf('/', 1);
    return slash < 0 ? prefix : prefix.substring(0, slash);
  }
}
