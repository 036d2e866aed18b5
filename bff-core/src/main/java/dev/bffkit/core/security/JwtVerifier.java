package dev.bffkit.core.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.bffkit.core.config.AuthConfig;
import io.vertx.core.Context;
import io.vertx.core.http.HttpClient;
import java.text.ParseException;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Verifies bearer JWTs against several trusted issuers. A token is accepted only when: it is a
 * JWS (never {@code alg: none}, never an HMAC: only the issuer's allowlisted asymmetric
 * algorithms), its {@code iss} is a configured issuer, it is signed by one of that issuer's
 * current keys (by {@code kid}), {@code exp} is present and not passed, {@code nbf} and
 * {@code iat} are not in the future (each with the issuer's clock skew), and its {@code aud}
 * names a configured audience. Verification with cached keys is synchronous; RS256/PS256 are cheap
 * enough for the event loop, ECDSA and EdDSA signatures go to a worker (see JMH {@code JwtBench});
 * a key fetch is asynchronous.
 *
 * <p>Clients send the same token on every request until it expires, so a token that verified is
 * remembered (by its exact text, signature included) for up to {@link #REMEMBER_MS} or until its
 * {@code exp}, whichever is first: a repeat costs a map lookup instead of a signature check
 * (~45 µs for RS256, more for ES256). A remembered token is honoured only while the key set that
 * verified it is current, so a key withdrawn from the JWKS stops being honoured once the keys are
 * refetched ({@code jwksRefresh}), not a minute later.
 */
public final class JwtVerifier {
  static final long REMEMBER_MS = 60_000;
  private static final int MAX_REMEMBERED = 10_000;

  /** A verified token: its principal, until when, and the key set (one fetch of its issuer's JWKS) that verified it. */
  private record Remembered(Principal principal, long untilMillis, JwksSource source, JwksSource.Keys keys) {}

  /** Thrown instead of checking an expensive signature on an event loop (see {@link #verifyNow(String, boolean, boolean)}). */
  public static final RuntimeException SLOW = new RuntimeException("verify on a worker", null, false, false) {};
  /**
   * Checked on a worker: ECDSA (~1.2 ms a P-256 signature on the JDK's provider) and EdDSA (~0.2
   * ms for Ed25519 on Tink's Java code, 4-5 times RSA's ~45 µs; JMH {@code JwtBench},
   * {@code AuthStageBench}): on a loop, every request queued behind it would wait that long, over
   * the auth stage's 0.1 ms p99 budget. RSA stays on the loop, about the cost of the hop.
   */
  private static final Set<JWSAlgorithm> SLOW_FAMILY;

  static {
    Set<JWSAlgorithm> slow = new HashSet<>(JWSAlgorithm.Family.EC);
    slow.addAll(JWSAlgorithm.Family.ED);
    SLOW_FAMILY = Set.copyOf(slow);
  }

  private final Map<String, Trusted> byIssuer = new HashMap<>();
  private final int maxTokenLength;
  private final ConcurrentHashMap<TokenKey, Remembered> verified = new ConcurrentHashMap<>();

  private record Trusted(AuthConfig.Issuer config, JwksSource keys, Set<JWSAlgorithm> algorithms) {}

  /**
   * A remembered token by its exact text. Each request's token is a new String, so {@link String#hashCode} would walk
   * all of it (~800 chars, ~0.5 µs on Java 17) on every request; the last {@link #HASHED} chars (signature bytes, as
   * random as the hash needs) are enough, and equality still compares the whole text. Only verified tokens are stored,
   * so a crafted tail can only make a lookup walk a bin of real tokens (at most {@link #MAX_REMEMBERED}).
   */
  private static final class TokenKey {
    static final int HASHED = 16;
    final String token;
    final int hash;

    TokenKey(String token) {
      this.token = token;
      int h = token.length();
      for (int i = Math.max(0, token.length() - HASHED); i < token.length(); i++) h = 31 * h + token.charAt(i);
      this.hash = h;
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof TokenKey k && k.hash == hash && k.token.equals(token);
    }
  }

  /** {@code context} is where key fetches run; {@code client} makes them. Call {@link #start()}. */
  public JwtVerifier(List<AuthConfig.Issuer> issuers, int maxTokenLength, Context context, HttpClient client) {
    this.maxTokenLength = maxTokenLength;
    for (AuthConfig.Issuer i : issuers) {
      Set<JWSAlgorithm> algs = new LinkedHashSet<>();
      for (String a : i.algorithms()) algs.add(JWSAlgorithm.parse(a));
      byIssuer.put(i.issuer(), new Trusted(i, new JwksSource(i, context, client), Set.copyOf(algs)));
    }
  }

  /** Starts fetching every issuer's keys; returns at once (an issuer that is down is retried). */
  public void start() {
    byIssuer.values().forEach(t -> t.keys.start());
  }

  public void close() {
    byIssuer.values().forEach(t -> t.keys.close());
  }

  /** The issuers whose keys have never been fetched, comma-separated; null once every issuer has keys. */
  public String issuersWithoutKeys() {
    StringBuilder missing = null;
    for (Trusted t : byIssuer.values()) {
      if (t.keys.hasKeys()) continue;
      if (missing == null) missing = new StringBuilder();
      else missing.append(", ");
      missing.append(t.config.issuer());
    }
    return missing == null ? null : missing.toString();
  }

  /**
   * The principal of a valid token. Throws {@link AuthException} when it is refused, or
   * {@link KeysPending} when its key is not cached and a fetch was started ({@code mayFetch});
   * the caller then waits for the fetch and calls again with {@code mayFetch} false.
   */
  public Principal verifyNow(String token, boolean mayFetch) {
    return verifyNow(token, mayFetch, false);
  }

  /**
   * As {@link #verifyNow(String, boolean)}; with {@code onLoop} true an ECDSA or EdDSA signature
   * (about 25 and 4-5 times the cost of RSA) is not checked here: {@link #SLOW} is thrown and the
   * caller repeats the call on a worker thread with {@code onLoop} false.
   */
  public Principal verifyNow(String token, boolean mayFetch, boolean onLoop) {
    if (token.length() > maxTokenLength) throw AuthException.invalid("token longer than " + maxTokenLength + " characters");
    TokenKey key = new TokenKey(token);
    Remembered known = verified.get(key);
    if (known != null) {
      // Honoured only while the key set that verified it is the current one: once the JWKS is
      // refetched (every jwksRefresh, a stale read here starts it), the token is verified again
      // against the new keys, so a withdrawn key stops working within the refresh interval.
      if (System.currentTimeMillis() <= known.untilMillis && known.source.keys() == known.keys) return known.principal;
      verified.remove(key);
    }
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(token);
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException | RuntimeException e) {
      throw AuthException.invalid("malformed token (expected a signed JWT)");
    }
    String iss = claims.getIssuer();
    Trusted t = iss == null ? null : byIssuer.get(iss);
    if (t == null) throw AuthException.invalid("untrusted issuer");
    JWSHeader header = jwt.getHeader();
    if (!t.algorithms.contains(header.getAlgorithm())) {
      throw AuthException.invalid("algorithm " + header.getAlgorithm() + " not accepted");
    }
    JwksSource.Keys keys = t.keys.keys();
    List<JWSVerifier> candidates = keys == null ? null : keys.byKid().get(header.getKeyID() == null ? "" : header.getKeyID());
    if (candidates == null) {
      var fetch = mayFetch ? t.keys.fetch(false) : null;
      if (fetch != null) throw new KeysPending(fetch);
      throw AuthException.invalid(keys == null ? "signing keys of the issuer are not available yet" : "unknown signing key");
    }
    if (onLoop && SLOW_FAMILY.contains(header.getAlgorithm())) throw SLOW;
    boolean ok = false;
    for (JWSVerifier v : candidates) {
      try {
        if (jwt.verify(v)) {
          ok = true;
          break;
        }
      } catch (JOSEException | IllegalStateException e) {
        // wrong key type for this algorithm, or a bad signature encoding: not verified
      }
    }
    if (!ok) throw AuthException.invalid("bad signature");
    checkClaims(t.config, claims);
    Principal p = principal(iss, claims);
    remember(token, p, claims.getExpirationTime().getTime() + t.config.clockSkew().toMillis(), t.keys, keys);
    return p;
  }

  private void remember(String token, Principal p, long expiresMillis, JwksSource source, JwksSource.Keys keys) {
    if (verified.size() >= MAX_REMEMBERED) verified.clear(); // bounded; a refill costs one verify per token
    verified.put(new TokenKey(token), new Remembered(p, Math.min(expiresMillis, System.currentTimeMillis() + REMEMBER_MS), source, keys));
  }

  /** Forgets remembered tokens (tests, benchmarks). */
  public void forget() {
    verified.clear();
  }

  private static void checkClaims(AuthConfig.Issuer c, JWTClaimsSet claims) {
    long now = System.currentTimeMillis();
    long skew = c.clockSkew().toMillis();
    Date exp = claims.getExpirationTime();
    if (exp == null) throw AuthException.invalid("token has no exp");
    if (now > exp.getTime() + skew) throw AuthException.invalid("token expired");
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && now + skew < nbf.getTime()) throw AuthException.invalid("token not yet valid");
    Date iat = claims.getIssueTime();
    if (iat != null && now + skew < iat.getTime()) throw AuthException.invalid("token issued in the future");
    if (!c.audiences().isEmpty()) {
      List<String> aud = claims.getAudience();
      boolean match = false;
      for (String a : aud) {
        if (c.audiences().contains(a)) {
          match = true;
          break;
        }
      }
      if (!match) throw AuthException.invalid("token not meant for this audience");
    }
  }

  private static Principal principal(String iss, JWTClaimsSet claims) {
    Set<String> scopes = new LinkedHashSet<>();
    addScopes(scopes, claims.getClaim("scope"));
    addScopes(scopes, claims.getClaim("scp"));
    Map<String, Object> all = new HashMap<>();
    claims.getClaims().forEach((k, v) -> {
      if (v == null) return;
      all.put(k, v instanceof Date d ? d.getTime() / 1000 : v);
    });
    String sub = claims.getSubject();
    return new Principal("jwt", sub == null ? "" : sub, iss, scopes, null, all);
  }

  private static void addScopes(Set<String> out, Object claim) {
    if (claim instanceof String s) {
      for (String part : s.split(" ")) if (!part.isEmpty()) out.add(part);
    } else if (claim instanceof Collection<?> c) {
      for (Object o : c) if (o instanceof String s && !s.isEmpty()) out.add(s);
    }
  }
}
