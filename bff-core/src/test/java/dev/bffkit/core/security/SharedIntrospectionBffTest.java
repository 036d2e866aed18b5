package dev.bffkit.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.ratelimit.redis.RedisServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Introspection verdicts shared by two instances of one BFF (two {@code Bff.start}, {@code introspection.shared}) on
 * one real redis-server, against one identity provider that counts its calls per token: a token A checked costs B no
 * call (admitted and refused alike); Redis holds the token's hash, never the token; a value in Redis is judged again
 * by the reader (a forged or garbled one is never an admission); a hung Redis (SIGSTOP) and a dead one (SIGKILL) are
 * only misses: the provider is asked and the caller admitted. Ordered: the last two stop Redis.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SharedIntrospectionBffTest {
  static final String ADMIN = "shared-introspection-admin-token-0123";
  /** A lookup's budget in these tests: a hung Redis costs this much, then the provider is asked. */
  static final int REDIS_TIMEOUT_MS = 300;

  @TempDir static Path dir;
  Vertx vertx;
  RedisServer redisServer;
  Redis redis;
  HttpServer idp;
  String issuer;
  HttpServer upstream;
  HttpClient client;
  OnLoop loop;
  Bff.RunningBff a;
  Bff.RunningBff b;
  final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

  record Answer(int status, String body, long millis) {}

  @BeforeAll
  void start() throws Exception {
    redisServer = RedisServer.start(); // skips the class where /usr/bin/redis-server is missing
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, redisServer.url());
    idp = vertx.createHttpServer().requestHandler(this::introspect).listen(0, "127.0.0.1").await();
    issuer = "http://127.0.0.1:" + idp.actualPort();
    upstream = vertx.createHttpServer().requestHandler(req -> req.response().putHeader("content-type", "application/json")
        .end(new JsonObject().put("name", req.getHeader("x-user-id")).encode())).listen(0, "127.0.0.1").await();
    client = vertx.httpClientBuilder().with(new HttpClientOptions()).with(new PoolOptions().setHttp1MaxSize(32)).build();
    loop = new OnLoop(vertx.getOrCreateContext());
    a = bff("a");
    b = bff("b");
  }

  @AfterAll
  void stop() throws Exception {
    if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
    if (redisServer != null) redisServer.close();
  }

  /** RFC 7662 by the token's prefix: {@code ok-<sub>} active, anything else inactive. Counts every call. */
  private void introspect(HttpServerRequest req) {
    req.setExpectMultipart(true);
    req.end().onSuccess(v -> {
      String token = req.getFormAttribute("token");
      calls.computeIfAbsent(token, k -> new AtomicInteger()).incrementAndGet();
      JsonObject answer = token.startsWith("ok-")
          ? new JsonObject().put("active", true).put("sub", token.substring(3)).put("scope", "read").put("aud", "bff")
              .put("iss", issuer).put("exp", System.currentTimeMillis() / 1000 + 600)
          : new JsonObject().put("active", false);
      req.response().putHeader("content-type", "application/json").end(answer.encode());
    });
  }

  /** One instance of the BFF {@code shared}: both write the same keys. */
  Bff.RunningBff bff(String instance) throws Exception {
    Path folder = dir.resolve(instance);
    Files.createDirectories(folder.resolve("screens"));
    Files.writeString(folder.resolve("bff.yaml"), """
        name: shared
        server: { host: 127.0.0.1, port: 0, instances: 2 }
        admin: { host: 127.0.0.1, port: 0, token: "%s" }
        services:
          up: { endpoints: ["http://127.0.0.1:%d"] }
        redis: { url: "%s", keyPrefix: "sti:", timeout: %dms }
        auth:
          issuers:
            - issuer: "%s"
              jwt: false
              audiences: [bff]
              introspection: { url: "%s/introspect", clientId: bff, clientSecret: s, timeout: 3s, shared: true }
          claimsToHeaders: { sub: x-user-id }
        """.formatted(ADMIN, upstream.actualPort(), redisServer.url(), REDIS_TIMEOUT_MS, issuer, issuer));
    Files.writeString(folder.resolve("schema.graphqls"), "type Query { me: Me @rest(service: \"up\", path: \"/me\") }\n"
        + "type Me { name: String }\n");
    Files.writeString(folder.resolve("screens/home.graphql"), "query Home { me { name } }");
    return Bff.start(vertx, BundleLoader.load(folder, Map.<String, String>of()::get)).await();
  }

  // ------------------------------------------------------------------ helpers

  Future<Answer> send(int port, String uri, String token) {
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(port).setMethod(HttpMethod.GET).setURI(uri);
    if (token != null) o.addHeader("authorization", "Bearer " + token);
    long t0 = System.nanoTime();
    return loop.run(() -> client.request(o).compose(r -> r.send())
        .compose(resp -> resp.body().map(x -> new Answer(resp.statusCode(), x.toString(),
            (System.nanoTime() - t0) / 1_000_000))));
  }

  Answer home(Bff.RunningBff bff, String token) throws Exception {
    return send(bff.port(), "/v1/screens/home", token).await(10, TimeUnit.SECONDS);
  }

  int calls(String token) {
    AtomicInteger n = calls.get(token);
    return n == null ? 0 : n.get();
  }

  Response redis(Request r) throws Exception {
    return redis.send(r).await(5, TimeUnit.SECONDS);
  }

  /** The verdict's key in Redis: the token's hash, never the token. */
  String key(String token) {
    return "sti:introspect:" + Introspector.sha256(issuer) + ":" + Introspector.sha256(token);
  }

  /** Waits for the fire-and-forget write of {@code token}'s verdict. */
  void stored(String token) throws Exception {
    until(() -> {
      try {
        return redis(Request.cmd(Command.EXISTS).arg(key(token))).toInteger() == 1;
      } catch (Exception e) {
        return false;
      }
    }, "the verdict of " + token + " in Redis");
  }

  /** {@code bff_auth_introspection_shared_total{result}} as {@code bff} scrapes it. */
  double shared(Bff.RunningBff bff, String result) throws Exception {
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(bff.adminPort()).setURI("/metrics")
        .addHeader("authorization", "Bearer " + ADMIN);
    String metrics = loop.run(() -> client.request(o).compose(r -> r.send()).compose(r -> r.body()))
        .await(10, TimeUnit.SECONDS).toString();
    Matcher m = Pattern.compile("bff_auth_introspection_shared_total\\{[^}]*result=\"" + result + "\"[^}]*} ([0-9.E+-]+)")
        .matcher(metrics);
    if (!m.find()) throw new AssertionError("no bff_auth_introspection_shared_total{result=\"" + result + "\"}");
    return Double.parseDouble(m.group(1));
  }

  static void until(BooleanSupplier condition, String what) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(10);
    }
  }

  // ------------------------------------------------------------------ cases

  @Test
  @Order(1)
  void aTokenOneInstanceCheckedCostsTheOtherNoCall() throws Exception {
    double hitsBefore = shared(b, "hit");
    Answer first = home(a, "ok-alice");
    assertEquals(200, first.status(), first.body());
    assertEquals(1, calls("ok-alice"));
    stored("ok-alice");
    List<Future<Answer>> onB = new ArrayList<>();
    for (int i = 0; i < 20; i++) onB.add(send(b.port(), "/v1/screens/home", "ok-alice"));
    Future.all(onB).await(10, TimeUnit.SECONDS);
    for (Future<Answer> f : onB) {
      assertEquals(200, f.result().status(), f.result().body());
      assertTrue(f.result().body().contains("alice"), f.result().body());
    }
    assertEquals(1, calls("ok-alice"), "B asked Redis, not the identity provider");
    assertEquals(hitsBefore + 1, shared(b, "hit"), "20 concurrent requests on B: one Redis lookup (single flight)");
  }

  @Test
  @Order(2)
  void aRefusalIsSharedToo() throws Exception {
    assertEquals(401, home(a, "inactive-bob").status());
    stored("inactive-bob");
    assertEquals(401, home(b, "inactive-bob").status());
    assertEquals(1, calls("inactive-bob"));
  }

  @Test
  @Order(3)
  void redisHoldsTheTokensHashNeverTheToken() throws Exception {
    assertEquals(200, home(a, "ok-secret-token-carol").status());
    stored("ok-secret-token-carol");
    List<String> keys = new ArrayList<>();
    for (Response k : redis(Request.cmd(Command.KEYS).arg("sti:*"))) keys.add(k.toString());
    assertTrue(keys.contains(key("ok-secret-token-carol")), keys.toString());
    for (String k : keys) {
      assertFalse(k.contains("secret-token"), k);
      String value = redis(Request.cmd(Command.GET).arg(k)).toString();
      assertFalse(value.contains("ok-secret-token"), value);
    }
    long pttl = redis(Request.cmd(Command.PTTL).arg(key("ok-secret-token-carol"))).toLong();
    assertTrue(pttl > 0 && pttl <= 300_000, "lives as long as the verdict (cacheTtl 5m): " + pttl);
  }

  @Test
  @Order(4)
  void aValueInRedisIsJudgedAgainByTheReader() throws Exception {
    long later = System.currentTimeMillis() + 60_000;
    // Forged: active, but for another audience; garbled: not an answer. Neither admits, and neither is a call saved.
    redis(Request.cmd(Command.SET).arg(key("ok-dave")).arg(later + "\n{\"active\":true,\"sub\":\"dave\",\"aud\":\"other\"}"));
    redis(Request.cmd(Command.SET).arg(key("ok-erin")).arg("garbage"));
    redis(Request.cmd(Command.SET).arg(key("ok-fred")).arg(later + "\n{\"active\":\"yes\"}"));
    Answer forged = home(b, "ok-dave");
    assertEquals(401, forged.status(), "refused by B's own audience check: " + forged.body());
    assertEquals(0, calls("ok-dave"), "a readable answer is a verdict");
    for (String token : List.of("ok-erin", "ok-fred")) {
      assertEquals(200, home(b, token).status(), token);
      assertEquals(1, calls(token), "an unreadable value is a miss: " + token);
    }
  }

  @Test
  @Order(5)
  void aHungRedisIsOnlyAMiss() throws Exception {
    redisServer.pause();
    try {
      Answer r = home(b, "ok-gina");
      System.out.println("SharedIntrospectionBffTest: with Redis hung, admitted in " + r.millis() + " ms (lookup budget "
          + REDIS_TIMEOUT_MS + " ms)");
      assertEquals(200, r.status(), r.body());
      assertEquals(1, calls("ok-gina"));
      assertTrue(r.millis() < REDIS_TIMEOUT_MS + 2000, "the lookup's budget, then the provider: " + r.millis() + " ms");
      assertTrue(shared(b, "error") >= 1);
    } finally {
      redisServer.resume();
    }
  }

  @Test
  @Order(6)
  void aDeadRedisIsOnlyAMiss() throws Exception {
    redisServer.kill();
    for (String token : List.of("ok-hank", "ok-hank2", "ok-hank3")) {
      Answer r = home(a, token);
      System.out.println("SharedIntrospectionBffTest: with Redis dead, admitted in " + r.millis() + " ms");
      assertEquals(200, r.status(), r.body());
      assertEquals(1, calls(token));
      assertTrue(r.millis() < REDIS_TIMEOUT_MS + 2000, r.millis() + " ms");
    }
    assertEquals(200, home(a, "ok-hank").status());
    assertEquals(1, calls("ok-hank"), "still remembered locally");
  }
}
