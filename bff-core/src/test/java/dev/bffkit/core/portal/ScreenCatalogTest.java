package dev.bffkit.core.portal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.compose.ScreenFacts;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.security.ApiKeys;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The portal's screens catalog, page and try-it call, on a real started BFF with real upstreams. */
class ScreenCatalogTest {
  static final String KEY = "k-reader-0123456789";
  static final String ADMIN_TOKEN = "admin-secret-0123456789abcdef";
  static final String SCHEMA = """
      type Query {
        post(id: ID!): Post @rest(service: "posts", path: "/posts/{args.id}")
        feed(limit: Int = 5, tags: [String!]): [Post] @rest(service: "posts", path: "/feed?limit={args.limit}")
      }
      type Post {
        id: ID
        title: String
        authorId: ID
        author: User @rest(service: "users", path: "/users/{source.authorId}")
      }
      type User { id: ID name: String }
      """;
  static final String POST = "query Post($id: ID!) { post(id: $id) { id title author { name } } }\n";
  static final String FEED = "query Feed($limit: Int = 3, $tags: [String!]) { feed(limit: $limit, tags: $tags) { id title } }\n";

  @TempDir Path tmp;
  private Vertx vertx;
  private HttpServer posts;
  private HttpServer users;
  private Bff.RunningBff bff;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void upstreams() throws Exception {
    vertx = Vertx.vertx();
    posts = posts(vertx);
    users = users(vertx);
  }

  /** Posts by id ({@code /posts/p7}: title "title p7", author u1) and a feed of one. */
  static HttpServer posts(Vertx vertx) throws Exception {
    return vertx.createHttpServer().requestHandler(req -> {
      String id = req.path().substring(req.path().lastIndexOf('/') + 1);
      JsonObject post = new JsonObject().put("id", id).put("title", "title " + id).put("authorId", "u1");
      req.response().putHeader("content-type", "application/json")
          .end(req.path().startsWith("/feed") ? new JsonArray().add(post).encode() : post.encode());
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  static HttpServer users(Vertx vertx) throws Exception {
    return vertx.createHttpServer().requestHandler(req -> req.response().putHeader("content-type", "application/json")
        .end(new JsonObject().put("id", "u1").put("name", "Ada").encode())).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    if (bff != null) bff.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static String yaml(int postsPort, int usersPort) {
    return """
        name: ios
        server: { host: 127.0.0.1, port: 0, instances: 1 }
        composition: { deadline: 2500ms }
        admin: { token: "%s" }
        services:
          posts: { endpoints: "http://127.0.0.1:%d" }
          users: { endpoints: "http://127.0.0.1:%d" }
        auth:
          required: true
          apiKeys:
            keys:
              - { name: reader, sha256: %s, tier: free, scopes: [read] }
          screens: { post: [read] }
        """.formatted(ADMIN_TOKEN, postsPort, usersPort, ApiKeys.sha256Hex(KEY));
  }

  private ClientBundle bundle(String name, Map<String, String> screens) throws Exception {
    return bundle(tmp.resolve(name), posts.actualPort(), users.actualPort(), screens);
  }

  /** The test bundle in {@code folder}: two services, an API key with scope read, screen post needing it. */
  static ClientBundle bundle(Path folder, int postsPort, int usersPort, Map<String, String> screens) throws Exception {
    Path dir = Files.createDirectories(folder.resolve("screens"));
    Files.writeString(dir.getParent().resolve("bff.yaml"), yaml(postsPort, usersPort));
    Files.writeString(dir.getParent().resolve("schema.graphqls"), SCHEMA);
    for (var s : screens.entrySet()) Files.writeString(dir.resolve(s.getKey() + ".graphql"), s.getValue());
    return BundleLoader.load(dir.getParent(), n -> null);
  }

  private void start() throws Exception {
    bff = Bff.start(vertx, bundle("v1", Map.of("post", POST, "feed", FEED))).await(20, TimeUnit.SECONDS);
  }

  private HttpResponse<String> admin(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.adminPort() + path))
        .header("Authorization", "Bearer " + ADMIN_TOKEN).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> tryIt(String screen, String contentType, String body, boolean adminAuth) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.adminPort() + "/portal/try/" + screen))
        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) b.header("Content-Type", contentType);
    if (adminAuth) b.header("Authorization", "Bearer " + ADMIN_TOKEN);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Map<String, JsonObject> byName(JsonArray a) {
    Map<String, JsonObject> m = new TreeMap<>();
    for (int i = 0; i < a.size(); i++) m.put(a.getJsonObject(i).getString("name"), a.getJsonObject(i));
    return m;
  }

  @Test
  void theCatalogListsEveryScreenWithItsVariablesServicesPolicyAndCacheHeaders() throws Exception {
    start();
    HttpResponse<String> r = admin("/portal/screens");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
    Map<String, JsonObject> screens = byName(new JsonArray(r.body()));
    assertEquals(List.of("feed", "post"), List.copyOf(screens.keySet()));

    JsonObject post = screens.get("post");
    assertEquals("/v1/screens/post", post.getString("path"));
    assertEquals("Post", post.getString("operationName"));
    assertEquals(POST, post.getString("operation"));
    assertEquals(new JsonArray().add(new JsonObject().put("name", "id").put("type", "ID!").putNull("default")
        .put("required", true)), post.getJsonArray("variables"));
    assertEquals(new JsonArray().add("posts").add("users"), post.getJsonArray("services"), "post and its author");
    JsonArray calls = post.getJsonArray("calls");
    assertEquals(2, calls.size(), calls.encode());
    assertEquals(new JsonObject().put("service", "posts").put("field", "Query.post").put("call", "GET /posts/{args.id}")
        .put("batched", false).put("timeoutMs", 0).put("fallback", false), calls.getJsonObject(0));
    assertEquals("Post.author", calls.getJsonObject(1).getString("field"));
    assertEquals("screen:post", post.getString("route"));
    JsonObject policy = post.getJsonObject("policy");
    assertTrue(policy.getBoolean("authRequired"));
    assertEquals(new JsonArray().add("read"), policy.getJsonArray("scopes"), "auth.screens.post");
    assertEquals(2500, policy.getLong("deadlineMs"));
    assertEquals("private, no-cache", post.getJsonObject("cache").getString("cacheControl"));

    JsonObject feed = screens.get("feed");
    JsonArray fv = feed.getJsonArray("variables");
    assertEquals(new JsonObject().put("name", "limit").put("type", "Int").put("default", "3").put("required", false),
        fv.getJsonObject(0));
    assertEquals(new JsonObject().put("name", "tags").put("type", "[String!]").putNull("default").put("required", false),
        fv.getJsonObject(1));
    assertEquals(new JsonArray().add("posts"), feed.getJsonArray("services"));
    assertEquals(new JsonArray(), feed.getJsonObject("policy").getJsonArray("scopes"));

    // One screen by name is the same entry; an unknown one is the admin listener's 404 shape.
    assertEquals(post, new JsonObject(admin("/portal/screens/post").body()));
    HttpResponse<String> unknown = admin("/portal/screens/nope");
    assertEquals(404, unknown.statusCode());
    JsonObject err = new JsonObject(unknown.body()).getJsonObject("error");
    assertEquals(404, err.getInteger("status"));
    assertEquals("screen_not_found", err.getString("code"));
    assertTrue(err.getString("message").contains("nope"), err.encode());

    // Behind the admin token like the rest of the listener.
    HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + bff.adminPort() + "/portal/screens")).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(401, anonymous.statusCode());
  }

  @Test
  void theExampleAnswerIsJsonOfTheScreensShapeWithItsSize() throws Exception {
    start();
    Map<String, JsonObject> screens = byName(new JsonArray(admin("/portal/screens").body()));
    for (var e : Map.of("post", List.of("post"), "feed", List.of("feed")).entrySet()) {
      JsonObject example = screens.get(e.getKey()).getJsonObject("example");
      assertEquals("dry-run", example.getString("source"));
      JsonObject answer = example.getJsonObject("answer");
      assertNotNull(answer, example.encode());
      JsonObject data = answer.getJsonObject("data");
      assertNotNull(data, "the screen ran (its required variable had a placeholder): " + answer.encode());
      assertEquals(e.getValue(), List.copyOf(data.fieldNames()), answer.encode());
      int bytes = example.getInteger("bytes");
      assertEquals(answer.toBuffer().length(), bytes, "the size is that of the answer as served");
    }
    // The post answer's object has the screen's fields (the empty upstream answer leaves them null).
    JsonObject post = screens.get("post").getJsonObject("example").getJsonObject("answer").getJsonObject("data")
        .getJsonObject("post");
    assertNotNull(post);
    assertTrue(post.containsKey("id") && post.containsKey("title") && post.containsKey("author"), post.encode());
  }

  @Test
  void aReloadThatAddsAScreenShowsItInTheCatalog() throws Exception {
    start();
    assertEquals(2, new JsonArray(admin("/portal/screens").body()).size());
    assertEquals(404, admin("/portal/screens/fresh").statusCode());
    bff.reload(bundle("v2", Map.of("post", POST, "feed", FEED, "fresh", "query Fresh { feed { id } }\n")))
        .await(20, TimeUnit.SECONDS);
    Map<String, JsonObject> screens = byName(new JsonArray(admin("/portal/screens").body()));
    assertEquals(List.of("feed", "fresh", "post"), List.copyOf(screens.keySet()));
    HttpResponse<String> fresh = admin("/portal/screens/fresh");
    assertEquals(200, fresh.statusCode());
    assertEquals("/v1/screens/fresh", new JsonObject(fresh.body()).getString("path"));
  }

  @Test
  void thePageIsServedWithAStrictPolicyAndNoOtherHost() throws Exception {
    start();
    // Open, as /status is: a static file with no data.
    HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.adminPort() + "/portal"))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
    String csp = page.headers().firstValue("content-security-policy").orElse("");
    assertEquals(PortalPage.contentSecurityPolicy(), csp);
    assertTrue(csp.startsWith("default-src 'none'; script-src 'sha256-"), csp);
    assertTrue(csp.contains("connect-src 'self'") && csp.contains("frame-ancestors 'none'"), csp);
    assertFalse(csp.contains("unsafe-inline") || csp.contains("unsafe-eval"), csp);
    Matcher url = Pattern.compile("(?i)https?://").matcher(page.body());
    assertFalse(url.find(), "no absolute URL: the page works offline");
    assertFalse(page.body().contains("innerHTML"), "texts are set with textContent");
    assertTrue(page.body().contains("href=\"/openapi.json\"") && page.body().contains("href=\"/schema.graphql\""));

    JsonObject config = new JsonObject(admin("/portal/config").body());
    assertEquals(bff.port(), config.getInteger("clientPort"));
    assertEquals("/v1/screens", config.getString("screensPath"));
    assertEquals("/graphql", config.getString("graphqlPath"));
    assertTrue(config.getBoolean("adhocGraphql"));
    assertEquals("x-api-key", config.getString("apiKeyHeader"));
  }

  @Test
  void tryItAnswersWithTheScreensRealAnswerForAValidKeyAnd401Without() throws Exception {
    start();
    String ok = new JsonObject().put("token", KEY).put("credential", "apiKey")
        .put("variables", new JsonObject().put("id", "p7")).encode();
    HttpResponse<String> r = tryIt("post", "application/json", ok, true);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject post = new JsonObject(r.body()).getJsonObject("data").getJsonObject("post");
    assertEquals(new JsonObject().put("id", "p7").put("title", "title p7").put("author", new JsonObject().put("name", "Ada")),
        post);
    HttpResponse<String> direct = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.port()
        + "/v1/screens/post?id=p7")).header("x-api-key", KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(direct.body(), r.body(), "the same answer as a client gets");
    assertEquals(direct.headers().firstValue("etag"), r.headers().firstValue("etag"));
    assertEquals(ScreenFacts.CACHE_CONTROL, r.headers().firstValue("cache-control").orElse(""),
        "the catalog's cache header is the one served");
    assertEquals(Integer.toString(r.body().getBytes(StandardCharsets.UTF_8).length), r.headers().firstValue("x-portal-bytes")
        .orElse(""));

    // Lists as repeated parameters; a default left to the operation.
    String feed = new JsonObject().put("token", KEY).put("credential", "apiKey")
        .put("variables", new JsonObject().put("tags", new JsonArray().add("a b").add("c&d"))).encode();
    HttpResponse<String> f = tryIt("feed", "application/json", feed, true);
    assertEquals(200, f.statusCode(), f.body());
    assertEquals("title feed", new JsonObject(f.body()).getJsonObject("data").getJsonArray("feed").getJsonObject(0)
        .getString("title"));

    HttpResponse<String> noToken = tryIt("post", "application/json", "{\"variables\":{\"id\":\"p7\"}}", true);
    assertEquals(401, noToken.statusCode(), noToken.body());
    HttpResponse<String> wrong = tryIt("post", "application/json",
        new JsonObject().put("token", "wrong").put("credential", "apiKey").put("variables", new JsonObject().put("id", "p7"))
            .encode(), true);
    assertEquals(401, wrong.statusCode(), wrong.body());
  }

  @Test
  void tryItRefusesBadRequestsWithClear4xx() throws Exception {
    start();
    record Case(String screen, String contentType, String body, boolean adminAuth, int status, String code) {}
    List<Case> cases = List.of(
        new Case("post", "application/json", "{}", false, 401, "unauthenticated"),
        new Case("post", "text/plain", "{}", true, 415, "unsupported_media_type"),
        new Case("post", null, "{}", true, 415, "unsupported_media_type"),
        new Case("post", "application/x-www-form-urlencoded", "token=x", true, 415, "unsupported_media_type"),
        new Case("nope", "application/json", "{}", true, 404, "screen_not_found"),
        new Case("post", "application/json", "not json", true, 400, "bad_request"),
        new Case("post", "application/json", "[1]", true, 400, "bad_request"),
        new Case("post", "application/json", "{\"variables\": [1]}", true, 400, "bad_request"),
        new Case("post", "application/json", "{\"variables\": {\"id\": {\"x\": 1}}}", true, 400, "bad_request"),
        new Case("post", "application/json", "{\"token\": 5}", true, 400, "bad_request"),
        new Case("post", "application/json", "{\"token\": \"a\", \"credential\": \"cookie\"}", true, 400, "bad_request"),
        new Case("post", "application/json", "{\"token\": \"a\\r\\nx-evil: 1\"}", true, 400, "bad_token"),
        new Case("post", "application/json", "{\"token\": \"" + "a".repeat(Portal.MAX_TRY_BODY) + "\"}", true, 413,
            "body_too_large"));
    for (Case c : cases) {
      HttpResponse<String> r = tryIt(c.screen(), c.contentType(), c.body(), c.adminAuth());
      String label = c.toString().length() > 200 ? c.toString().substring(0, 200) : c.toString();
      assertEquals(c.status(), r.statusCode(), label + " → " + r.body());
      JsonObject err = new JsonObject(r.body()).getJsonObject("error");
      assertEquals(c.status(), err.getInteger("status"), label);
      assertEquals(c.code(), err.getString("code"), label);
    }
    // A missing required variable is the client listener's own 400, passed through.
    HttpResponse<String> missing = tryIt("post", "application/json",
        new JsonObject().put("token", KEY).put("credential", "apiKey").encode(), true);
    assertEquals(400, missing.statusCode(), missing.body());
    assertNull(new JsonObject(missing.body()).getValue("data"), missing.body());
  }
}
