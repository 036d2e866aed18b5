package dev.bffkit.core.security;

import dev.bffkit.core.config.AuthConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;

/**
 * The BFF-wide security state shared by its event loops: the JWT verifier (with each issuer's
 * cached keys) and the API keys. Created once per BFF by {@code Bff.start}; {@link #start()}
 * begins fetching keys without waiting, so an identity provider that is down never delays the
 * BFF's start.
 */
public final class Security {
  private final AuthConfig config;
  private final JwtVerifier jwt;
  private final ApiKeys apiKeys;
  private final HttpClient client;

  private Security(AuthConfig config, JwtVerifier jwt, ApiKeys apiKeys, HttpClient client) {
    this.config = config;
    this.jwt = jwt;
    this.apiKeys = apiKeys;
    this.client = client;
  }

  public static Security create(Vertx vertx, AuthConfig config) {
    HttpClient client = null;
    JwtVerifier jwt = null;
    if (!config.issuers().isEmpty()) {
      client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true));
      // Fetches run on one context of their own (created here, off any request's loop).
      jwt = new JwtVerifier(config.issuers(), config.maxTokenLength(), vertx.getOrCreateContext(), client);
    }
    return new Security(config, jwt, new ApiKeys(config.apiKeys()), client);
  }

  /**
   * Signs and verifies one throw-away RS256 token with nimbus, the first use of the JOSE and RSA
   * classes a first request would otherwise pay for (tens of milliseconds). For a launcher's
   * background warm-up thread (the key generation takes a moment); never throws.
   */
  public static void warmUp() {
    try {
      com.nimbusds.jose.jwk.RSAKey key = new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(2048).keyID("warm-up").generate();
      com.nimbusds.jwt.SignedJWT token = new com.nimbusds.jwt.SignedJWT(
          new com.nimbusds.jose.JWSHeader.Builder(com.nimbusds.jose.JWSAlgorithm.RS256).keyID("warm-up").build(),
          new com.nimbusds.jwt.JWTClaimsSet.Builder().subject("warm-up").issuer("warm-up")
              .expirationTime(new java.util.Date(System.currentTimeMillis() + 60_000)).build());
      token.sign(new com.nimbusds.jose.crypto.RSASSASigner(key));
      com.nimbusds.jwt.SignedJWT parsed = com.nimbusds.jwt.SignedJWT.parse(token.serialize());
      parsed.verify(new com.nimbusds.jose.crypto.RSASSAVerifier(key.toRSAPublicKey()));
      parsed.getJWTClaimsSet().getSubject();
    } catch (Exception | LinkageError ignored) {
      // only a warm-up
    }
  }

  public Security start() {
    if (jwt != null) jwt.start();
    return this;
  }

  public void close() {
    if (jwt != null) jwt.close();
    if (client != null) client.close();
  }

  public AuthConfig config() {
    return config;
  }

  /** Null when no issuer is configured. */
  public JwtVerifier jwt() {
    return jwt;
  }

  public ApiKeys apiKeys() {
    return apiKeys;
  }
}
