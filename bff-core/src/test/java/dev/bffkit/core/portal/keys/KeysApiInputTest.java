package dev.bffkit.core.portal.keys;

import static dev.bffkit.core.portal.keys.KeysFixture.api;
import static dev.bffkit.core.portal.keys.KeysFixture.create;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.security.TestIdp;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keys API refuses every bad request with a clear 4xx in the admin error shape, on one real
 * BFF: bad, expired and foreign tokens, wrong content types, oversized and malformed bodies, bad
 * names and tiers, another developer's key, one key too many. A refusal never makes a key.
 */
class KeysApiInputTest {
  @TempDir static Path tmp;
  private static Vertx vertx;
  private static TestIdp idp;
  private static TestIdp foreign;
  private static Bff.RunningBff bff;
  private static String mine;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    HttpServer upstream = vertx.createHttpServer().requestHandler(req -> req.response().end("up"))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    idp = new TestIdp().start(vertx);
    foreign = new TestIdp().start(vertx);
    bff = KeysFixture.start(vertx, tmp.resolve("bff"), KeysFixture.yaml(upstream.actualPort(), idp.issuer,
        "{ file: keys.json }", ""));
    mine = create(bff, idp.rs256("owner"), "owned", "free").getJsonObject("key").getString("id");
  }

  @AfterAll
  static void stop() throws Exception {
    bff.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  record Case(String what, String method, String path, Function<TestIdp, String> token, String type, String body,
      int status, String code) {}

  private static final String OK_BODY = "{\"name\":\"app\",\"tier\":\"free\"}";

  static List<Case> cases() {
    Function<TestIdp, String> dev = i -> i.rs256("stranger");
    return List.of(
        new Case("no token", "GET", "/portal/keys", i -> null, null, null, 401, "developer_token_missing"),
        new Case("blank token", "GET", "/portal/keys", i -> " ", null, null, 401, "developer_token_missing"),
        new Case("not a JWT", "GET", "/portal/keys", i -> "abc.def", null, null, 401, "developer_token_invalid"),
        new Case("expired", "GET", "/portal/keys",
            i -> i.rs256("stranger", b -> b.expirationTime(new Date(System.currentTimeMillis() - 120_000))), null, null,
            401, "developer_token_invalid"),
        new Case("claims another issuer", "GET", "/portal/keys", i -> i.rs256("stranger", b -> b.issuer("https://evil.example")),
            null, null, 401, "developer_token_invalid"),
        new Case("signed by a foreign issuer", "POST", "/portal/keys", i -> foreign.rs256("stranger"), "application/json", OK_BODY,
            401, "developer_token_invalid"),
        // The admin listener's header limit answers first (RFC 6585 §5), before any parsing.
        new Case("token past the header limit", "GET", "/portal/keys", i -> "a".repeat(KeysApi.MAX_TOKEN + 1), null, null, 431,
            ""),
        new Case("form post (CSRF)", "POST", "/portal/keys", dev, "application/x-www-form-urlencoded", "name=app&tier=free",
            415, "unsupported_media_type"),
        new Case("text/plain (CSRF)", "POST", "/portal/keys", dev, "text/plain", OK_BODY, 415, "unsupported_media_type"),
        new Case("no content type", "POST", "/portal/keys", dev, null, OK_BODY, 415, "unsupported_media_type"),
        new Case("rotate as a form", "POST", "/portal/keys/" + "x/rotate", dev, "text/plain", "{}", 415, "unsupported_media_type"),
        new Case("oversized body", "POST", "/portal/keys", dev, "application/json",
            "{\"name\":\"" + "a".repeat(KeysApi.MAX_BODY) + "\"}", 413, "body_too_large"),
        new Case("bad JSON", "POST", "/portal/keys", dev, "application/json", "{\"name\":", 400, "bad_request"),
        new Case("a JSON array", "POST", "/portal/keys", dev, "application/json", "[1]", 400, "bad_request"),
        new Case("empty body", "POST", "/portal/keys", dev, "application/json", "", 400, "bad_request"),
        new Case("no name", "POST", "/portal/keys", dev, "application/json", "{\"tier\":\"free\"}", 422, "bad_name"),
        new Case("name a number", "POST", "/portal/keys", dev, "application/json", "{\"name\":7}", 422, "bad_name"),
        new Case("name with markup", "POST", "/portal/keys", dev, "application/json", "{\"name\":\"<script>\"}", 422, "bad_name"),
        new Case("name with a line break", "POST", "/portal/keys", dev, "application/json", "{\"name\":\"a\\nb\"}", 422, "bad_name"),
        new Case("name too long", "POST", "/portal/keys", dev, "application/json",
            "{\"name\":\"" + "a".repeat(KeyRequest.MAX_NAME + 1) + "\"}", 422, "bad_name"),
        new Case("unknown tier", "POST", "/portal/keys", dev, "application/json", "{\"name\":\"a\",\"tier\":\"gold\"}", 422,
            "unknown_tier"),
        new Case("anonymous tier", "POST", "/portal/keys", dev, "application/json", "{\"name\":\"a\",\"tier\":\"anonymous\"}", 422,
            "unknown_tier"),
        new Case("tier a list", "POST", "/portal/keys", dev, "application/json", "{\"name\":\"a\",\"tier\":[\"free\"]}", 422,
            "unknown_tier"),
        new Case("rotate another developer's key", "POST", "/portal/keys/" + "MINE" + "/rotate", dev, "application/json", "{}",
            404, "key_not_found"),
        new Case("revoke another developer's key", "DELETE", "/portal/keys/MINE", dev, null, null, 404, "key_not_found"),
        new Case("revoke an unknown key", "DELETE", "/portal/keys/nope", dev, null, null, 404, "key_not_found"));
  }

  @Test
  void everyBadRequestGetsAClear4xxAndMakesNoKey() throws Exception {
    StringBuilder failures = new StringBuilder();
    for (Case c : cases()) {
      String path = c.path().replace("MINE", mine);
      HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(); // see KeysFixture.api
      HttpResponse<String> r = api(own, bff, c.method(), path, c.token().apply(idp), c.type(), c.body());
      String code = r.statusCode() >= 400 && r.body().startsWith("{")
          ? new JsonObject(r.body()).getJsonObject("error", new JsonObject()).getString("code") : "";
      if (r.statusCode() != c.status() || !c.code().equals(code)) {
        failures.append(c.what()).append(": ").append(r.statusCode()).append(' ').append(r.body()).append('\n');
      }
    }
    assertEquals("", failures.toString());
    HttpResponse<String> list = api(bff, "GET", "/portal/keys", idp.rs256("stranger"), null, null);
    assertEquals(0, new JsonObject(list.body()).getJsonArray("keys").size(), "no refused request made a key");
    HttpResponse<String> owner = api(bff, "GET", "/portal/keys", idp.rs256("owner"), null, null);
    assertEquals(1, new JsonObject(owner.body()).getJsonArray("keys").size(), "the owner's key is untouched");
  }

  @Test
  void pastMaxPerDeveloperIs409UntilOneIsRevoked() throws Exception {
    String dev = idp.rs256("busy");
    String first = null;
    for (int i = 0; i < 3; i++) {
      String id = create(bff, dev, "k" + i, "pro").getJsonObject("key").getString("id");
      if (first == null) first = id;
    }
    HttpResponse<String> over = api(bff, "POST", "/portal/keys", dev, "application/json", OK_BODY);
    assertEquals(409, over.statusCode(), over.body());
    assertEquals("too_many_keys", new JsonObject(over.body()).getJsonObject("error").getString("code"));
    assertEquals(200, api(bff, "DELETE", "/portal/keys/" + first, dev, null, null).statusCode());
    assertEquals(201, api(bff, "POST", "/portal/keys", dev, "application/json", OK_BODY).statusCode());
  }

  @Test
  void theAdminTokenStillGuardsTheKeysApi() throws Exception {
    HttpResponse<String> r = KeysFixture.HTTP.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + bff.adminPort() + "/portal/keys"))
        .header(KeysApi.TOKEN_HEADER, idp.rs256("owner")).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(401, r.statusCode());
    assertFalse(r.body().contains("owned"));
  }

  @Test
  void withoutAnIssuerTheKeysApiIs404SayingWhy(@TempDir Path dir) throws Exception {
    HttpServer upstream = vertx.createHttpServer().requestHandler(req -> req.response().end("up"))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    Bff.RunningBff noIdp = KeysFixture.start(vertx, dir, KeysFixture.yaml(upstream.actualPort(), null, "{ file: keys.json }",
        "").replace("  required: true", "  required: true\n  apiKeys: { keys: [ { name: ops, sha256: "
        + "0".repeat(64) + " } ] }"));
    try {
      HttpResponse<String> r = api(noIdp, "GET", "/portal/keys", idp.rs256("owner"), null, null);
      assertEquals(404, r.statusCode(), r.body());
      JsonObject e = new JsonObject(r.body()).getJsonObject("error");
      assertEquals("no_identity_provider", e.getString("code"));
      assertTrue(e.getString("message").contains("auth.issuers"), e.getString("message"));
      JsonObject status = new JsonObject(api(noIdp, "GET", "/portal/keys/status", null, null, null).body());
      assertEquals(false, status.getBoolean("enabled"));
      assertEquals(e.getString("message"), status.getString("reason"));
      assertEquals(true, new JsonObject(api(bff, "GET", "/portal/keys/status", null, null, null).body()).getBoolean("enabled"));
    } finally {
      noIdp.close().await(10, TimeUnit.SECONDS);
    }
  }
}
