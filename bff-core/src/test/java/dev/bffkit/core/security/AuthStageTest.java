package dev.bffkit.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.bffkit.core.config.AuthConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Key rotation, refetch limits, an identity provider down at start, API keys, scopes, identity headers. */
class AuthStageTest {
  Vertx vertx;
  TestIdp idp;
  AuthTestSupport s;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    idp = new TestIdp().start(vertx);
    s = new AuthTestSupport(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static final String KEY = "k-partner-123";

  AuthConfig auth(Duration minRefetch) {
    return AuthTestSupport.auth(List.of(AuthTestSupport.issuer(idp.issuer, URI.create(idp.jwksUrl()), minRefetch)),
        new AuthConfig.ApiKeys("x-api-key", List.of(
            new AuthConfig.ApiKey("partner", ApiKeys.sha256Hex(KEY), "gold", Set.of("read", "admin")))));
  }

  /** Waits (bounded) until the BFF has loaded the issuer's keys. */
  void awaitKeys() throws Exception {
    for (int i = 0; i < 200; i++) {
      if (s.bearer("/v1/screens/me", idp.rs256("probe")).status() == 200) return;
      Thread.sleep(25);
    }
    throw new AssertionError("keys never loaded");
  }

  @Test
  void rotatedKeyIsPickedUpOnUnknownKid() throws Exception {
    s.start(auth(Duration.ZERO));
    awaitKeys();
    RSAKey next = new RSAKeyGenerator(2048).keyID("rsa-2").generate();
    idp.published.clear();
    idp.published.add(next.toPublicJWK());
    String token = TestIdp.sign(next, JWSAlgorithm.RS256, idp.claims("carol").build());
    var a = s.bearer("/v1/screens/me", token);
    assertEquals(200, a.status(), a.body());
    assertEquals("carol", a.json().getJsonObject("data").getJsonObject("me").getString("id"));
    // The retired key is gone after the refetch.
    assertEquals(401, s.bearer("/v1/screens/me", idp.rs256("alice")).status());
  }

  @Test
  void aWithdrawnKeyStopsBeingAcceptedWithinTheRefreshInterval() throws Exception {
    // Keys refreshed when older than 300 ms (the token's kid stays known until then, so only the
    // refresh can tell); the old code remembered a verified token for 60 s whatever its key did.
    AuthConfig.Issuer issuer = new AuthConfig.Issuer(idp.issuer, URI.create(idp.jwksUrl()), Set.of("bff"), Set.of("RS256"),
        Duration.ofSeconds(5), Duration.ofMillis(300), Duration.ofMillis(100), Duration.ofSeconds(2));
    s.start(AuthTestSupport.auth(List.of(issuer), AuthConfig.ApiKeys.none()));
    awaitKeys();
    String token = idp.rs256("alice");
    assertEquals(200, s.bearer("/v1/screens/me", token).status()); // verified, now remembered
    assertEquals(200, s.bearer("/v1/screens/me", token).status());
    idp.published.remove(idp.rsa.toPublicJWK());
    long start = System.nanoTime();
    int status = 200;
    while (status == 200 && System.nanoTime() - start < 5_000_000_000L) {
      Thread.sleep(50);
      status = s.bearer("/v1/screens/me", token).status();
    }
    assertEquals(401, status, "still accepted 5 s after its key left the JWKS");
    assertTrue(System.nanoTime() - start < 3_000_000_000L, "refused within a few refresh intervals");
    assertEquals(401, s.bearer("/v1/screens/me", token).status(), "and stays refused");
  }

  @Test
  void unknownKidsDoNotCauseARefetchStorm() throws Exception {
    s.start(auth(Duration.ofHours(1)));
    awaitKeys();
    int before = idp.jwksFetches.get();
    for (int i = 0; i < 30; i++) {
      RSAKey forged = new RSAKeyGenerator(2048).keyID("forged-" + i).generate();
      assertEquals(401, s.bearer("/v1/screens/me", TestIdp.sign(forged, JWSAlgorithm.RS256, idp.claims("x").build())).status());
    }
    assertTrue(idp.jwksFetches.get() - before <= 1, "fetches: " + (idp.jwksFetches.get() - before));
    assertEquals(200, s.bearer("/v1/screens/me", idp.rs256("alice")).status());
  }

  @Test
  void identityProviderDownAtStartDoesNotBlockAndTokensWorkOnceItAnswers() throws Exception {
    idp.down = true;
    s.start(auth(Duration.ofMillis(200))); // starts although the IdP answers 503
    assertEquals(200, s.get("/healthz").status());
    var refused = s.bearer("/v1/screens/me", idp.rs256("alice"));
    assertEquals(401, refused.status());
    assertTrue(refused.headers().get("www-authenticate").contains("invalid_token"));
    idp.down = false;
    awaitKeys(); // the start-up retries pick the keys up
    assertEquals(200, s.bearer("/v1/screens/me", idp.rs256("alice")).status());
  }

  @Test
  void apiKeysByHashWithTierAndScopes() throws Exception {
    s.start(auth(Duration.ofHours(1)));
    var ok = s.get("/v1/screens/admin", "x-api-key", KEY);
    assertEquals(200, ok.status(), ok.body());
    assertEquals("partner", ok.json().getJsonObject("data").getJsonObject("me").getString("id"));
    var bad = s.get("/v1/screens/me", "x-api-key", "k-guess");
    assertEquals(401, bad.status());
    assertTrue(bad.headers().get("www-authenticate").contains("error=\"invalid_token\""));
    assertEquals(200, s.get("/v1/screens/me", "x-api-key", KEY).status());
  }

  @Test
  void screenAndRouteScopes() throws Exception {
    s.start(auth(Duration.ofHours(1)));
    awaitKeys();
    var forbidden = s.bearer("/v1/screens/admin", idp.rs256("alice"));
    assertEquals(403, forbidden.status(), forbidden.body());
    assertTrue(forbidden.headers().get("www-authenticate").contains("error=\"insufficient_scope\""));
    assertEquals("insufficient_scope", forbidden.json().getJsonObject("error").getString("code"));
    String admin = idp.rs256("root", b -> b.claim("scope", "read admin"));
    assertEquals(200, s.bearer("/v1/screens/admin", admin).status());
    assertEquals(403, s.bearer("/api/admin/x", idp.rs256("alice")).status());
    assertEquals(200, s.bearer("/api/admin/x", admin).status());
    assertEquals(401, s.get("/api/admin/x").status());
    // A requirement may name a claim instead of a scope.
    Principal p = new Principal("jwt", "a", "i", Set.of("read"), null, java.util.Map.of("tier", "gold", "groups", List.of("x", "y")));
    assertTrue(p.hasAll(Set.of("read", "claim:tier=gold", "claim:groups=y")));
    assertFalse(p.hasAll(Set.of("claim:tier=silver")));
    assertFalse(p.hasAll(Set.of("claim:missing=1")));
    assertEquals(401, s.get("/api/users/u1").status());
    assertEquals(200, s.get("/healthz").status()); // public
  }

  @Test
  void chosenClaimsReachUpstreamsAndSpoofedCopiesAreStripped() throws Exception {
    s.start(auth(Duration.ofHours(1)));
    awaitKeys();
    // Screen: the composed call carries x-user-id from the token, never the client's copy.
    var a = s.get("/v1/screens/mine", "authorization", "Bearer " + idp.rs256("alice"),
        "x-user-id", "mallory", "x-user-scopes", "admin");
    assertEquals(200, a.status(), a.body());
    JsonObject me = a.json().getJsonObject("data").getJsonObject("me");
    assertEquals("alice", me.getString("seenUser"));
    assertEquals("read", me.getString("seenSpoof"));
    // Proxy route: the same.
    var p = s.get("/api/users/u9", "authorization", "Bearer " + idp.rs256("alice"), "x-user-id", "mallory");
    assertEquals(200, p.status(), p.body());
    assertEquals("alice", p.json().getString("seenUser"));
  }

  @Test
  void authFieldIsNullWithAnErrorWithoutTheScope() throws Exception {
    s.start(auth(Duration.ofHours(1)));
    awaitKeys();
    var a = s.bearer("/v1/screens/mine", idp.rs256("alice"));
    assertEquals(200, a.status());
    assertNull(a.json().getJsonObject("data").getJsonObject("me").getValue("secret"));
    JsonArray errors = a.json().getJsonArray("errors");
    assertEquals("FORBIDDEN", errors.getJsonObject(0).getJsonObject("extensions").getString("code"));
    assertEquals(new JsonArray().add("me").add("secret"), errors.getJsonObject(0).getJsonArray("path"));
    var admin = s.bearer("/v1/screens/mine", idp.rs256("root", b -> b.claim("scope", "read admin")));
    assertEquals("s3cret", admin.json().getJsonObject("data").getJsonObject("me").getString("secret"));
    assertFalse(admin.json().containsKey("errors"));
    // Ad-hoc GraphQL: a forbidden root field is never fetched.
    var g = s.send(HttpMethod.POST, "/graphql", "{\"query\":\"{ admin me { id } }\"}",
        "authorization", "Bearer " + idp.rs256("alice"), "content-type", "application/json");
    assertEquals(200, g.status(), g.body());
    assertNull(g.json().getJsonObject("data").getValue("admin"));
    assertEquals("alice", g.json().getJsonObject("data").getJsonObject("me").getString("id"));
  }
}
