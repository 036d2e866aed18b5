package dev.bffkit.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.route.Route;
import dev.bffkit.core.security.TestIdp;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Content-based routing through a real started BFF: a proxy route whose rules send requests by
 * header, cookie, query, verified claim, JSON body field, method and path to another service or to
 * a labelled version of one. Each upstream answers with its own name and the body length it got,
 * so every row checks both where the request went and that its body arrived whole.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContentRoutingTest {
  @TempDir static Path tmp;
  private Vertx vertx;
  private TestIdp idp;
  private Bff.RunningBff bff;
  private final List<HttpServer> servers = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    idp = new TestIdp().start(vertx);
    int v1 = upstream("v1");
    int v2 = upstream("v2");
    int next = upstream("next");
    HttpServer closed = vertx.createHttpServer().requestHandler(r -> { }).listen(0, "127.0.0.1").await();
    int down = closed.actualPort();
    closed.close().await();
    Path dir = Files.createDirectories(tmp.resolve("ios"));
    Files.writeString(dir.resolve("bff.yaml"), """
        name: ios
        server: { host: 127.0.0.1, port: 0, instances: 2 }
        auth:
          required: false
          issuers: [ { issuer: "%s", jwksUrl: "%s", audiences: [bff] } ]
        services:
          stable: { endpoints: "http://127.0.0.1:%d" }
          orders:
            endpoints:
              - { url: "http://127.0.0.1:%d", labels: { version: v1 } }
              - { url: "http://127.0.0.1:%d", labels: { version: v2 } }
              - { url: "http://127.0.0.1:%d", labels: { version: v3 } }
          next: { endpoints: "http://127.0.0.1:%d" }
        routes:
          - prefix: /api/orders
            service: stable
            rules:
              - name: api-v2
                match: [ { header: x-api-version, value: "2" } ]
                service: orders
                subset: { version: v2 }
              - name: gold
                match: [ { claim: tier, value: [gold, platinum] } ]
                service: next
              - name: priority
                match: [ { method: POST }, { body: /order/priority, value: high } ]
                service: orders
                subset: { version: v2 }
              - name: preview
                match: [ { cookie: beta, value: "1" }, { query: preview } ]
                service: next
              - name: bulk
                match: [ { path: /api/orders/bulk } ]
                service: next
              - name: pinned-down
                match: [ { header: x-api-version, value: "9" } ]
                service: orders
                subset: { version: v3 }
        """.formatted(idp.issuer, idp.jwksUrl(), v1, v1, v2, down, next));
    Files.writeString(dir.resolve("schema.graphqls"), "type Query { hello: String }\n");
    Files.createDirectories(dir.resolve("screens"));
    Files.writeString(dir.resolve("screens/home.graphql"), "query Home { hello }\n");
    bff = Bff.start(vertx, BundleLoader.load(dir, name -> null)).await(20, TimeUnit.SECONDS);
  }

  /** Answers "NAME LENGTH" where LENGTH is the body length it received. */
  private int upstream(String name) {
    HttpServer s = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b ->
        req.response().end(name + " " + b.length()))).listen(0, "127.0.0.1").await();
    servers.add(s);
    return s.actualPort();
  }

  @AfterAll
  void stop() {
    if (bff != null) bff.close().await();
    vertx.close().await();
  }

  record Row(String why, String method, String path, String body, String type, List<String> headers, String expect) {}

  private static final String HIGH = "{\"order\":{\"priority\":\"high\",\"items\":[1,2]}}";

  private List<Row> rows() {
    String gold = "Bearer " + idp.rs256("u1", c -> c.claim("tier", "gold"));
    String listClaim = "Bearer " + idp.rs256("u2", c -> c.claim("tier", List.of("silver", "platinum")));
    String silver = "Bearer " + idp.rs256("u3", c -> c.claim("tier", "silver"));
    String big = "{\"order\":{\"priority\":\"high\"},\"pad\":\"" + "x".repeat(70_000) + "\"}";
    return List.of(
        new Row("no rule holds: the route's service", "GET", "/api/orders/1", null, null, List.of(), "v1"),
        new Row("header pins version v2", "GET", "/api/orders/1", null, null, List.of("x-api-version", "2"), "v2"),
        new Row("another header value", "GET", "/api/orders/1", null, null, List.of("x-api-version", "3"), "v1"),
        new Row("header names are case-insensitive", "GET", "/api/orders/1", null, null, List.of("X-API-Version", "2"), "v2"),
        new Row("any of repeated headers", "GET", "/api/orders/1", null, null,
            List.of("x-api-version", "3", "x-api-version", "2"), "v2"),
        new Row("verified claim", "GET", "/api/orders/1", null, null, List.of("authorization", gold), "next"),
        new Row("list claim holding one value", "GET", "/api/orders/1", null, null, List.of("authorization", listClaim), "next"),
        new Row("claim with another value", "GET", "/api/orders/1", null, null, List.of("authorization", silver), "v1"),
        new Row("a header is never a claim", "GET", "/api/orders/1", null, null, List.of("tier", "gold"), "v1"),
        new Row("body field on POST", "POST", "/api/orders", HIGH, "application/json", List.of(), "v2"),
        new Row("body field, +json type", "POST", "/api/orders", HIGH, "application/vnd.x+json; charset=utf-8", List.of(), "v2"),
        new Row("body field with another value", "POST", "/api/orders", HIGH.replace("high", "low"), "application/json",
            List.of(), "v1"),
        new Row("not JSON: no body condition holds", "POST", "/api/orders", HIGH, "text/plain", List.of(), "v1"),
        new Row("malformed JSON reaches the service as sent", "POST", "/api/orders", "{\"order\":{\"priority\":\"high\"",
            "application/json", List.of(), "v1"),
        new Row("a body over the read limit streams on, unmatched", "POST", "/api/orders", big, "application/json",
            List.of(), "v1"),
        new Row("method condition: PUT is not POST", "PUT", "/api/orders", HIGH, "application/json", List.of(), "v1"),
        new Row("cookie and query both hold", "GET", "/api/orders/1?preview", null, null, List.of("cookie", "a=b; beta=1"), "next"),
        new Row("cookie alone is not enough", "GET", "/api/orders/1", null, null, List.of("cookie", "beta=1"), "v1"),
        new Row("a cookie named like the value", "GET", "/api/orders/1?preview=1", null, null, List.of("cookie", "xbeta=1"), "v1"),
        new Row("path under the rule's prefix", "GET", "/api/orders/bulk/7", null, null, List.of(), "next"),
        new Row("path prefix at a segment boundary", "GET", "/api/orders/bulky", null, null, List.of(), "v1"),
        new Row("first rule wins: header before claim", "GET", "/api/orders/1", null, null,
            List.of("x-api-version", "2", "authorization", gold), "v2"));
  }

  @Test
  void everyRowGoesWhereItsRuleSays() throws Exception {
    List<String> wrong = new ArrayList<>();
    for (Row r : rows()) {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.port() + r.path()))
          .timeout(Duration.ofSeconds(10))
          .method(r.method(), r.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(r.body()));
      if (r.type() != null) b.header("content-type", r.type());
      for (int i = 0; i < r.headers().size(); i += 2) b.header(r.headers().get(i), r.headers().get(i + 1));
      HttpResponse<String> a = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      int length = r.body() == null ? 0 : r.body().length();
      String want = r.expect() + " " + length;
      if (a.statusCode() != 200 || !a.body().equals(want)) {
        wrong.add(r.why() + ": want 200 '" + want + "', got " + a.statusCode() + " '" + a.body() + "'");
      }
    }
    assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    Counter gold = bff.observability().metrics().registry().find("bff.route.rule")
        .tags("route", "proxy:/api/orders", "rule", "gold").counter();
    assertEquals(2.0, gold.count(), "two rows went by the gold rule");
  }

  @Test
  void aPinnedVersionThatIsDownIsNeverSwappedForAnother() throws Exception {
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> a = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.port() + "/api/orders/1"))
          .header("x-api-version", "9").timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertTrue(a.statusCode() == 502 || a.statusCode() == 503, a.statusCode() + " " + a.body());
    }
  }

  /** A query the decoder refuses (RFC 3986 §2.1: '%' must be followed by two hex digits) gets a clear answer. */
  @Test
  void aMalformedQueryGetsAClearAnswer() throws Exception {
    for (String query : List.of("preview=%zz", "preview=%", "%zz=1", "preview=%E0%A4%A")) {
      try (Socket s = new Socket("127.0.0.1", bff.port())) {
        s.setSoTimeout(5000);
        s.getOutputStream().write(("GET /api/orders/1?" + query + " HTTP/1.1\r\nHost: x\r\nCookie: beta=1\r\n"
            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(answer.startsWith("HTTP/1.1 400"), query + ": " + answer);
        assertTrue(answer.contains("bad_request_target"), query + ": " + answer);
      }
    }
  }

  @Test
  void theRouteTableShowsTheRules() {
    Route r = bff.routes().named("proxy:/api/orders");
    JsonArray rules = r.toJson().getJsonObject("policy").getJsonArray("rules");
    assertEquals(6, rules.size());
    JsonObject first = rules.getJsonObject(0);
    assertEquals("api-v2", first.getString("name"));
    assertEquals("header x-api-version=2", first.getJsonArray("match").getString(0));
    assertEquals("orders", first.getString("service"));
    assertEquals("v2", first.getJsonObject("subset").getString("version"));
    assertTrue(r.describe().contains("rules=api-v2(header x-api-version=2 -> orders{version=v2})"), r.describe());
  }
}
