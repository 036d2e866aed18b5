package dev.bffkit.core.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.route.Route;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The operators' listener of a real started BFF, loaded from a bff.yaml. */
class AdminListenerTest {
  private static final String TOKEN = "admin-token-0123456789abcdef";

  @TempDir Path tmp;
  private Vertx vertx;
  private HttpServer upstream;
  private Bff.RunningBff bff;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void upstream() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer().requestHandler(req -> req.response().end("up"))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    if (bff != null) bff.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private Path dir(String yaml) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("ios"));
    Files.writeString(dir.resolve("bff.yaml"), yaml);
    Files.writeString(dir.resolve("schema.graphqls"), "type Query { hello: String }\n");
    return dir;
  }

  private String yaml(String admin) {
    return """
        name: ios
        server:
          host: 127.0.0.1
          port: 0
          instances: 1
        services:
          posts:
            endpoints: http://127.0.0.1:%d
        routes:
          - prefix: /api/posts
            service: posts
            methods: [GET, POST]
            maxBodyBytes: 2kb
        """.formatted(upstream.actualPort()) + admin;
  }

  private void start(String admin) throws Exception {
    ClientBundle bundle = BundleLoader.load(dir(yaml(admin)), name -> null);
    bff = Bff.start(vertx, bundle).await(10, TimeUnit.SECONDS);
  }

  private HttpResponse<String> get(int port, String pathAndQuery, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
        .timeout(Duration.ofSeconds(5)).GET();
    if (authorization != null) b.header("Authorization", authorization);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void adminPathsAreOnTheAdminPortOnly() throws Exception {
    start("");
    int admin = bff.adminPort();
    assertTrue(admin > 0, "the default admin listener is on (ephemeral for an ephemeral client port)");
    assertNotEquals(bff.port(), admin);

    for (String path : List.of("/upstreamz", "/routes", "/routes?format=text")) {
      HttpResponse<String> client = get(bff.port(), path, null);
      assertEquals(404, client.statusCode(), () -> path + " on the client port: " + client.body());
    }
    HttpResponse<String> up = get(admin, "/upstreamz", null);
    assertEquals(200, up.statusCode(), up.body());
    assertTrue(up.headers().firstValue("content-type").orElse("").startsWith("application/json"));
    JsonObject topology = new JsonObject(up.body());
    assertTrue(topology.containsKey("posts"), up.body());

    for (int port : new int[] {bff.port(), admin}) {
      for (String path : List.of("/healthz", "/readyz")) {
        HttpResponse<String> r = get(port, path, null);
        assertEquals(200, r.statusCode(), () -> path + " on " + port);
        assertEquals("UP", new JsonObject(r.body()).getString("status"));
      }
    }
    HttpResponse<String> unknown = get(admin, "/nope", null);
    assertEquals(404, unknown.statusCode());
    assertEquals("not_found", new JsonObject(unknown.body()).getJsonObject("error").getString("code"));
  }

  @Test
  void routesListsEveryRouteWithKindMatchPolicyAndDeclaration() throws Exception {
    start("");
    HttpResponse<String> r = get(bff.adminPort(), "/routes", null);
    assertEquals(200, r.statusCode(), r.body());
    JsonArray routes = new JsonArray(r.body());
    List<Route> table = bff.routes().routes();
    assertEquals(table.size(), routes.size(), r.body());
    Map<String, JsonObject> byName = new HashMap<>();
    for (int i = 0; i < routes.size(); i++) byName.put(routes.getJsonObject(i).getString("name"), routes.getJsonObject(i));
    for (String name : List.of("health:/healthz", "health:/readyz", "screen:*", "graphql", "proxy:/api/posts")) {
      assertTrue(byName.containsKey(name), () -> name + " missing from " + r.body());
    }
    for (Route t : table) {
      JsonObject j = byName.get(t.name());
      assertEquals(t.kind().label(), j.getString("kind"));
      assertEquals(t.match().describe(), j.getString("match"));
      assertEquals(t.declaredAt(), j.getString("declaredAt"));
      assertTrue(j.getJsonObject("policy").containsKey("maxBodyBytes"), j::encode);
    }
    JsonObject proxy = byName.get("proxy:/api/posts");
    assertEquals("proxy", proxy.getString("kind"));
    assertEquals("prefix /api/posts", proxy.getString("match"));
    assertEquals("GET,POST", proxy.getString("methods"));
    assertEquals("ios/bff.yaml:10", proxy.getString("declaredAt"));
    assertEquals(2048, proxy.getJsonObject("policy").getLong("maxBodyBytes"));
    assertEquals("posts", proxy.getJsonObject("policy").getString("service"));
    assertEquals("health", byName.get("health:/healthz").getString("kind"));
    assertEquals("exact /graphql", byName.get("graphql").getString("match"));

    HttpResponse<String> text = get(bff.adminPort(), "/routes?format=text", null);
    assertEquals(200, text.statusCode());
    assertTrue(text.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
    List<String> lines = text.body().lines().toList();
    assertEquals(table.size(), lines.size(), text.body());
    for (int i = 0; i < lines.size(); i++) {
      assertTrue(lines.get(i).startsWith("route=" + table.get(i).name() + " kind="), lines.get(i));
    }
    assertTrue(text.body().contains("route=proxy:/api/posts kind=proxy match=\"prefix /api/posts\" methods=GET,POST"
        + " auth=optional body=2048B/"), text.body());
    assertTrue(text.body().contains("at=ios/bff.yaml:10"), text.body());
  }

  static Stream<Arguments> tokens() {
    return Stream.of(
        Arguments.of("none", null, 401),
        Arguments.of("wrong", "Bearer wrong-token-0123456789abcdef", 401),
        Arguments.of("a prefix of it", "Bearer " + TOKEN.substring(0, TOKEN.length() - 1), 401),
        Arguments.of("longer", "Bearer " + TOKEN + "x", 401),
        Arguments.of("not bearer", "Basic " + TOKEN, 401),
        Arguments.of("lower-case scheme", "bearer " + TOKEN, 200),
        Arguments.of("right", "Bearer " + TOKEN, 200));
  }

  @ParameterizedTest(name = "token {0} -> {2}")
  @MethodSource("tokens")
  void aTokenGuardsEverythingButTheProbes(String name, String authorization, int status) throws Exception {
    start("admin:\n  token: \"" + TOKEN + "\"\n");
    int admin = bff.adminPort();
    for (String path : List.of("/routes", "/routes?format=text", "/upstreamz")) {
      HttpResponse<String> r = get(admin, path, authorization);
      assertEquals(status, r.statusCode(), () -> path + ": " + r.body());
      if (status == 401) {
        assertTrue(r.headers().firstValue("www-authenticate").orElse("").startsWith("Bearer"));
        assertTrue(!r.body().contains(TOKEN), "the answer never shows the token");
      }
    }
    for (String path : List.of("/healthz", "/readyz")) {
      assertEquals(200, get(admin, path, authorization).statusCode(), path);
      assertEquals(200, get(admin, path, null).statusCode(), path);
    }
  }

  @Test
  void aListenerBeyondLoopbackWithoutATokenIsRefused() throws Exception {
    ConfigException e = assertThrows(ConfigException.class,
        () -> BundleLoader.load(dir(yaml("admin: {host: 0.0.0.0}\n")), name -> null));
    assertTrue(e.getMessage().startsWith("ios/bff.yaml:14: "), e.getMessage());
    assertTrue(e.getMessage().contains("admin.host"), e.getMessage());
    assertTrue(e.getMessage().contains("token"), e.getMessage());

    ConfigException block = assertThrows(ConfigException.class,
        () -> BundleLoader.load(dir(yaml("admin:\n  port: 0\n  host: 0.0.0.0\n")), name -> null));
    assertTrue(block.getMessage().startsWith("ios/bff.yaml:16: "), block.getMessage());
  }

  @Test
  void theClientPortIsRefusedAsTheAdminPort() throws Exception {
    String yaml = yaml("admin:\n  port: 18081\n").replace("port: 0\n", "port: 18081\n");
    ConfigException e = assertThrows(ConfigException.class, () -> BundleLoader.load(dir(yaml), name -> null));
    assertTrue(e.getMessage().startsWith("ios/bff.yaml:15: "), e.getMessage());
    assertTrue(e.getMessage().contains("admin.port"), e.getMessage());
    assertTrue(e.getMessage().contains("19081"), e.getMessage());
  }

  @Test
  void theAdminListenerCanBeTurnedOff() throws Exception {
    start("admin:\n  port: -1\n");
    assertEquals(-1, bff.adminPort());
    assertEquals(200, get(bff.port(), "/healthz", null).statusCode());
    assertEquals(404, get(bff.port(), "/upstreamz", null).statusCode());
  }
}
