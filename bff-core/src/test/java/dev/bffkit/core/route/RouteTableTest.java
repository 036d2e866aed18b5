package dev.bffkit.core.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ConfigException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Resolution precedence and the start-up refusal of overlapping routes. */
class RouteTableTest {
  private static final Set<HttpMethod> ANY = Set.of();
  private static final Set<HttpMethod> GET_HEAD = Set.of(HttpMethod.GET, HttpMethod.HEAD);
  private static final RoutePolicy POLICY =
      new RoutePolicy(false, Set.of(), 1024, Duration.ofSeconds(10), 0, Duration.ofSeconds(3), null);

  private static Route route(String name, RouteKind kind, RouteMatch match, Set<HttpMethod> methods, String at) {
    return new Route(0, name, kind, match, methods, POLICY, at, null);
  }

  private static Route exact(String name, RouteKind kind, String path, Set<HttpMethod> methods, String at) {
    return route(name, kind, new RouteMatch.Exact(path), methods, at);
  }

  private static Route prefix(String name, RouteKind kind, String prefix, Set<HttpMethod> methods, String at) {
    return route(name, kind, new RouteMatch.Prefix(prefix), methods, at);
  }

  private static Route template(String name, String text, HttpMethod method, String at) {
    return route(name, RouteKind.TRANSCODE, template(text), Set.of(method), at);
  }

  /**
   * A minimal google.api.http-like template for the table's tests: literal segments and
   * one-segment variables {@code {name}} (the real one, grpc.PathTemplate, is tested with transcoding).
   */
  static RouteMatch.Template template(String text) {
    String[] segs = text.substring(1).split("/", -1);
    StringBuilder lit = new StringBuilder("/");
    for (String s : segs) {
      if (s.startsWith("{")) break;
      lit.append(s).append('/');
    }
    return new RouteMatch.Template(text, lit.toString(), path -> {
      if (!path.startsWith("/")) return null;
      String[] got = path.substring(1).split("/", -1);
      if (got.length != segs.length) return null;
      Map<String, String> vars = new LinkedHashMap<>();
      for (int i = 0; i < segs.length; i++) {
        if (segs[i].startsWith("{")) {
          if (got[i].isEmpty()) return null;
          vars.put(segs[i].substring(1, segs[i].length() - 1), got[i]);
        } else if (!segs[i].equals(got[i])) {
          return null;
        }
      }
      return vars;
    });
  }

  /** Every kind side by side, the way Routes compiles a bundle. */
  private static final RouteTable TABLE = RouteTable.builder()
      .add(exact("health:/healthz", RouteKind.HEALTH, "/healthz", GET_HEAD, "built-in"))
      .add(exact("screen:home", RouteKind.SCREEN, "/v1/screens/home", GET_HEAD, "screens/home.graphql"))
      .add(prefix("screen:*", RouteKind.SCREEN, "/v1/screens/", GET_HEAD, "composition.screensPath"))
      .add(exact("graphql", RouteKind.GRAPHQL, "/graphql", Set.of(HttpMethod.GET, HttpMethod.POST), "composition.graphqlPath"))
      .add(prefix("proxy:/api", RouteKind.PROXY, "/api", Set.of(HttpMethod.GET), "bff.yaml:10"))
      .add(prefix("proxy:/api/posts", RouteKind.PROXY, "/api/posts", ANY, "bff.yaml:13"))
      .add(prefix("proxy:/api/posts/admin/", RouteKind.PROXY, "/api/posts/admin/", Set.of(HttpMethod.POST), "bff.yaml:16"))
      .add(template("transcode:get", "/v1/users/{id}", HttpMethod.GET, "bff.yaml:20"))
      .add(template("transcode:delete", "/v1/users/{id}", HttpMethod.DELETE, "bff.yaml:20"))
      .add(template("transcode:posts", "/v1/users/{user}/posts/{post}", HttpMethod.GET, "bff.yaml:20"))
      .add(prefix("grpc-web:pkg.Echo", RouteKind.GRPC_WEB, "/pkg.Echo/", Set.of(HttpMethod.POST), "bff.yaml:25"))
      .build();

  /** method, path, expected route name (null: 404), expected Allow (405), expected variables. */
  static Stream<Arguments> resolutions() {
    return Stream.of(
        // exact paths
        Arguments.of("GET", "/healthz", "health:/healthz", null, Map.of()),
        Arguments.of("HEAD", "/healthz", "health:/healthz", null, Map.of()),
        Arguments.of("POST", "/healthz", null, "GET, HEAD", Map.of()),
        Arguments.of("GET", "/v1/screens/home", "screen:home", null, Map.of()),
        Arguments.of("GET", "/graphql", "graphql", null, Map.of()),
        Arguments.of("POST", "/graphql", "graphql", null, Map.of()),
        Arguments.of("PUT", "/graphql", null, "GET, POST", Map.of()),
        Arguments.of("GET", "/graphql/", null, null, Map.of()),
        // an exact path wins over the prefix it sits in
        Arguments.of("GET", "/v1/screens/unknown", "screen:*", null, Map.of()),
        Arguments.of("DELETE", "/v1/screens/unknown", null, "GET, HEAD", Map.of()),
        // the longest prefix, at a segment boundary
        Arguments.of("GET", "/api", "proxy:/api", null, Map.of()),
        Arguments.of("GET", "/api/", "proxy:/api", null, Map.of()),
        Arguments.of("GET", "/api/users/7", "proxy:/api", null, Map.of()),
        Arguments.of("POST", "/api/users/7", null, "GET", Map.of()),
        Arguments.of("GET", "/api/posts", "proxy:/api/posts", null, Map.of()),
        Arguments.of("PATCH", "/api/posts/1", "proxy:/api/posts", null, Map.of()),
        Arguments.of("GET", "/api/postsX", "proxy:/api", null, Map.of()),
        Arguments.of("POST", "/api/postsX", null, "GET", Map.of()),
        Arguments.of("POST", "/api/posts/admin/purge", "proxy:/api/posts/admin/", null, Map.of()),
        // the longest prefix decides alone: its methods are the Allow list
        Arguments.of("GET", "/api/posts/admin/purge", null, "POST", Map.of()),
        // /api/posts/admin (no slash) is not under the prefix /api/posts/admin/
        Arguments.of("GET", "/api/posts/admin", "proxy:/api/posts", null, Map.of()),
        Arguments.of("POST", "/api/posts/administrator", "proxy:/api/posts", null, Map.of()),
        Arguments.of("GET", "/apiX", null, null, Map.of()),
        Arguments.of("GET", "/ap", null, null, Map.of()),
        // templates, with their variables; one text, two methods
        Arguments.of("GET", "/v1/users/42", "transcode:get", null, Map.of("id", "42")),
        Arguments.of("DELETE", "/v1/users/42", "transcode:delete", null, Map.of("id", "42")),
        Arguments.of("PUT", "/v1/users/42", null, "DELETE, GET", Map.of()),
        Arguments.of("GET", "/v1/users/7/posts/9", "transcode:posts", null, Map.of("user", "7", "post", "9")),
        Arguments.of("GET", "/v1/users", null, null, Map.of()),
        Arguments.of("GET", "/v1/users/", null, null, Map.of()),
        Arguments.of("GET", "/v1/users/7/posts", null, null, Map.of()),
        Arguments.of("POST", "/pkg.Echo/Say", "grpc-web:pkg.Echo", null, Map.of()),
        Arguments.of("GET", "/pkg.Echo/Say", null, "POST", Map.of()),
        Arguments.of("POST", "/pkg.EchoX/Say", null, null, Map.of()),
        // 404
        Arguments.of("GET", "/", null, null, Map.of()),
        Arguments.of("GET", "/nothing/here", null, null, Map.of()));
  }

  @ParameterizedTest(name = "{0} {1} -> {2} allow={3}")
  @MethodSource("resolutions")
  void resolves(String method, String path, String route, String allow, Map<String, String> vars) {
    RouteTable.Resolution r = TABLE.resolve(HttpMethod.valueOf(method), path);
    if (route == null && allow == null) {
      assertNull(r, () -> "expected 404, got " + r);
      return;
    }
    assertNotNull(r, "expected a resolution");
    if (route != null) {
      assertNotNull(r.route(), () -> "expected route " + route + ", got 405 allow=" + r.allow());
      assertEquals(route, r.route().name());
      assertTrue(r.route().allows(HttpMethod.valueOf(method)));
      assertEquals(vars, r.pathParams());
      assertNull(r.allow());
    } else {
      assertNull(r.route(), () -> "expected 405, got " + r.route().name());
      assertEquals(allow, r.allow());
    }
  }

  @Test
  void exactAndPrefixResolutionsAreMadeOnce() {
    assertTrue(TABLE.resolve(HttpMethod.GET, "/api/posts/1") == TABLE.resolve(HttpMethod.GET, "/api/posts/2"));
    assertTrue(TABLE.resolve(HttpMethod.GET, "/healthz") == TABLE.resolve(HttpMethod.GET, "/healthz"));
  }

  /**
   * An exact route and a template the builder lets share a path because their methods differ:
   * each method reaches its own route, and only a method neither has is 405 (with both's methods).
   */
  @Test
  void exactPathAndTemplateWithOtherMethodsBothServe() {
    RouteTable t = RouteTable.builder()
        .add(exact("health:/healthz", RouteKind.HEALTH, "/healthz", GET_HEAD, "built-in"))
        .add(template("transcode:create", "/{name}", HttpMethod.POST, "bff.yaml:9"))
        .build();
    assertEquals("health:/healthz", t.resolve(HttpMethod.GET, "/healthz").route().name());
    assertEquals("transcode:create", t.resolve(HttpMethod.POST, "/healthz").route().name());
    assertEquals(Map.of("name", "healthz"), t.resolve(HttpMethod.POST, "/healthz").pathParams());
    assertEquals("GET, HEAD, POST", t.resolve(HttpMethod.DELETE, "/healthz").allow());
    assertEquals("POST", t.resolve(HttpMethod.GET, "/other").allow());
  }

  // ---- start-up refusals -------------------------------------------------------------------

  private static final Route SCREENS = prefix("screen:*", RouteKind.SCREEN, "/v1/screens/", GET_HEAD, "composition.screensPath");

  /** name, the earlier route, the later one (whose file:line the error names), a fragment of the reason. */
  static Stream<Arguments> refusals() {
    return Stream.of(
        Arguments.of("two prefixes for the same paths",
            prefix("proxy:/api", RouteKind.PROXY, "/api", ANY, "ios/bff.yaml:10"),
            prefix("proxy:/api/", RouteKind.PROXY, "/api/", ANY, "ios/bff.yaml:13"), "routes the same paths as"),
        Arguments.of("two prefixes for the same paths, methods disjoint",
            prefix("proxy:/api", RouteKind.PROXY, "/api", Set.of(HttpMethod.GET), "ios/bff.yaml:10"),
            prefix("proxy:/api/", RouteKind.PROXY, "/api/", Set.of(HttpMethod.POST), "ios/bff.yaml:13"),
            "routes the same paths as"),
        Arguments.of("a template under a proxy prefix",
            prefix("proxy:/api", RouteKind.PROXY, "/api", ANY, "ios/bff.yaml:10"),
            template("transcode:get", "/api/users/{id}", HttpMethod.GET, "ios/bff.yaml:30"), "template under or around"),
        Arguments.of("a template whose literal part is the proxy prefix",
            prefix("proxy:/v1/users/", RouteKind.PROXY, "/v1/users/", ANY, "ios/bff.yaml:10"),
            template("transcode:get", "/v1/users/{id}", HttpMethod.GET, "ios/bff.yaml:30"), "template under or around"),
        Arguments.of("a proxy prefix under a template's literal part",
            template("transcode:get", "/v1/users/{id}", HttpMethod.GET, "ios/bff.yaml:30"),
            prefix("proxy:/v1/users/admin", RouteKind.PROXY, "/v1/users/admin", ANY, "ios/bff.yaml:40"),
            "template under or around"),
        Arguments.of("a proxy under the screens catch-all",
            SCREENS, prefix("proxy:/v1/screens/legacy", RouteKind.PROXY, "/v1/screens/legacy", ANY, "ios/bff.yaml:12"),
            "nested in the prefix of"),
        Arguments.of("a proxy at the screens path",
            SCREENS, prefix("proxy:/v1/screens", RouteKind.PROXY, "/v1/screens", ANY, "ios/bff.yaml:12"),
            "routes the same paths as"),
        Arguments.of("a proxy around the screens catch-all",
            SCREENS, prefix("proxy:/v1", RouteKind.PROXY, "/v1", ANY, "ios/bff.yaml:12"), "nested in the prefix of"),
        Arguments.of("a gRPC-Web service around a proxy",
            prefix("proxy:/pkg.Echo/Legacy", RouteKind.PROXY, "/pkg.Echo/Legacy", ANY, "ios/bff.yaml:12"),
            prefix("grpc-web:pkg.Echo", RouteKind.GRPC_WEB, "/pkg.Echo/", Set.of(HttpMethod.POST), "ios/bff.yaml:50"),
            "nested in the prefix of"),
        Arguments.of("an exact route under a proxy prefix",
            prefix("proxy:/graphql", RouteKind.PROXY, "/graphql", ANY, "ios/bff.yaml:12"),
            exact("graphql", RouteKind.GRAPHQL, "/graphql", Set.of(HttpMethod.POST), "ios/bff.yaml:5"),
            "shadows"),
        Arguments.of("two exact routes, same path and method",
            exact("screen:home", RouteKind.SCREEN, "/graphql", GET_HEAD, "ios/screens/home.graphql:1"),
            exact("graphql", RouteKind.GRAPHQL, "/graphql", Set.of(HttpMethod.GET, HttpMethod.POST), "ios/bff.yaml:5"),
            "serves the same path as"),
        Arguments.of("two exact routes, one with every method",
            exact("a", RouteKind.SCREEN, "/x", ANY, "ios/bff.yaml:3"),
            exact("b", RouteKind.SCREEN, "/x", Set.of(HttpMethod.DELETE), "ios/bff.yaml:4"), "serves the same path as"),
        Arguments.of("same template and method",
            template("transcode:a", "/v1/users/{id}", HttpMethod.GET, "ios/bff.yaml:30"),
            template("transcode:b", "/v1/users/{id}", HttpMethod.GET, "ios/bff.yaml:33"), "same template and method"),
        Arguments.of("a template matching an exact route",
            exact("graphql", RouteKind.GRAPHQL, "/graphql", Set.of(HttpMethod.GET, HttpMethod.POST), "ios/bff.yaml:5"),
            template("transcode:any", "/{name}", HttpMethod.POST, "ios/bff.yaml:30"), "matches the exact path of"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void overlapsAreRefusedNamingBothRoutes(String name, Route earlier, Route later, String why) {
    ConfigException e = assertThrows(ConfigException.class,
        () -> RouteTable.builder().add(earlier).add(later).build(), name);
    String msg = e.getMessage();
    String at = later.declaredAt();
    int colon = at.lastIndexOf(':');
    assertTrue(msg.startsWith(at + ": "), () -> "expected the later route's file:line first: " + msg);
    assertEquals(Integer.parseInt(at.substring(colon + 1)), e.line(), msg);
    assertTrue(msg.contains("route " + later.name() + " ("), msg);
    assertTrue(msg.contains("route " + earlier.name() + " (" + earlier.match().describe()), msg);
    assertTrue(msg.contains("declared at " + earlier.declaredAt()), msg);
    assertTrue(msg.contains(why), () -> "expected '" + why + "' in: " + msg);
  }

  /** Overlaps the config did not leave open, so precedence decides nothing surprising. */
  static Stream<Arguments> allowed() {
    return Stream.of(
        Arguments.of("nested proxy prefixes", List.of(
            prefix("proxy:/api", RouteKind.PROXY, "/api", ANY, "bff.yaml:10"),
            prefix("proxy:/api/posts", RouteKind.PROXY, "/api/posts", ANY, "bff.yaml:13"),
            prefix("proxy:/api/posts/admin/", RouteKind.PROXY, "/api/posts/admin/", ANY, "bff.yaml:16"))),
        Arguments.of("health under a / proxy", List.of(
            exact("health:/healthz", RouteKind.HEALTH, "/healthz", GET_HEAD, "built-in"),
            exact("health:/readyz", RouteKind.HEALTH, "/readyz", GET_HEAD, "built-in"),
            prefix("proxy:/", RouteKind.PROXY, "/", ANY, "bff.yaml:10"))),
        Arguments.of("a / proxy is the default route, under everything else", List.of(
            prefix("proxy:/", RouteKind.PROXY, "/", ANY, "bff.yaml:10"),
            exact("graphql", RouteKind.GRAPHQL, "/graphql", Set.of(HttpMethod.GET, HttpMethod.POST), "bff.yaml:5"),
            prefix("screen:*", RouteKind.SCREEN, "/v1/screens/", GET_HEAD, "composition.screensPath"),
            prefix("grpc-web:pkg.Echo", RouteKind.GRPC_WEB, "/pkg.Echo/", Set.of(HttpMethod.POST), "bff.yaml:50"),
            template("transcode:a", "/v1/users/{id}", HttpMethod.GET, "bff.yaml:30"))),
        Arguments.of("one template text, different methods", List.of(
            template("transcode:get", "/v1/users/{id}", HttpMethod.GET, "bff.yaml:20"),
            template("transcode:delete", "/v1/users/{id}", HttpMethod.DELETE, "bff.yaml:21"))),
        Arguments.of("sibling prefixes sharing characters", List.of(
            prefix("proxy:/api/posts", RouteKind.PROXY, "/api/posts", ANY, "bff.yaml:10"),
            prefix("grpc-web:api", RouteKind.GRPC_WEB, "/api/postsX/", Set.of(HttpMethod.POST), "bff.yaml:13"))),
        Arguments.of("a template beside a prefix", List.of(
            prefix("proxy:/v1/users-legacy", RouteKind.PROXY, "/v1/users-legacy", ANY, "bff.yaml:10"),
            template("transcode:get", "/v1/users/{id}", HttpMethod.GET, "bff.yaml:20"))),
        Arguments.of("one exact path, different methods", List.of(
            exact("a", RouteKind.SCREEN, "/x", Set.of(HttpMethod.GET), "bff.yaml:3"),
            exact("b", RouteKind.GRAPHQL, "/x", Set.of(HttpMethod.POST), "bff.yaml:4"))),
        Arguments.of("the whole default table", TABLE.routes()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("allowed")
  void nonOverlapsAreAllowed(String name, List<Route> routes) {
    RouteTable.Builder b = RouteTable.builder();
    routes.forEach(b::add);
    RouteTable t = b.build();
    assertEquals(routes.size(), t.size());
    for (int i = 0; i < routes.size(); i++) assertEquals(i, t.routes().get(i).id());
  }

  @Test
  void healthWinsUnderASlashProxy() {
    RouteTable t = RouteTable.builder()
        .add(exact("health:/healthz", RouteKind.HEALTH, "/healthz", GET_HEAD, "built-in"))
        .add(prefix("proxy:/", RouteKind.PROXY, "/", ANY, "bff.yaml:10"))
        .build();
    assertEquals("health:/healthz", t.resolve(HttpMethod.GET, "/healthz").route().name());
    assertEquals("proxy:/", t.resolve(HttpMethod.GET, "/healthzX").route().name());
    assertEquals("proxy:/", t.resolve(HttpMethod.GET, "/").route().name());
  }

  // ---- end to end: a bff.yaml whose routes overlap does not start ---------------------------

  @TempDir Path tmp;

  private ClientBundle bundle(String yaml) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("ios"));
    Files.writeString(dir.resolve("bff.yaml"), yaml);
    Files.writeString(dir.resolve("schema.graphqls"), "type Query { hello: String }\n");
    return BundleLoader.load(dir, name -> null);
  }

  static Stream<Arguments> overlappingFiles() {
    return Stream.of(
        Arguments.of("two proxies for /api", """
            server:
              port: 0
            services:
              posts:
                endpoints: http://127.0.0.1:9
            routes:
              - prefix: /api
                service: posts
              - prefix: /api/
                service: posts
            """, 9, "routes the same paths as"),
        Arguments.of("a proxy at the screens path", """
            server:
              port: 0
            composition:
              screensPath: /screens
            services:
              posts:
                endpoints: http://127.0.0.1:9
            routes:
              - prefix: /screens/legacy
                service: posts
            """, 9, "nested in the prefix of"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("overlappingFiles")
  void anOverlapInBffYamlStopsTheStart(String name, String yaml, int line, String why) throws Exception {
    ClientBundle b = bundle(yaml);
    Vertx vertx = Vertx.vertx();
    try {
      Throwable e = assertThrows(Exception.class, () -> Bff.start(vertx, b).await(10, TimeUnit.SECONDS));
      while (!(e instanceof ConfigException) && e.getCause() != null) e = e.getCause();
      assertTrue(e instanceof ConfigException, () -> "expected a ConfigException");
      String msg = e.getMessage();
      assertTrue(msg.startsWith("ios/bff.yaml:" + line + ": "), msg);
      assertTrue(msg.contains(why), msg);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
