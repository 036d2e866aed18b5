package dev.bffkit.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.AuthConfig;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.config.ServerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Services receive only what the gateway verified: against a recording upstream behind a proxy
 * route, with auth optional (so anonymous callers pass too), a client can neither send two
 * credentials, nor pose with look-alikes of the identity and forwarding headers, nor make the
 * gateway drop its own headers by naming them in {@code Connection}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeaderTrustTest {
  Vertx vertx;
  TestIdp idp;
  HttpServer upstream;
  Bff.RunningBff bff;
  HttpClient client;
  OnLoop loop;
  final List<JsonObject> seen = new CopyOnWriteArrayList<>();

  record Answer(int status, String body) {}

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    idp = new TestIdp().start(vertx);
    upstream = vertx.createHttpServer().requestHandler(req -> {
      JsonObject h = new JsonObject();
      req.headers().forEach(e -> {
        JsonArray values = h.getJsonArray(e.getKey());
        if (values == null) h.put(e.getKey(), values = new JsonArray()); // names exactly as received
        values.add(e.getValue());
      });
      seen.add(h);
      req.response().end("{}");
    }).listen(0, "127.0.0.1").await();
    AuthConfig auth = new AuthConfig(false, List.of("/healthz"),
        List.of(AuthTestSupport.issuer(idp.issuer, URI.create(idp.jwksUrl()), Duration.ofSeconds(30))),
        AuthConfig.ApiKeys.none(), Map.of("sub", "x-user-id", "scope", "x-user-scopes"), Map.of(), 8192);
    ServerConfig server = new ServerConfig("127.0.0.1", 0, 1, Duration.ofSeconds(1), Duration.ofSeconds(30), 64 * 1024, 64 * 1024);
    ClientBundle b = TestBundles.bundle(server, Duration.ofSeconds(5),
        Map.of("users", TestBundles.service("users", upstream.actualPort())),
        List.of(new ProxyRouteConfig("/api/users", "users", "/api", Set.of())), "type Query { ping: String }", Map.of());
    bff = Bff.start(vertx, new ClientBundle(b.config().withAuth(auth), b.schema(), b.screens())).await();
    client = vertx.createHttpClient();
    loop = new OnLoop(vertx.getOrCreateContext());
  }

  @AfterAll
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void clear() {
    seen.clear();
  }

  Answer get(String... headers) throws Exception {
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(bff.port()).setMethod(HttpMethod.GET).setURI("/api/users/u1");
    for (int i = 0; i < headers.length; i += 2) o.addHeader(headers[i], headers[i + 1]);
    return loop.run(() -> client.request(o).compose(r -> r.send())
            .compose(resp -> resp.body().map(body -> new Answer(resp.statusCode(), body.toString()))))
        .await(10, TimeUnit.SECONDS);
  }

  /** Every value the upstream received under a name equal to {@code name} ignoring case and '_' vs '-'. */
  List<String> received(String name) {
    assertEquals(1, seen.size(), "one upstream call: " + seen);
    String folded = name.toLowerCase().replace('_', '-');
    List<String> out = new ArrayList<>();
    for (var e : seen.get(0)) {
      if (e.getKey().toLowerCase().replace('_', '-').equals(folded)) ((JsonArray) e.getValue()).forEach(v -> out.add((String) v));
    }
    return out;
  }

  @Test
  void twoAuthorizationHeadersAreRefusedNotForwarded() throws Exception {
    String valid = idp.rs256("u1");
    Answer a = get("authorization", "Bearer " + valid, "authorization", "Bearer forged.token.value");
    assertEquals(400, a.status(), a.body());
    a = get("authorization", "Bearer forged.token.value", "Authorization", "Bearer " + valid);
    assertEquals(400, a.status(), a.body());
    assertTrue(seen.isEmpty(), "the upstream saw nothing: " + seen);
  }

  @Test
  void twoApiKeysAreRefused() throws Exception {
    Answer a = get("x-api-key", "one", "X-Api-Key", "two");
    assertEquals(400, a.status(), a.body());
    assertTrue(seen.isEmpty(), "the upstream saw nothing: " + seen);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void lookAlikesOfGatewayHeadersAreDroppedWithOrWithoutAuthentication(boolean authenticated) throws Exception {
    List<String> h = new ArrayList<>(List.of(
        "x_user_id", "spoof1", "X-USER-ID", "spoof2", "x-user-id", "spoof3", "X_User_Scopes", "admin",
        "x_request_timeout_ms", "999999", "X-Request-Timeout-Ms", "999999", "x_forwarded_for", "10.0.0.1",
        "x-forwarded-host", "evil.example", "X_Forwarded_Proto", "https", "x_request_id", "spoofed-id"));
    if (authenticated) h.addAll(List.of("authorization", "Bearer " + idp.rs256("u1")));
    Answer a = get(h.toArray(String[]::new));
    assertEquals(200, a.status(), a.body());
    assertEquals(authenticated ? List.of("u1") : List.of(), received("x-user-id"));
    assertEquals(authenticated ? List.of("read") : List.of(), received("x-user-scopes"));
    assertEquals(1, received("x-request-timeout-ms").size(), "the gateway's own deadline only");
    assertTrue(Long.parseLong(received("x-request-timeout-ms").get(0)) <= 5000, received("x-request-timeout-ms").toString());
    assertEquals(List.of("127.0.0.1"), received("x-forwarded-for"));
    assertEquals(1, received("x-forwarded-host").size());
    assertTrue(!received("x-forwarded-host").contains("evil.example"));
    assertEquals(List.of("http"), received("x-forwarded-proto"));
    assertEquals(1, received("x-request-id").size());
    assertTrue(!received("x-request-id").contains("spoofed-id"));
  }

  @Test
  void connectionHeaderCannotRemoveWhatTheGatewaySets() throws Exception {
    Answer a = get("authorization", "Bearer " + idp.rs256("u1"),
        "connection", "x-user-id, x-user-scopes, x-forwarded-for, x-request-id, x-request-timeout-ms, x-forwarded-proto");
    assertEquals(200, a.status(), a.body());
    assertEquals(List.of("u1"), received("x-user-id"));
    assertEquals(List.of("read"), received("x-user-scopes"));
    assertEquals(List.of("127.0.0.1"), received("x-forwarded-for"));
    assertEquals(1, received("x-request-id").size());
    assertEquals(1, received("x-request-timeout-ms").size());
    assertEquals(List.of("http"), received("x-forwarded-proto"));
    for (String c : received("connection")) assertTrue(!c.contains("x-user-id"), "the client's Connection is hop-by-hop: " + c);
  }
}
