package dev.bffkit.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.TestBundles;
import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.config.AuthConfig;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.route.Route;
import dev.bffkit.core.route.RouteKind;
import dev.bffkit.core.route.RouteTable;
import io.vertx.core.http.HttpMethod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The route table a bundle compiles to: policies from auth, and public paths that must name routes. */
class RoutesTest {
  private static final String SCHEMA = "type Query { ping: String }";

  private static ClientBundle bundle(List<String> publicPaths) {
    ClientBundle b = TestBundles.bundle(TestBundles.server(Duration.ofSeconds(1)), Duration.ofSeconds(2),
        Map.of("posts", TestBundles.service("posts", 1)),
        List.of(new ProxyRouteConfig("/api/posts", "posts", "/api", Set.of("GET"), Set.of("write"))),
        SCHEMA, Map.of("home", "query Home { ping }", "welcome", "query Welcome { ping }"));
    AuthConfig auth = new AuthConfig(true, publicPaths, List.of(),
        new AuthConfig.ApiKeys("x-api-key", List.of(new AuthConfig.ApiKey("k", "0".repeat(64), null, Set.of()))),
        Map.of(), Map.of("home", Set.of("read")), 8192);
    return new ClientBundle(b.config().withAuth(auth), b.schema(), b.screens());
  }

  private static RouteTable compile(ClientBundle b) {
    return Routes.compile(b, CompositionEngine.create(b));
  }

  @Test
  void policiesComeFromAuthPerRoute() {
    RouteTable t = compile(bundle(List.of("/healthz", "/v1/screens/welcome")));
    Route home = t.resolve(HttpMethod.GET, "/v1/screens/home").route();
    assertEquals(RouteKind.SCREEN, home.kind());
    assertTrue(home.policy().authRequired());
    assertEquals(Set.of("read"), home.policy().scopes());
    assertFalse(t.resolve(HttpMethod.GET, "/v1/screens/welcome").route().policy().authRequired(), "public path");
    assertFalse(t.resolve(HttpMethod.GET, "/healthz").route().policy().authRequired(), "health is always open");
    Route proxy = t.resolve(HttpMethod.GET, "/api/posts/p1").route();
    assertEquals(Set.of("write"), proxy.policy().scopes());
    assertEquals("posts", proxy.policy().service());
    assertEquals("GET", t.resolve(HttpMethod.POST, "/api/posts/p1").allow());
    assertEquals("GET, HEAD", t.resolve(HttpMethod.POST, "/v1/screens/home").allow(), "screens take GET and HEAD");
  }

  @Test
  void aPublicPathThatNamesNoRouteStopsTheStart() {
    for (String bad : List.of("/api/posts/p1", "/v1/screens/nope", "/elsewhere")) {
      ConfigException e = assertThrows(ConfigException.class, () -> compile(bundle(List.of(bad))), bad);
      assertTrue(e.getMessage().contains("auth.publicPaths: '" + bad + "' is not the path of a route"), e.getMessage());
    }
    compile(bundle(List.of("/api/posts", "/graphql", "/v1/screens/home"))); // these name routes
  }
}
