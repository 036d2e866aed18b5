package dev.bffkit.core.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import dev.bffkit.core.config.AuthConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * The signing keys of one issuer, fetched with the Vert.x HTTP client (never blocking an event
 * loop) and cached as ready verifiers. Fetches run on one owned context. The keys are re-fetched
 * in the background when older than {@code jwksRefresh}; an unknown {@code kid} asks for a fetch,
 * granted at most once per {@code minRefetchInterval} (no refetch storm from forged kids). When
 * the JWKS URL is not configured it comes from OIDC discovery. An identity provider that is down
 * does not stop anything: fetches are retried and tokens are refused until keys arrive.
 */
final class JwksSource {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.security");
  private static final int MAX_JWKS_BYTES = 512 * 1024;

  /** Verifiers by key id; keys without a kid under "". Immutable once published. */
  record Keys(Map<String, List<JWSVerifier>> byKid, long fetchedAtNanos) {}

  private final AuthConfig.Issuer config;
  private final Context context;
  private final HttpClient client;
  private volatile URI jwksUri;
  private volatile Keys keys;
  private final AtomicLong lastFetchNanos;
  private final AtomicReference<Future<Void>> inflight = new AtomicReference<>();
  private volatile boolean closed;
  private long timer = -1;

  JwksSource(AuthConfig.Issuer config, Context context, HttpClient client) {
    this.config = config;
    this.context = context;
    this.client = client;
    this.jwksUri = config.jwksUrl();
    this.lastFetchNanos = new AtomicLong(System.nanoTime() - config.minRefetchInterval().toNanos() - 1);
  }

  String issuer() {
    return config.issuer();
  }

  /** Whether a fetch has ever succeeded (no refresh is started: for readiness probes). */
  boolean hasKeys() {
    return keys != null;
  }

  /** The cached keys, or null before the first successful fetch. */
  Keys keys() {
    Keys k = keys;
    if (k != null && System.nanoTime() - k.fetchedAtNanos > config.jwksRefresh().toNanos()) {
      fetch(false); // stale: refresh in the background, keep serving these
    }
    return k;
  }

  /** Starts fetching (does not wait for it) and keeps retrying while no keys are known. */
  void start() {
    context.runOnContext(v -> {
      fetch(true);
      long every = Math.max(200, Math.min(config.minRefetchInterval().toMillis(), 5000));
      timer = context.owner().setPeriodic(every, id -> {
        if (keys == null && !closed) fetch(true);
      });
    });
  }

  void close() {
    closed = true;
    context.runOnContext(v -> {
      if (timer >= 0) context.owner().cancelTimer(timer);
    });
  }

  /**
   * Asks for a fetch; null when the rate limit refuses it (and none is running). {@code force}
   * skips the rate limit (start-up retries, which are paced by their own timer).
   */
  Future<Void> fetch(boolean force) {
    Future<Void> running = inflight.get();
    if (running != null) return running;
    long now = System.nanoTime();
    long last = lastFetchNanos.get();
    if (!force && now - last < config.minRefetchInterval().toNanos()) return null;
    if (!lastFetchNanos.compareAndSet(last, now)) return inflight.get();
    Promise<Void> promise = Promise.promise();
    if (!inflight.compareAndSet(null, promise.future())) return inflight.get();
    context.runOnContext(v -> load().onComplete(ar -> {
      inflight.set(null);
      if (ar.failed()) {
        LOG.warning("event=jwks_fetch_failed issuer=" + config.issuer() + " error=" + ar.cause().getMessage());
      }
      promise.handle(ar);
    }));
    return promise.future();
  }

  private Future<Void> load() {
    Future<URI> uri = jwksUri != null ? Future.succeededFuture(jwksUri) : discover();
    return uri.compose(u -> get(u.toString())).map(body -> {
      publish(parse(body));
      return null;
    });
  }

  private Future<URI> discover() {
    String base = config.issuer().endsWith("/") ? config.issuer().substring(0, config.issuer().length() - 1) : config.issuer();
    return get(base + "/.well-known/openid-configuration").map(body -> {
      JsonObject doc = new JsonObject(body);
      String iss = doc.getString("issuer");
      if (iss != null && !iss.equals(config.issuer())) {
        throw new IllegalStateException("discovery document names issuer '" + iss + "', expected '" + config.issuer() + "'");
      }
      String jwks = doc.getString("jwks_uri");
      if (jwks == null) throw new IllegalStateException("discovery document has no jwks_uri");
      URI u = URI.create(jwks);
      jwksUri = u;
      return u;
    });
  }

  private Future<String> get(String url) {
    long timeout = config.fetchTimeout().toMillis();
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
        .setConnectTimeout(timeout).setIdleTimeout(timeout).putHeader("accept", "application/json");
    Promise<String> p = Promise.promise();
    long t = context.owner().setTimer(timeout, id -> p.tryFail("timed out after " + timeout + " ms fetching " + url));
    client.request(o)
        .compose(req -> req.send())
        .compose(resp -> {
          if (resp.statusCode() != 200) {
            resp.end();
            return Future.failedFuture(url + " answered " + resp.statusCode());
          }
          return resp.body();
        })
        .onComplete(ar -> {
          context.owner().cancelTimer(t);
          if (ar.failed()) p.tryFail(ar.cause());
          else if (ar.result().length() > MAX_JWKS_BYTES) p.tryFail(url + " answered more than " + MAX_JWKS_BYTES + " bytes");
          else p.tryComplete(ar.result().toString());
        });
    return p.future();
  }

  private static Map<String, List<JWSVerifier>> parse(String body) {
    JWKSet set;
    try {
      set = JWKSet.parse(body);
    } catch (java.text.ParseException e) {
      throw new IllegalStateException("not a JWK set: " + e.getMessage());
    }
    Map<String, List<JWSVerifier>> out = new HashMap<>();
    for (JWK jwk : set.getKeys()) {
      if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) continue;
      JWSVerifier v = verifier(jwk);
      if (v == null) continue;
      out.computeIfAbsent(jwk.getKeyID() == null ? "" : jwk.getKeyID(), k -> new ArrayList<>()).add(
          jwk.getAlgorithm() == null ? v : new PinnedAlgorithm(v, JWSAlgorithm.parse(jwk.getAlgorithm().getName())));
    }
    return out;
  }

  /**
   * A verifier for a public key; HMAC ("oct") and private material are never used. Of the OKP
   * keys only Ed25519 signs (Ed448 has no verifier in nimbus, X25519 is for key agreement). Each
   * verifier accepts only its own family (RSASSAVerifier RS and PS, ECDSAVerifier ES for its
   * curve, Ed25519Verifier EdDSA and Ed25519) and throws on any other: a kid pointing at a key
   * of another type never verifies.
   */
  private static JWSVerifier verifier(JWK jwk) {
    try {
      if (jwk instanceof RSAKey rsa) return new RSASSAVerifier(rsa.toRSAPublicKey());
      if (jwk instanceof ECKey ec) return new ECDSAVerifier(ec.toECPublicKey());
      if (jwk instanceof OctetKeyPair okp) {
        if (Curve.Ed25519.equals(okp.getCurve())) return new Ed25519Verifier(okp.toPublicJWK());
        LOG.warning("event=jwk_skipped kid=" + jwk.getKeyID() + " error=OKP curve " + okp.getCurve() + " is not accepted (Ed25519 only)");
        return null;
      }
    } catch (JOSEException e) {
      LOG.warning("event=jwk_skipped kid=" + jwk.getKeyID() + " error=" + e.getMessage());
    }
    return null;
  }

  private void publish(Map<String, List<JWSVerifier>> byKid) {
    keys = new Keys(Map.copyOf(byKid), System.nanoTime());
    LOG.info("event=jwks_loaded issuer=" + config.issuer() + " keys=" + byKid.values().stream().mapToInt(List::size).sum());
  }

  /** A key whose JWK names its algorithm verifies only that algorithm. */
  record PinnedAlgorithm(JWSVerifier delegate, JWSAlgorithm alg) implements JWSVerifier {
    @Override
    public boolean verify(com.nimbusds.jose.JWSHeader header, byte[] signingInput, com.nimbusds.jose.util.Base64URL signature)
        throws JOSEException {
      return alg.equals(header.getAlgorithm()) && delegate.verify(header, signingInput, signature);
    }

    @Override
    public java.util.Set<JWSAlgorithm> supportedJWSAlgorithms() {
      return java.util.Set.of(alg);
    }

    @Override
    public com.nimbusds.jose.jca.JCAContext getJCAContext() {
      return delegate.getJCAContext();
    }
  }
}
