package dev.bffkit.core.route;

import dev.bffkit.core.ratelimit.RouteLimits;
import dev.bffkit.core.traffic.RouteMirror;
import dev.bffkit.core.wasm.FilterModule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a route asks of the stages between routing and its target, read from the route instead
 * of re-matching paths: whether a caller must authenticate and which scopes it needs, how
 * large and how slow a request body may be, the request's deadline, the service it
 * reaches (null for screens and GraphQL, which reach many), its rate limits, mirror and content rules. Immutable,
 * compiled at start-up.
 */
public record RoutePolicy(
    /** An anonymous caller is refused (401). */
    boolean authRequired,
    /** Scopes a caller must all hold (403 {@code insufficient_scope}); empty = none. */
    Set<String> scopes,
    /** The largest request body (413 beyond). */
    long maxBodyBytes,
    /** A body read whole must arrive within this (408, then the connection closes). */
    Duration bodyTimeout,
    /** A streamed body must keep this many bytes per second over each {@code bodyTimeout}; 0 = no minimum. */
    int minBodyRate,
    /** The whole request's budget; every upstream call inherits what is left of it. */
    Duration deadline,
    /** The one service the route reaches, or null. */
    String service,
    /** Rate limits and quotas per caller tier ({@link RouteLimits#NONE}: none). */
    RouteLimits rateLimits,
    /** Copies of its requests to a shadow service ({@code traffic.mirrors}); null when none. */
    RouteMirror mirror,
    /** Which service (or version of one) a request goes to by its content ({@link ContentRules#NONE}: always {@code service}). */
    ContentRules rules,
    /** Proxy-Wasm filters, in order ({@code filters.wasm}); empty = none. */
    List<FilterModule> wasm) {

  public RoutePolicy {
    scopes = Set.copyOf(scopes);
    if (rateLimits == null) rateLimits = RouteLimits.NONE;
    if (rules == null) rules = ContentRules.NONE;
    wasm = wasm == null ? List.of() : List.copyOf(wasm);
  }

  /** Without filters. */
  public RoutePolicy(boolean authRequired, Set<String> scopes, long maxBodyBytes, Duration bodyTimeout, int minBodyRate,
      Duration deadline, String service, RouteLimits rateLimits, RouteMirror mirror, ContentRules rules) {
    this(authRequired, scopes, maxBodyBytes, bodyTimeout, minBodyRate, deadline, service, rateLimits, mirror, rules,
        List.of());
  }

  /** Without rate limits. */
  public RoutePolicy(boolean authRequired, Set<String> scopes, long maxBodyBytes, Duration bodyTimeout, int minBodyRate,
      Duration deadline, String service) {
    this(authRequired, scopes, maxBodyBytes, bodyTimeout, minBodyRate, deadline, service, RouteLimits.NONE);
  }

  /** Without a mirror. */
  public RoutePolicy(boolean authRequired, Set<String> scopes, long maxBodyBytes, Duration bodyTimeout, int minBodyRate,
      Duration deadline, String service, RouteLimits rateLimits) {
    this(authRequired, scopes, maxBodyBytes, bodyTimeout, minBodyRate, deadline, service, rateLimits, null, null);
  }

  public RoutePolicy withRateLimits(RouteLimits limits) {
    return new RoutePolicy(authRequired, scopes, maxBodyBytes, bodyTimeout, minBodyRate, deadline, service, limits, mirror,
        rules, wasm);
  }

  public RoutePolicy withMirror(RouteMirror newMirror) {
    return new RoutePolicy(authRequired, scopes, maxBodyBytes, bodyTimeout, minBodyRate, deadline, service, rateLimits,
        newMirror, rules, wasm);
  }

  public RoutePolicy withRules(ContentRules newRules) {
    return new RoutePolicy(authRequired, scopes, maxBodyBytes, bodyTimeout, minBodyRate, deadline, service, rateLimits,
        mirror, newRules, wasm);
  }

  public RoutePolicy withWasm(List<FilterModule> filters) {
    return new RoutePolicy(authRequired, scopes, maxBodyBytes, bodyTimeout, minBodyRate, deadline, service, rateLimits,
        mirror, rules, filters);
  }

  /** The names of the route's filters, in order. */
  public List<String> wasmNames() {
    List<String> names = new ArrayList<>(wasm.size());
    for (FilterModule f : wasm) names.add(f.name());
    return names;
  }

  /** One line for the route table: {@code auth=required scopes=read body=1048576B/10s deadline=3s}. */
  public String describe() {
    StringBuilder b = new StringBuilder("auth=").append(authRequired ? "required" : "optional");
    if (!scopes.isEmpty()) b.append(" scopes=").append(String.join(",", new TreeSet<>(scopes)));
    b.append(" body=").append(maxBodyBytes).append("B/").append(seconds(bodyTimeout));
    if (minBodyRate > 0) b.append(" minRate=").append(minBodyRate).append("B/s");
    b.append(" deadline=").append(seconds(deadline));
    if (service != null) b.append(" service=").append(service);
    if (!rateLimits.isEmpty()) b.append(" ratelimits=").append(rateLimits.describe());
    if (mirror != null) b.append(" mirror=").append(mirror.describe());
    if (!rules.isEmpty()) b.append(" rules=").append(rules.describe());
    if (!wasm.isEmpty()) b.append(" wasm=").append(String.join(",", wasmNames()));
    return b.toString();
  }

  private static String seconds(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }
}
