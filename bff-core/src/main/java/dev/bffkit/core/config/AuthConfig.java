package dev.bffkit.core.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code auth:} in bff.yaml: who may call. Off (no issuers, no API keys) unless configured; when
 * on, {@code required} (default true) makes every path but {@code publicPaths} need a valid token
 * or API key. Screens and routes may require scopes ({@code screens:}, {@code routes[].scopes});
 * fields with {@code @auth(scopes:)} in the schema.
 */
public record AuthConfig(
    boolean required,
    List<String> publicPaths,
    List<Issuer> issuers,
    ApiKeys apiKeys,
    /** claim name → header sent to upstreams (incoming copies are always stripped). */
    Map<String, String> claimsToHeaders,
    /** screen name → scopes all required ({@code claim:NAME=VALUE} requires a claim instead). */
    Map<String, Set<String>> screens,
    /** Longest accepted bearer token in characters; longer ones are refused before parsing. */
    int maxTokenLength,
    /**
     * How long readiness waits at most for every issuer's first keys (as Envoy's jwt_authn holds its listener
     * for the first JWKS fetch): a new instance in a rolling deploy does not take traffic it would have to
     * answer 401 or hold; past it the instance is ready anyway, so a down identity provider cannot stop a start.
     */
    Duration keysBeforeReady,
    /**
     * While a caller's check waits (a key fetch, a remote token check), the upstreams its route reaches are made
     * ready: connections opened, sleeping services woken. Nothing of the request is sent before the check says yes.
     */
    boolean warmAhead) {

  public static final Duration KEYS_BEFORE_READY = Duration.ofSeconds(10);

  public AuthConfig {
    if (keysBeforeReady == null) keysBeforeReady = KEYS_BEFORE_READY;
    publicPaths = List.copyOf(publicPaths);
    issuers = List.copyOf(issuers);
    claimsToHeaders = Map.copyOf(claimsToHeaders);
    screens = Map.copyOf(screens);
  }

  public AuthConfig(boolean required, List<String> publicPaths, List<Issuer> issuers, ApiKeys apiKeys,
      Map<String, String> claimsToHeaders, Map<String, Set<String>> screens, int maxTokenLength) {
    this(required, publicPaths, issuers, apiKeys, claimsToHeaders, screens, maxTokenLength, KEYS_BEFORE_READY, true);
  }

  public static AuthConfig off() {
    return new AuthConfig(false, List.of("/healthz", "/readyz"), List.of(), ApiKeys.none(), Map.of(), Map.of(), 8192);
  }

  /** True when anything is configured (issuers or API keys). */
  public boolean enabled() {
    return !issuers.isEmpty() || !apiKeys.keys().isEmpty();
  }

  /**
   * One trusted token issuer. {@code jwksUrl} null means OIDC discovery from
   * {@code issuer + "/.well-known/openid-configuration"}.
   */
  public record Issuer(
      String issuer,
      URI jwksUrl,
      /** Tokens must name one of these in {@code aud}; empty = audience not checked. */
      Set<String> audiences,
      /** JWS algorithms accepted (asymmetric only: RS*, PS*, ES*, EdDSA/Ed25519). */
      Set<String> algorithms,
      Duration clockSkew,
      /** Keys are re-fetched in the background when older than this. */
      Duration jwksRefresh,
      /** An unknown {@code kid} triggers a re-fetch at most once per this interval. */
      Duration minRefetchInterval,
      /** Timeout of one JWKS or discovery fetch. */
      Duration fetchTimeout,
      /** Its JWTs are verified locally (JWKS); false: its tokens are opaque and only introspected. */
      boolean jwt,
      /** RFC 7662 introspection of its opaque tokens; null when none. */
      Introspection introspection) {
    public Issuer {
      audiences = Set.copyOf(audiences);
      algorithms = Set.copyOf(algorithms);
    }

    /** A JWT issuer without introspection. */
    public Issuer(String issuer, URI jwksUrl, Set<String> audiences, Set<String> algorithms, Duration clockSkew,
        Duration jwksRefresh, Duration minRefetchInterval, Duration fetchTimeout) {
      this(issuer, jwksUrl, audiences, algorithms, clockSkew, jwksRefresh, minRefetchInterval, fetchTimeout, true, null);
    }
  }

  /**
   * {@code introspection:} of an issuer: where and how its opaque tokens are checked (RFC 7662). {@code url} null:
   * the {@code introspection_endpoint} of its OIDC discovery document. The client authenticates with
   * {@code client_secret_basic} (RFC 6749 §2.3.1) or {@code private_key_jwt} (RFC 7523 §2.2, a PKCS#8 PEM key).
   * Answers are remembered by the token's SHA-256: an active one until the earlier of its {@code exp} and
   * {@code cacheTtl}, an inactive one for {@code negativeTtl}; at most {@code maxEntries}; with {@code shared} also
   * in the fleet's Redis ({@code redis.url}).
   */
  public record Introspection(URI url, String clientId, String clientSecret, String privateKeyPath,
      ClientAuth clientAuth, Duration cacheTtl, Duration negativeTtl, Duration timeout, int maxEntries, boolean shared) {
    public enum ClientAuth { CLIENT_SECRET_BASIC, PRIVATE_KEY_JWT }
  }

  /** API keys from a header; each stored as the SHA-256 (hex) of the key. */
  public record ApiKeys(String header, List<ApiKey> keys) {
    public ApiKeys {
      keys = List.copyOf(keys);
    }

    public static ApiKeys none() {
      return new ApiKeys("x-api-key", List.of());
    }
  }

  public record ApiKey(String name, String sha256, String tier, Set<String> scopes) {
    public ApiKey {
      scopes = Set.copyOf(scopes);
    }
  }
}
