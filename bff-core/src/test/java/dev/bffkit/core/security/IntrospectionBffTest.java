package dev.bffkit.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.config.BundleLoader;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opaque tokens in a real BFF (two event loops) against a real identity provider on loopback that introspects them
 * (RFC 7662) and checks the BFF's client authentication: active, inactive, expired, wrong audience, missing scope;
 * the provider failing (500), slow (past the timeout), down (a closed port) or malformed: 503 within the timeout;
 * one call for 100 concurrent requests with a new token; positive and negative verdicts expire; client_secret_basic
 * with characters RFC 6749 §2.3.1 encodes; private_key_jwt verified with the client's public key; discovery of the
 * endpoint; JWTs of another issuer still verified locally, never introspected; credentials the provider refuses
 * (a 4xx for the BFF itself) are 503 and logged with the issuer, never the token; with cacheTtl and negativeTtl 0
 * every request asks, and requests waiting on one call still get its verdict.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IntrospectionBffTest {
  static final String CLIENT_ID = "bff client";
  static final String SECRET = "s3cr:t&x=1";
  static final String ADMIN = "introspection-admin-token-0123456789";

  @TempDir static Path dir;
  Vertx vertx;
  HttpServer opaqueIdp;
  String opaqueIssuer;
  TestIdp jwtIdp;
  HttpServer upstream;
  HttpClient client;
  OnLoop loop;
  ECKey clientKey;
  Bff.RunningBff bff;
  final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  final List<String> assertionProblems = new CopyOnWriteArrayList<>();
  final List<String> seenUsers = new CopyOnWriteArrayList<>();
  final AtomicInteger discoveries = new AtomicInteger();

  record Answer(int status, MultiMap headers, String body, long millis) {
    JsonObject json() { return new JsonObject(body); }
  }

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    clientKey = new ECKeyGenerator(Curve.P_256).generate();
    opaqueIdp = vertx.createHttpServer().requestHandler(this::idp).listen(0, "127.0.0.1").await();
    opaqueIssuer = "http://127.0.0.1:" + opaqueIdp.actualPort();
    jwtIdp = new TestIdp().start(vertx);
    upstream = vertx.createHttpServer().requestHandler(req -> {
      seenUsers.add(String.valueOf(req.getHeader("x-user-id")));
      req.response().putHeader("content-type", "application/json").end("{\"name\":\"n\"}");
    }).listen(0, "127.0.0.1").await();
    client = vertx.httpClientBuilder().with(new HttpClientOptions()).with(new PoolOptions().setHttp1MaxSize(128)).build();
    loop = new OnLoop(vertx.getOrCreateContext());
    bff = bff("main", "url: \"" + opaqueIssuer + "/introspect\", clientId: \"" + CLIENT_ID + "\", clientSecret: \""
        + SECRET + "\", cacheTtl: 1s, negativeTtl: 1s, timeout: 500ms");
  }

  @AfterAll
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** The identity provider: answers by the token's prefix, after checking the client's authentication. */
  private void idp(HttpServerRequest req) {
    if (req.path().equals("/.well-known/openid-configuration")) {
      discoveries.incrementAndGet();
      req.response().putHeader("content-type", "application/json").end(new JsonObject().put("issuer", opaqueIssuer)
          .put("introspection_endpoint", opaqueIssuer + "/introspect").encode());
      return;
    }
    req.body().onSuccess(b -> {
      Map<String, String> form = new HashMap<>();
      for (String pair : b.toString().split("&")) {
        int eq = pair.indexOf('=');
        form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
      String token = form.get("token");
      calls.computeIfAbsent(token, k -> new AtomicInteger()).incrementAndGet();
      if (!"access_token".equals(form.get("token_type_hint")) || !authenticated(req, form)) {
        req.response().setStatusCode(401).end("{\"error\":\"invalid_client\"}");
        return;
      }
      long now = System.currentTimeMillis() / 1000;
      JsonObject active = new JsonObject().put("active", true).put("sub", token.substring(token.indexOf('-') + 1))
          .put("scope", "read").put("aud", "bff").put("iss", opaqueIssuer).put("exp", now + 600);
      String prefix = token.substring(0, token.indexOf('-'));
      switch (prefix) {
        case "ok" -> answer(req, active);
        case "admin" -> answer(req, active.put("scope", "read admin"));
        case "inactive" -> answer(req, new JsonObject().put("active", false));
        case "expired" -> answer(req, active.put("exp", now - 3600));
        case "aud" -> answer(req, active.put("aud", "someone-else"));
        case "fail" -> req.response().setStatusCode(500).end();
        case "garbled" -> req.response().putHeader("content-type", "application/json").end("{\"active\":\"yes\"}");
        case "slow" -> vertx.setTimer(2000, t -> answer(req, active));
        default -> answer(req, new JsonObject().put("active", false));
      }
    });
  }

  private static void answer(HttpServerRequest req, JsonObject body) {
    req.response().putHeader("content-type", "application/json").end(body.encode());
  }

  /** client_secret_basic (RFC 6749 §2.3.1: each part form-encoded) or a private_key_jwt assertion (RFC 7523 §3). */
  private boolean authenticated(HttpServerRequest req, Map<String, String> form) {
    String assertion = form.get("client_assertion");
    if (assertion == null) {
      String expected = "Basic " + Base64.getEncoder().encodeToString((URLEncoder.encode(CLIENT_ID, StandardCharsets.UTF_8)
          + ":" + URLEncoder.encode(SECRET, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
      return expected.equals(req.getHeader("authorization"));
    }
    try {
      SignedJWT jwt = SignedJWT.parse(assertion);
      JWTClaimsSet c = jwt.getJWTClaimsSet();
      List<String> problems = new ArrayList<>();
      if (!jwt.verify(new ECDSAVerifier(clientKey.toPublicJWK()))) problems.add("signature");
      if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) problems.add("alg");
      if (!CLIENT_ID.equals(c.getIssuer()) || !CLIENT_ID.equals(c.getSubject())) problems.add("iss/sub");
      if (!c.getAudience().equals(List.of(opaqueIssuer + "/introspect"))) problems.add("aud " + c.getAudience());
      if (c.getJWTID() == null || c.getExpirationTime() == null) problems.add("jti/exp");
      if (!ClientAssertion.TYPE.equals(form.get("client_assertion_type"))) problems.add("type");
      assertionProblems.addAll(problems);
      return problems.isEmpty();
    } catch (Exception e) {
      assertionProblems.add(e.toString());
      return false;
    }
  }

  Bff.RunningBff bff(String name, String introspection) throws Exception {
    return bff(name, introspection, "");
  }

  /** {@code top}: more top-level YAML (e.g. the fleet's redis:). */
  Bff.RunningBff bff(String name, String introspection, String top) throws Exception {
    Path folder = dir.resolve(name);
    Files.createDirectories(folder.resolve("screens"));
    Files.writeString(folder.resolve("bff.yaml"), top + """
        name: %s
        server: { host: 127.0.0.1, port: 0, instances: 2 }
        admin: { host: 127.0.0.1, port: 0, token: "%s" }
        services:
          up: { endpoints: ["http://127.0.0.1:%d"] }
        auth:
          issuers:
            - { issuer: "%s", jwksUrl: "%s", audiences: [bff], algorithms: [RS256] }
            - issuer: "%s"
              jwt: false
              audiences: [bff]
              introspection: { %s }
          claimsToHeaders: { sub: x-user-id }
          screens: { admin: [admin] }
        """.formatted(name, ADMIN, upstream.actualPort(), jwtIdp.issuer, jwtIdp.jwksUrl(), opaqueIssuer, introspection));
    Files.writeString(folder.resolve("schema.graphqls"), "type Query { me: Me @rest(service: \"up\", path: \"/me\") }\n"
        + "type Me { name: String }\n");
    Files.writeString(folder.resolve("screens/home.graphql"), "query Home { me { name } }");
    Files.writeString(folder.resolve("screens/admin.graphql"), "query Admin { me { name } }");
    Bff.RunningBff b = Bff.start(vertx, BundleLoader.load(folder, Map.<String, String>of()::get)).await();
    until(() -> {
      try {
        return send(b.adminPort(), "/readyz", null).await(5, TimeUnit.SECONDS).status() == 200;
      } catch (Exception e) {
        return false;
      }
    }, "readiness");
    return b;
  }

  Future<Answer> send(int port, String uri, String token) {
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(port).setMethod(HttpMethod.GET).setURI(uri);
    if (token != null) o.addHeader("authorization", "Bearer " + token);
    long t0 = System.nanoTime();
    return loop.run(() -> client.request(o).compose(r -> r.send())
        .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), resp.headers(), b.toString(),
            (System.nanoTime() - t0) / 1_000_000))));
  }

  Answer screen(Bff.RunningBff b, String name, String token) throws Exception {
    return send(b.port(), "/v1/screens/" + name, token).await(10, TimeUnit.SECONDS);
  }

  int calls(String token) {
    AtomicInteger n = calls.get(token);
    return n == null ? 0 : n.get();
  }

  static void until(BooleanSupplier condition, String what) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(10);
    }
  }

  // ------------------------------------------------------------------ verdicts

  @Test
  void anActiveTokenAdmitsItsSubjectAndItsClaimsReachTheServiceAsHeaders() throws Exception {
    Answer a = screen(bff, "home", "ok-alice");
    assertEquals(200, a.status(), a.body());
    assertEquals("n", a.json().getJsonObject("data").getJsonObject("me").getString("name"));
    assertTrue(seenUsers.contains("alice"), "the service got x-user-id from the introspected sub: " + seenUsers);
    assertEquals(1, calls("ok-alice"));
  }

  @Test
  void refusedTokensAre401InvalidToken() throws Exception {
    for (String token : List.of("inactive-bob", "expired-bob", "aud-bob", "unknown-bob")) {
      Answer a = screen(bff, "home", token);
      assertEquals(401, a.status(), token + ": " + a.body());
      assertTrue(a.headers().get("www-authenticate").contains("error=\"invalid_token\""), token);
    }
  }

  @Test
  void aMissingScopeIs403() throws Exception {
    Answer a = screen(bff, "admin", "ok-carol");
    assertEquals(403, a.status(), a.body());
    assertTrue(a.headers().get("www-authenticate").contains("insufficient_scope"));
    assertEquals(200, screen(bff, "admin", "admin-carol").status());
  }

  @Test
  void aFailingOrMalformedIdentityProviderIs503AndNothingIsRemembered() throws Exception {
    for (String token : List.of("fail-dave", "garbled-dave")) {
      Answer a = screen(bff, "home", token);
      assertEquals(503, a.status(), token + ": " + a.body());
      assertEquals("identity_provider_unavailable", a.json().getJsonObject("error").getString("code"), a.body());
      assertEquals("1", a.headers().get("retry-after"));
      assertNull(a.headers().get("www-authenticate"), "not the caller's fault: no challenge");
      assertEquals(503, screen(bff, "home", token).status());
      assertEquals(2, calls(token), "a failure is not remembered: the next request asks again");
    }
  }

  @Test
  void aSlowIdentityProviderIs503WithinTheTimeout() throws Exception {
    Answer a = screen(bff, "home", "slow-erin");
    System.out.println("IntrospectionBffTest: identity provider slow, 503 in " + a.millis() + " ms (timeout 500 ms)");
    assertEquals(503, a.status(), a.body());
    assertTrue(a.millis() >= 450 && a.millis() < 1500, "answered at the 500 ms timeout: " + a.millis() + " ms");
  }

  @Test
  void credentialsTheIdentityProviderRefusesAre503AndLoggedWithTheIssuerNeverTheToken() throws Exception {
    List<String> logged = new CopyOnWriteArrayList<>();
    Handler h = new Handler() {
      @Override
      public void publish(LogRecord r) {
        logged.add(r.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger log = Logger.getLogger("dev.bffkit.auth");
    log.addHandler(h);
    Bff.RunningBff wrong = bff("wrong", "url: \"" + opaqueIssuer + "/introspect\", clientId: \"" + CLIENT_ID
        + "\", clientSecret: \"not-the-secret\"");
    try {
      for (String token : List.of("ok-liam", "ok-liam2")) {
        Answer a = screen(wrong, "home", token);
        assertEquals(503, a.status(), a.body());
        assertTrue(a.json().getJsonObject("error").getString("message").contains("identity provider is unavailable"),
            a.body());
        assertEquals(1, calls(token), "the provider was asked (and said 401 invalid_client)");
      }
    } finally {
      log.removeHandler(h);
      wrong.close().await(10, TimeUnit.SECONDS);
    }
    List<String> failures = logged.stream()
        .filter(l -> l.contains("event=introspection_failed") && l.contains("answered 401")).toList();
    assertEquals(1, failures.size(), "logged once per interval, not per request: " + logged);
    assertTrue(failures.get(0).contains("issuer=" + opaqueIssuer), failures.get(0));
    for (String l : logged) assertTrue(!l.contains("liam"), "no token in the log: " + l);
  }

  @Test
  void withNothingRememberedEachRequestAsksAndWaitersStillGetTheVerdict() throws Exception {
    Bff.RunningBff none = bff("none", "url: \"" + opaqueIssuer + "/introspect\", clientId: \"" + CLIENT_ID
        + "\", clientSecret: \"" + SECRET + "\", cacheTtl: 0s, negativeTtl: 0s");
    try {
      List<Future<Answer>> all = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        all.add(send(none.port(), "/v1/screens/home", "ok-mia"));
        all.add(send(none.port(), "/v1/screens/home", "inactive-mia"));
      }
      Future.all(all).await(20, TimeUnit.SECONDS);
      for (int i = 0; i < all.size(); i++) {
        Answer a = all.get(i).result();
        assertEquals(i % 2 == 0 ? 200 : 401, a.status(), a.body());
      }
      int before = calls("ok-mia");
      Thread.sleep(Introspector.SETTLE_MS + 100);
      assertEquals(200, screen(none, "home", "ok-mia").status());
      assertEquals(before + 1, calls("ok-mia"), "nothing remembered: the next request asks again");
    } finally {
      none.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aDownIdentityProviderIs503AtOnce() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Bff.RunningBff down = bff("down", "url: \"http://127.0.0.1:" + closed + "/introspect\", clientId: x,"
        + " clientSecret: y, timeout: 2s");
    try {
      Answer a = screen(down, "home", "ok-frank");
      System.out.println("IntrospectionBffTest: identity provider down, 503 in " + a.millis() + " ms");
      assertEquals(503, a.status(), a.body());
      assertTrue(a.millis() < 1500, "a refused connection is not waited out: " + a.millis() + " ms");
    } finally {
      down.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aHundredConcurrentRequestsWithOneNewTokenMakeOneCall() throws Exception {
    List<Future<Answer>> all = new ArrayList<>();
    for (int i = 0; i < 100; i++) all.add(send(bff.port(), "/v1/screens/home", "ok-gina"));
    Future.all(all).await(20, TimeUnit.SECONDS);
    for (Future<Answer> f : all) assertEquals(200, f.result().status(), f.result().body());
    assertEquals(1, calls("ok-gina"));
  }

  @Test
  void verdictsExpire() throws Exception {
    assertEquals(200, screen(bff, "home", "ok-hank").status());
    assertEquals(200, screen(bff, "home", "ok-hank").status());
    assertEquals(401, screen(bff, "home", "inactive-hank").status());
    assertEquals(401, screen(bff, "home", "inactive-hank").status());
    assertEquals(1, calls("ok-hank"), "remembered");
    assertEquals(1, calls("inactive-hank"), "a refusal is remembered too");
    Thread.sleep(1200); // cacheTtl and negativeTtl are 1s
    assertEquals(200, screen(bff, "home", "ok-hank").status());
    assertEquals(401, screen(bff, "home", "inactive-hank").status());
    assertEquals(2, calls("ok-hank"));
    assertEquals(2, calls("inactive-hank"));
  }

  @Test
  void jwtsOfTheOtherIssuerAreVerifiedLocallyNeverIntrospected() throws Exception {
    int before = calls.values().stream().mapToInt(AtomicInteger::get).sum();
    Answer a = screen(bff, "home", jwtIdp.rs256("ivy"));
    assertEquals(200, a.status(), a.body());
    assertTrue(seenUsers.contains("ivy"));
    assertEquals(before, calls.values().stream().mapToInt(AtomicInteger::get).sum());
  }

  @Test
  void privateKeyJwtAndDiscovery() throws Exception {
    Path pem = dir.resolve("client-key.pem");
    Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder().encodeToString(clientKey.toECPrivateKey().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
    Bff.RunningBff signed = bff("signed", "clientId: \"" + CLIENT_ID + "\", clientAuth: private_key_jwt, privateKey: \""
        + pem + "\"");
    try {
      Answer a = screen(signed, "home", "ok-jack");
      assertEquals(200, a.status(), a.body() + " " + assertionProblems);
      assertEquals(List.of(), assertionProblems);
      assertEquals(1, discoveries.get(), "the endpoint came from discovery, once");
      assertEquals(200, screen(signed, "home", "ok-jack2").status());
      assertEquals(1, discoveries.get());
    } finally {
      signed.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void metricsCountCallsAndCacheHits() throws Exception {
    screen(bff, "home", "ok-kim");
    screen(bff, "home", "ok-kim");
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(bff.adminPort()).setURI("/metrics")
        .addHeader("authorization", "Bearer " + ADMIN);
    String scrape = loop.run(() -> client.request(o).compose(r -> r.send()).compose(r -> r.body()))
        .await(10, TimeUnit.SECONDS).toString();
    assertTrue(scrape.contains("bff_auth_introspections_total{bff=\"main\",issuer=\"" + opaqueIssuer + "\",outcome=\"active\"}"),
        scrape);
    assertTrue(scrape.contains("bff_auth_introspection_cache_total{bff=\"main\",issuer=\"" + opaqueIssuer + "\",result=\"hit\"}"));
    assertTrue(scrape.contains("bff_auth_admitted_total{as=\"introspected\",bff=\"main\"}"));
    assertTrue(scrape.contains("bff_auth_introspection_duration_seconds_count{bff=\"main\",issuer=\"" + opaqueIssuer + "\"}"));
    for (String outcome : List.of("inactive", "refused", "error")) {
      assertTrue(scrape.contains("bff_auth_introspections_total{bff=\"main\",issuer=\"" + opaqueIssuer + "\",outcome=\""
          + outcome + "\"}"), outcome);
    }
    Set<String> leaked = Set.of("ok-kim");
    for (String t : leaked) assertTrue(!scrape.contains(t), "no token in the metrics");
  }
}
