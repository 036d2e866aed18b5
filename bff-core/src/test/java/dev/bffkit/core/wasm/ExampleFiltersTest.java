package dev.bffkit.core.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.config.BundleLoader;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped AssemblyScript filters (filters/dist) in a real BFF in front of real services: what each does to
 * headers and bodies, its local responses and the properties it reads, as filters/README.md says.
 */
class ExampleFiltersTest {
  static Vertx vertx;
  static HttpServer v1;
  static HttpServer v2;
  static HttpClient client;
  /** Requests go out on a Vert.x context (see HostileFiltersTest: Vert.x 5.0.7's client off one loses answers). */
  static OnLoop loop;
  static Bff.RunningBff bff;

  /** Echoes what it got ({"version", "headers", "path"}), or answers {@code ?json=} as a JSON body ({@code ?ct=} its type). */
  static HttpServer service(String version) throws Exception {
    return vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      String json = req.getParam("json");
      if (req.getParam("big") != null) json = big(Integer.parseInt(req.getParam("big"))).encode();
      if (json != null) {
        String ct = req.getParam("ct");
        req.response().putHeader("content-type", ct == null ? "application/json" : ct).end(json);
        return;
      }
      JsonObject headers = new JsonObject();
      req.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
      req.response().putHeader("content-type", "application/json")
          .end(new JsonObject().put("version", version).put("headers", headers).put("path", req.uri()).encode());
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  /** {@code n} records, each with an e-mail address and a card number: over 100 KiB for 2000. */
  static JsonArray big(int n) {
    JsonArray big = new JsonArray();
    for (int i = 0; i < n; i++) big.add(new JsonObject().put("id", i).put("mail", "user" + i + "@example.com")
        .put("card", "4111 1111 1111 1111"));
    return big;
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    v1 = service("v1");
    v2 = service("v2");
    client = vertx.createHttpClient();
    loop = new OnLoop(vertx.getOrCreateContext());
    Path dist = Path.of("").toAbsolutePath().getParent().resolve("filters/dist");
    Path dir = Files.createTempDirectory("examples");
    Files.createDirectories(dir.resolve("filters"));
    for (String f : new String[] {"pii-redaction", "header-sanitize", "ab-routing", "add-header"}) {
      Files.copy(dist.resolve(f + ".wasm"), dir.resolve("filters/" + f + ".wasm"));
    }
    Files.writeString(dir.resolve("bff.yaml"), """
        name: web
        server: { host: 127.0.0.1, port: 0, instances: 2 }
        services:
          svc:
            endpoints:
              - { url: "http://127.0.0.1:%d", labels: { version: v1 } }
              - { url: "http://127.0.0.1:%d", labels: { version: v2 } }
        routes:
          - { prefix: /pii, service: svc }
          - { prefix: /clean, service: svc }
          - prefix: /ab
            service: svc
            rules:
              - { match: [ { header: x-bff-variant, value: b } ], subset: { version: v2 } }
              - { match: [ { header: x-bff-variant, value: a } ], subset: { version: v1 } }
          - { prefix: /plain, service: svc }
        filters:
          wasm:
            - { name: pii, file: filters/pii-redaction.wasm, routes: ["proxy:/pii"], callbackBudget: 2s }  # a cold JIT on a busy CI machine
            - name: sanitize
              file: filters/header-sanitize.wasm
              routes: ["proxy:/clean"]
              config: { remove: [x-debug, "x-internal-*"], deny: [x-forbidden], maxValueLength: 64 }
            - { name: ab, file: filters/ab-routing.wasm, routes: ["proxy:/ab"], config: { percentB: 50 } }
            - { name: add, file: filters/add-header.wasm, routes: ["proxy:/clean", "proxy:/ab"] }
        """.formatted(v1.actualPort(), v2.actualPort()));
    Files.writeString(dir.resolve("schema.graphqls"), "type Query { ping: String }\n");
    Files.createDirectories(dir.resolve("screens"));
    bff = Bff.start(vertx, BundleLoader.load(dir, n -> null)).await(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    bff.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  record Answer(HttpClientResponse resp, Buffer body) {
    int status() {
      return resp.statusCode();
    }
  }

  static Answer get(String uri, String... headers) throws Exception {
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(bff.port()).setURI(uri);
    for (int i = 0; i < headers.length; i += 2) o.addHeader(headers[i], headers[i + 1]);
    return loop.run(() -> client.request(o).compose(r -> r.send()).compose(resp -> resp.body().map(b -> new Answer(resp, b))))
        .await(10, TimeUnit.SECONDS);
  }

  /** The service answers {@code json} (of type {@code ct}) through the PII route. */
  static Answer pii(String json, String ct) throws Exception {
    return get("/pii/x?json=" + URLEncoder.encode(json, UTF_8)
        + (ct == null ? "" : "&ct=" + URLEncoder.encode(ct, UTF_8)));
  }

  @Test
  void piiRedactionMasksEmailsAndCardsInJsonStringValuesOnly() throws Exception {
    String[][] rows = {
        {"{\"email\":\"jane.doe@example.com\",\"n\":1}", "{\"email\":\"[redacted]\",\"n\":1}"},
        {"{\"jane@example.com\":\"value jane@example.com\"}", "{\"jane@example.com\":\"value [redacted]\"}"},
        {"{\"s\":\"esc \\\"q\\\" jane\\u0040example.com \\\\ end\"}", "{\"s\":\"esc \\\"q\\\" [redacted] \\\\ end\"}"},
        {"[\"4111 1111 1111 1111\",\"4111-1111-1111-1111\"]", "[\"[redacted]\",\"[redacted]\"]"},
        {"{\"c\":\"4111 1111 1111 1112\",\"num\":4111111111111111}", "{\"c\":\"4111 1111 1111 1112\",\"num\":4111111111111111}"},
        {"[\"4111 1111 1111 1111 2024\",\"x4111111111111111\"]", "[\"4111 1111 1111 1111 2024\",\"x4111111111111111\"]"},
        {"[\"ID 4111111111111111!\"]", "[\"ID [redacted]!\"]"},
        {"[[\"a@b.co\",[\"x 5500-0000-0000-0004 y\"]],{\"k\":[{\"z\":\"mail: x@y.org.\"}]}]",
            "[[\"[redacted]\",[\"x [redacted] y\"]],{\"k\":[{\"z\":\"mail: [redacted].\"}]}]"},
        {"[\"a@b\",\"@b.com\",\"a@b..com\"]", "[\"a@b\",\"@b.com\",\"a@b..com\"]"},
        {"{\"broken\":\"a@b.com\"", "{\"broken\":\"a@b.com\""},
    };
    for (String[] row : rows) {
      Answer a = pii(row[0], null);
      assertEquals(200, a.status(), row[0]);
      assertEquals(row[1], a.body().toString(), "for " + row[0]);
      assertEquals(Integer.toString(a.body().length()), a.resp().getHeader("content-length"), row[0]);
    }
    Answer text = pii("mail a@b.com", "text/plain");
    assertEquals("mail a@b.com", text.body().toString(), "not JSON: untouched");
    Answer problem = pii("{\"detail\":\"a@b.com\"}", "application/problem+json; charset=utf-8");
    assertEquals("{\"detail\":\"[redacted]\"}", problem.body().toString());
    // a large answer in many chunks: rewritten once at the end, still JSON, every secret gone
    Answer large = get("/pii/x?big=2000");
    assertTrue(large.body().length() > 100_000, "a large answer: " + large.body().length());
    JsonArray masked = new JsonArray(large.body());
    assertEquals(2000, masked.size());
    assertFalse(large.body().toString().contains("@example.com"));
    assertFalse(large.body().toString().contains("4111"));
    assertEquals("[redacted]", masked.getJsonObject(1999).getString("mail"));
  }

  @Test
  void headerSanitizeRemovesRefusesAndReadsProperties() throws Exception {
    Answer a = get("/clean/x", "x-debug", "1", "x-internal-a", "2", "x-keep", "3");
    assertEquals(200, a.status(), a.body().toString());
    JsonObject seen = new JsonObject(a.body()).getJsonObject("headers");
    assertNull(seen.getString("x-debug"));
    assertNull(seen.getString("x-internal-a"));
    assertEquals("3", seen.getString("x-keep"));
    assertEquals("proxy:/clean", seen.getString("x-filter-route"), "property route_name");
    assertTrue(seen.getString("x-filter-client").startsWith("127.0.0.1:"), "property source.address: " + seen);
    assertEquals("1", seen.getString("x-wasm"), "the second filter on the route ran too");
    assertEquals("1", a.resp().getHeader("x-wasm"));

    Answer denied = get("/clean/x", "x-forbidden", "1");
    assertEquals(400, denied.status());
    assertEquals("application/json", denied.resp().getHeader("content-type"));
    assertEquals("header_refused", new JsonObject(denied.body()).getJsonObject("error").getString("code"));
    assertTrue(new JsonObject(denied.body()).getJsonObject("error").getString("message").contains("x-forbidden"));
    Answer tooLong = get("/clean/x", "x-other", "y".repeat(65));
    assertEquals(400, tooLong.status(), tooLong.body().toString());
    Answer removedLong = get("/clean/x", "x-internal-x", "y".repeat(65));
    assertEquals(200, removedLong.status(), "a removed header's length does not matter");
  }

  @Test
  void abRoutingPicksAVariantTheRouteRulesHonour() throws Exception {
    Answer b = get("/ab/x", "cookie", "bff-ab=b");
    assertEquals("v2", new JsonObject(b.body()).getString("version"));
    assertEquals("b", new JsonObject(b.body()).getJsonObject("headers").getString("x-bff-variant"));
    assertNull(b.resp().getHeader("set-cookie"), "a known variant sets no cookie");
    Answer a = get("/ab/x", "cookie", "x=1; bff-ab=a", "x-bff-variant", "b");
    assertEquals("v1", new JsonObject(a.body()).getString("version"), "the cookie decides, not a client's header");
    assertEquals("a", new JsonObject(a.body()).getJsonObject("headers").getString("x-bff-variant"));
    Set<String> versions = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      Answer fresh = get("/ab/x", "x-request-id", "id-" + i);
      String cookie = fresh.resp().getHeader("set-cookie");
      assertTrue(cookie != null && cookie.matches("bff-ab=[ab]; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax"),
          "set-cookie: " + cookie);
      String variant = cookie.substring(7, 8);
      String version = new JsonObject(fresh.body()).getString("version");
      assertEquals(variant.equals("b") ? "v2" : "v1", version, "the rule follows the filter's decision");
      versions.add(version);
    }
    assertEquals(Set.of("v1", "v2"), versions, "both variants at 50 %");
    Answer plain = get("/plain/x");
    assertNull(new JsonObject(plain.body()).getJsonObject("headers").getString("x-bff-variant"));
  }
}
