package dev.bffkit.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.security.ApiKeys;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * server.warmUp: a loopback copy serves the warm-up before the BFF is ready, and nothing of it
 * leaves the process — the real service counts no call until a client makes one.
 */
class WarmUpTest {
  private static final String KEY = "warm-up-test-key";
  @TempDir
  Path tmp;
  private Vertx vertx;
  private HttpServer service;
  private final AtomicInteger calls = new AtomicInteger();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    service = vertx.createHttpServer().requestHandler(req -> {
      calls.incrementAndGet();
      req.response().putHeader("content-type", "application/json").end("{\"id\":\"p1\",\"text\":\"real\"}");
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private ClientBundle bundle(String warmUp) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("bff"));
    Files.createDirectories(dir.resolve("screens"));
    Files.writeString(dir.resolve("bff.yaml"), """
        name: warm
        server: { host: 127.0.0.1, port: 0, instances: 2%s }
        services:
          posts: { endpoints: "http://127.0.0.1:%d" }
        routes:
          - { prefix: /api/posts, service: posts, stripPrefix: /api }
          - { prefix: /api/write, service: posts, methods: [POST] }
        auth:
          required: true
          apiKeys:
            keys:
              - { name: dev, sha256: %s, tier: free }
        """.formatted(warmUp, service.actualPort(), ApiKeys.sha256Hex(KEY)));
    Files.writeString(dir.resolve("schema.graphqls"), "type Query {\n  post(id: ID = \"p1\"): Post @rest(service: \"posts\","
        + " path: \"/posts/{args.id}\")\n}\ntype Post { id: ID text: String }\n");
    Files.writeString(dir.resolve("screens/post.graphql"), "query Post { post { id text } }\n");
    return BundleLoader.load(dir, name -> null);
  }

  @Test
  void theCopyAnswersEveryWarmUpRequestWithoutCallingAService() throws Exception {
    ClientBundle b = bundle(", warmUp: { requests: 400, maxTime: 20s }");
    List<String>[] paths = new List[1];
    int answered = WarmUp.run(vertx, b, copy -> Bff.start(vertx, copy).onSuccess(bff -> paths[0] = WarmUp.paths(bff)))
        .await(30, TimeUnit.SECONDS);
    assertEquals(400, answered);
    // the GET proxy route and the screen; the POST-only route is left alone
    assertEquals(List.of("/api/posts/warm-up", "/v1/screens/post"), paths[0]);
    assertEquals(0, calls.get(), "no warm-up request reached the real service");
  }

  @Test
  void theBffIsReadyAfterItsWarmUpAndServesAsConfigured() throws Exception {
    Bff.RunningBff bff = Bff.start(vertx, bundle(", warmUp: { requests: 300 }")).await(30, TimeUnit.SECONDS);
    try {
      assertEquals(0, calls.get(), "the warm-up called no service");
      // The real listener keeps its auth (the copy had none): no key, 401; with the key, the service's answer.
      assertEquals(401, get(bff.port(), "/api/posts/p1", null).statusCode());
      HttpResponse<String> ok = get(bff.port(), "/api/posts/p1", KEY);
      assertEquals(200, ok.statusCode(), ok.body());
      assertTrue(ok.body().contains("real"), ok.body());
      HttpResponse<String> screen = get(bff.port(), "/v1/screens/post", KEY);
      assertEquals(200, screen.statusCode(), screen.body());
      assertTrue(screen.body().contains("\"text\":\"real\""), screen.body());
      assertEquals(2, calls.get(), "only the client's two calls");
    } finally {
      bff.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aWarmUpThatCannotRunHoldsNothingBack() throws Exception {
    // maxTime spent before the first request: the start goes on, and only the real config's errors stop it.
    Bff.RunningBff bff = Bff.start(vertx, bundle(", warmUp: { requests: 1000000, maxTime: 1ms }")).await(30, TimeUnit.SECONDS);
    try {
      assertEquals(200, get(bff.port(), "/api/posts/p1", KEY).statusCode());
    } finally {
      bff.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void warmUpSettingsAreChecked() throws Exception {
    ConfigException e = assertThrows(ConfigException.class,
        () -> bundle(", warmUp: { requests: 10, maxTime: 2m }"));
    assertTrue(e.getMessage().contains("maxTime") && e.getMessage().contains("bff.yaml:2"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> bundle(", warmUp: { requests: -1 }"));
    assertTrue(e.getMessage().contains("requests"), e.getMessage());
  }

  @Test
  void changingOnlyTheWarmUpReloadsWithoutARestart() throws Exception {
    var running = bundle("").config();
    var next = bundle(", warmUp: { requests: 5000 }").config();
    assertEquals(null, Reload.restartNeeded(running, next));
    assertTrue(Reload.restartNeeded(running, next.withPort(1234)).startsWith("server"));
  }

  private HttpResponse<String> get(int port, String path, String key) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
    if (key != null) r.header("x-api-key", key);
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }
}
