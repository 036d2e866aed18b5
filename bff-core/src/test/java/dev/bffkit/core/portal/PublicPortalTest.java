package dev.bffkit.core.portal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.security.TestIdp;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * The public developer portal ({@code portal.public}) on the client listener over real HTTP: a BFF with two real
 * local services, a real identity provider ({@link TestIdp}) and {@code path: /developers, scopes: [developer]}.
 * The page is open with its CSP; the data needs a developer token with the scope (401, 403, 200); try-it and the
 * GraphiQL relay work under the path; operator pages are not there; the admin portal is unchanged; a path that
 * overlaps another route, or no issuer, stops the start with the reason.
 */
class PublicPortalTest {
  private static final Pattern ASSET = Pattern.compile("(?:src|href)=\"([^\"]+)\"");
  private static final String BASE = "/developers";

  @TempDir Path tmp;
  private Vertx vertx;
  private TestIdp idp;
  private int posts;
  private int users;
  private Bff.RunningBff bff;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void upstreams() throws Exception {
    vertx = Vertx.vertx();
    idp = new TestIdp().start(vertx);
    posts = ScreenCatalogTest.posts(vertx).actualPort();
    users = ScreenCatalogTest.users(vertx).actualPort();
  }

  @AfterEach
  void stop() throws Exception {
    if (bff != null) bff.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** The test bundle with an issuer and {@code portal} appended (null: no issuer). */
  private Path bundle(String portal, boolean issuer) throws Exception {
    Path dir = tmp.resolve("bff");
    ScreenCatalogTest.bundle(dir, posts, users, Map.of("post", ScreenCatalogTest.POST));
    Path yaml = dir.resolve("bff.yaml");
    String text = Files.readString(yaml);
    String issuers = issuer ? "  issuers:\n    - { issuer: \"" + idp.issuer + "\", jwksUrl: \"" + idp.jwksUrl()
        + "\", audiences: [bff] }\n" : "";
    assertTrue(text.contains("  required: true\n"), text);
    Files.writeString(yaml, text.replace("  required: true\n", "  required: true\n" + issuers)
        .replace("composition: { deadline: 2500ms }", "composition: { deadline: 2500ms, adhocGraphql: true }") + portal);
    return dir;
  }

  private void start() throws Exception {
    bff = Bff.start(vertx, BundleLoader.load(bundle("portal:\n  public: { path: /developers/, scopes: [developer] }\n",
        true), n -> null)).await(20, TimeUnit.SECONDS);
  }

  private String developer() {
    return idp.rs256("dev-1", c -> c.claim("scope", "read developer"));
  }

  @Test
  void thePageAndGraphiqlAreOpenWithTheirCspAndAssetsUnderThePath() throws Exception {
    start();
    HttpResponse<String> page = get(BASE, null);
    assertEquals(200, page.statusCode(), page.body());
    assertEquals(PortalPage.contentSecurityPolicy(), page.headers().firstValue("content-security-policy").orElseThrow());
    assertTrue(page.body().contains("location.pathname"), "the page finds its base path itself");
    HttpResponse<String> graphiql = get(BASE + "/graphiql", null);
    assertEquals(200, graphiql.statusCode(), graphiql.body());
    assertEquals(GraphiqlPage.CSP, graphiql.headers().firstValue("content-security-policy").orElseThrow());
    Matcher m = ASSET.matcher(graphiql.body());
    int assets = 0;
    while (m.find()) {
      if (m.group(1).equals(".")) continue; // the link back to the page
      assertTrue(m.group(1).startsWith(BASE + "/assets/"), m.group(1));
      HttpResponse<String> a = get(m.group(1), null);
      assertEquals(200, a.statusCode(), m.group(1));
      assertTrue(a.body().length() > 200, m.group(1));
      assets++;
    }
    assertEquals(6, assets, graphiql.body());
    assertEquals(404, get(BASE + "/assets/graphiql/0.0.0/graphiql.min.js", null).statusCode());
  }

  @Test
  void theDataNeedsADeveloperTokenWithTheScopes() throws Exception {
    start();
    String noScope = idp.rs256("dev-2"); // scope: read
    for (String path : List.of(BASE + "/config", BASE + "/screens", BASE + "/screens/post", BASE + "/openapi.json",
        BASE + "/schema.graphql", BASE + "/keys")) {
      HttpResponse<String> none = get(path, null);
      assertEquals(401, none.statusCode(), path + " " + none.body());
      assertEquals("Bearer realm=\"ios\"", none.headers().firstValue("www-authenticate").orElseThrow(), path);
      JsonObject err = new JsonObject(none.body()).getJsonObject("error");
      assertEquals("unauthenticated", err.getString("code"), path);
      assertNotNull(err.getString("requestId"), "the client listener's error shape: " + none.body());
      HttpResponse<String> apiKey = send(request(path).header("x-api-key", ScreenCatalogTest.KEY).GET().build());
      assertEquals(401, apiKey.statusCode(), "an API key is no developer sign-in: " + path);
      assertTrue(apiKey.headers().firstValue("www-authenticate").orElseThrow().contains("error=\"invalid_token\""));
      HttpResponse<String> bad = get(path, "not-a-jwt");
      assertEquals(401, bad.statusCode(), path);
      HttpResponse<String> scopeless = get(path, noScope);
      assertEquals(403, scopeless.statusCode(), path + " " + scopeless.body());
      assertEquals("Bearer realm=\"ios\", error=\"insufficient_scope\", scope=\"developer\"",
          scopeless.headers().firstValue("www-authenticate").orElseThrow());
    }
    HttpResponse<String> screens = get(BASE + "/screens", developer());
    assertEquals(200, screens.statusCode(), screens.body());
    assertEquals("post", new JsonArray(screens.body()).getJsonObject(0).getString("name"), screens.body());
    HttpResponse<String> openapi = get(BASE + "/openapi.json", developer());
    assertEquals(200, openapi.statusCode(), openapi.body());
    assertEquals("3.1.0", new JsonObject(openapi.body()).getString("openapi"));
    assertTrue(get(BASE + "/schema.graphql", developer()).body().contains("type Query"));
    JsonObject config = new JsonObject(get(BASE + "/config", developer()).body());
    assertEquals(BASE + "/openapi.json", config.getString("openapi"));
    assertEquals(BASE, config.getString("portal"));
  }

  @Test
  void tryItAndTheGraphiqlRelayWorkUnderThePath() throws Exception {
    start();
    HttpResponse<String> tried = send(request(BASE + "/try/post").header("authorization", "Bearer " + developer())
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("token", ScreenCatalogTest.KEY)
            .put("credential", "apiKey").put("variables", new JsonObject().put("id", "p7")).encode())).build());
    assertEquals(200, tried.statusCode(), tried.body());
    assertEquals("p7", new JsonObject(tried.body()).getJsonObject("data").getJsonObject("post").getString("id"));
    HttpResponse<String> gql = send(request(BASE + "/graphql").header("authorization", "Bearer " + developer())
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("token", ScreenCatalogTest.KEY)
            .put("credential", "apiKey").put("query", "{ post(id: \"p8\") { id author { name } } }").encode())).build());
    assertEquals(200, gql.statusCode(), gql.body());
    JsonObject post = new JsonObject(gql.body()).getJsonObject("data").getJsonObject("post");
    assertEquals("p8", post.getString("id"));
    assertEquals("Ada", post.getJsonObject("author").getString("name"));
    // The relay's call takes the client path with the credential given for it: none is a 401 from the screen.
    HttpResponse<String> anonymous = send(request(BASE + "/try/post").header("authorization", "Bearer " + developer())
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"variables\": {\"id\": \"p1\"}}")).build());
    assertEquals(401, anonymous.statusCode(), anonymous.body());
    // A form post (no JSON) is refused: CSRF.
    HttpResponse<String> form = send(request(BASE + "/try/post").header("authorization", "Bearer " + developer())
        .header("content-type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("a=b")).build());
    assertEquals(415, form.statusCode(), form.body());
  }

  @Test
  void operatorPagesAreNotUnderThePathAndTheAdminPortalIsUnchanged() throws Exception {
    start();
    for (String op : List.of("/routes", "/config", "/upstreams", "/metrics", "/status", "/reload", "/portal", "/portal/config")) {
      HttpResponse<String> r = get(BASE + op, developer());
      if (op.equals("/config")) {
        assertEquals(200, r.statusCode(), "the portal's own config, not the operator's"); // {base}/config: the page's
        assertTrue(new JsonObject(r.body()).containsKey("screensPath"));
        continue;
      }
      assertEquals(404, r.statusCode(), op + " " + r.body());
      assertEquals("not_found", new JsonObject(r.body()).getJsonObject("error").getString("code"), op);
      assertEquals(404, get(op, developer()).statusCode(), "no operator page on the client listener: " + op);
    }
    // The admin portal as before: its page, its config pointing at the root documents, its data behind the admin token.
    HttpResponse<String> adminPage = admin("/portal", null);
    assertEquals(200, adminPage.statusCode());
    assertEquals(401, admin("/portal/config", null).statusCode());
    JsonObject config = new JsonObject(admin("/portal/config", ScreenCatalogTest.ADMIN_TOKEN).body());
    assertEquals("/openapi.json", config.getString("openapi"));
    assertEquals(200, admin("/portal/screens", ScreenCatalogTest.ADMIN_TOKEN).statusCode());
    assertEquals(200, admin("/portal/graphiql", null).statusCode());
    // /routes on the admin listener lists the portal route with its policy.
    JsonArray routes = new JsonArray(admin("/routes", ScreenCatalogTest.ADMIN_TOKEN).body());
    JsonObject portal = null;
    for (Object o : routes) if ("portal".equals(((JsonObject) o).getString("name"))) portal = (JsonObject) o;
    assertNotNull(portal, routes.encodePrettily());
    assertEquals("portal", portal.getString("kind"));
    assertEquals("/developers", portal.getString("match").replace("prefix ", "").replace("/*", "").replaceAll("/$", ""),
        portal.encode());
    assertTrue(portal.getString("declaredAt").matches(".*bff\\.yaml:\\d+"), portal.encode());
  }

  @Test
  void aPathOverlappingAnotherRouteOrNoIssuerStopsTheStart() throws Exception {
    for (String path : List.of("/v1/screens/dev", "/v1/screens", "/v1", "/graphql")) {
      Path dir = bundle("portal:\n  public: { path: " + path + " }\n", true);
      Throwable e = assertThrows(Exception.class,
          () -> Bff.start(vertx, BundleLoader.load(dir, n -> null)).await(20, TimeUnit.SECONDS));
      while (!(e instanceof ConfigException) && e.getCause() != null) e = e.getCause();
      assertTrue(e instanceof ConfigException, path + ": " + e);
      long lines = Files.readString(dir.resolve("bff.yaml")).lines().count();
      assertTrue(e.getMessage().contains("bff.yaml:" + lines) && e.getMessage().contains("route portal"),
          path + ": the portal's file:line: " + e.getMessage());
    }
    Path dir = bundle("portal:\n  public: { path: /developers }\n", false);
    ConfigException noIssuer = assertThrows(ConfigException.class, () -> BundleLoader.load(dir, n -> null));
    assertTrue(noIssuer.getMessage().contains("auth.issuers"), noIssuer.getMessage());
    for (String bad : List.of("/", "developers", "/a//b", "/a/../b", "/a b")) {
      Path d = bundle("portal:\n  public: { path: \"" + bad + "\" }\n", true);
      ConfigException e = assertThrows(ConfigException.class, () -> BundleLoader.load(d, n -> null), bad);
      assertTrue(e.getMessage().contains("portal.public.path"), bad + ": " + e.getMessage());
    }
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.port() + path)).timeout(Duration.ofSeconds(10));
  }

  private HttpResponse<String> get(String path, String bearer) throws Exception {
    HttpRequest.Builder b = request(path).GET();
    if (bearer != null) b.header("authorization", "Bearer " + bearer);
    return send(b.build());
  }

  private HttpResponse<String> admin(String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.adminPort() + path))
        .timeout(Duration.ofSeconds(10)).GET();
    if (token != null) b.header("authorization", "Bearer " + token);
    return send(b.build());
  }

  private HttpResponse<String> send(HttpRequest r) throws Exception {
    return http.send(r, HttpResponse.BodyHandlers.ofString());
  }
}
