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
