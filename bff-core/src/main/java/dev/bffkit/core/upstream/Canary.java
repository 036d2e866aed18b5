package dev.bffkit.core.upstream;

import dev.bffkit.core.config.CanaryConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.observe.slo.Objective;
import dev.bffkit.core.pipeline.Caller;
import dev.bffkit.core.security.Principal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

/**
 * A service's canary, shared by every event loop: which subset (canary or stable) a call goes to.
 * A call goes to the canary when one of the {@code match} rules holds for the request (a header,
 * a cookie, a claim of the verified principal), else with probability {@code share} decided per
 * user: a hash of the sticky key (the verified subject) and the service name, so one user stays
 * on one side across requests (and across BFF instances); callers without a key are split per
 * request (by its request id, so all calls of one request agree). Balancing, outlier ejection and health apply within the chosen subset; a subset with no
 * live endpoint sends its calls to the other one (counted as a fallback), unless the canary was
 * rolled back.
 *
 * <p>The subsets are arrays derived from the service's {@link EndpointGroup} and rebuilt only when
 * its candidate or endpoint array changes (a health, ejection or discovery change), so a pick
 * reads arrays and never filters. The hot path takes no lock.
 */
public final class Canary {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.upstream");
  /** Share resolution: parts per million (1.5 % = 15 000). */
  static final int PPM = 1_000_000;
  private static final EndpointState[] NONE = new EndpointState[0];

  /** Why a call went where it did, as {@code bff_canary_requests_total{reason}} names it. */
  enum Reason { MATCH, SHARE, FALLBACK }

  private final String service;
  private final EndpointGroup group;
  private final Set<Endpoint> canaryEndpoints;
  private final CanaryConfig.Match[] matches;
  private final CanaryConfig.Sticky sticky;
  private final long salt;
  private final Map<String, String> subset;
  private final double configuredShare;
  private volatile int sharePpm;
  /** Set by an automatic rollback: matches are off too, and stable never falls back to the canary. */
  private volatile RolledBack rolledBack;
  private volatile Partition partition = new Partition(null, null, NONE, NONE, NONE, NONE);
  final Subset canary = new Subset(true);
  final Subset stable = new Subset(false);
  private final Counter[] canaryCount = new Counter[Reason.values().length];
  private final Counter[] stableCount = new Counter[Reason.values().length];
  /** By {@link Objective} ordinal: {@code bff.canary.rollbacks{sli}}. */
  private final Counter[] rollbacks = new Counter[Objective.values().length];
  /** Null without {@code rollback:}. */
  final CanaryRollback watch;

  /**
   * When and why the canary was rolled back: the objective ({@code sli}: availability or latency)
   * it burnt too fast, both sides' burn rates and bad ratios over {@code window}, and how many of
   * the canary's calls were fallbacks (it had no live endpoint).
   */
  public record RolledBack(Instant at, String why, String sli, double canaryBurnRate, double stableBurnRate,
      double canaryBadRatio, double stableBadRatio, long canaryCalls, long stableCalls, long canaryFallbacks,
      Duration window) {}

  /** What the admin API shows: the live share, and the rollback if there was one. */
  public record State(String service, Map<String, String> subset, double share, double configuredShare,
      RolledBack rolledBack) {
    public JsonObject toJson() {
      JsonObject j = new JsonObject().put("service", service).put("subset", new JsonObject(Map.copyOf(subset)))
          .put("share", share).put("configuredShare", configuredShare).put("rolledBack", rolledBack != null);
      if (rolledBack != null) {
        j.put("rolledBackAt", rolledBack.at().toString()).put("why", rolledBack.why()).put("sli", rolledBack.sli())
            .put("canaryBurnRate", rolledBack.canaryBurnRate()).put("stableBurnRate", rolledBack.stableBurnRate())
            .put("canaryBadRatio", rolledBack.canaryBadRatio()).put("stableBadRatio", rolledBack.stableBadRatio())
            .put("canaryCalls", rolledBack.canaryCalls()).put("stableCalls", rolledBack.stableCalls())
            .put("canaryFallbacks", rolledBack.canaryFallbacks()).put("windowMs", rolledBack.window().toMillis());
      }
      return j;
    }
  }

  Canary(ServiceConfig config, EndpointGroup group, MeterRegistry registry) {
    CanaryConfig c = config.canary();
    this.service = config.name();
    this.group = group;
    this.subset = c.subset();
    this.matches = c.match().toArray(new CanaryConfig.Match[0]);
    this.sticky = c.sticky();
    this.salt = HashKey.hash(service);
    this.configuredShare = c.share();
    this.sharePpm = toPpm(c.share());
    Set<Endpoint> in = new HashSet<>();
    List<URI> urls = config.endpoints();
    for (int i = 0; i < urls.size(); i++) {
      if (config.labels().get(i).entrySet().containsAll(c.subset().entrySet())) in.add(Endpoint.of(urls.get(i)));
    }
    this.canaryEndpoints = Set.copyOf(in);
    for (Reason r : Reason.values()) {
      String reason = r.name().toLowerCase();
      if (r != Reason.MATCH) stableCount[r.ordinal()] = count(registry, "stable", reason);
      canaryCount[r.ordinal()] = count(registry, "canary", reason);
    }
    for (Objective o : Objective.values()) {
      rollbacks[o.ordinal()] = Counter.builder("bff.canary.rollbacks")
          .description("Automatic canary rollbacks, by the objective the canary burnt too fast")
          .tags("service", service, "sli", o.label()).register(registry);
    }
    this.watch = c.rollback() == null ? null : new CanaryRollback(this, c.rollback());
  }

  private Counter count(MeterRegistry registry, String subsetName, String reason) {
    return Counter.builder("bff.canary.requests").description("Calls routed to a canary or stable subset, and why")
        .tags("service", service, "subset", subsetName, "reason", reason).register(registry);
  }

  private static int toPpm(double share) {
    return (int) Math.round(Math.max(0, Math.min(1, share)) * PPM);
  }

  public String service() {
    return service;
  }

  /**
   * The subset for one call of the request made for {@code caller} (null: work done for no
   * request, split at random); counted once here.
   */
  Subset route(Caller caller) {
    boolean toCanary;
    Reason why;
    boolean live = rolledBack == null;
    if (live && matches(caller)) {
      toCanary = true;
      why = Reason.MATCH;
    } else {
      toCanary = inShare(caller);
      why = Reason.SHARE;
    }
    Partition p = partition();
    if ((toCanary ? p.canaryLive : p.stableLive).length == 0) {
      // No live endpoint on the chosen side: the other side (a rolled-back canary takes nothing).
      boolean other = !toCanary;
      if ((other ? p.canaryLive : p.stableLive).length > 0 && (!other || live)) {
        toCanary = other;
        why = Reason.FALLBACK;
        // The canary could not serve a call it was given: bad for its availability.
        if (!other && watch != null) watch.fellBack();
      }
    }
    (toCanary ? canaryCount : stableCount)[why.ordinal()].increment();
    return toCanary ? canary : stable;
  }

  private boolean matches(Caller caller) {
    if (caller == null || matches.length == 0) return false;
    MultiMap headers = caller.requestHeaders();
    for (CanaryConfig.Match m : matches) {
      String want = m.value();
      boolean hit = switch (m.source()) {
        case HEADER -> headers != null && want.equals(headers.get(m.name()));
        case COOKIE -> headers != null && cookieIs(headers.getAll("cookie"), m.name(), want);
        case CLAIM -> claimIs(caller.principal(), m.name(), want);
      };
      if (hit) return true;
    }
    return false;
  }

  private static boolean cookieIs(List<String> cookieHeaders, String name, String want) {
    for (String h : cookieHeaders) if (want.equals(HashKey.cookie(h, name))) return true;
    return false;
  }

  /** A claim equal to {@code want}; a list claim containing it. */
  private static boolean claimIs(Principal p, String name, String want) {
    if (p == null) return false;
    Object v = p.claims().get(name);
    if (v instanceof Collection<?> c) {
      for (Object x : c) if (want.equals(String.valueOf(x))) return true;
      return false;
    }
    return v != null && want.equals(String.valueOf(v));
  }

  private boolean inShare(Caller caller) {
    int ppm = sharePpm;
    if (ppm <= 0) return false;
    if (ppm >= PPM) return true;
    String key = stickyKey(caller);
    // No user: the request id keeps one request's calls on one side (a screen's fields agree);
    // work done for no request is split at random.
    if (key == null) key = caller == null ? null : caller.requestId();
    if (key == null) return ThreadLocalRandom.current().nextInt(PPM) < ppm;
    return bucket(key) < ppm;
  }

  /** The user's bucket in [0, PPM): the same for one key and service on every BFF instance. */
  int bucket(String key) {
    long h = HashKey.hash(key) ^ salt;
    h ^= h >>> 33; // murmur3 fmix64: the salt's bits reach every bit of the bucket
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return (int) Long.remainderUnsigned(h, PPM);
  }

  private String stickyKey(Caller caller) {
    if (caller == null) return null;
    return switch (sticky.source()) {
      case SUB -> caller.principal() == null ? null : caller.principal().subject();
      case HEADER -> caller.requestHeaders() == null ? null : caller.requestHeaders().get(sticky.name());
    };
  }

  /** The subsets as of the group's current arrays; rebuilt (by whichever loop sees the change first) when they change. */
  private Partition partition() {
    EndpointState[] cand = group.candidates();
    EndpointState[] all = group.all();
    Partition p = partition;
    if (p.candidates != cand || p.all != all) {
      p = Partition.of(cand, all, canaryEndpoints);
      partition = p;
    }
    return p;
  }

  /** The live share (0..1). */
  public double share() {
    return sharePpm / (double) PPM;
  }

  /** Changes the share live (the admin API); re-arms a rolled-back canary (matches on, a fresh window). */
  public void setShare(double share) {
    if (!(share >= 0 && share <= 1)) throw new IllegalArgumentException("share must be between 0 and 1: " + share);
    sharePpm = toPpm(share);
    if (rolledBack != null) {
      rolledBack = null;
      if (watch != null) watch.reset();
    }
    LOG.info("event=canary_share service=" + service + " share=" + share);
  }

  public State state() {
    return new State(service, subset, share(), configuredShare, rolledBack);
  }

  public boolean rolledBack() {
    return rolledBack != null;
  }

  /** Drops the canary to share 0, matches off; once until {@link #setShare} re-arms it. */
  void rollBack(CanaryRollback.Verdict v, long fallbacks, Duration window) {
    if (rolledBack != null) return;
    String sli = v.sli().label();
    String why = "canary " + sli + " burn rate " + num(v.canaryBurnRate()) + " (" + pct(v.canaryBadRatio()) + " bad of "
        + v.canaryCalls() + " calls, " + fallbacks + " of them fallbacks) vs stable " + num(v.stableBurnRate()) + " ("
        + pct(v.stableBadRatio()) + " of " + v.stableCalls() + ") over " + window.toMillis() + "ms, target "
        + pct(v.target());
    sharePpm = 0;
    rolledBack = new RolledBack(Instant.now(), why, sli, v.canaryBurnRate(), v.stableBurnRate(), v.canaryBadRatio(),
        v.stableBadRatio(), v.canaryCalls(), v.stableCalls(), fallbacks, window);
    rollbacks[v.sli().ordinal()].increment();
    LOG.warning("event=canary_rollback service=" + service + " sli=" + sli + " target=" + v.target()
        + " canary_burn_rate=" + num(v.canaryBurnRate()) + " stable_burn_rate=" + num(v.stableBurnRate())
        + " canary_bad_ratio=" + num(v.canaryBadRatio()) + " stable_bad_ratio=" + num(v.stableBadRatio())
        + " canary_calls=" + v.canaryCalls() + " stable_calls=" + v.stableCalls() + " canary_fallbacks=" + fallbacks
        + " window_ms=" + window.toMillis());
  }

  private static String pct(double rate) {
    return String.format(Locale.ROOT, "%.2f%%", rate * 100);
  }

  private static String num(double d) {
    return String.format(Locale.ROOT, "%.4g", d);
  }

  void close() {
    if (watch != null) watch.close();
  }

  /** One side of the split, as a call holds it: its live endpoints (all of them when none is live). */
  final class Subset {
    private final boolean isCanary;

    private Subset(boolean isCanary) {
      this.isCanary = isCanary;
    }

    boolean isCanary() {
      return isCanary;
    }

    EndpointState[] candidates() {
      Partition p = partition();
      EndpointState[] live = isCanary ? p.canaryLive : p.stableLive;
      return live.length > 0 ? live : all(p);
    }

    EndpointState[] all() {
      return all(partition());
    }

    private EndpointState[] all(Partition p) {
      return isCanary ? p.canaryAll : p.stableAll;
    }

    /** Whether finished calls are judged (a rollback is configured): callers skip timing them otherwise. */
    boolean watched() {
      return watch != null;
    }

    /**
     * One finished call on this side: {@code error} is a 5xx or a transport failure (client faults
     * are not reported); {@code nanos} from its start to its answer or failure.
     */
    void record(boolean error, long nanos) {
      if (watch != null) watch.record(isCanary, error, nanos);
    }
  }

  /** The group's arrays split by subset. */
  private record Partition(EndpointState[] candidates, EndpointState[] all, EndpointState[] canaryLive,
      EndpointState[] stableLive, EndpointState[] canaryAll, EndpointState[] stableAll) {
    static Partition of(EndpointState[] cand, EndpointState[] all, Set<Endpoint> canary) {
      return new Partition(cand, all, side(cand, canary, true), side(cand, canary, false),
          side(all, canary, true), side(all, canary, false));
    }

    private static EndpointState[] side(EndpointState[] from, Set<Endpoint> canary, boolean in) {
      int n = 0;
      for (EndpointState e : from) if (canary.contains(e.endpoint) == in) n++;
      EndpointState[] out = new EndpointState[n];
      int i = 0;
      for (EndpointState e : from) if (canary.contains(e.endpoint) == in) out[i++] = e;
      return out;
    }
  }
}
