package dev.bffkit.core.ratelimit;

import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.RateLimitConfig;
import dev.bffkit.core.ratelimit.billing.BillingWebhook;
import dev.bffkit.core.ratelimit.billing.BillingWebhookOptions;
import dev.bffkit.core.ratelimit.billing.UsageEvent;
import dev.bffkit.core.ratelimit.redis.RedisDecision;
import dev.bffkit.core.ratelimit.redis.RedisLimiter;
import dev.bffkit.core.ratelimit.redis.RedisLimiterOptions;
import dev.bffkit.core.security.ApiKeys;
import dev.bffkit.core.security.ClientAddress;
import dev.bffkit.core.security.Principal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.redis.client.RedisClientType;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * One BFF's rate limiting at run time: decides a request against its route's {@link LimitPlan}, on Redis for the
 * whole fleet when configured (one atomic script call: every limit and the quota), else, and as the fail-open floor
 * while Redis is down, on this instance's {@link LocalLimiter} and {@link LocalUsage}. Meters usage per tier, route
 * and API key, and hands each quota-threshold crossing to the billing webhook (off the request path).
 *
 * <p>Keys are built from what the gateway verified (the principal, the client address after trusted proxies, the
 * route's name), never from raw client input: an unknown API key was refused (401) before this runs.
 */
public final class RateLimiting {

  /** What happened to a request, as counted in {@code bff_ratelimit_decisions_total{result}}. */
  public enum Result {
    ALLOWED(true),
    /** A limit refused it (429). */
    LIMITED(false),
    /** The tier's quota is used up and its tier rejects past it (429 until the period ends). */
    OVER_QUOTA(false),
    /** Past the quota in a tier that bills instead (allowed). */
    BILLED(true),
    /** Redis could not decide; this instance's own limiter did (fail-open). */
    UNAVAILABLE_OPEN(true),
    /** Redis could not decide and the limiter is fail-closed (503). */
    UNAVAILABLE_CLOSED(false);

    final boolean allowed;

    Result(boolean allowed) {
      this.allowed = allowed;
    }

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final Logger LOG = Logger.getLogger("dev.bffkit.ratelimit");
  /** Usage hashes outlive their period by this much, for billing to read them. */
  private static final long USAGE_RETENTION_SECONDS = 62L * 86_400;
  /** A key part longer than this goes to Redis as its hash (a subject or claim may be long). */
  private static final int MAX_PART = 128;

  private final String bff;
  private final RateLimitConfig config;
  private final Tiers tiers;
  private final ClientAddress clients;
  private final LocalLimiter local;
  private final LocalUsage localUsage;
  private final RedisLimiter redis;
  private final BillingWebhook billing;
  private final String prefix;
  private final Counter[][] decisions;
  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, Counter> usageByRoute = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> usageByKey = new ConcurrentHashMap<>();
  private volatile BillingPeriod month;
  private volatile BillingPeriod day;

  private RateLimiting(BffConfig bffConfig, RedisLimiter redis, BillingWebhook billing, MeterRegistry registry) {
    this.bff = bffConfig.name();
    this.config = bffConfig.rateLimits();
    this.tiers = new Tiers(config);
    this.clients = new ClientAddress(bffConfig.filters().trustedProxies());
    this.local = new LocalLimiter(config.localKeys());
    this.localUsage = new LocalUsage(config.localKeys());
    this.redis = redis;
    this.billing = billing;
    this.registry = registry;
    RateLimitConfig.Redis r = config.redis();
    String base = (r == null ? "bffkit:" : r.keyPrefix()) + bff;
    // Cluster: one hash tag for every key of this BFF, so one script call's keys share a slot.
    this.prefix = (r != null && r.type().equals("cluster") ? "{" + base + "}" : base) + ":";
    Result[] results = Result.values();
    this.decisions = new Counter[tiers.size() + 1][results.length];
    for (int t = 0; t <= tiers.size(); t++) {
      String tier = t < tiers.size() ? tiers.tier(t).name() : "none";
      for (Result res : results) {
        decisions[t][res.ordinal()] = Counter.builder("bff_ratelimit_decisions_total")
            .description("Rate-limit decisions by caller tier and result").tag("tier", tier).tag("result", res.label())
            .register(registry);
      }
    }
    if (redis != null) {
      Gauge.builder("bff_ratelimit_redis_up", redis, l -> l.healthy() ? 1 : 0)
          .description("1 while the shared limiter's Redis answers, 0 while it is held for down").register(registry);
    }
    Gauge.builder("bff_ratelimit_local_evictions", local, LocalLimiter::liveEvictions)
        .description("Live keys the in-memory limiter evicted because its table was full").register(registry);
  }

  /** Starts the shared limiter (when configured) and the billing webhook; never fails on a Redis that is down. */
  public static Future<RateLimiting> start(Vertx vertx, BffConfig config, MeterRegistry registry) {
    RateLimitConfig c = config.rateLimits();
    BillingWebhook billing = c.billing() == null ? null : BillingWebhook.start(vertx, new BillingWebhookOptions(
        c.billing().url(), c.billing().secret(), c.billing().timeout(), c.billing().maxAttempts(),
        c.billing().initialBackoff(), c.billing().maxBackoff(), c.billing().queue()), registry, config.name());
    if (c.redis() == null) return Future.succeededFuture(new RateLimiting(config, null, billing, registry));
    RateLimitConfig.Redis r = c.redis();
    RedisLimiterOptions o = new RedisLimiterOptions().connectionString(r.url())
        .type(switch (r.type()) {
          case "sentinel" -> RedisClientType.SENTINEL;
          case "cluster" -> RedisClientType.CLUSTER;
          default -> RedisClientType.STANDALONE;
        })
        .connections(r.connections()).timeoutMillis(Math.max(1, r.timeout().toMillis()))
        .poolName("ratelimit-" + config.name());
    if (r.masterName() != null) o.masterName(r.masterName());
    return RedisLimiter.start(vertx, o).map(l -> new RateLimiting(config, l, billing, registry));
  }

  public Future<Void> close() {
    Future<Void> b = billing == null ? Future.succeededFuture() : billing.close();
    Future<Void> r = redis == null ? Future.succeededFuture() : redis.close();
    return Future.join(b, r).mapEmpty();
  }

  public Tiers tiers() {
    return tiers;
  }

  /** Opens the calling event loop's connections to the shared limiter (at a server verticle's start). */
  public void preconnect() {
    if (redis != null) redis.preconnect();
  }

  /** The shared limiter's state for {@code /readyz}: null when healthy or not configured. */
  public String degraded() {
    if (redis == null || redis.healthy()) return null;
    return config.redis().failOpen() ? "redis down: each instance limits alone (fail-open)"
        : "redis down: requests refused with 503 (fail-closed)";
  }

  /** Whether requests are being refused because the shared limiter is down (fail-closed). */
  public boolean refusing() {
    return redis != null && !redis.healthy() && !config.redis().failOpen();
  }

  /**
   * Decides one request of a caller in tier {@code tierIndex} ({@link Tiers#of}); the future is already complete
   * unless Redis is asked.
   */
  public Future<Verdict> decide(LimitPlan plan, int tierIndex, Principal p, HttpServerRequest request) {
    String[] groupKeys = new String[plan.groups.length];
    boolean skipped = false;
    for (int g = 0; g < groupKeys.length; g++) {
      groupKeys[g] = keyOf(plan.groups[g].key(), plan, p, request);
      if (groupKeys[g] == null) skipped = true;
    }
    LimitPlan effective = skipped ? plan.keeping(groupKeys) : plan;
    if (skipped) groupKeys = compact(groupKeys);
    String meter = meteringKey(plan, p, request);
    if (redis != null) {
      return decideShared(effective, groupKeys, meter, tierIndex, p);
    }
    return Future.succeededFuture(decideLocal(effective, groupKeys, meter, tierIndex, p, Result.ALLOWED));
  }

  private Future<Verdict> decideShared(LimitPlan plan, String[] groupKeys, String meter, int tierIndex, Principal p) {
    int n = plan.limits.length;
    List<String> keys = new ArrayList<>(n);
    for (int gi = 0; gi < plan.groups.length; gi++) {
      LimitPlan.Group g = plan.groups[gi];
      String base = prefix + g.id() + ':' + groupKeys[gi] + ':';
      for (int i = g.first(); i < g.first() + g.count(); i++) keys.add(base + plan.limits[i].name());
    }
    long nowMillis = System.currentTimeMillis();
    BillingPeriod period = plan.quota == null ? null : period(plan.quota.period(), nowMillis);
    RedisLimiter.Metering metering = null;
    if (meter != null) {
      BillingPeriod mp = meteringPeriod(period, nowMillis);
      RateLimitConfig.Quota q = plan.quota;
      metering = new RedisLimiter.Metering(prefix + "usage:" + mp.label() + ':' + plan.tier + ':' + meter,
          q == null ? 0 : q.limit(), q != null && q.over() == RateLimitConfig.Over.REJECT,
          mp.endEpochSeconds() + USAGE_RETENTION_SECONDS, "route:" + plan.route);
    }
    if (n == 0 && metering == null) return Future.succeededFuture(allowedWithout(tierIndex));
    return redis.decide(keys, plan.intervalsMicros, plan.tolerancesMicros, metering).map(d -> {
      if (d.unavailable()) {
        if (!config.redis().failOpen()) {
          count(tierIndex, Result.UNAVAILABLE_CLOSED);
          return new Verdict(Result.UNAVAILABLE_CLOSED, 1, plan.policyHeader, null);
        }
        return decideLocal(plan, groupKeys, meter, tierIndex, p, Result.UNAVAILABLE_OPEN);
      }
      return shared(plan, d, meter, period, tierIndex, p, nowMillis);
    });
  }

  private Verdict shared(LimitPlan plan, RedisDecision d, String meter, BillingPeriod period, int tierIndex,
      Principal p, long nowMillis) {
    RateLimitConfig.Quota q = plan.quota;
    if (d.refused()) {
      if (d.quotaRefused()) return overQuota(plan, period, tierIndex, nowMillis);
      count(tierIndex, Result.LIMITED);
      int bind = 0;
      for (int i = 1; i < d.limits(); i++) if (d.remaining(i) < d.remaining(bind)) bind = i;
      long retry = Math.max(1, ceilDiv(d.retryAfterMillis(), 1000));
      return new Verdict(Result.LIMITED, retry, policy(plan, period),
          header(plan.policyName(bind), 0, Math.max(1, ceilDiv(d.resetAfterMillis(bind), 1000))));
    }
    long used = d.used();
    Result result = q != null && q.over() == RateLimitConfig.Over.BILL && used > q.limit() ? Result.BILLED : Result.ALLOWED;
    count(tierIndex, result);
    if (meter != null) metered(plan, p, meter, used, period, nowMillis);
    int bind = -1;
    for (int i = 0; i < d.limits(); i++) if (bind < 0 || d.remaining(i) < d.remaining(bind)) bind = i;
    return bind < 0 ? allowed(plan, result, used, period, nowMillis, -1, 0, 0)
        : allowed(plan, result, used, period, nowMillis, bind, d.remaining(bind), ceilDiv(d.resetAfterMillis(bind), 1000));
  }

  /** This instance alone decides: no Redis configured, or Redis down and fail-open. */
  private Verdict decideLocal(LimitPlan plan, String[] groupKeys, String meter, int tierIndex, Principal p, Result ok) {
    long nowMillis = System.currentTimeMillis();
    RateLimitConfig.Quota q = plan.quota;
    BillingPeriod period = q == null ? null : period(q.period(), nowMillis);
    String usageKey = null;
    String usagePeriod = null;
    if (meter != null) {
      usagePeriod = meteringPeriod(period, nowMillis).label() + '|';
      usageKey = usagePeriod + plan.tier + '|' + meter;
      // The quota first, so a refused request spends none of the limits.
      if (q != null && q.over() == RateLimitConfig.Over.REJECT && localUsage.get(usageKey) >= q.limit()) {
        return overQuota(plan, period, tierIndex, nowMillis);
      }
    }
    Decision d = new Decision();
    int n = plan.limits.length;
    if (n > 0) {
      String[] keys = new String[n];
      for (int g = 0; g < plan.groups.length; g++) {
        LimitPlan.Group group = plan.groups[g];
        String k = group.id() + ':' + groupKeys[g];
        for (int i = group.first(); i < group.first() + group.count(); i++) keys[i] = k;
      }
      if (!local.decide(keys, plan.limits, d)) {
        count(tierIndex, Result.LIMITED);
        return new Verdict(Result.LIMITED, Math.max(1, d.retryAfterSeconds()), policy(plan, period),
            header(plan.policyName(d.limitIndex()), 0, Math.max(1, d.resetSeconds())));
      }
    }
    long used = -1;
    if (usageKey != null) {
      used = localUsage.increment(usageKey, usagePeriod);
      if (used > 0) metered(plan, p, meter, used, period, nowMillis);
    }
    Result result = ok == Result.ALLOWED && q != null && q.over() == RateLimitConfig.Over.BILL && used > q.limit()
        ? Result.BILLED : ok;
    count(tierIndex, result);
    return allowed(plan, result, used, period, nowMillis, n == 0 ? -1 : d.limitIndex(), d.remaining(), d.resetSeconds());
  }

  /** Usage is metered per quota period, or per month for a tier without a quota. */
  private BillingPeriod meteringPeriod(BillingPeriod quotaPeriod, long nowMillis) {
    return quotaPeriod != null ? quotaPeriod : period(RateLimitConfig.Period.MONTH, nowMillis);
  }

  private Verdict overQuota(LimitPlan plan, BillingPeriod period, int tierIndex, long nowMillis) {
    count(tierIndex, Result.OVER_QUOTA);
    long left = period.secondsLeft(nowMillis);
    return new Verdict(Result.OVER_QUOTA, left, policy(plan, period), quotaHeader(plan, 0, left));
  }

  /**
   * An allowed answer's fields: the {@code RateLimit} one names what is closest to refusing, limit {@code bind}
   * ({@code least} remaining, reset in {@code resetSeconds}; -1 = no limit applied) or the quota when fewer remain.
   */
  private Verdict allowed(LimitPlan plan, Result result, long used, BillingPeriod period, long nowMillis, int bind,
      long least, long resetSeconds) {
    if (!config.headers()) return new Verdict(result, 0, null, null);
    RateLimitConfig.Quota q = plan.quota;
    String rate = null;
    if (q != null && used >= 0 && (bind < 0 || q.limit() - used < least)) {
      rate = quotaHeader(plan, Math.max(0, q.limit() - used), period.secondsLeft(nowMillis));
    } else if (bind >= 0) {
      rate = header(plan.policyName(bind), least, Math.max(1, resetSeconds));
    }
    return new Verdict(result, 0, policy(plan, period), rate);
  }

  private Verdict allowedWithout(int tierIndex) {
    count(tierIndex, Result.ALLOWED);
    return new Verdict(Result.ALLOWED, 0, null, null);
  }

  /** Usage meters, and the billing event when this request crossed a threshold of the quota. */
  private void metered(LimitPlan plan, Principal p, String meter, long used, BillingPeriod period, long nowMillis) {
    usageByRoute.computeIfAbsent(plan.tier + '|' + plan.route, x -> Counter.builder("bff_usage_requests_total")
        .description("Metered requests by tier and route").tag("tier", plan.tier).tag("route", plan.route)
        .register(registry)).increment();
    if (p != null && "apikey".equals(p.kind())) {
      // API keys are declared in config, so their number is bounded; token subjects are not (they stay in Redis).
      usageByKey.computeIfAbsent(plan.tier + '|' + p.subject(), x -> Counter.builder("bff_usage_key_requests_total")
          .description("Metered requests by API key").tag("tier", plan.tier).tag("key", p.subject())
          .register(registry)).increment();
    }
    RateLimitConfig.Quota q = plan.quota;
    if (q == null || period == null) return;
    for (int pct : q.thresholds()) {
      long at = ceilDiv(q.limit() * pct, 100);
      if (used - 1 < at && at <= used) crossed(plan, meter, pct, used, period, nowMillis);
    }
  }

  private void crossed(LimitPlan plan, String meter, int pct, long used, BillingPeriod period, long nowMillis) {
    Counter.builder("bff_quota_thresholds_total").description("Quota thresholds crossed, by tier and percent")
        .tag("tier", plan.tier).tag("threshold", Integer.toString(pct)).register(registry).increment();
    UsageEvent e = new UsageEvent(bff, plan.tier, meter, period.label(), pct, plan.quota.limit(), used,
        plan.quota.over().name().toLowerCase(Locale.ROOT), nowMillis);
    LOG.info("event=quota_threshold bff=" + bff + " tier=" + plan.tier + " key=" + meter + " period=" + period.label()
        + " threshold=" + pct + "% used=" + used + " quota=" + plan.quota.limit() + " idempotency_key=" + e.idempotencyKey());
    if (billing != null && !billing.offer(e)) {
      LOG.warning("event=billing_queue_full bff=" + bff + " idempotency_key=" + e.idempotencyKey());
    }
  }

  private void count(int tierIndex, Result r) {
    decisions[tierIndex < 0 ? tiers.size() : tierIndex][r.ordinal()].increment();
  }

  /** The metering key: the tier's key value for a caller with an account (never anonymous, never without tier). */
  private String meteringKey(LimitPlan plan, Principal p, HttpServerRequest request) {
    if (plan.tier == null || p == null || plan.tierKey == null) return null;
    return keyOf(plan.tierKey, plan, p, request);
  }

  private String keyOf(RateLimitConfig.Key key, LimitPlan plan, Principal p, HttpServerRequest request) {
    List<RateLimitConfig.KeyPart> parts = key.parts();
    if (parts.size() == 1) return part(parts.get(0), key.claim(), plan, p, request);
    StringBuilder b = new StringBuilder();
    for (RateLimitConfig.KeyPart part : parts) {
      String v = part(part, key.claim(), plan, p, request);
      if (v == null) return null;
      if (b.length() > 0) b.append('|');
      b.append(v);
    }
    return b.toString();
  }

  private String part(RateLimitConfig.KeyPart part, String claim, LimitPlan plan, Principal p, HttpServerRequest request) {
    String v = switch (part) {
      case APIKEY -> p != null && "apikey".equals(p.kind()) ? p.subject() : null;
      case SUB -> p == null || p.subject().isEmpty() ? null : p.subject();
      case CLAIM -> p == null ? null : claimText(p.claims().get(claim));
      case IP -> address(clients.of(request));
      case ROUTE -> plan.route;
    };
    return v == null || v.length() <= MAX_PART ? v : "h" + ApiKeys.sha256Hex(v).substring(0, 32);
  }

  private static String claimText(Object v) {
    return v instanceof String || v instanceof Number || v instanceof Boolean ? v.toString() : null;
  }

  /** IPv4 dotted, IPv6 as hex: a stable key, no reverse lookup. */
  static String address(byte[] a) {
    if (a == null) return null;
    if (a.length == 4) return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
    return HexFormat.of().formatHex(a);
  }

  private BillingPeriod period(RateLimitConfig.Period kind, long nowMillis) {
    BillingPeriod p = kind == RateLimitConfig.Period.MONTH ? month : day;
    if (p == null || !p.contains(nowMillis)) {
      p = BillingPeriod.at(kind, nowMillis);
      if (kind == RateLimitConfig.Period.MONTH) month = p;
      else day = p;
    }
    return p;
  }

  private static String policy(LimitPlan plan, BillingPeriod period) {
    if (plan.quota == null || period == null) return plan.policyHeader;
    String quota = "\"" + plan.tier + ".quota\";q=" + plan.quota.limit() + ";w=" + period.lengthSeconds();
    return plan.policyHeader.isEmpty() ? quota : plan.policyHeader + ", " + quota;
  }

  private static String quotaHeader(LimitPlan plan, long remaining, long seconds) {
    return header(plan.tier + ".quota", remaining, seconds);
  }

  /** draft-ietf-httpapi-ratelimit-headers: {@code "policy";r=remaining;t=seconds-until-reset}. */
  private static String header(String policy, long remaining, long seconds) {
    return "\"" + policy + "\";r=" + remaining + ";t=" + seconds;
  }

  private static String[] compact(String[] groupKeys) {
    int n = 0;
    for (String k : groupKeys) if (k != null) n++;
    String[] out = new String[n];
    int j = 0;
    for (String k : groupKeys) if (k != null) out[j++] = k;
    return out;
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

}
