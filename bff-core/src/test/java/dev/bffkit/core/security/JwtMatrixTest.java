package dev.bffkit.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JWT matrix: every token that should fail gets 401 with an RFC 6750 challenge, every good
 * one 200, and after each bad case the same server answers a good request correctly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JwtMatrixTest {
  /** A second issuer whose allowlist leaves EdDSA out (it publishes an Ed25519 key all the same). */
  static volatile TestIdp noEdDsaIdp;
  Vertx vertx;
  TestIdp idp;
  AuthTestSupport s;

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    idp = new TestIdp().start(vertx);
    noEdDsaIdp = new TestIdp().start(vertx);
    s = new AuthTestSupport(vertx);
    // Discovery (no jwksUrl); a long refetch interval: unknown kids must not cause fetches.
    s.start(AuthTestSupport.auth(List.of(
            AuthTestSupport.issuer(idp.issuer, null, Duration.ofHours(1), Set.of("RS256", "ES256", "EdDSA")),
            AuthTestSupport.issuer(noEdDsaIdp.issuer, null, Duration.ofHours(1), Set.of("RS256", "ES256"))),
        dev.bffkit.core.config.AuthConfig.ApiKeys.none()));
  }

  @AfterAll
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** {@code reason}, when given, must appear in the error description (why it was refused). */
  record Case(String name, Function<TestIdp, String> header, int status, String error, String reason) {
    Case(String name, Function<TestIdp, String> header, int status, String error) {
      this(name, header, status, error, null);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static String b64(String s) {
    return Base64URL.encode(s.getBytes(StandardCharsets.UTF_8)).toString();
  }

  static String flipSignatureByte(String token) {
    int dot = token.lastIndexOf('.');
    byte[] sig = new Base64URL(token.substring(dot + 1)).decode();
    sig[sig.length / 2] ^= 0x01;
    return token.substring(0, dot + 1) + Base64URL.encode(sig);
  }

  static Stream<Arguments> matrix() {
    return Stream.of(
        new Case("valid RS256", idp -> "Bearer " + idp.rs256("alice"), 200, null),
        new Case("valid ES256", idp -> "Bearer " + idp.es256("alice"), 200, null),
        new Case("valid EdDSA (Ed25519)", idp -> "Bearer " + idp.eddsa("alice"), 200, null),
        new Case("scheme case-insensitive", idp -> "bEaReR " + idp.rs256("alice"), 200, null),
        new Case("expired", idp -> "Bearer " + idp.rs256("alice", b -> b.expirationTime(new Date(System.currentTimeMillis() - 60_000))), 401, "invalid_token"),
        new Case("no exp", idp -> "Bearer " + idp.rs256("alice", b -> b.expirationTime(null)), 401, "invalid_token"),
        new Case("not yet valid", idp -> "Bearer " + idp.rs256("alice", b -> b.notBeforeTime(new Date(System.currentTimeMillis() + 600_000))), 401, "invalid_token"),
        new Case("issued in the future", idp -> "Bearer " + idp.rs256("alice", b -> b.issueTime(new Date(System.currentTimeMillis() + 600_000))), 401, "invalid_token"),
        new Case("wrong issuer", idp -> "Bearer " + idp.rs256("alice", b -> b.issuer("https://evil.example")), 401, "invalid_token"),
        new Case("wrong audience", idp -> "Bearer " + idp.rs256("alice", b -> b.audience("other")), 401, "invalid_token"),
        new Case("alg none", idp -> "Bearer " + b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "."
            + b64(idp.claims("alice").build().toString()) + ".", 401, "invalid_token"),
        new Case("HS256 signed with the RSA public key", idp -> {
          try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(), idp.claims("alice").build());
            jwt.sign(new MACSigner(idp.rsa.toRSAPublicKey().getEncoded()));
            return "Bearer " + jwt.serialize();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, 401, "invalid_token"),
        new Case("RS256 header over an EC key id", idp -> {
          String t = TestIdp.sign(idp.ec, JWSAlgorithm.ES256, idp.claims("alice").build());
          return "Bearer " + b64("{\"alg\":\"RS256\",\"kid\":\"ec-1\"}") + t.substring(t.indexOf('.'));
        }, 401, "invalid_token"),
        new Case("one flipped signature byte", idp -> "Bearer " + flipSignatureByte(idp.rs256("alice")), 401, "invalid_token"),
        new Case("EdDSA: one flipped signature byte", idp -> "Bearer " + flipSignatureByte(idp.eddsa("alice")), 401, "invalid_token", "bad signature"),
        new Case("EdDSA from an issuer whose allowlist excludes it", idp ->
            "Bearer " + TestIdp.sign(noEdDsaIdp.ed, JWSAlgorithm.EdDSA, noEdDsaIdp.claims("alice").build()), 401, "invalid_token",
            "algorithm EdDSA not accepted"),
        new Case("EdDSA token whose kid is the RSA key", idp -> {
          String t = TestIdp.sign(idp.ed, JWSAlgorithm.EdDSA, idp.claims("alice").build());
          return "Bearer " + b64("{\"alg\":\"EdDSA\",\"kid\":\"rsa-1\"}") + t.substring(t.indexOf('.'));
        }, 401, "invalid_token", "bad signature"),
        new Case("RS256 header over the Ed25519 key id", idp -> {
          String t = idp.rs256("alice");
          return "Bearer " + b64("{\"alg\":\"RS256\",\"kid\":\"ed-1\"}") + t.substring(t.indexOf('.'));
        }, 401, "invalid_token", "bad signature"),
        new Case("EdDSA over an Ed448 key (crv refused)", idp -> {
          String t = idp.eddsa("alice");
          return "Bearer " + b64("{\"alg\":\"EdDSA\",\"kid\":\"ed448-1\"}") + t.substring(t.indexOf('.'), t.lastIndexOf('.') + 1)
              + Base64URL.encode(new byte[114]);
        }, 401, "invalid_token", "unknown signing key"),
        new Case("claims edited after signing", idp -> {
          String t = idp.rs256("alice");
          String[] p = t.split("\\.");
          return "Bearer " + p[0] + "." + b64(idp.claims("root").claim("scope", "admin").build().toString()) + "." + p[2];
        }, 401, "invalid_token"),
        new Case("unknown kid", idp -> {
          try {
            RSAKey other = new RSAKeyGenerator(2048).keyID("rsa-unknown").generate();
            return "Bearer " + TestIdp.sign(other, JWSAlgorithm.RS256, idp.claims("alice").build());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, 401, "invalid_token"),
        new Case("known kid, foreign key", idp -> {
          try {
            RSAKey other = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
            return "Bearer " + TestIdp.sign(other, JWSAlgorithm.RS256, idp.claims("alice").build());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, 401, "invalid_token"),
        new Case("ES256 token from a foreign EC key", idp -> {
          try {
            return "Bearer " + TestIdp.sign(new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate(), JWSAlgorithm.ES256,
                idp.claims("alice").build());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, 401, "invalid_token"),
        new Case("garbage", idp -> "Bearer !!not-a-token!!", 401, "invalid_token"),
        new Case("two segments", idp -> {
          String t = idp.rs256("alice");
          return "Bearer " + t.substring(0, t.lastIndexOf('.'));
        }, 401, "invalid_token"),
        new Case("10 KB validly signed token", idp -> "Bearer " + idp.rs256("alice", b -> b.claim("pad", "x".repeat(10 * 1024))), 401, "invalid_token"),
        new Case("10 KB garbage token", idp -> "Bearer " + "a".repeat(10 * 1024), 401, "invalid_token"),
        new Case("empty bearer", idp -> "Bearer ", 401, "invalid_request"),
        new Case("basic scheme", idp -> "Basic YWxpY2U6cHc=", 401, "invalid_request"),
        new Case("missing header", idp -> null, 401, null)
    ).map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("matrix")
  void eachCaseThenAGoodRequest(Case c) throws Exception {
    String header = c.header.apply(idp);
    AuthTestSupport.Answer a = header == null ? s.get("/v1/screens/me") : s.get("/v1/screens/me", "authorization", header);
    assertEquals(c.status, a.status(), c.name + ": " + a.body());
    if (c.status == 401) {
      String challenge = a.headers().get("www-authenticate");
      assertNotNull(challenge, c.name);
      assertTrue(challenge.startsWith("Bearer realm=\"test\""), challenge);
      if (c.error == null) assertTrue(!challenge.contains("error="), challenge);
      else assertTrue(challenge.contains("error=\"" + c.error + "\""), challenge);
      if (c.reason != null) assertTrue(challenge.contains(c.reason), challenge);
      assertEquals(401, a.json().getJsonObject("error").getInteger("status"));
    } else {
      assertEquals("alice", a.json().getJsonObject("data").getJsonObject("me").getString("id"));
    }
    AuthTestSupport.Answer good = s.bearer("/v1/screens/me", idp.rs256("bob"));
    assertEquals(200, good.status(), good.body());
    assertEquals("bob", good.json().getJsonObject("data").getJsonObject("me").getString("id"));
  }
}
