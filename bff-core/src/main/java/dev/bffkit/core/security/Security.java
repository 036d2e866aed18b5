package dev.bffkit.core.security;

import dev.bffkit.core.config.AuthConfig;
import dev.bffkit.core.config.FleetConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.List;

/**
 * The BFF-wide security state shared by its event loops: the JWT verifier (with each issuer's
 * cached keys), the opaque-token introspector and the API keys. Created once per BFF by {@code Bff.start}; {@link #start()}
 * begins fetching keys without waiting, so an identity provider that is down never delays the
 * BFF's start.
 */
public final class Security {
  /** Connections per event loop to identity providers (key fetches, introspection calls): a bound, not a target. */
  private static final int INTROSPECTION_CONNECTIONS = 16;
  /**
   * Calls that may wait for one of those connections; beyond, a call fails at once (503) rather than queueing
   * without end while an identity provider hangs (each waiting request is answered at its timeout anyway).
   */
  private static final int INTROSPECTION_WAITERS = 1024;
  private final AuthConfig config;
  private final JwtVerifier jwt;
  private final ApiKeys apiKeys;
  private final Introspector introspector;
  private final HttpClient client;

  private Security(AuthConfig config, JwtVerifier jwt, Introspector introspector, ApiKeys apiKeys, HttpClient client) {
    this.config = config;
    this.jwt = jwt;
    this.introspector = introspector;
    this.apiKeys = apiKeys;
    this.client = client;
  }

  public static Security create(Vertx vertx, AuthConfig config) {
    return create(vertx, config, null, new CompositeMeterRegistry(), null);
  }

  /**
   * With the portal's self-service keys ({@code dynamic}, null when off) looked up after the configured ones; the
   * introspection meters in {@code registry}, its shared answers in the {@code fleet}'s Redis.
   */
  public static Security create(Vertx vertx, AuthConfig config, DynamicKeys dynamic, MeterRegistry registry,
      FleetConfig fleet) {
    HttpClient client = null;
    JwtVerifier jwt = null;
    Introspector introspector = null;
    if (!config.issuers().isEmpty()) {
      client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
          new PoolOptions().setHttp1MaxSize(INTROSPECTION_CONNECTIONS).setMaxWaitQueueSize(INTROSPECTION_WAITERS));
      List<AuthConfig.Issuer> jwtIssuers = config.issuers().stream().filter(AuthConfig.Issuer::jwt).toList();
      // Fetches run on one context of their own (created here, off any request's loop).
      if (!jwtIssuers.isEmpty()) jwt = new JwtVerifier(jwtIssuers, config.maxTokenLength(), vertx.getOrCreateContext(), client);
      for (AuthConfig.Issuer i : config.issuers()) {
        if (i.introspection() != null) introspector = new Introspector(vertx, i, client, registry, fleet);
      }
    }
    return new Security(config, jwt, introspector, new ApiKeys(config.apiKeys(), dynamic), client);
  }

  /**
   * Verifies one fixed RS256 token with nimbus: the first use of the JOSE, JSON and RSA classes,
   * which a first request would otherwise pay for (tens of milliseconds). The key and token are
   * constants (made once with nimbus; they protect nothing), so the warm-up costs a verification,
   * not a key generation. For a launcher's background warm-up thread; never throws.
   */
  public static void warmUp() {
    try {
      com.nimbusds.jwt.SignedJWT token = com.nimbusds.jwt.SignedJWT.parse(WARM_UP_TOKEN);
      token.verify(new com.nimbusds.jose.crypto.RSASSAVerifier(
          com.nimbusds.jose.jwk.RSAKey.parse(WARM_UP_KEY).toRSAPublicKey()));
      token.getJWTClaimsSet().getSubject();
    } catch (Exception | LinkageError ignored) {
      // only a warm-up
    }
  }

  private static final String WARM_UP_KEY = "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"kid\":\"warm-up\",\"n\":\"zLBRTPwtFF9D32-QlMaV_VmjW1TRRrAMGdfBqr_sHJfmLTCxY6WhfeZhikn4pHgm1apCg16j09yEElI7RIDwIgqtTz8k6MSJ5DaGJIYyCPWK3iTsPhPu24Gj6_LuKmFwRZq0kIgv4OU-wKqYZkB5jGGaMWkIzqzfgnjN8j_r4wQubWAHmzZDDWUSjvVEBGlp2R4YQTTGtxdx0TXruK8T-QrPIT2XJqffw_PNRxrTb5WjTnIv1nJH3E12ozz99HXX8MrnkP6N_XZnCyki0fj5Jeb_CBB1UIRp3D9Ne2EVkDiR-wodoETCzDvAFfk4KvUeVUfbOyLcc9oJwzc2Jno91w\"}";
  private static final String WARM_UP_TOKEN = "eyJraWQiOiJ3YXJtLXVwIiwiYWxnIjoiUlMyNTYifQ.eyJpc3MiOiJ3YXJtLXVwIiwic3ViIjoid2FybS11cCJ9."
      + "BMKXGSjoABRaSJzimAJRbhbp5ojhaCwgTElCmAhiVAj5n1Xjr0ZWeFq0JBGi54jGsukAaN5bjPqUn-eUdzka5Yp4dASfMW-dgz94aVaU1uyfokW7"
      + "lunCqqtel0Nk3mn6MIDZ_03g0h5ea2rtKp737sBlKwNwiKqn8czO4LH-B7INcr3YWHq_dbskInmxiAIwtuYXw6JLwiAKvE2jPksXgxgB7FTKzFzggT2"
      + "J3f5-WPG6hAifcxQi-0id_9HmQ1EdCiC8dMi1eErj0yPHlP5rRycGc9S0u8JB02WLmCYO_FPM8OyZTb6ipaKCZHy0_xav2XngMhrYAk_W5LefWZ96bA";

  public Security start() {
    if (jwt != null) jwt.start();
    return this;
  }

  public void close() {
    if (jwt != null) jwt.close();
    if (introspector != null) introspector.close();
    if (client != null) client.close();
  }

  public AuthConfig config() {
    return config;
  }

  /** Null when no issuer verifies JWTs. */
  public JwtVerifier jwt() {
    return jwt;
  }

  /** The opaque-token check of the issuer with {@code introspection:}; null when none. */
  public Introspector introspector() {
    return introspector;
  }

  /**
   * Verifies a token on a worker thread (for the admin listener's rare calls, such as the portal's
   * developer token), waiting once for a key fetch the token started. Fails when there is no issuer.
   */
  public Future<Principal> verify(Vertx vertx, String token) {
    if (jwt == null) return Future.failedFuture(AuthException.invalid("no issuer is configured"));
    return vertx.<Principal>executeBlocking(() -> jwt.verifyNow(token, true, false), false).recover(e -> e instanceof KeysPending p
        ? p.fetch.transform(x -> vertx.executeBlocking(() -> jwt.verifyNow(token, false, false), false))
        : Future.failedFuture(e));
  }

  public ApiKeys apiKeys() {
    return apiKeys;
  }
}
