package dev.bffkit.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleLoaderTest {
  private static final String SCHEMA = "type Query { hello: String }\n";
  private static final Function<String, String> NO_ENV = name -> null;

  @TempDir Path tmp;

  private Path bundle(String yaml) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("ios"));
    Files.writeString(dir.resolve("bff.yaml"), yaml);
    Files.writeString(dir.resolve("schema.graphqls"), SCHEMA);
    return dir;
  }

  private ConfigException fails(String yaml) throws IOException {
    Path dir = bundle(yaml);
    return assertThrows(ConfigException.class, () -> BundleLoader.load(dir, NO_ENV));
  }

  /** Asserts the message names file and line and contains every fragment. */
  private static void assertMessage(ConfigException e, int line, String... fragments) {
    String msg = e.getMessage();
    assertTrue(msg.startsWith("ios/bff.yaml:" + line + ": "), msg);
    assertEquals(line, e.line(), msg);
    for (String f : fragments) {
      assertTrue(msg.contains(f), () -> "expected '" + f + "' in: " + msg);
    }
  }

  @Test
  void fullFileLoadsIntoExactRecords() throws IOException {
    Path dir = bundle("""
        name: iphone
        server:
          host: 0.0.0.0
          port: 8081
          instances: 2
          shutdownGrace: 5s
          idleTimeout: 2m
          maxBodyBytes: 64kb
          maxHeaderBytes: 4096
        composition:
          deadline: 1500ms
          adhocGraphql: false
          graphqlPath: /gql
          screensPath: /screens
          maxBatchSize: 50
        services:
          users:
            endpoints: ["http://127.0.0.1:9101", "https://users.internal/"]
            connectTimeout: 250ms
            poolSize: 8
            keepAlive: 30s
            timeout: 5s
          posts:
            endpoints: http://127.0.0.1:9102
        routes:
          - prefix: /api/posts/
            service: posts
            stripPrefix: /api
            methods: [GET, post]
          - prefix: /api/users/
            service: users
        """);
    Files.createDirectories(dir.resolve("screens"));
    Files.writeString(dir.resolve("screens/profile.graphql"), "query Profile { hello }");
    Files.writeString(dir.resolve("screens/home.graphql"), "query Home { hello }");
    Files.writeString(dir.resolve("screens/.DS_Store"), "junk");

    ClientBundle b = BundleLoader.load(dir, NO_ENV);

    BffConfig expected = new BffConfig("iphone",
        new ServerConfig("0.0.0.0", 8081, 2, Duration.ofSeconds(5), Duration.ofMinutes(2), 65536, 4096),
        new CompositionConfig(Duration.ofMillis(1500), false, "/gql", "/screens", 50),
        Map.of(
            "users", new ServiceConfig("users",
                List.of(URI.create("http://127.0.0.1:9101"), URI.create("https://users.internal")),
                Duration.ofMillis(250), 8, Duration.ofSeconds(30), Duration.ofSeconds(5)),
            "posts", new ServiceConfig("posts", List.of(URI.create("http://127.0.0.1:9102")),
                Duration.ofSeconds(1), 64, Duration.ofSeconds(60), Duration.ofSeconds(10))),
        List.of(
            new ProxyRouteConfig("/api/posts/", "posts", "/api", Set.of("GET", "POST"), Set.of(), "ios/bff.yaml:26"),
            new ProxyRouteConfig("/api/users/", "users", "", Set.of(), Set.of(), "ios/bff.yaml:30")));
    assertEquals(expected, b.config());
    assertEquals(new SourceFile("ios/schema.graphqls", SCHEMA), b.schema());
    assertEquals(List.of(
        new SourceFile("ios/screens/home.graphql", "query Home { hello }"),
        new SourceFile("ios/screens/profile.graphql", "query Profile { hello }")), b.screens());
  }

  @Test
  void defaultsApply() throws IOException {
    ClientBundle b = BundleLoader.load(bundle("services:\n  users:\n    endpoints: http://u:1\n"), NO_ENV);
    assertEquals("ios", b.config().name());
    assertEquals(ServerConfig.defaults(), b.config().server());
    assertEquals(CompositionConfig.defaults(), b.config().composition());
    assertEquals(new ServiceConfig("users", List.of(URI.create("http://u:1")), Duration.ofSeconds(1),
        64, Duration.ofSeconds(60), Duration.ofSeconds(10)), b.config().services().get("users"));
    assertEquals(List.of(), b.config().routes());
    assertEquals(List.of(), b.screens());
  }

  @Test
  void emptyFileAndEmptySectionsAreAllDefaults() throws IOException {
    BffConfig c = BundleLoader.load(bundle("server:\ncomposition: ~\n"), NO_ENV).config();
    assertEquals(ServerConfig.defaults(), c.server());
    assertEquals(Map.of(), c.services());
    BffConfig empty = BundleLoader.load(bundle(""), NO_ENV).config();
    assertEquals(new BffConfig("ios", ServerConfig.defaults(), CompositionConfig.defaults(), Map.of(),
        List.of()), empty);
  }

  @Test
  void environmentIsSubstitutedBeforeConversion() throws IOException {
    Path dir = bundle("""
        server:
          host: ${BFF_HOST:-127.0.0.1}
          port: ${BFF_PORT:-8081}
        services:
          users:
            endpoints: ["${USERS_URL:-http://127.0.0.1:9101}"]
            poolSize: ${POOL}
        """);
    BffConfig withDefaults = BundleLoader.load(dir, Map.of("POOL", "4")::get).config();
    assertEquals("127.0.0.1", withDefaults.server().host());
    assertEquals(8081, withDefaults.server().port());
    assertEquals(List.of(URI.create("http://127.0.0.1:9101")), withDefaults.services().get("users").endpoints());
    assertEquals(4, withDefaults.services().get("users").poolSize());

    BffConfig fromEnv = BundleLoader.load(dir,
        Map.of("BFF_PORT", "0", "POOL", "2", "USERS_URL", "https://u.svc:8443")::get).config();
    assertEquals(0, fromEnv.server().port());
    assertEquals(URI.create("https://u.svc:8443"), fromEnv.services().get("users").endpoints().get(0));
    assertEquals(2, fromEnv.services().get("users").poolSize());
  }

  @Test
  void literalDollarBraceEscapes() throws IOException {
    Path dir = bundle("services:\n  s:\n    endpoints: http://h\nroutes:\n  - prefix: /$${x}/\n    service: s\n");
    assertEquals("/${x}/", BundleLoader.load(dir, NO_ENV).config().routes().get(0).prefix());
  }

  @Test
  void unsetVariableNamesVariableAndLine() throws IOException {
    ConfigException e = fails("""
        services:
          users:
            endpoints: http://h
            poolSize: ${POOL}
        """);
    assertMessage(e, 4, "services.users.poolSize", "POOL is not set", "${POOL:-");
  }

  @Test
  void badValueFromEnvironmentShowsBoth() throws IOException {
    Path dir = bundle("server:\n  port: ${BFF_PORT}\n");
    var e = assertThrows(ConfigException.class,
        () -> BundleLoader.load(dir, Map.of("BFF_PORT", "eighty")::get));
    assertMessage(e, 2, "server.port", "'eighty' (from '${BFF_PORT}')", "not a whole number");
  }

  @Test
  void badEndpointNamesFileLineAndField() throws IOException {
    ConfigException e = fails("""
        name: ios
        services:
          users:
            endpoints: [http://127.0.0.1:9101]
          posts:
            timeout: 2s
            endpoints:
              - http://127.0.0.1:9102
              - htp://x
        """);
    assertMessage(e, 9, "services.posts.endpoints[1]: 'htp://x' is not an http(s) URL; write e.g. http://");
  }

  @Test
  void endpointWithPathOrQuerySuggestsBaseUrl() throws IOException {
    assertMessage(fails("services:\n  a:\n    endpoints: http://h:9/api\n"), 3,
        "services.a.endpoints", "without path", "write http://h:9");
    assertMessage(fails("services:\n  a:\n    endpoints: [\"http://h:9/?x=1\"]\n"), 3,
        "services.a.endpoints[0]", "query");
    assertMessage(fails("services:\n  a:\n    endpoints: \"http:///nohost\"\n"), 3,
        "services.a.endpoints", "not an http(s) URL");
  }

  @Test
  void missingEndpointsPointsAtService() throws IOException {
    assertMessage(fails("services:\n  users:\n    poolSize: 2\n"), 2, "services.users", "missing 'endpoints'");
    assertMessage(fails("services:\n  users:\n"), 2, "services.users", "missing 'endpoints'");
    assertMessage(fails("services:\n  users:\n    endpoints: []\n"), 2, "services.users", "at least one");
  }

  @Test
  void serverValidation() throws IOException {
    assertMessage(fails("server:\n  port: 70000\n"), 2, "server.port", "between 0 and 65535");
    assertMessage(fails("server:\n  instances: -1\n"), 2, "server.instances", "at least 0");
    assertMessage(fails("\nserver:\n  shutdownGrace: 0s\n"), 3, "server.shutdownGrace", "positive");
    assertMessage(fails("server:\n  idleTimeout: 10 sec\n"), 2, "server.idleTimeout", "not a duration", "10s");
    assertMessage(fails("server:\n  maxBodyBytes: huge\n"), 2, "server.maxBodyBytes", "not a size", "1mb");
    assertMessage(fails("server: 8080\n"), 1, "server", "expected a mapping", "port");
  }

  @Test
  void compositionValidation() throws IOException {
    assertMessage(fails("composition:\n  graphqlPath: graphql\n"), 2, "composition.graphqlPath", "start with '/'");
    assertMessage(fails("composition:\n  screensPath: v1\n"), 2, "composition.screensPath", "start with '/'");
    assertMessage(fails("composition:\n  maxBatchSize: 0\n"), 2, "composition.maxBatchSize", "at least 1");
    assertMessage(fails("composition:\n  adhocGraphql: maybe\n"), 2, "composition.adhocGraphql", "true or false");
    assertMessage(fails("composition:\n  deadline: [1s]\n"), 2, "composition.deadline", "single value");
  }

  @Test
  void serviceValidation() throws IOException {
    assertMessage(fails("services:\n  9users:\n    endpoints: http://h\n"), 2, "services.9users", "not a valid service name");
    assertMessage(fails("services:\n  u:\n    endpoints: http://h\n    poolSize: 0\n"), 4, "services.u.poolSize", "at least 1");
    assertMessage(fails("services:\n  - users\n"), 2, "services", "expected a mapping");
  }

  @Test
  void routeValidation() throws IOException {
    String services = "services:\n  posts:\n    endpoints: http://h\n  users:\n    endpoints: http://h\nroutes:\n";
    assertMessage(fails(services + "  - prefix: api/\n    service: posts\n"), 7, "routes[0].prefix", "start with '/'");
    assertMessage(fails(services + "  - prefix: /a/\n    service: post\n"), 8, "routes[0].service",
        "'post' is not a service", "posts, users");
    assertMessage(fails(services + "  - service: posts\n"), 7, "routes[0]", "missing 'prefix'");
    assertMessage(fails(services + "  - prefix: /a/\n    service: posts\n  - prefix: /b/\n"), 9, "routes[1]",
        "missing 'service'");
    assertMessage(fails(services + "  - prefix: /api/posts/\n    service: posts\n    stripPrefix: /v1\n"), 9,
        "routes[0].stripPrefix", "not a prefix of '/api/posts/'", "/api");
    assertMessage(fails(services + "  - prefix: /a/\n    service: posts\n    methods: [GET, FETCH]\n"), 9,
        "routes[0].methods[1]", "'FETCH' is not an HTTP method");
    assertMessage(fails(services + "  - prefix: /a/\n    service: posts\n  - prefix: /a/\n    service: users\n"), 9,
        "routes[1].prefix", "already routed at line 7");
  }

  @Test
  void unknownKeyListsAllowedKeys() throws IOException {
    ConfigException e = fails("""
        services:
          users:
            endpoint: http://127.0.0.1:9101
        """);
    assertMessage(e, 3, "services.users.endpoint", "unknown key 'endpoint'",
        "balancer, breaker, bulkhead, canary, coldStart, connectTimeout, discovery, endpoints, healthCheck, hedge, http2, keepAlive, openapi, outlier, poolSize, protocol, retry, timeout");
    assertMessage(fails("sever:\n  port: 1\n"), 1, "unknown key 'sever'", "server");
  }

  @Test
  void duplicateKeyIsAnError() throws IOException {
    assertMessage(fails("server:\n  port: 1\n  port: 2\n"), 3, "server.port", "duplicate", "line 2");
  }

  @Test
  void yamlSyntaxErrorHasLine() throws IOException {
    ConfigException e = fails("""
        server:
          port: 8080
          host: [127.0.0.1
        composition:
          deadline: 3s
        """);
    assertTrue(e.getMessage().startsWith("ios/bff.yaml:"), e.getMessage());
    assertTrue(e.line() >= 3, e.getMessage());
    assertTrue(e.getMessage().contains("invalid YAML"), e.getMessage());

    ConfigException tab = fails("server:\n  port: 1\n\thost: x\n");
    assertMessage(tab, 3, "invalid YAML");
  }

  @Test
  void aliasBombIsRefused() throws IOException {
    StringBuilder y = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 0; i < 60; i++) {
      y.append("b").append(i).append(": *a\n");
    }
    ConfigException e = fails(y.toString());
    assertTrue(e.getMessage().startsWith("ios/bff.yaml"), e.getMessage());
  }

  @Test
  void missingFiles() throws IOException {
    Path dir = bundle("");
    Files.delete(dir.resolve("schema.graphqls"));
    var e = assertThrows(ConfigException.class, () -> BundleLoader.load(dir, NO_ENV));
    assertEquals("ios/schema.graphqls", e.file());
    assertTrue(e.getMessage().startsWith("ios/schema.graphqls: not found"), e.getMessage());

    Files.delete(dir.resolve("bff.yaml"));
    e = assertThrows(ConfigException.class, () -> BundleLoader.load(dir, NO_ENV));
    assertTrue(e.getMessage().startsWith("ios/bff.yaml: not found"), e.getMessage());

    e = assertThrows(ConfigException.class, () -> BundleLoader.load(tmp.resolve("nope"), NO_ENV));
    assertTrue(e.getMessage().contains("client folder not found"), e.getMessage());
  }

  @Test
  void badScreenFileName() throws IOException {
    Path dir = bundle("");
    Files.createDirectories(dir.resolve("screens"));
    Files.writeString(dir.resolve("screens/Home Page.graphql"), "query { hello }");
    var e = assertThrows(ConfigException.class, () -> BundleLoader.load(dir, NO_ENV));
    assertEquals("ios/screens/Home Page.graphql", e.file());
    assertTrue(e.getMessage().contains("'Home Page' is not a valid screen name"), e.getMessage());
    assertTrue(e.getMessage().contains("home-page.graphql"), e.getMessage());

    Files.delete(dir.resolve("screens/Home Page.graphql"));
    Files.writeString(dir.resolve("screens/home.gql"), "query { hello }");
    e = assertThrows(ConfigException.class, () -> BundleLoader.load(dir, NO_ENV));
    assertTrue(e.getMessage().startsWith("ios/screens/home.gql: "), e.getMessage());
  }
}
