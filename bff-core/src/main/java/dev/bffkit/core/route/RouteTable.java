package dev.bffkit.core.route;

import dev.bffkit.core.config.ConfigException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every route of one BFF, compiled at start-up and shared (immutable) by its event loops:
 * screens, the GraphQL path, proxy prefixes, transcoded REST templates, gRPC-Web services and
 * health. {@link #resolve} runs once per request at the head of the pipeline; the stages after
 * it read the route's {@link RoutePolicy} instead of matching paths again.
 *
 * <p>Precedence: an exact path, then a template, then the longest prefix. So that precedence
 * never decides a question the config left open, {@link Builder#build} refuses overlaps with the
 * file and line of both routes: two exact routes for one path and method, two prefixes for the
 * same paths ({@code /api} and {@code /api/}), a prefix nested in a prefix of another kind
 * (a proxy under the screens path), an exact route or template under a prefix of another kind
 * (a transcoding template under a proxy prefix), a template that matches an exact route, two
 * templates with one text and method. Health routes are built in and win over any prefix, and a
 * prefix of {@code /} is the default route (a "send the rest to the old backend" proxy): every
 * other route wins over it.
 *
 * <p>Matching allocates nothing for exact and prefix routes (their {@link Resolution}s are made
 * once); a template allocates the map of its variables.
 */
public final class RouteTable {
  /** The outcome for a path: the route with the template's variables, or a 405 with its Allow header. */
  public record Resolution(Route route, Map<String, String> pathParams, String allow) {}

  private final List<Route> routes;
  private final Map<String, Route[]> exact;
  private final Route[] templates;
  private final Route[] prefixes;
  private final Resolution[] resolutions;
  private final int idLimit;

  private RouteTable(List<Route> routes) {
    this.routes = List.copyOf(routes);
    int limit = 0;
    for (Route r : routes) limit = Math.max(limit, r.id() + 1);
    this.idLimit = limit;
    Map<String, List<Route>> byPath = new HashMap<>();
    List<Route> t = new ArrayList<>();
    List<Route> p = new ArrayList<>();
    resolutions = new Resolution[idLimit];
    for (Route r : routes) {
      resolutions[r.id()] = new Resolution(r, Map.of(), null);
      if (r.match() instanceof RouteMatch.Exact e) byPath.computeIfAbsent(e.path(), k -> new ArrayList<>()).add(r);
      else if (r.match() instanceof RouteMatch.Template) t.add(r);
      else p.add(r);
    }
    Map<String, Route[]> ex = new HashMap<>();
    byPath.forEach((k, v) -> ex.put(k, v.toArray(Route[]::new)));
    this.exact = Map.copyOf(ex);
    this.templates = t.toArray(Route[]::new);
    p.sort(Comparator.comparingInt((Route r) -> ((RouteMatch.Prefix) r.match()).prefix().length()).reversed());
    this.prefixes = p.toArray(Route[]::new);
  }

  public static Builder builder() {
    return new Builder(null);
  }

  /**
   * A builder for the next table of a running BFF: a route keeps the id it had in {@code previous} (by name), new
   * routes get ids above every previous one, so what is indexed by id (targets, meters, SLOs, the audit's routes)
   * stays right for requests still running on the old table.
   */
  public static Builder after(RouteTable previous) {
    return new Builder(previous);
  }

  /** Every route, in declaration order. */
  public List<Route> routes() {
    return routes;
  }

  /** The route of that name (as {@code --routes} prints it), or null. */
  /** Whether any route has Proxy-Wasm filters. */
  public boolean hasWasm() {
    for (Route r : routes()) if (!r.policy().wasm().isEmpty()) return true;
    return false;
  }

  public Route named(String name) {
    for (Route r : routes) if (r.name().equals(name)) return r;
    return null;
  }

  /** Every route's name, sorted: for messages naming what exists. */
  public List<String> names() {
    return routes.stream().map(Route::name).sorted().toList();
  }

  public int size() {
    return routes.size();
  }

  /** One more than the largest route id: the length of an array indexed by route id. */
  public int idLimit() {
    return idLimit;
  }

  /** The route for this request line, a 405 resolution, or null when no route has the path (404). */
  public Resolution resolve(HttpMethod method, String path) {
    Route[] same = exact.get(path);
    if (same != null) {
      for (Route r : same) if (r.allows(method)) return resolutions[r.id()];
    }
    // The builder lets a template share an exact path when their methods differ: a method the
    // exact routes lack may still be the template's, and a 405 lists both's methods.
    List<Route> matched = same == null ? null : new ArrayList<>(List.of(same));
    for (Route r : templates) {
      RouteMatch.Template t = (RouteMatch.Template) r.match();
      if (!path.startsWith(t.literalPrefix())) continue; // cheap: most paths are no template's
      Map<String, String> v = t.matcher().apply(path);
      if (v == null) continue;
      if (r.allows(method)) return new Resolution(r, v, null);
      if (matched == null) matched = new ArrayList<>(2);
      matched.add(r);
    }
    if (matched != null) return notAllowed(matched.toArray(Route[]::new));
    for (Route r : prefixes) {
      if (((RouteMatch.Prefix) r.match()).matches(path)) {
        return r.allows(method) ? resolutions[r.id()] : notAllowed(new Route[] {r});
      }
    }
    return null;
  }

  private static Resolution notAllowed(Route[] candidates) {
    TreeSet<String> allow = new TreeSet<>();
    for (Route r : candidates) for (HttpMethod m : r.methods()) allow.add(m.name());
    return new Resolution(null, Map.of(), String.join(", ", allow));
  }

  /** The table as printed at start-up: one line per route. */
  public List<String> lines() {
    return routes.stream().map(Route::describe).toList();
  }

  public JsonArray toJson() {
    JsonArray a = new JsonArray();
    for (Route r : routes) a.add(r.toJson());
    return a;
  }

  /** Collects routes; {@link #build} numbers them and refuses overlaps. */
  public static final class Builder {
    private final List<Route> routes = new ArrayList<>();
    private final RouteTable previous;
    private int next;

    private Builder(RouteTable previous) {
      this.previous = previous;
      this.next = previous == null ? 0 : previous.idLimit();
    }

    public Builder add(Route r) {
      Route old = previous == null ? null : previous.named(r.name());
      routes.add(r.withId(old != null ? old.id() : next++));
      return this;
    }

    public RouteTable build() {
      for (int i = 0; i < routes.size(); i++) {
        for (int j = 0; j < i; j++) checkPair(routes.get(j), routes.get(i));
      }
      return new RouteTable(routes);
    }

    /** {@code later} was added after {@code earlier}; the error points at the later one. */
    private static void checkPair(Route earlier, Route later) {
      String why = overlap(earlier, later);
      if (why == null) why = overlap(later, earlier);
      if (why != null) throw conflict(later, earlier, why);
    }

    /** Why {@code a} and {@code b} overlap in this order, or null. */
    private static String overlap(Route a, Route b) {
      RouteMatch ma = a.match();
      RouteMatch mb = b.match();
      if (ma instanceof RouteMatch.Exact ea && mb instanceof RouteMatch.Exact eb) {
        return ea.path().equals(eb.path()) && methodsMeet(a, b) ? "serves the same path as" : null;
      }
      if (ma instanceof RouteMatch.Prefix pa && mb instanceof RouteMatch.Prefix pb) {
        if (pa.normalized().equals(pb.normalized())) return "routes the same paths as";
        if (pa.normalized().equals("/") || pb.normalized().equals("/")) return null; // the default route
        return a.kind() != b.kind() && under(pb.normalized(), pa) ? "is nested in the prefix of" : null;
      }
      if (ma instanceof RouteMatch.Prefix pa && pa.normalized().equals("/")) {
        return null; // a proxy at "/" is the default route: every other route is meant to win over it
      }
      if (ma instanceof RouteMatch.Prefix pa && mb instanceof RouteMatch.Exact eb) {
        return a.kind() != b.kind() && b.kind() != RouteKind.HEALTH && pa.matches(eb.path())
            ? "shadows (its prefix takes the path of)" : null;
      }
      if (ma instanceof RouteMatch.Prefix pa && mb instanceof RouteMatch.Template tb) {
        // Conservative: the template's literal part and the prefix, one inside the other.
        String lit = trimSlash(tb.literalPrefix());
        boolean nested = under(lit, pa) || new RouteMatch.Prefix(lit).matches(pa.normalized());
        return nested ? "overlaps (a template under or around its prefix)" : null;
      }
      if (ma instanceof RouteMatch.Template ta && mb instanceof RouteMatch.Exact eb) {
        return ta.matcher().apply(eb.path()) != null && methodsMeet(a, b) ? "matches the exact path of" : null;
      }
      if (ma instanceof RouteMatch.Template ta && mb instanceof RouteMatch.Template tb) {
        return ta.text().equals(tb.text()) && methodsMeet(a, b) ? "has the same template and method as" : null;
      }
      return null;
    }

    private static boolean under(String path, RouteMatch.Prefix p) {
      return p.matches(path) || p.matches(path + "/");
    }

    private static String trimSlash(String s) {
      return s.length() > 1 && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static boolean methodsMeet(Route a, Route b) {
      if (a.methods().isEmpty() || b.methods().isEmpty()) return true;
      return !Collections.disjoint(a.methods(), b.methods());
    }

    private static ConfigException conflict(Route at, Route other, String why) {
      return ConfigException.at(at.declaredAt(), "route " + at.name() + " (" + at.match().describe() + ") " + why
          + " route " + other.name() + " (" + other.match().describe() + ", declared at " + other.declaredAt()
          + "); every path must have one route: move one of them to another path");
    }
  }

  /** The methods of a set, for routes built from names. */
  public static Set<HttpMethod> methods(Iterable<String> names) {
    Set<HttpMethod> out = new HashSet<>();
    for (String n : names) out.add(HttpMethod.valueOf(n));
    return out;
  }
}
