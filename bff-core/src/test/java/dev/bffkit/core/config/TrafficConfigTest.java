package dev.bffkit.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.TestBundles;
import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.route.RouteTable;
import dev.bffkit.core.server.Routes;
import dev.bffkit.core.traffic.RouteMirror;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@code traffic:} section: mirrors, compiled into the route policy, and each error with file, line and fix. */
class TrafficConfigTest {
  @TempDir Path tmp;

  private ClientBundle load(String yaml) throws IOException {
    return TestBundles.helloFolder(tmp.resolve("ios"), yaml);
  }

  private static final String BASE = """
      name: ios
      services: { posts: { endpoints: "http://127.0.0.1:9" }, shadow: { endpoints: "http://127.0.0.1:10" } }
      routes: [ { prefix: /api/posts, service: posts } ]
      """;

  @Test
  void offByDefault() throws IOException {
    ClientBundle b = load(BASE);
    assertEquals(TrafficConfig.none(), b.config().traffic());
    RouteTable t = Routes.compile(b, CompositionEngine.create(b));
    for (var r : t.routes()) assertNull(r.policy().mirror(), r.name());
  }

  @Test
  void mirrorsLandInTheirRoutesPolicy() throws IOException {
    ClientBundle b = load(BASE + """
        traffic:
          mirrors:
            - { route: "screen:home", service: shadow }
            - route: "proxy:/api/posts"
              service: shadow
              share: 2.5%
              maxConcurrent: 8
        """);
    List<TrafficConfig.Mirror> m = b.config().traffic().mirrors();
    assertEquals(new TrafficConfig.Mirror("screen:home", "shadow", 1.0, 64, 65536, "ios/bff.yaml:6"), m.get(0));
    assertEquals(new TrafficConfig.Mirror("proxy:/api/posts", "shadow", 0.025, 8, 65536, "ios/bff.yaml:7"), m.get(1));
    RouteTable t = Routes.compile(b, CompositionEngine.create(b));
    RouteMirror home = t.named("screen:home").policy().mirror();
    assertEquals("shadow", home.service());
    assertEquals("shadow/100%/64", home.describe());
    assertEquals("shadow/2.5%/8", t.named("proxy:/api/posts").policy().mirror().describe());
    assertNull(t.named("graphql").policy().mirror());
    assertTrue(t.named("screen:home").describe().contains(" mirror=shadow/100%/64"), t.named("screen:home").describe());
    // with* copies keep the section
    assertEquals(b.config().traffic(), b.config().withPort(1234).withLimits(LimitsConfig.defaults()).traffic());
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        Arguments.of("traffic: { mirrors: [ { route: \"screen:home\", service: shadw } ] }\n",
            "bff.yaml:4: traffic.mirrors[0].service: 'shadw' is not a service; known services: "),
        Arguments.of("traffic: { mirrors: [ { service: shadow } ] }\n", "bff.yaml:4: traffic.mirrors[0]"),
        Arguments.of("traffic: { mirrors: [ { route: \"screen:home\" } ] }\n", "service"),
        Arguments.of("traffic: { mirrors: [ { route: \" \", service: shadow } ] }\n", "is empty"),
        Arguments.of("traffic: { mirrors: [ { route: \"screen:home\", service: shadow, share: 150% } ] }\n",
            "share: '150%' must be between 0 and 1 (100%)"),
        Arguments.of("traffic: { mirrors: [ { route: \"screen:home\", service: shadow, share: half } ] }\n",
            "is not a share"),
        Arguments.of("traffic: { mirrors: [ { route: \"screen:home\", service: shadow, maxConcurrent: 0 } ] }\n",
            "maxConcurrent"),
        Arguments.of("traffic: { mirrors: [ { route: \"screen:home\", service: shadow, colour: red } ] }\n",
            "unknown key 'colour'"),
        Arguments.of("traffic: { canary: {} }\n", "unknown key 'canary'"),
        Arguments.of("""
            traffic:
              mirrors:
                - { route: "screen:home", service: shadow }
                - { route: "screen:home", service: posts }
            """, "bff.yaml:7: traffic.mirrors[1].route: 'screen:home' is already mirrored at line 6; one mirror per route"));
  }

  @ParameterizedTest
  @MethodSource("errors")
  void errorsNameTheFileLineAndFix(String section, String expected) {
    ConfigException e = assertThrows(ConfigException.class, () -> load(BASE + section));
    assertTrue(e.getMessage().contains(expected), () -> "expected «" + expected + "» in: " + e.getMessage());
    assertTrue(e.getMessage().matches("(?s).*bff\\.yaml:\\d+: .*"), e.getMessage());
  }

  @Test
  void aMirrorNamingARouteNotInTheTableStopsTheStartAtItsLine() throws IOException {
    ClientBundle b = load(BASE + """
        traffic:
          mirrors:
            - { route: "screen:home", service: shadow }
            - { route: "/v1/screens/home", service: shadow }
        """);
    ConfigException e = assertThrows(ConfigException.class, () -> Routes.compile(b, CompositionEngine.create(b)));
    assertEquals("ios/bff.yaml:7: traffic.mirrors: route '/v1/screens/home' is not in the route table; name one of graphql,"
        + " proxy:/api/posts, screen:*, screen:home (print it with --routes)", e.getMessage());
  }
}
