package dev.bffkit.loadtests.demo;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A development identity provider for the demo, on 127.0.0.1:9000 by default. Never for
 * production: it mints a token for anyone who asks.
 *
 * <pre>
 * GET /token?sub=u7&amp;scope=read%20admin&amp;aud=bff-demo&amp;ttl=3600&amp;alg=RS256   {"access_token": "...", "token_type": "Bearer", "expires_in": 3600}
 * GET /.well-known/jwks.json                                 the public keys (RS256 "dev-1", ES256 "dev-ec-1", EdDSA "dev-ed-1")
 * GET /.well-known/openid-configuration                      OIDC discovery (issuer, jwks_uri, token_endpoint,
 *                                                            introspection_endpoint)
 * GET /token?sub=u7&amp;type=opaque                                an opaque token instead of a JWT
 * POST /introspect  (client_secret_basic: bff-android / dev-secret)   RFC 7662 introspection of opaque tokens
 * </pre>
 *
 * Defaults: sub {@code u1}, scope {@code read}, aud {@value #AUDIENCE}, ttl 1 h, alg RS256 (or
 * ES256, EdDSA). The keys are generated at start, so tokens do not survive a restart; opaque tokens
 * live in memory (at most {@link #MAX_OPAQUE}).
 */
public final class DevIdp {
  public static final int DEFAULT_PORT = 9000;
  public static final String AUDIENCE = "bff-demo";
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:@ -]{1,200}");
  /** The demo client allowed to introspect (the Android BFF's bff.yaml names it). */
  public static final String CLIENT_ID = "bff-android";
  public static final String CLIENT_SECRET = "dev-secret";
  static final int MAX_OPAQUE = 100_000;

  /** What an opaque token stands for. */
  private record Opaque(String sub, String scope, String aud, long expSeconds) {}

  private final Map<String, Opaque> opaque = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final String basic = "Basic " + Base64.getEncoder().encodeToString(
      (CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));

  private final RSAKey key;
  private final com.nimbusds.jose.jwk.ECKey ecKey;
  private final OctetKeyPair edKey;
  private final HttpServer server;
  private final String issuer;

  private DevIdp(RSAKey key, com.nimbusds.jose.jwk.ECKey ecKey, OctetKeyPair edKey, HttpServer server) {
    this.key = key;
    this.ecKey = ecKey;
    this.edKey = edKey;
    this.server = server;
    this.issuer = "http://127.0.0.1:" + server.actualPort();
  }

  /** Starts on 127.0.0.1:{@code port} (0 = ephemeral). */
  public static Future<DevIdp> start(Vertx vertx, int port) {
    RSAKey key;
    com.nimbusds.jose.jwk.ECKey ec;
    OctetKeyPair ed;
    try {
      key = new RSAKeyGenerator(2048).keyID("dev-1").keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256).generate();
      ec = new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256).keyID("dev-ec-1")
          .keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256).generate();
      ed = new OctetKeyPairGenerator(Curve.Ed25519).keyID("dev-ed-1").keyUse(KeyUse.SIGNATURE)
          .algorithm(JWSAlgorithm.EdDSA).generate();
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
    DevIdp[] self = new DevIdp[1];
    return vertx.createHttpServer()
        .requestHandler(req -> self[0].handle(req))
        .listen(port, "127.0.0.1")
        .map(server -> self[0] = new DevIdp(key, ec, ed, server));
  }

  public String issuer() {
    return issuer;
  }

  public int port() {
    return server.actualPort();
  }

  public Future<Void> close() {
    return server.close();
  }

  /** A signed RS256 access token for {@code sub} with the scopes (space-separated), valid {@code ttlSeconds}. */
  public String mint(String sub, String scope, String audience, long ttlSeconds) {
    return mint(sub, scope, audience, ttlSeconds, JWSAlgorithm.RS256);
  }

  /** As {@link #mint(String, String, String, long)}, signed RS256, ES256 or EdDSA (Ed25519). */
  public String mint(String sub, String scope, String audience, long ttlSeconds, JWSAlgorithm alg) {
    boolean ec = JWSAlgorithm.ES256.equals(alg);
    boolean ed = JWSAlgorithm.EdDSA.equals(alg);
    long now = System.currentTimeMillis();
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(issuer).subject(sub).audience(audience)
        .issueTime(new Date(now)).notBeforeTime(new Date(now - 1000)).expirationTime(new Date(now + ttlSeconds * 1000))
        .claim("scope", scope).jwtID(Long.toHexString(now) + Long.toHexString(System.nanoTime())).build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(ec ? JWSAlgorithm.ES256 : ed ? JWSAlgorithm.EdDSA : JWSAlgorithm.RS256)
        .keyID(ec ? ecKey.getKeyID() : ed ? edKey.getKeyID() : key.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
    try {
      jwt.sign(ec ? new com.nimbusds.jose.crypto.ECDSASigner(ecKey) : ed ? new Ed25519Signer(edKey) : new RSASSASigner(key));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return jwt.serialize();
  }

  /** An opaque access token that {@code /introspect} knows for {@code ttlSeconds}. */
  public String mintOpaque(String sub, String scope, String audience, long ttlSeconds) {
    if (opaque.size() >= MAX_OPAQUE) opaque.clear();
    byte[] bytes = new byte[24];
    random.nextBytes(bytes);
    String token = "dev-opaque-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    opaque.put(token, new Opaque(sub, scope, audience, System.currentTimeMillis() / 1000 + ttlSeconds));
    return token;
  }

  public String mint(String sub) {
    return mint(sub, "read", AUDIENCE, 3600);
  }

  private void handle(HttpServerRequest req) {
    switch (req.path()) {
      case "/token" -> token(req);
      case "/introspect" -> introspect(req);
      case "/.well-known/jwks.json" -> json(req, 200,
          new JWKSet(java.util.List.of(key.toPublicJWK(), ecKey.toPublicJWK(), edKey.toPublicJWK())).toString(true));
      case "/.well-known/openid-configuration" -> json(req, 200, new JsonObject()
          .put("issuer", issuer)
          .put("jwks_uri", issuer + "/.well-known/jwks.json")
          .put("token_endpoint", issuer + "/token")
          .put("introspection_endpoint", issuer + "/introspect")
          .put("id_token_signing_alg_values_supported", new io.vertx.core.json.JsonArray().add("RS256").add("ES256").add("EdDSA"))
          .encode());
      default -> json(req, 404, new JsonObject().put("error", "not_found").encode());
    }
  }

  private void token(HttpServerRequest req) {
    String sub = req.getParam("sub", "u1");
    String scope = req.getParam("scope", "read");
    String aud = req.getParam("aud", AUDIENCE);
    String alg = req.getParam("alg", "RS256");
    long ttl;
    try {
      ttl = Long.parseLong(req.getParam("ttl", "3600"));
    } catch (NumberFormatException e) {
      ttl = -1;
    }
    if (!SAFE.matcher(sub).matches() || !SAFE.matcher(scope).matches() || !SAFE.matcher(aud).matches()
        || ttl < 1 || ttl > 86_400 || !(alg.equals("RS256") || alg.equals("ES256") || alg.equals("EdDSA"))) {
      json(req, 400, new JsonObject().put("error", "invalid_request")
          .put("error_description", "sub, scope, aud: 1..200 of [A-Za-z0-9._:@ -]; ttl: 1..86400 seconds;"
              + " alg: RS256, ES256 or EdDSA").encode());
      return;
    }
    if ("opaque".equals(req.getParam("type"))) {
      json(req, 200, new JsonObject().put("access_token", mintOpaque(sub, scope, aud, ttl)).put("token_type", "Bearer")
          .put("expires_in", ttl).put("scope", scope).encode());
      return;
    }
    json(req, 200, new JsonObject().put("access_token", mint(sub, scope, aud, ttl, JWSAlgorithm.parse(alg)))
        .put("token_type", "Bearer")
        .put("expires_in", ttl).put("scope", scope).encode());
  }

  /** RFC 7662: the demo client only; an unknown or expired token is {@code {"active": false}}. */
  private void introspect(HttpServerRequest req) {
    if (req.method() != HttpMethod.POST) {
      json(req, 405, new JsonObject().put("error", "invalid_request").encode());
      return;
    }
    if (!basic.equals(req.getHeader("authorization"))) {
      req.response().putHeader("www-authenticate", "Basic realm=\"dev-idp\"");
      json(req, 401, new JsonObject().put("error", "invalid_client").encode());
      return;
    }
    req.setExpectMultipart(true);
    req.end().onSuccess(v -> {
      String token = req.getFormAttribute("token");
      Opaque o = token == null ? null : opaque.get(token);
      long now = System.currentTimeMillis() / 1000;
      if (o == null || o.expSeconds() <= now) {
        json(req, 200, new JsonObject().put("active", false).encode());
        return;
      }
      json(req, 200, new JsonObject().put("active", true).put("sub", o.sub()).put("scope", o.scope())
          .put("aud", o.aud()).put("iss", issuer).put("exp", o.expSeconds()).put("client_id", CLIENT_ID)
          .put("token_type", "Bearer").encode());
    });
  }

  private static void json(HttpServerRequest req, int status, String body) {
    req.response().setStatusCode(status).putHeader("content-type", "application/json")
        .putHeader("cache-control", "no-store").end(body);
  }
}
