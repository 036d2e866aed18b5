package dev.bffkit.loadtests.jmh;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.SignedJWT;
import dev.bffkit.core.config.AuthConfig;
import dev.bffkit.core.security.AuthException;
import dev.bffkit.core.security.JwtVerifier;
import dev.bffkit.core.security.Principal;
import dev.bffkit.core.security.Security;
import dev.bffkit.loadtests.demo.DevIdp;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the auth stage costs per request with the issuer's keys cached: the whole
 * {@link JwtVerifier#verifyNow} (parse, allowlist, key lookup, signature, claims, principal) for an
 * RS256 (2048-bit), an ES256 (P-256) and an EdDSA (Ed25519) token, the refusal of a bad
 * signature, and the parse alone. Keys come from the dev IdP over loopback once, in setup.
 * {@code load-tests/jmh.sh JwtBench -f 1 -wi 3 -i 5}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JwtBench {
  Vertx vertx;
  DevIdp idp;
  Security security;
  JwtVerifier verifier;
  String rs256;
  String es256;
  String eddsa;
  String badSignature;
  char[] rs256Chars;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    vertx = Vertx.vertx();
    idp = DevIdp.start(vertx, 0).await(10, TimeUnit.SECONDS);
    AuthConfig.Issuer issuer = BenchIdp.issuer(idp);
    AuthConfig auth = new AuthConfig(true, List.of(), List.of(issuer), AuthConfig.ApiKeys.none(), java.util.Map.of(),
        java.util.Map.of(), 8192);
    security = Security.create(vertx, auth).start();
    verifier = security.jwt();
    rs256 = idp.mint("u1", "read write", DevIdp.AUDIENCE, 86_400, JWSAlgorithm.RS256);
    es256 = idp.mint("u1", "read write", DevIdp.AUDIENCE, 86_400, JWSAlgorithm.ES256);
    eddsa = idp.mint("u1", "read write", DevIdp.AUDIENCE, 86_400, JWSAlgorithm.EdDSA);
    rs256Chars = rs256.toCharArray();
    char[] t = rs256.toCharArray();
    int mid = rs256.lastIndexOf('.') + 10;
    t[mid] = t[mid] == 'A' ? 'B' : 'A';
    badSignature = new String(t);
    BenchIdp.awaitKeys(() -> verifier.verifyNow(rs256, false));
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    security.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** The signature check every time (a token not seen in the last minute). */
  @Benchmark
  public Principal verifyRs256() {
    verifier.forget();
    return verifier.verifyNow(rs256, false);
  }

  @Benchmark
  public Principal verifyEs256() {
    verifier.forget();
    return verifier.verifyNow(es256, false);
  }

  @Benchmark
  public Principal verifyEdDsa() {
    verifier.forget();
    return verifier.verifyNow(eddsa, false);
  }

  /** A token seen before (the usual case: clients resend theirs until it expires). */
  @Benchmark
  public Principal verifyRememberedRs256() {
    return verifier.verifyNow(rs256, false);
  }

  /**
   * As a request carries it: the token is a new String each time (read from the request's header), so its hash is
   * not cached yet. Compare with {@link #copyTokenOnly}, the cost of making that String.
   */
  @Benchmark
  public Principal verifyRememberedRs256AsReceived() {
    return verifier.verifyNow(new String(rs256Chars), false);
  }

  @Benchmark
  public String copyTokenOnly() {
    return new String(rs256Chars);
  }

  /** What a String-keyed cache paid per request before: the whole token's hash (minus {@link #copyTokenOnly}). */
  @Benchmark
  public int copyAndHashWholeToken() {
    return new String(rs256Chars).hashCode();
  }

  @Benchmark
  public Object refuseBadSignature() {
    try {
      return verifier.verifyNow(badSignature, false);
    } catch (AuthException e) {
      return e;
    }
  }

  @Benchmark
  public Object parseOnly() throws Exception {
    return SignedJWT.parse(rs256).getJWTClaimsSet();
  }
}
