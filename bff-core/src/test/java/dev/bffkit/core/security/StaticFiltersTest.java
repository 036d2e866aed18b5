package dev.bffkit.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.Cidr;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.CorsConfig;
import dev.bffkit.core.config.FiltersConfig;
import dev.bffkit.core.config.TlsConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** IP allow/deny with trusted proxies, the country geofence, WAF block and audit, CORS. */
class StaticFiltersTest {
  Vertx vertx;
  HttpServer upstream;
  HttpClient client;
  OnLoop loop;
  Bff.RunningBff bff;

  record Answer(int status, MultiMap headers, String body) {}

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer().requestHandler(req -> req.response().putHeader("content-type", "application/json")
        .end("{\"id\":\"1\"}")).listen(0, "127.0.0.1").await();
    client = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setKeepAlive(false));
    loop = new OnLoop(vertx.getOrCreateContext());
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  void start(FiltersConfig filters, CorsConfig cors) {
    ClientBundle b = TestBundles.bundle(TestBundles.server(Duration.ofSeconds(1)), Duration.ofSeconds(5),
        Map.of("up", TestBundles.service("up", upstream.actualPort())), List.of(),
        "type Query { me: N @rest(service: \"up\", path: \"/n\") }\ntype N { id: ID }\n",
        Map.of("me", "query Me { me { id } }"));
    b = new ClientBundle(b.config().withEdge(filters, cors, TlsConfig.off()), b.schema(), b.screens());
    bff = Bff.start(vertx, b).await();
  }

  Answer send(HttpMethod method, String uri, String... headers) throws Exception {
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(bff.port()).setMethod(method).setURI(uri);
    for (int i = 0; i < headers.length; i += 2) o.addHeader(headers[i], headers[i + 1]);
    return loop.run(() -> client.request(o).compose(r -> r.send())
            .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), resp.headers(), b.toString()))))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  int status(String uri, String... headers) throws Exception {
    return send(HttpMethod.GET, uri, headers).status();
  }

  @Test
  void ipRulesWithTrustedProxies() throws Exception {
    start(new FiltersConfig(List.of("10.0.0.0/8", "2001:db8::/32"), List.of("10.6.6.0/24"), List.of("127.0.0.1"),
        "cf-ipcountry", Set.of("CH"), Set.of(), FiltersConfig.WafMode.OFF), CorsConfig.off());
    String good = "10.1.2.3";
    assertEquals(200, status("/v1/screens/me", "x-forwarded-for", good, "cf-ipcountry", "CH"));
    assertEquals(403, status("/v1/screens/me", "x-forwarded-for", "10.6.6.7", "cf-ipcountry", "CH"), "denied range");
    assertEquals(403, status("/v1/screens/me", "x-forwarded-for", "192.0.2.1", "cf-ipcountry", "CH"), "not allowed");
    assertEquals(200, status("/v1/screens/me", "x-forwarded-for", "2001:db8::5", "cf-ipcountry", "ch"), "IPv6");
    assertEquals(403, status("/v1/screens/me", "x-forwarded-for", "2001:db9::5", "cf-ipcountry", "CH"), "IPv6 outside");
    // The client's own claims sit left of what the proxy appended: only the right-most counts.
    assertEquals(403, status("/v1/screens/me", "x-forwarded-for", "10.1.2.3, 203.0.113.5", "cf-ipcountry", "CH"));
    assertEquals(200, status("/v1/screens/me", "x-forwarded-for", "203.0.113.5, 10.1.2.3", "cf-ipcountry", "CH"));
    assertEquals(403, status("/v1/screens/me", "cf-ipcountry", "CH"), "the proxy itself is not an allowed client");
    assertEquals(403, status("/v1/screens/me", "x-forwarded-for", "garbage", "cf-ipcountry", "CH"));
    assertEquals(403, status("/v1/screens/me", "x-forwarded-for", good, "cf-ipcountry", "FR"), "geofence");
    assertEquals(403, status("/v1/screens/me", "x-forwarded-for", good), "no country");
    assertEquals(200, status("/v1/screens/me", "x-forwarded-for", good, "cf-ipcountry", "CH"));
  }

  @Test
  void wafBlocksSignaturesAndLetsNormalTrafficThrough() throws Exception {
    start(new FiltersConfig(List.of(), List.of(), List.of(), null, Set.of(), Set.of(), FiltersConfig.WafMode.BLOCK),
        CorsConfig.off());
    String[][] attacks = {
        {"/v1/screens/me?q=1%27%20OR%20%271%27%3D%271"},
        {"/v1/screens/me?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"},
        {"/v1/screens/me?q=%253Cscript%253E"},
        {"/v1/screens/me?id=1%20UNION%20SELECT%20password%20FROM%20users"},
        {"/v1/screens/me", "x-note", "' UNION SELECT password FROM users--"},
        {"/v1/screens/me", "referer", "javascript:alert(document.cookie)"},
        {"/v1/screens/me?x=1;%20SELECT%20pg_sleep(5)"},
    };
    for (String[] a : attacks) {
      String[] headers = java.util.Arrays.copyOfRange(a, 1, a.length);
      Answer r = send(HttpMethod.GET, a[0], headers);
      assertEquals(403, r.status(), a[0] + " " + String.join(" ", headers));
      assertTrue(r.body().contains("request_blocked"), r.body());
      assertEquals(200, status("/v1/screens/me", "accept", "text/html, */*;q=0.8",
          "user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"));
    }
    assertEquals(200, status("/v1/screens/me?name=O%27Reilly&q=select%20a%20plan%20from%20the%20list"));
    // GraphQL bodies are checked too (proxied bodies stream through unread).
    Answer body = post("/graphql", "{\"query\":\"{ me { id } }\",\"variables\":{\"q\":\"x' UNION SELECT password FROM users--\"}}");
    assertEquals(403, body.status(), body.body());
    Answer escaped = post("/graphql", "{\"query\":\"{ me { id } }\",\"variables\":{\"q\":\"\\u003cscript\\u003ealert(1)\"}}");
    assertEquals(403, escaped.status(), escaped.body());
    Answer fine = post("/graphql", "{\"query\":\"{ me { id } }\",\"variables\":{\"q\":\"50% off, O'Reilly\"}}");
    assertEquals(200, fine.status(), fine.body());
  }

  Answer post(String uri, String body) throws Exception {
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(bff.port()).setMethod(HttpMethod.POST).setURI(uri)
        .addHeader("content-type", "application/json");
    return loop.run(() -> client.request(o).compose(r -> r.send(body))
            .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), resp.headers(), b.toString()))))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void wafAuditLetsThrough() throws Exception {
    start(new FiltersConfig(List.of(), List.of(), List.of(), null, Set.of(), Set.of(), FiltersConfig.WafMode.AUDIT),
        CorsConfig.off());
    assertEquals(200, status("/v1/screens/me?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"));
  }

  @Test
  void corsPreflightAndSimpleRequests() throws Exception {
    start(FiltersConfig.none(), new CorsConfig(List.of("https://app.example.com"), Set.of("GET", "POST"),
        Set.of("authorization", "content-type"), Set.of("x-request-id"), true, Duration.ofMinutes(5)));
    Answer pre = send(HttpMethod.OPTIONS, "/graphql", "origin", "https://app.example.com",
        "access-control-request-method", "POST", "access-control-request-headers", "authorization");
    assertEquals(204, pre.status());
    assertEquals("https://app.example.com", pre.headers().get("access-control-allow-origin"));
    assertEquals("true", pre.headers().get("access-control-allow-credentials"));
    assertEquals("300", pre.headers().get("access-control-max-age"));
    assertTrue(pre.headers().get("access-control-allow-headers").contains("authorization"));
    assertEquals(403, send(HttpMethod.OPTIONS, "/graphql", "origin", "https://evil.example",
        "access-control-request-method", "POST").status());
    Answer simple = send(HttpMethod.GET, "/v1/screens/me", "origin", "https://app.example.com");
    assertEquals(200, simple.status());
    assertEquals("https://app.example.com", simple.headers().get("access-control-allow-origin"));
    assertEquals("Origin", simple.headers().get("vary"));
    Answer other = send(HttpMethod.GET, "/v1/screens/me", "origin", "https://evil.example");
    assertNull(other.headers().get("access-control-allow-origin"));
  }

  @Test
  void cidrsAndForwardedHops() {
    assertTrue(Cidr.parse("10.0.0.0/8").contains(Cidr.literal("10.255.1.2")));
    assertFalse(Cidr.parse("10.0.0.0/8").contains(Cidr.literal("11.0.0.1")));
    assertTrue(Cidr.parse("192.168.1.0/23").contains(Cidr.literal("192.168.0.9")));
    assertTrue(Cidr.parse("2001:db8::/32").contains(Cidr.literal("2001:db8:ffff::1")));
    assertFalse(Cidr.parse("2001:db8::/32").contains(Cidr.literal("10.0.0.1")));
    assertTrue(Cidr.parse("10.0.0.0/8").contains(Cidr.literal("::ffff:10.1.1.1")), "IPv4-mapped");
    assertTrue(Cidr.parse("0.0.0.0/0").contains(Cidr.literal("8.8.8.8")));
    assertNull(Cidr.literal("example.com"), "no DNS");
    assertNull(Cidr.literal("999.1.1.1"));
    assertNotNull(Cidr.literal("[::1]"));
    assertEquals("1.2.3.4", ClientAddress.stripPort("1.2.3.4:8080"));
    assertEquals("::1", ClientAddress.stripPort("[::1]:443"));
    assertEquals("2001:db8::1", ClientAddress.stripPort("2001:db8::1"));
    assertNull(Waf.check("Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "ua"));
    assertNull(Waf.check("{\"query\":\"{ me { id } }\"}", "body"));
    assertNotNull(Waf.check("<img src=x onerror=alert(1)>", "q"));
    assertNotNull(Waf.check("admin'--", "q"));
  }
}
