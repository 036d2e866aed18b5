package dev.bffkit.core.config;

import dev.bffkit.core.config.YamlReader.Obj;
import dev.bffkit.core.config.YamlReader.Scalar;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Parses labelled endpoints and {@code services.<name>.canary}; every error names its file and line. */
final class CanaryYaml {
  static final Set<String> ENDPOINT = ConfigKeys.ENDPOINT.names();
  private static final Set<String> CANARY = ConfigKeys.CANARY.names();
  private static final Set<String> MATCH = ConfigKeys.CALLER_MATCH.names();
  /** A canary's matches read only the caller: its calls are made after the request line is gone from view. */
  private static final Set<Condition.Source> CALLER = Set.of(Condition.Source.HEADER, Condition.Source.COOKIE,
      Condition.Source.CLAIM);
  /** The keys of {@code observe.slos} (availability, latency) plus how the two sides are compared. */
  private static final Set<String> ROLLBACK = ConfigKeys.ROLLBACK.withRetired("errorRatio", "minErrorRate");
  private static final Set<String> LATENCY = ConfigKeys.LATENCY_SLI.names();
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-/]{0,62}");
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z\\-]+"); // RFC 9110 §5.6.2 token

  private CanaryYaml() {}

  /** {@code { url: "http://…", labels: { version: v2 }, weight: 2 }}: one endpoint with its labels. */
  static void labelledEndpoint(Obj o, List<URI> endpoints, List<Integer> weights, List<Map<String, String>> labels) {
    Scalar url = o.scalar("url", "write e.g. { url: \"http://127.0.0.1:9122\", labels: { version: v2 } }");
    if (url.value.contains(",")) throw url.invalid("holds several URLs; a labelled endpoint is one URL");
    endpoints.add(BffYaml.endpoint(url, url.value.trim()));
    weights.add(o.integer("weight"));
    labels.add(labels(o.obj("labels", null)));
  }

  static Map<String, String> labels(Obj o) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String key : o.keys()) {
      if (!LABEL.matcher(key).matches()) throw o.keyError(key, "is not a label name; use letters, digits, _ . - /");
      Scalar v = o.scalar(key, "");
      if (!LABEL.matcher(v.value).matches()) throw v.invalid("is not a label value; use letters, digits, _ . - /");
      out.put(key, v.value);
    }
    return out;
  }

  /** The service's canary, or null; its subset must name some endpoints but not all of them. */
  static CanaryConfig canary(Obj service, List<URI> endpoints, List<Map<String, String>> labels,
      ServiceConfig.Discovery discovery) {
    if (!service.has("canary")) return null;
    Obj o = service.obj("canary", CANARY);
    Obj subsetObj = o.obj("subset", null);
    Map<String, String> subset = labels(subsetObj);
    if (subset.isEmpty()) throw o.error("missing 'subset'; write e.g. subset: { version: v2 } (labels of the canary endpoints)");
    int inCanary = 0;
    for (Map<String, String> l : labels) if (l.entrySet().containsAll(subset.entrySet())) inCanary++;
    if (inCanary == 0) {
      throw subsetObj.error("no endpoint has the labels " + subset + "; label the canary's endpoints, e.g."
          + " endpoints: [ { url: \"http://127.0.0.1:9122\", labels: " + subset + " } ]");
    }
    if (inCanary == endpoints.size() && discovery.type() == ServiceConfig.Discovery.Type.STATIC) {
      throw subsetObj.error("every endpoint has the labels " + subset + ", so no stable endpoint is left;"
          + " the canary subset must be a part of the endpoints");
    }
    double share = o.share("share");
    List<Condition> matches = new ArrayList<>();
    for (Obj m : o.objs("match", MATCH)) matches.add(RouteRulesYaml.condition(m, null, CALLER));
    return new CanaryConfig(subset, share, matches, sticky(o), rollback(o));
  }

  private static CanaryConfig.Sticky sticky(Obj o) {
    if (!o.has("sticky")) return CanaryConfig.Sticky.sub();
    Scalar s = o.scalar("sticky", "");
    String v = s.value.trim();
    if (v.equals("sub")) return CanaryConfig.Sticky.sub();
    if (v.startsWith("header:") && TOKEN.matcher(v.substring(7)).matches()) {
      return new CanaryConfig.Sticky(CanaryConfig.Sticky.Source.HEADER, v.substring(7).toLowerCase());
    }
    throw s.invalid("is not a sticky key; write sub (the verified subject) or header:NAME");
  }

  private static CanaryConfig.Rollback rollback(Obj o) {
    if (!o.has("rollback")) return null;
    Obj r = o.obj("rollback", ROLLBACK);
    // The error-ratio keys before SLO burn rates: with one target on both sides the ratio of burn
    // rates is the ratio of error rates, and an error rate is a burn rate × (1 − target).
    if (r.has("errorRatio")) throw r.keyError("errorRatio", "is now burnRatio (the same ratio)");
    if (r.has("minErrorRate")) {
      throw r.keyError("minErrorRate", "is now minBurnRate = minErrorRate / (1 − availability),"
          + " e.g. minErrorRate 5% with availability: 99% is minBurnRate: 5");
    }
    // The defaults are the error-ratio rule's: 5 % errors (burn 5 at 99 %) and twice stable's, over 50 calls in 1 m.
    double availability = objective(r, "availability", 0.99);
    CanaryConfig.Latency latency = null;
    if (r.has("latency")) {
      Obj l = r.obj("latency", LATENCY);
      Duration threshold = l.duration("threshold", null);
      if (threshold == null) throw l.error("missing 'threshold'; write e.g. latency: { threshold: 300ms, target: 99% }");
      latency = new CanaryConfig.Latency(threshold, objective(l, "target", 0.99));
    }
    Duration window = r.duration("window");
    if (window.toMillis() < 600) throw r.scalar("window", "").invalid("must be at least 600ms");
    return new CanaryConfig.Rollback(availability, latency, number(r, "burnRatio", 2, 1, 1000),
        number(r, "minBurnRate", 5, 0, 1_000_000), r.integer("minCalls"), window);
  }

  /** A target share below 100 %: the error budget (1 − it) divides every burn rate. */
  private static double objective(Obj o, String key, double def) {
    double d = o.share(key, def, 1);
    if (d >= 1) throw o.scalar(key, "").invalid("leaves no error budget (an objective of 100%); write e.g. 99.9%");
    return d;
  }

  private static double number(Obj o, String key, double def, double min, double max) {
    if (!o.has(key)) return def;
    Scalar s = o.scalar(key, "");
    double d;
    try {
      d = Double.parseDouble(s.value.trim());
    } catch (NumberFormatException e) {
      throw s.invalid("is not a number; write e.g. " + key + ": " + fmt(def));
    }
    if (!(d >= min && d <= max)) throw s.invalid("must be between " + fmt(min) + " and " + fmt(max));
    return d;
  }

  private static String fmt(double d) {
    return d == (long) d ? String.valueOf((long) d) : String.valueOf(d);
  }
}
