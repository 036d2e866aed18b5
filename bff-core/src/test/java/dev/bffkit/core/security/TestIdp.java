package dev.bffkit.core.security;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A tiny identity provider on loopback for tests: JWKS, OIDC discovery, token minting. */
public final class TestIdp {
  final RSAKey rsa;
  final ECKey ec;
  final OctetKeyPair ed;
  final List<JWK> published = new CopyOnWriteArrayList<>();
  final AtomicInteger jwksFetches = new AtomicInteger();
  final AtomicInteger discoveryFetches = new AtomicInteger();
  volatile boolean down;
  HttpServer server;
  public String issuer;

  public TestIdp() throws Exception {
    rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    published.add(rsa.toPublicJWK());
    published.add(ec.toPublicJWK());
    ed = new OctetKeyPairGenerator(Curve.Ed25519).keyID("ed-1").generate();
    published.add(ed.toPublicJWK());
    // An Ed448 key (nimbus cannot verify it): published so a token naming it must be refused.
    published.add(new OctetKeyPair.Builder(Curve.Ed448, Base64URL.encode(new byte[57])).keyID("ed448-1").build());
  }

  public TestIdp start(Vertx vertx) {
    server = vertx.createHttpServer().requestHandler(req -> {
      if (down) {
        req.response().setStatusCode(503).end();
        return;
      }
      switch (req.path()) {
        case "/.well-known/jwks.json" -> {
          jwksFetches.incrementAndGet();
          req.response().putHeader("content-type", "application/json")
              .end(new JWKSet(List.copyOf(published)).toString(true));
        }
        case "/.well-known/openid-configuration" -> {
          discoveryFetches.incrementAndGet();
          req.response().putHeader("content-type", "application/json").end(new JsonObject()
              .put("issuer", issuer).put("jwks_uri", issuer + "/.well-known/jwks.json").encode());
        }
        default -> req.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1").await();
    issuer = "http://127.0.0.1:" + server.actualPort();
    return this;
  }

  public String jwksUrl() {
    return issuer + "/.well-known/jwks.json";
  }

  JWTClaimsSet.Builder claims(String sub) {
    long now = System.currentTimeMillis();
    return new JWTClaimsSet.Builder().issuer(issuer).subject(sub).audience("bff")
        .issueTime(new Date(now)).expirationTime(new Date(now + 600_000)).claim("scope", "read");
  }

  public String rs256(String sub) {
    return sign(rsa, JWSAlgorithm.RS256, claims(sub).build());
  }

  public String rs256(String sub, Consumer<JWTClaimsSet.Builder> edit) {
    JWTClaimsSet.Builder b = claims(sub);
    edit.accept(b);
    return sign(rsa, JWSAlgorithm.RS256, b.build());
  }

  String es256(String sub) {
    return sign(ec, JWSAlgorithm.ES256, claims(sub).build());
  }

  String eddsa(String sub) {
    return sign(ed, JWSAlgorithm.EdDSA, claims(sub).build());
  }

  static String sign(JWK key, JWSAlgorithm alg, JWTClaimsSet claims) {
    try {
      JWSSigner signer = key instanceof RSAKey r ? new RSASSASigner(r)
          : key instanceof OctetKeyPair okp ? new Ed25519Signer(okp) : new ECDSASigner((ECKey) key);
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
      jwt.sign(signer);
      return jwt.serialize();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
