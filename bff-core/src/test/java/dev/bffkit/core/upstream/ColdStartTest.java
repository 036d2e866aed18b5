package dev.bffkit.core.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.observe.Observability;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serverless upstreams ({@code coldStart:}) in a real BFF against {@link FunctionService}, a function platform on
 * loopback (one request per instance; a call that finds no idle instance starts one, which takes its cold start):
 * the first call after sleeping is allowed its cold start; while the caller's token is checked (a JWKS fetch the
 * identity provider answers slowly) the function is woken ahead, and the request takes the instance it woke, so the
 * wait is the longer of the two and not their sum; keep-warm calls keep it awake while it has traffic and stop after;
 * cold starts are counted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ColdStartTest {
  static final String ADMIN = "cold-start-admin-token-0123456789";
  static final String SCHEMA = """
      type Query {
        fn: Fn @rest(service: "fn", path: "/fn")
      }
      type Fn { name: String path: String }
      """;

  @TempDir Path dir;
  Vertx vertx;
  HttpServer idp;
  String issuer;
  HttpClient client;
  OnLoop loop;
  final List<JWK> published = new CopyOnWriteArrayList<>();
  final AtomicInteger jwksFetches = new AtomicInteger();
  volatile long jwksDelayMs = 0;
  RSAKey key;
  final AtomicInteger bundles = new AtomicInteger();

  record Answer(int status, String body, long millis) {
    JsonObject json() { return new JsonObject(body); }
  }

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    key = newKey("k0");
    idp = vertx.createHttpServer().requestHandler(req -> {
      jwksFetches.incrementAndGet();
      vertx.setTimer(Math.max(1, jwksDelayMs), t -> req.response().putHeader("content-type", "application/json")
          .end(new JWKSet(List.copyOf(published)).toString(true)));
    }).listen(0, "127.0.0.1").await();
    issuer = "http://127.0.0.1:" + idp.actualPort();
    client = vertx.createHttpClient();
    loop = new OnLoop(vertx.getOrCreateContext());
  }

  @AfterAll
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  RSAKey newKey(String kid) throws Exception {
    RSAKey k = new RSAKeyGenerator(2048).keyID(kid).generate();
    published.add(k.toPublicJWK());
    return k;
  }

  String token(RSAKey k) throws Exception {
    long now = System.currentTimeMillis();
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(issuer).subject("u1").audience("bff")
        .issueTime(new Date(now)).expirationTime(new Date(now + 600_000)).build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(k.getKeyID())
        .type(JOSEObjectType.JWT).build(), claims);
    jwt.sign(new RSASSASigner(k));
    return jwt.serialize();
  }

  /** A BFF with one screen over the function at {@code fnPort}; {@code coldStart} is the service's block or "". */
  Bff.RunningBff bff(int fnPort, String coldStart, boolean warmAhead) throws Exception {
    Path folder = dir.resolve("bff" + bundles.incrementAndGet());
    Files.createDirectories(folder.resolve("screens"));
    Files.writeString(folder.resolve("bff.yaml"), """
        name: fn
        server: { host: 127.0.0.1, port: 0, instances: 1 }
        admin: { host: 127.0.0.1, port: 0, token: "%s" }
        composition: { deadline: 10s }
        services:
          fn:
            endpoints: ["http://127.0.0.1:%d"]
            timeout: 500ms
            retry: { maxRetries: 0 }
            %s
        auth:
          warmAhead: %s
          issuers: [{ issuer: "%s", jwksUrl: "%s/jwks", audiences: [bff], algorithms: [RS256], minRefetchInterval: 1ms }]
        """.formatted(ADMIN, fnPort, coldStart, warmAhead, issuer, issuer));
    Files.writeString(folder.resolve("schema.graphqls"), SCHEMA);
    Files.writeString(folder.resolve("screens/fn.graphql"), "query Fn { fn { name path } }");
    Bff.RunningBff bff = Bff.start(vertx, BundleLoader.load(folder, Map.<String, String>of()::get)).await();
    until(() -> get(bff.adminPort(), "/readyz", null).status() == 200, "readiness (the first keys)");
    return bff;
  }

  Answer get(int port, String uri, String token) {
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(port).setMethod(HttpMethod.GET).setURI(uri);
    if (token != null) o.addHeader("authorization", "Bearer " + token);
    long t0 = System.nanoTime();
    try {
      return loop.run(() -> client.request(o).compose(r -> r.send())
              .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b.toString(),
                  (System.nanoTime() - t0) / 1_000_000))))
          .await(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  String metrics(Bff.RunningBff bff) {
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(bff.adminPort()).setURI("/metrics")
        .addHeader("authorization", "Bearer " + ADMIN);
    try {
      return loop.run(() -> client.request(o).compose(r -> r.send()).compose(r -> r.body()))
          .await(10, TimeUnit.SECONDS).toString();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The sample of {@code name} whose labels include every {@code labels} pair ({@code key="value"}); 0 when none. */
  static double metric(String scrape, String name, String... labels) {
    for (String line : scrape.split("\n")) {
      if (!line.startsWith(name + "{")) continue;
      boolean all = true;
      for (String l : labels) all &= line.contains(l);
      if (all) return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }
    return 0;
  }

  static void until(BooleanSupplier condition, String what) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      try {
        if (condition.getAsBoolean()) return;
      } catch (AssertionError notYet) {
        // the listener is not up yet
      }
      if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(20);
    }
  }

  @Test
  void aSleepingFunctionIsAllowedItsColdStartOnTopOfTheTimeout() throws Exception {
    FunctionService declared = new FunctionService(vertx, 800, 60_000).start();
    FunctionService undeclared = new FunctionService(vertx, 800, 60_000).start();
    Bff.RunningBff withColdStart = bff(declared.port(), "coldStart: { expected: 1500ms, idleAfter: 30s }", true);
    Bff.RunningBff without = bff(undeclared.port(), "", true);
    String token = token(key);

    Answer woken = get(withColdStart.port(), "/v1/screens/fn", token);
    assertEquals(200, woken.status(), woken.body());
    assertEquals("fn", woken.json().getJsonObject("data").getJsonObject("fn").getString("name"), woken.body());
    assertTrue(woken.millis() >= 750, "the cold start happened: " + woken.millis() + " ms");
    // Awake now: the service's own timeout applies again, and its answers are quick.
    Answer warm = get(withColdStart.port(), "/v1/screens/fn", token);
    assertTrue(warm.millis() < 400, "a warm call: " + warm.millis() + " ms");
    assertEquals(1, declared.coldStarts.get());

    Answer cut = get(without.port(), "/v1/screens/fn", token);
    assertNull(cut.json().getJsonObject("data").getJsonObject("fn"), "500ms timeout, 800ms cold start: " + cut.body());
    assertTrue(cut.millis() < 750, "cut at the service's timeout: " + cut.millis() + " ms");

    String scrape = metrics(withColdStart);
    assertEquals(1.0, metric(scrape, "bff_upstream_cold_starts_total", "service=\"fn\"", "via=\"call\""), scrape);
    assertEquals(0.0, metric(metrics(without), "bff_upstream_cold_starts_total"));
    withColdStart.close().await(10, TimeUnit.SECONDS);
    without.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void whileTheTokenIsCheckedTheFunctionIsWokenAndTheRequestTakesTheInstanceItWoke() throws Exception {
    FunctionService ahead = new FunctionService(vertx, 900, 60_000).start();
    FunctionService serial = new FunctionService(vertx, 900, 60_000).start();
    String cold = "coldStart: { expected: 1500ms, idleAfter: 30s, path: /warm }";
    Bff.RunningBff warming = bff(ahead.port(), cold, true);
    Bff.RunningBff notWarming = bff(serial.port(), cold, false);
    // A key neither BFF has seen: each fetches the JWKS, which the identity provider answers in 600 ms.
    RSAKey rotated = newKey("k-rotated");
    String token = token(rotated);
    jwksDelayMs = 600;
    try {
      Answer warmed = get(warming.port(), "/v1/screens/fn", token);
      Answer summed = get(notWarming.port(), "/v1/screens/fn", token);
      assertEquals(200, warmed.status(), warmed.body());
      assertEquals("/fn", warmed.json().getJsonObject("data").getJsonObject("fn").getString("path"), warmed.body());
      assertEquals(200, summed.status(), summed.body());
      // Without warming: the key fetch, then the cold start (at least 600 + 900 ms).
      assertTrue(summed.millis() >= 1500, "in series: " + summed.millis() + " ms");
      // With it: the cold start began with the key fetch; the request took the woken instance. (Bounds relative to the
      // serial run, which a busy machine slows as much: side by side saves about the 600 ms fetch.)
      assertTrue(warmed.millis() >= 850, "the cold start happened: " + warmed.millis() + " ms");
      assertTrue(warmed.millis() < summed.millis() - 300, "side by side: " + warmed.millis() + " ms against "
          + summed.millis() + " ms in series");
      assertEquals(1, ahead.coldStarts.get(), "one instance woke, and the request used it");
      assertEquals(1, ahead.warmUps.get());
      assertEquals(0, serial.warmUps.get());
      String scrape = metrics(warming);
      assertEquals(1.0, metric(scrape, "bff_upstream_warmups_total", "reason=\"ahead\"", "service=\"fn\""), scrape);
      assertEquals(1.0, metric(scrape, "bff_upstream_cold_starts_total", "service=\"fn\"", "via=\"warmup\""), scrape);
    } finally {
      jwksDelayMs = 0;
      warming.close().await(10, TimeUnit.SECONDS);
      notWarming.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void whileTheTokenIsCheckedAnIdleLoopOpensAConnectionToAnAwakeService() throws Exception {
    FunctionService awake = new FunctionService(vertx, 1, 60_000).start();
    // No coldStart: only the connection is warmed, by the health check's path (its own checks start in an hour).
    Bff.RunningBff bff = bff(awake.port(), "healthCheck: { path: /warm, interval: 1h }", true);
    try {
      RSAKey rotated = newKey("k-connection");
      jwksDelayMs = 300;
      Answer a = get(bff.port(), "/v1/screens/fn", token(rotated));
      assertEquals(200, a.status(), a.body());
      assertEquals(1, awake.warmUps.get(), "one warm-up GET opened this loop's connection during the key fetch");
      assertEquals(2, awake.requests.get(), "the warm-up, then the call");
      // The loop has used the service now: a second wait warms nothing.
      jwksDelayMs = 0;
      RSAKey again = newKey("k-connection-2");
      assertEquals(200, get(bff.port(), "/v1/screens/fn", token(again)).status());
      assertEquals(1, awake.warmUps.get());
    } finally {
      jwksDelayMs = 0;
      bff.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theFunctionsConcurrencyLimitCapsTheBulkhead() {
    ServiceConfig base = new ServiceConfig("fn", List.of(URI.create("http://127.0.0.1:1")), Duration.ofSeconds(1), 8,
        Duration.ofSeconds(60), Duration.ofSeconds(1)).withBulkhead(new ServiceConfig.Bulkhead(100, 0));
    ServiceConfig.ColdStart cs = new ServiceConfig.ColdStart(Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ZERO,
        Duration.ofMinutes(10), null, 2, false);
    ServiceState capped = new ServiceState(vertx, base.withColdStart(cs), Observability.off("t").service("fn"));
    assertTrue(capped.bulkhead().tryAcquire());
    assertTrue(capped.bulkhead().tryAcquire());
    assertFalse(capped.bulkhead().tryAcquire(), "the third concurrent call is over the function's limit of 2");
    ServiceState uncapped = new ServiceState(vertx, base, Observability.off("t").service("fn"));
    for (int i = 0; i < 3; i++) assertTrue(uncapped.bulkhead().tryAcquire());
    capped.close();
    uncapped.close();
  }

  @Test
  void keepWarmCallsKeepItAwakeWhileItHasTrafficAndStopAfter() throws Exception {
    FunctionService fn = new FunctionService(vertx, 500, 700).start();
    Bff.RunningBff bff = bff(fn.port(),
        "coldStart: { expected: 1s, idleAfter: 700ms, keepWarm: 200ms, keepWarmFor: 1500ms, path: /warm }", true);
    String token = token(key);
    try {
      assertEquals(200, get(bff.port(), "/v1/screens/fn", token).status());
      assertEquals(1, fn.coldStarts.get());
      Thread.sleep(1300); // longer than the function's 700 ms idle limit: only the warm-ups keep it
      int before = fn.coldStarts.get(); // 1, or 2 when a warm-up found the instance busy with the call (a platform would start one too)
      Answer later = get(bff.port(), "/v1/screens/fn", token);
      assertEquals(200, later.status(), later.body());
      assertEquals(before, fn.coldStarts.get(), "kept warm: the later call started no instance");
      assertTrue(later.millis() < 400, "a warm answer: " + later.millis() + " ms");
      assertTrue(fn.warmUps.get() >= 4, "warm-ups sent: " + fn.warmUps.get());
      // No traffic for keepWarmFor: the warm-ups stop and the function may sleep.
      Thread.sleep(2000);
      int stopped = fn.warmUps.get();
      Thread.sleep(600);
      assertEquals(stopped, fn.warmUps.get(), "no warm-ups without traffic");
    } finally {
      bff.close().await(10, TimeUnit.SECONDS);
    }
  }
}
