package dev.bffkit.core.route;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.http.HttpMethod;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Fuzzes the route lookup with any path and method a client can send: it never throws, and what
 * it resolves keeps its promise: the route's match takes the path, the route allows the method,
 * template variables come only from templates, a 405 names an Allow list, and a more specific
 * route (exact, then template) is never lost to a prefix.
 */
class RouteTableFuzzTest {
  private static final RoutePolicy POLICY =
      new RoutePolicy(false, Set.of(), 1024, Duration.ofSeconds(10), 0, Duration.ofSeconds(3), null);
  private static final HttpMethod[] METHODS = {HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE,
      HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.PATCH};
  private static final RouteTable TABLE = RouteTable.builder()
      .add(route("health", RouteKind.HEALTH, new RouteMatch.Exact("/healthz"), Set.of(HttpMethod.GET)))
      .add(route("screen:home", RouteKind.SCREEN, new RouteMatch.Exact("/v1/screens/home"), Set.of(HttpMethod.GET)))
      .add(route("screen:*", RouteKind.SCREEN, new RouteMatch.Prefix("/v1/screens/"), Set.of(HttpMethod.GET)))
      .add(route("graphql", RouteKind.GRAPHQL, new RouteMatch.Exact("/graphql"), Set.of(HttpMethod.GET, HttpMethod.POST)))
      .add(route("proxy:/api", RouteKind.PROXY, new RouteMatch.Prefix("/api"), Set.of()))
      .add(route("proxy:/api/posts/", RouteKind.PROXY, new RouteMatch.Prefix("/api/posts/"), Set.of(HttpMethod.GET)))
      .add(route("transcode", RouteKind.TRANSCODE, RouteTableTest.template("/rest/users/{id}/recs"), Set.of(HttpMethod.GET)))
      .add(route("transcode-post", RouteKind.TRANSCODE, RouteTableTest.template("/rest/users/{id}"), Set.of(HttpMethod.POST)))
      .add(route("grpc-web", RouteKind.GRPC_WEB, new RouteMatch.Prefix("/pkg.Echo/"), Set.of(HttpMethod.POST)))
      .add(route("proxy:/", RouteKind.PROXY, new RouteMatch.Prefix("/"), Set.of()))
      .build();

  private static Route route(String name, RouteKind kind, RouteMatch match, Set<HttpMethod> methods) {
    return new Route(0, name, kind, match, methods, POLICY, "fuzz:1", null);
  }

  @FuzzTest(maxDuration = "10s")
  void resolve(FuzzedDataProvider data) {
    HttpMethod method = data.pickValue(METHODS);
    String[] starts = {"/", "/api", "/api/posts/", "/v1/screens/", "/rest/users/", "/pkg.Echo/", "/graphql", ""};
    String path = data.pickValue(starts) + data.consumeRemainingAsString();
    RouteTable.Resolution r = TABLE.resolve(method, path);
    if (r == null) return; // only a path outside "/" (the default route takes every other)
    if (r.route() == null) {
      if (r.allow() == null || r.allow().isEmpty()) throw new AssertionError("405 without Allow for " + path);
      return;
    }
    Route route = r.route();
    if (!route.allows(method)) throw new AssertionError(route.name() + " does not allow " + method);
    RouteMatch m = route.match();
    boolean takes = m instanceof RouteMatch.Exact e ? e.path().equals(path)
        : m instanceof RouteMatch.Prefix p ? p.matches(path)
        : ((RouteMatch.Template) m).matcher().apply(path) != null;
    if (!takes) throw new AssertionError(route.name() + " resolved for a path it does not match: " + path);
    if (!(m instanceof RouteMatch.Template) && !r.pathParams().equals(Map.of())) throw new AssertionError("variables");
    if (m instanceof RouteMatch.Prefix && (path.equals("/healthz") || path.equals("/graphql") || path.equals("/v1/screens/home"))
        && route.allows(method) && exactAllows(path, method)) {
      throw new AssertionError("a prefix won over an exact route for " + path);
    }
  }

  private static boolean exactAllows(String path, HttpMethod method) {
    for (Route r : TABLE.routes()) {
      if (r.match() instanceof RouteMatch.Exact e && e.path().equals(path) && r.allows(method)) return true;
    }
    return false;
  }
}
