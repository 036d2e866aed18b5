package dev.bffkit.core.ratelimit;

import dev.bffkit.core.config.RateLimitConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one route asks of one tier's callers, compiled at start-up: the limits in decision order (the tier's, then
 * each rule's), which key group each belongs to, their GCRA parameters for Redis, the quota, and the
 * {@code RateLimit-Policy} header. Immutable; per request only the groups' key values are built.
 */
public final class LimitPlan {

  /** Limits sharing one key: a tier's or one rule's. */
  public record Group(String id, RateLimitConfig.Key key, int first, int count) {}

  final String route;
  /** The tier's name, or null when the caller has none (only rules apply). */
  final String tier;
  final Group[] groups;
  final RateLimit[] limits;
  final long[] intervalsMicros;
  final long[] tolerancesMicros;
  /** The tier's quota, or null. */
  final RateLimitConfig.Quota quota;
  /** The tier's key, for metering when it has a quota. */
  final RateLimitConfig.Key tierKey;
  /** {@code "free.minute";q=100;w=60, ...} without the quota's entry (its window depends on the month). */
  final String policyHeader;

  LimitPlan(String route, RateLimitConfig.Tier tier, List<RateLimitConfig.Rule> rules) {
    this.route = route;
    this.tier = tier == null ? null : tier.name();
    List<Group> gs = new ArrayList<>();
    List<RateLimit> all = new ArrayList<>();
    if (tier != null && !tier.limits().isEmpty()) {
      gs.add(new Group("t." + tier.name(), tier.key(), 0, tier.limits().size()));
      all.addAll(tier.limits());
    }
    for (RateLimitConfig.Rule r : rules) {
      gs.add(new Group("r." + r.name(), r.key(), all.size(), r.limits().size()));
      all.addAll(r.limits());
    }
    this.tierKey = tier == null ? null : tier.key();
    this.groups = gs.toArray(Group[]::new);
    this.limits = all.toArray(RateLimit[]::new);
    this.quota = tier == null ? null : tier.quota();
    int n = limits.length;
    this.intervalsMicros = new long[n];
    this.tolerancesMicros = new long[n];
    StringBuilder policy = new StringBuilder();
    for (Group g : groups) {
      for (int i = g.first(); i < g.first() + g.count(); i++) {
        RateLimit l = limits[i];
        // Rounded up to whole µs, as the local limiter rounds T up in ns: the rate never exceeds limit/period.
        long t = Math.max(1, -Math.floorDiv(-l.emissionNanos(), 1000));
        intervalsMicros[i] = t;
        tolerancesMicros[i] = t * (l.burst() - 1);
        if (policy.length() > 0) policy.append(", ");
        policy.append('"').append(policyName(g, l)).append("\";q=").append(l.limit()).append(";w=").append(l.windowSeconds());
      }
    }
    this.policyHeader = policy.toString();
  }

  private LimitPlan(LimitPlan from, Group[] groups, RateLimit[] limits, long[] intervals, long[] tolerances) {
    this.route = from.route;
    this.tier = from.tier;
    this.groups = groups;
    this.limits = limits;
    this.intervalsMicros = intervals;
    this.tolerancesMicros = tolerances;
    this.quota = from.quota;
    this.tierKey = from.tierKey;
    this.policyHeader = from.policyHeader;
  }

  /** This plan with only the groups whose key is non-null in {@code groupKeys} (the caller lacks the others' key). */
  LimitPlan keeping(String[] groupKeys) {
    List<Group> gs = new ArrayList<>();
    List<Integer> idx = new ArrayList<>();
    for (int g = 0; g < groups.length; g++) {
      if (groupKeys[g] == null) continue;
      Group old = groups[g];
      gs.add(new Group(old.id(), old.key(), idx.size(), old.count()));
      for (int i = old.first(); i < old.first() + old.count(); i++) idx.add(i);
    }
    int n = idx.size();
    RateLimit[] ls = new RateLimit[n];
    long[] iv = new long[n];
    long[] tv = new long[n];
    for (int j = 0; j < n; j++) {
      ls[j] = limits[idx.get(j)];
      iv[j] = intervalsMicros[idx.get(j)];
      tv[j] = tolerancesMicros[idx.get(j)];
    }
    return new LimitPlan(this, gs.toArray(Group[]::new), ls, iv, tv);
  }

  /** The name of limit {@code i} in the headers: {@code free.minute}, {@code checkout-per-ip.1s}. */
  String policyName(int i) {
    for (Group g : groups) {
      if (i >= g.first() && i < g.first() + g.count()) return policyName(g, limits[i]);
    }
    throw new IndexOutOfBoundsException(i);
  }

  private static String policyName(Group g, RateLimit l) {
    return g.id().substring(2) + "." + l.name();
  }

  public String route() { return route; }

  public String tier() { return tier; }

  public Group[] groups() { return groups.clone(); }

  public RateLimit[] limits() { return limits.clone(); }

  public RateLimitConfig.Quota quota() { return quota; }

  /** One line for the route table: {@code free=[minute 100/60s] rule:checkout-per-ip=[...]}. */
  String describe() {
    StringBuilder b = new StringBuilder();
    for (Group g : groups) {
      if (b.length() > 0) b.append(' ');
      b.append(g.id().startsWith("t.") ? g.id().substring(2) : "rule:" + g.id().substring(2)).append("=[");
      for (int i = g.first(); i < g.first() + g.count(); i++) {
        if (i > g.first()) b.append(' ');
        RateLimit l = limits[i];
        b.append(l.name()).append(' ').append(l.limit()).append('/').append(l.windowSeconds()).append('s');
        if (l.burst() != l.limit()) b.append(" burst ").append(l.burst());
      }
      b.append(" by ").append(g.key().describe()).append(']');
    }
    if (quota != null) {
      if (b.length() > 0) b.append(' ');
      b.append(tier).append(".quota=").append(quota.limit()).append('/').append(quota.period().name().toLowerCase(Locale.ROOT))
          .append(' ').append(quota.over().name().toLowerCase(Locale.ROOT));
    }
    return b.toString();
  }
}
