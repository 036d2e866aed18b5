package dev.bffkit.loadtests.jmh;

import com.nimbusds.jose.JWSAlgorithm;
import dev.bffkit.core.config.AuthConfig;
import dev.bffkit.core.route.RoutePolicy;
import dev.bffkit.core.security.Authenticator;
import dev.bffkit.core.security.JwtVerifier;
import dev.bffkit.core.security.Security;
import dev.bffkit.loadtests.demo.DevIdp;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * The whole auth stage per request, as {@code AuthStage} runs it on the event loop, minus the
 * exchange: {@link Authenticator#authenticate} (bearer header, verify, scopes of the iOS home, identity headers)
 * and what the stage then writes ({@code ctx} entries, identity headers into the request's
 * headers). Headers are a Vert.x {@link HttpHeaders#headers()} map as a server request has, with
 * an iOS client's usual headers. Config as the demo iOS bundle: one issuer, claim {@code sub} to
 * {@code x-user-id}.
 *
 * <ul>
 *   <li>{@code rememberedToken}: the usual case, a token verified before (clients resend theirs);
 *   <li>{@code coldRs256}, {@code coldEdDsa}: the verifier's memory cleared first, so the
 *       signature is checked (EdDSA, like ES256, on a worker in the stage: the hop is not in
 *       this figure);
 *   <li>{@code rememberedOpaqueToken}: an opaque token introspected before (RFC 7662; its verdict in memory);
 *   <li>{@code noCredential}: a public path without a token.
 * </ul>
 * Sample mode, so JMH prints percentiles (p99 is the target's measure).
 * {@code load-tests/jmh.sh AuthStageBench -f 1 -wi 2 -i 3 -r 2s}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AuthStageBench {
  /** The iOS home's route policy (auth required, no scopes) and health's (open), as the route table makes them. */
  static final RoutePolicy HOME = new RoutePolicy(true, Set.of(), 1 << 20, Duration.ofSeconds(10), 1024,
      Duration.ofSeconds(2), null);
  static final RoutePolicy HEALTH = new RoutePolicy(false, Set.of(), 1 << 20, Duration.ofSeconds(10), 1024,
      Duration.ofSeconds(2), null);

  Vertx vertx;
  DevIdp idp;
  Security security;
  Authenticator auth;
  String rs256Header;
  String eddsaHeader;
  String opaqueHeader;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    vertx = Vertx.vertx();
    idp = DevIdp.start(vertx, 0).await(10, TimeUnit.SECONDS);
    AuthConfig.Issuer jwtOnly = BenchIdp.issuer(idp);
    AuthConfig.Issuer issuer = new AuthConfig.Issuer(jwtOnly.issuer(), jwtOnly.jwksUrl(), jwtOnly.audiences(),
        jwtOnly.algorithms(), jwtOnly.clockSkew(), jwtOnly.jwksRefresh(), jwtOnly.minRefetchInterval(),
        jwtOnly.fetchTimeout(), true, new AuthConfig.Introspection(URI.create(idp.issuer() + "/introspect"),
            DevIdp.CLIENT_ID, DevIdp.CLIENT_SECRET, null, AuthConfig.Introspection.ClientAuth.CLIENT_SECRET_BASIC,
            Duration.ofHours(1), Duration.ofSeconds(10), Duration.ofSeconds(2), 100_000, false));
    AuthConfig config = new AuthConfig(true, List.of("/healthz", "/readyz"), List.of(issuer), AuthConfig.ApiKeys.none(),
        Map.of("sub", "x-user-id"), Map.of(), 8192);
    security = Security.create(vertx, config).start();
    auth = new Authenticator(security, "ios");
    rs256Header = "Bearer " + idp.mint("u1", "read", DevIdp.AUDIENCE, 86_400, JWSAlgorithm.RS256);
    eddsaHeader = "Bearer " + idp.mint("u1", "read", DevIdp.AUDIENCE, 86_400, JWSAlgorithm.EdDSA);
    opaqueHeader = "Bearer " + idp.mintOpaque("u1", "read", DevIdp.AUDIENCE, 86_400);
    BenchIdp.awaitKeys(() -> stage(request(rs256Header), HOME));
    BenchIdp.awaitKeys(() -> stage(request(opaqueHeader), HOME)); // the first look starts the introspection
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    security.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** The headers an iOS client sends, plus a spoofed identity header (the edge drops it; admitting overwrites it here). */
  static MultiMap request(String authorization) {
    MultiMap h = HttpHeaders.headers()
        .add("host", "127.0.0.1:8081")
        .add("user-agent", "BffKitDemo/1.0 (iPhone; iOS 17.4; Scale/3.00)")
        .add("accept", "application/json")
        .add("accept-encoding", "gzip")
        .add("accept-language", "en-GB")
        .add("x-user-id", "someone-else");
    if (authorization != null) h.add("authorization", authorization);
    return h;
  }

  /** What AuthStage does on the loop for an admitted request (its handle and admit, minus the Exchange). */
  Object stage(MultiMap headers, RoutePolicy route) {
    Authenticator.Admitted a;
    try {
      a = auth.authenticate(headers, route, true, true);
    } catch (RuntimeException e) {
      if (e != JwtVerifier.SLOW) throw e;
      // the stage does this on a worker; the hop there and back is not measured here
      a = auth.admitBearer(Authenticator.bearerToken(headers), route, false, false);
    }
    Map<String, Object> ctx = new HashMap<>(4);
    a.into(ctx);
    MultiMap identity = a.identity();
    if (identity != null) for (var e : identity) headers.set(e.getKey(), e.getValue());
    return ctx;
  }

  @Benchmark
  public Object rememberedToken() {
    return stage(request(rs256Header), HOME);
  }

  @Benchmark
  public Object coldRs256() {
    security.jwt().forget();
    return stage(request(rs256Header), HOME);
  }

  @Benchmark
  public Object coldEdDsa() {
    security.jwt().forget();
    return stage(request(eddsaHeader), HOME);
  }

  @Benchmark
  public Object rememberedOpaqueToken() {
    return stage(request(opaqueHeader), HOME);
  }

  @Benchmark
  public Object noCredential() {
    return stage(request(null), HEALTH);
  }
}
