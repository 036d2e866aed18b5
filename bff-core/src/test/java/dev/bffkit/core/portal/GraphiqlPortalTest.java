package dev.bffkit.core.portal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.BundleLoader;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GraphiQL on the admin listener over real HTTP: the page and its assets from the jar (no other host), the relay to the
 * client listener's GraphQL endpoint with the developer's token (the same answers as a direct client call, limits and
 * introspection included), clear 4xx for bad relay requests, and a 404 saying how to turn it on when the ad-hoc
 * endpoint is off. The BFF is {@link ScreenCatalogTest}'s: two real local services, an API key, an admin token.
 */
class GraphiqlPortalTest {
  private static final Pattern ASSET = Pattern.compile("(?:src|href)=\"([^\"]+)\"");
  private static final String QUERY = "{ post(id: \"p9\") { id title author { name } } }";

  @TempDir Path tmp;
  private Vertx vertx;
  private int posts;
  private int users;
  private Bff.RunningBff bff;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void upstreams() throws Exception {
    vertx = Vertx.vertx();
    posts = ScreenCatalogTest.posts(vertx).actualPort();
    users = ScreenCatalogTest.users(vertx).actualPort();
  }

  @AfterEach
  void stop() throws Exception {
    if (bff != null) bff.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private void start(String yamlFrom, String yamlTo) throws Exception {
    Path dir = tmp.resolve("bff");
    ScreenCatalogTest.bundle(dir, posts, users, Map.of("post", ScreenCatalogTest.POST));
    Path yaml = dir.resolve("bff.yaml");
    String text = Files.readString(yaml);
    assertTrue(text.contains(yamlFrom), text);
    Files.writeString(yaml, text.replace(yamlFrom, yamlTo));
    bff = Bff.start(vertx, BundleLoader.load(dir, n -> null)).await(20, TimeUnit.SECONDS);
  }

  private void start() throws Exception {
    start("", "");
  }

  @Test
  void thePageAndItsAssetsComeFromTheJarAndNamesNoOtherHost() throws Exception {
    start();
    HttpResponse<String> page = get("/portal/graphiql"); // no admin token: the page holds no data
    assertEquals(200, page.statusCode(), page.body());
    assertEquals(GraphiqlPage.CSP, page.headers().firstValue("content-security-policy").orElseThrow());
    assertEquals("no-store", page.headers().firstValue("cache-control").orElseThrow());
    assertFalse(page.body().contains("http:") || page.body().contains("https:") || page.body().contains("//"),
        "no URL of another host (no CDN): " + page.body());
    assertFalse(page.body().contains("<script>") || page.body().contains("<style>"), "no inline block: script-src 'self'");
    List<String> assets = new ArrayList<>();
    Matcher m = ASSET.matcher(page.body());
    while (m.find()) if (m.group(1).startsWith(GraphiqlAssets.PREFIX)) assets.add(m.group(1));
    assertEquals(6, assets.size(), "react, react-dom, graphiql js+css, the page's js+css: " + assets);
    for (String a : assets) {
      HttpResponse<byte[]> r = http.send(request(a).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, r.statusCode(), a);
      assertEquals("public, max-age=31536000, immutable", r.headers().firstValue("cache-control").orElseThrow(), a);
      assertEquals(a.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8",
          r.headers().firstValue("content-type").orElseThrow(), a);
      assertTrue(r.body().length > 200, a);
    }
    // The bytes are the WebJar's own, at a URL naming its version.
    String graphiql = GraphiqlAssets.url("graphiql.js");
    assertEquals("/portal/assets/graphiql/2.4.7/graphiql.min.js", graphiql);
    try (InputStream in = getClass().getClassLoader()
        .getResourceAsStream("META-INF/resources/webjars/graphiql/2.4.7/graphiql.min.js")) {
      assertNotNull(in);
      assertArrayEquals(in.readAllBytes(), http.send(request(graphiql).GET().build(),
          HttpResponse.BodyHandlers.ofByteArray()).body());
    }
    for (String missing : List.of("/portal/assets/graphiql/2.4.7/graphiql.js", "/portal/assets/", "/portal/assets/x/../y",
        "/portal/assets/react/18.3.1/react.development.js", "/portal/assets/META-INF/MANIFEST.MF")) {
      assertEquals(404, get(missing).statusCode(), missing);
    }
  }

  @Test
  void theRelayAnswersAsTheClientListenerDoes() throws Exception {
    start();
    // An API key with scope read: the answer comes from both real services.
    HttpResponse<String> ok = relay(relayBody(QUERY, ScreenCatalogTest.KEY, "apiKey"));
    assertEquals(200, ok.statusCode(), ok.body());
    JsonObject post = new JsonObject(ok.body()).getJsonObject("data").getJsonObject("post");
    assertEquals("title p9", post.getString("title"));
    assertEquals("Ada", post.getJsonObject("author").getString("name"));
    assertTrue(ok.headers().firstValue("x-request-id").isPresent(), "the client listener's own answer");

    // The full client path: no token, a wrong key, a wrong bearer token are the client listener's 401s; the admin
    // listener's own token is still needed for the relay itself.
    assertEquals(401, relay(relayBody(QUERY, null, null)).statusCode());
    assertEquals(401, relay(relayBody(QUERY, "wrong", "apiKey")).statusCode());
    HttpResponse<String> bearer = relay(relayBody(QUERY, "not.a.jwt", "bearer"));
    assertEquals(401, bearer.statusCode(), bearer.body());
    HttpResponse<String> noAdmin = http.send(request("/portal/graphql").header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(relayBody(QUERY, ScreenCatalogTest.KEY, "apiKey"))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(401, noAdmin.statusCode());
    assertEquals("unauthenticated", new JsonObject(noAdmin.body()).getJsonObject("error").getString("code"));

    // Query limits and introspection (off by default) as a direct call to the client listener answers them.
    StringBuilder aliases = new StringBuilder("{");
    for (int i = 0; i < 40; i++) aliases.append(" a").append(i).append(": post(id: \"p\") { id }");
    aliases.append(" }");
    for (String q : List.of(aliases.toString(), "{ __schema { types { name } } }", "{ nope }", "{ post(id: ")) {
      HttpResponse<String> viaPortal = relay(relayBody(q, ScreenCatalogTest.KEY, "apiKey"));
      HttpResponse<String> direct = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.port() + "/graphql"))
          .timeout(Duration.ofSeconds(10)).header("content-type", "application/json").header("accept", "application/json")
          .header("X-API-Key", ScreenCatalogTest.KEY)
          .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("query", q).encode())).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(direct.statusCode(), viaPortal.statusCode(), q);
      assertEquals(new JsonObject(direct.body()), new JsonObject(viaPortal.body()), q);
      assertTrue(viaPortal.body().contains("errors"), q + " → " + viaPortal.body());
    }
  }

  @Test
  void theRelayRefusesBadRequestsWithClear4xx() throws Exception {
    start();
    record Case(String contentType, String body, int status, String code) {}
    String q = "\"query\": \"{ post(id: \\\"p1\\\") { id } }\"";
    List<Case> cases = List.of(
        new Case("text/plain", "{" + q + "}", 415, "unsupported_media_type"),
        new Case(null, "{" + q + "}", 415, "unsupported_media_type"),
        new Case("application/x-www-form-urlencoded", "query=x", 415, "unsupported_media_type"),
        new Case("application/json", "", 400, "bad_request"),
        new Case("application/json", "not json", 400, "bad_request"),
        new Case("application/json", "[1]", 400, "bad_request"),
        new Case("application/json", "{}", 400, "bad_request"),
        new Case("application/json", "{\"query\": 5}", 400, "bad_request"),
        new Case("application/json", "{\"query\": \"  \"}", 400, "bad_request"),
        new Case("application/json", "{" + q + ", \"variables\": [1]}", 400, "bad_request"),
        new Case("application/json", "{" + q + ", \"variables\": \"{}\"}", 400, "bad_request"),
        new Case("application/json", "{" + q + ", \"operationName\": 5}", 400, "bad_request"),
        new Case("application/json", "{" + q + ", \"token\": 5}", 400, "bad_request"),
        new Case("application/json", "{" + q + ", \"token\": \"a\", \"credential\": \"cookie\"}", 400, "bad_request"),
        new Case("application/json", "{" + q + ", \"token\": \"a\\r\\nx-evil: 1\"}", 400, "bad_token"),
        new Case("application/json", "{" + q + ", \"token\": \"" + "a".repeat(ClientRelay.MAX_TOKEN + 1) + "\"}", 400,
            "bad_token"),
        new Case("application/json", "{" + q + ", \"token\": \"" + "a".repeat(GraphiqlRelay.MAX_BODY) + "\"}", 413,
            "body_too_large"));
    for (Case c : cases) {
      HttpRequest.Builder b = request("/portal/graphql").header("Authorization", "Bearer " + ScreenCatalogTest.ADMIN_TOKEN)
          .POST(HttpRequest.BodyPublishers.ofString(c.body()));
      if (c.contentType() != null) b.header("content-type", c.contentType());
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      String label = c.toString().length() > 200 ? c.toString().substring(0, 200) : c.toString();
      assertEquals(c.status(), r.statusCode(), label + " → " + r.body());
      JsonObject err = new JsonObject(r.body()).getJsonObject("error");
      assertEquals(c.code(), err.getString("code"), label);
      assertFalse(r.body().contains("x-evil"), "the token is never echoed");
    }
  }

  @Test
  void whenTheAdhocEndpointIsOffGraphiqlSaysHowToTurnItOn() throws Exception {
    start("composition: { deadline: 2500ms }", "composition: { deadline: 2500ms, adhocGraphql: false }");
    HttpResponse<String> page = get("/portal/graphiql");
    assertEquals(404, page.statusCode());
    assertTrue(page.body().contains("composition.adhocGraphql: true"), page.body());
    HttpResponse<String> r = relay(relayBody(QUERY, ScreenCatalogTest.KEY, "apiKey"));
    assertEquals(404, r.statusCode(), r.body());
    assertEquals("graphql_off", new JsonObject(r.body()).getJsonObject("error").getString("code"));
  }

  private static String relayBody(String query, String token, String credential) {
    JsonObject b = new JsonObject().put("query", query);
    if (token != null) b.put("token", token).put("credential", credential);
    return b.encode();
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.adminPort() + path)).timeout(Duration.ofSeconds(10));
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> relay(String body) throws Exception {
    return http.send(request("/portal/graphql").header("content-type", "application/json")
        .header("Authorization", "Bearer " + ScreenCatalogTest.ADMIN_TOKEN)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
