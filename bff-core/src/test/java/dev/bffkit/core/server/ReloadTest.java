package dev.bffkit.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ConfigException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A running BFF takes a new bundle without dropping a request, and refuses what does not validate or needs a restart. */
class ReloadTest {
  @TempDir Path tmp;
  private Vertx vertx;
  private HttpServer upstream;
  private Bff.RunningBff bff;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void upstream() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer().requestHandler(req -> {
      String id = req.path().substring(req.path().lastIndexOf('/') + 1);
      // A little latency so requests are in flight while the swap happens.
      vertx.setTimer(2, t -> req.response().putHeader("content-type", "application/json")
          .end(new JsonObject().put("id", id).put("text", "post " + id).put("title", "title " + id).encode()));
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    if (bff != null) bff.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private String yaml(String extra) {
    return """
        name: ios
        server: { host: 127.0.0.1, port: 0, instances: 2 }
        services:
          posts: { endpoints: "http://127.0.0.1:%d" }
        routes:
          - { prefix: /api/posts, service: posts }
        """.formatted(upstream.actualPort()) + extra;
  }

  private Path write(String dirName, String yaml, Map<String, String> screens) throws Exception {
    Path dir = tmp.resolve(dirName);
    Files.createDirectories(dir.resolve("screens"));
    Files.writeString(dir.resolve("bff.yaml"), yaml);
    Files.writeString(dir.resolve("schema.graphqls"), """
        type Query {
          post(id: ID = "p1"): Post @rest(service: "posts", path: "/posts/{args.id}")
        }
        type Post { id: ID text: String title: String }
        """);
    for (var s : screens.entrySet()) Files.writeString(dir.resolve("screens/" + s.getKey() + ".graphql"), s.getValue());
    return dir;
  }

  private ClientBundle load(Path dir) {
    return BundleLoader.load(dir, name -> null);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.port() + path))
        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aReloadUnderSteadyLoadLosesNoRequestAndTheNewScreenAndRouteTakeEffect() throws Exception {
    bff = Bff.start(vertx, load(write("v1", yaml(""), Map.of("post", "query Post { post { id text } }\n"))))
        .await(10, TimeUnit.SECONDS);
    assertEquals(404, get("/v1/screens/fresh").statusCode());

    SteadyLoad load = new SteadyLoad(this::get, "/v1/screens/post", "/api/posts/p7", "/v1/screens/post", "/api/posts/p7");
    Thread.sleep(300);
    for (int i = 0; i < 5; i++) {
      // Each reload changes the answer of a screen, adds one and a proxy route.
      String field = i % 2 == 0 ? "title" : "text";
      ClientBundle next = load(write("v" + (i + 2), yaml("  - { prefix: /api/more" + i + ", service: posts }\n"),
          Map.of("post", "query Post { post { id " + field + " } }\n", "fresh", "query Fresh { post(id: \"p9\") { id } }\n")));
      bff.reload(next).await(10, TimeUnit.SECONDS);
      Thread.sleep(100);
    }
    load.stop();
    assertTrue(load.failures.isEmpty(), "no request failed during 5 reloads: " + load.failures);
    assertTrue(load.ok.get() > 100, "the load ran: " + load.ok.get());

    JsonObject post = new JsonObject(get("/v1/screens/post").body()).getJsonObject("data").getJsonObject("post");
    assertEquals("title p1", post.getString("title"), "the last reload's screen answers: " + post);
    assertNull(post.getString("text"));
    assertEquals("p9", new JsonObject(get("/v1/screens/fresh").body()).getJsonObject("data").getJsonObject("post").getString("id"));
    assertEquals(200, get("/api/more4/p3").statusCode(), "a route added by the reload serves");
    assertNotNull(bff.routes().named("screen:fresh"));
    assertEquals(bff.routes().named("screen:post").id(), bff.routes().named("screen:post").id());
    String table = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.adminPort() + "/routes?format=text"))
        .GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    assertTrue(table.contains("route=screen:fresh"), "the admin listener shows the live table: " + table);
  }

  @Test
  void anInvalidBundleOrARestartOnlyChangeIsRefusedAndTheOldConfigKeepsServing() throws Exception {
    bff = Bff.start(vertx, load(write("v1", yaml(""), Map.of("post", "query Post { post { id text } }\n"))))
        .await(10, TimeUnit.SECONDS);
    // A screen that asks for a field the schema lacks fails validation when the engine is built.
    ClientBundle badScreen = load(write("bad", yaml(""), Map.of("post", "query Post { post { id nope } }\n")));
    Exception e = assertThrowsOnAwait(() -> bff.reload(badScreen).await(10, TimeUnit.SECONDS));
    assertTrue(e.getMessage().contains("nope"), e.getMessage());

    ClientBundle renamed = load(write("renamed", yaml("").replace("name: ios", "name: tv"),
        Map.of("post", "query Post { post { id text } }\n")));
    Exception restart = assertThrowsOnAwait(() -> bff.reload(renamed).await(10, TimeUnit.SECONDS));
    assertTrue(restart instanceof ConfigException, restart.toString());
    assertTrue(restart.getMessage().contains("name cannot change while running; restart to apply"), restart.getMessage());

    JsonObject post = new JsonObject(get("/v1/screens/post").body()).getJsonObject("data").getJsonObject("post");
    assertEquals("post p1", post.getString("text"), "the old config still answers");
    // And a good reload after the refused ones still applies.
    bff.reload(load(write("good", yaml(""), Map.of("post", "query Post { post { id title } }\n")))).await(10, TimeUnit.SECONDS);
    assertEquals("title p1", new JsonObject(get("/v1/screens/post").body()).getJsonObject("data").getJsonObject("post").getString("title"));
  }

  @Test
  void rateLimitsChangeOnReload() throws Exception {
    String limits = """
        rateLimits:
          rules: [ { name: all, routes: ["*"], key: ip, limits: [ { limit: %d, per: 1m } ] } ]
        """;
    bff = Bff.start(vertx, load(write("v1", yaml(limits.formatted(2)), Map.of("post", "query Post { post { id } }\n"))))
        .await(10, TimeUnit.SECONDS);
    assertEquals(200, get("/api/posts/p1").statusCode());
    assertEquals(200, get("/api/posts/p1").statusCode());
    assertEquals(429, get("/api/posts/p1").statusCode());
    bff.reload(load(write("v2", yaml(limits.formatted(100)), Map.of("post", "query Post { post { id } }\n"))))
        .await(10, TimeUnit.SECONDS);
    HttpResponse<String> r = get("/api/posts/p1");
    assertEquals(200, r.statusCode(), "a new limiter with the new limit");
    assertTrue(r.headers().firstValue("ratelimit-policy").orElse("").contains("q=100"), r.headers().map().toString());
  }

  @Test
  void aWatchedFolderIsLiveWithinASecondOfAnEditAndABadEditKeepsTheOldConfig() throws Exception {
    Path dir = write("watched", yaml(""), Map.of("post", "query Post { post { id text } }\n"));
    bff = Bff.start(vertx, load(dir), null, new Bff.Watch(dir, this::load)).await(10, TimeUnit.SECONDS);
    assertEquals("post p1", new JsonObject(get("/v1/screens/post").body()).getJsonObject("data").getJsonObject("post")
        .getString("text"));
    Thread.sleep(600); // the watcher's first look (the served version)

    long t0 = System.nanoTime();
    Files.writeString(dir.resolve("screens/post.graphql"), "query Post { post { id title } }\n");
    String title = null;
    while (title == null && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5)) {
      title = new JsonObject(get("/v1/screens/post").body()).getJsonObject("data").getJsonObject("post").getString("title");
      if (title == null) Thread.sleep(20);
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    System.out.println("edit to new answer: " + ms + " ms");
    assertEquals("title p1", title);
    assertTrue(ms < 2000, "live within a second or so of the edit: " + ms + " ms");

    Files.writeString(dir.resolve("bff.yaml"), yaml("").replace("services:", "services: [oops"));
    String admin = "http://127.0.0.1:" + bff.adminPort();
    HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(admin + "/config/reload"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(422, refused.statusCode(), refused.body());
    assertTrue(new JsonObject(refused.body()).getString("error").contains("bff.yaml:"), refused.body());
    assertEquals("title p1", new JsonObject(get("/v1/screens/post").body()).getJsonObject("data").getJsonObject("post")
        .getString("title"), "the old config keeps serving");
    JsonObject history = new JsonObject(http.send(HttpRequest.newBuilder(URI.create(admin + "/config/reloads")).GET().build(),
        HttpResponse.BodyHandlers.ofString()).body());
    assertEquals("REFUSED", history.getJsonArray("reloads").getJsonObject(0).getString("outcome"), history.encode());
  }

  private interface Awaited {
    void run() throws Exception;
  }

  private static Exception assertThrowsOnAwait(Awaited a) {
    try {
      a.run();
    } catch (Exception e) {
      return e;
    }
    throw new AssertionError("expected the reload to be refused");
  }
}
