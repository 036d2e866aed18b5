package dev.bffkit.core.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.ratelimit.billing.BillingSignature;
import dev.bffkit.core.ratelimit.redis.RedisServer;
import dev.bffkit.core.security.ApiKeys;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rate limits, quotas and billing through real started BFFs: a Vert.x upstream, API-key callers, the local limiter
 * and a real redis-server shared by two BFF instances, and a real billing receiver.
 */
class RateLimitTest {
  static final String FREE = "free-key-0001";
  static final String PRO = "pro-key-0002";
  static final String SECRET = "billing-secret-0123456789";
  private static final Pattern REMAINING = Pattern.compile(";r=(\\d+);t=(\\d+)");

  @TempDir Path tmp;
  private Vertx vertx;
  private HttpServer upstream;
  private final AtomicInteger upstreamCalls = new AtomicInteger();
  private final List<Bff.RunningBff> bffs = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private RedisServer redis;

  @BeforeEach
  void upstream() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer().requestHandler(req -> {
      upstreamCalls.incrementAndGet();
      req.response().end("up");
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    for (Bff.RunningBff b : bffs) b.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
    if (redis != null) redis.close();
  }

  /** A BFF with a free and a pro key, a proxy route, and {@code rateLimits} as given. */
  static String yaml(int upstreamPort, String rateLimits) {
    return """
        name: ios
        server: { host: 127.0.0.1, port: 0, instances: 2 }
        services:
          posts: { endpoints: "http://127.0.0.1:%d" }
        routes:
          - { prefix: /api/posts, service: posts }
          - { prefix: /api/open, service: posts }
        auth:
          required: true
          publicPaths: [/api/open]
          apiKeys:
            keys:
              - { name: free-one, sha256: %s, tier: free }
              - { name: pro-one, sha256: %s, tier: pro }
        """.formatted(upstreamPort, ApiKeys.sha256Hex(FREE), ApiKeys.sha256Hex(PRO)) + rateLimits;
  }

  private Bff.RunningBff start(String rateLimits) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("b" + bffs.size()));
    Files.writeString(dir.resolve("bff.yaml"), yaml(upstream.actualPort(), rateLimits));
    Files.writeString(dir.resolve("schema.graphqls"), "type Query { hello: String }\n");
    Bff.RunningBff b = Bff.start(vertx, BundleLoader.load(dir, name -> null)).await(10, TimeUnit.SECONDS);
    bffs.add(b);
    return b;
  }

  private HttpResponse<String> get(int port, String path, String apiKey) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).GET();
    if (apiKey != null) b.header("X-API-Key", apiKey);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static long remaining(HttpResponse<String> r) {
    Matcher m = REMAINING.matcher(r.headers().firstValue("ratelimit").orElse(""));
    assertTrue(m.find(), () -> "RateLimit header: " + r.headers().map());
    return Long.parseLong(m.group(1));
  }

  private String metrics(Bff.RunningBff b) throws Exception {
    return get(b.adminPort(), "/metrics", null).body();
  }

  private static double metric(String scrape, String series) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1).trim());
    }
    return 0;
  }

  private static final String TIERS = """
      rateLimits:
        tiers:
          free: { limits: [ { name: minute, limit: 5, per: 1m } ] }
          pro:  { limits: [ { name: minute, limit: 1000, per: 1m } ] }
      """;

  @Test
  void theFreeKeyGets429WithHeadersWhileTheProKeyKeepsWorking() throws Exception {
    Bff.RunningBff b = start(TIERS);
    long last = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> ok = get(b.port(), "/api/posts/1", FREE);
      assertEquals(200, ok.statusCode(), ok.body());
      assertEquals("\"free.minute\";q=5;w=60", ok.headers().firstValue("ratelimit-policy").orElse(""));
      long r = remaining(ok);
      assertTrue(r < last, "remaining falls with each request: " + r + " after " + last);
      last = r;
    }
    assertEquals(0, last);
    HttpResponse<String> refused = get(b.port(), "/api/posts/1", FREE);
    assertEquals(429, refused.statusCode());
    assertEquals("rate_limited", new JsonObject(refused.body()).getJsonObject("error").getString("code"));
    long retry = Long.parseLong(refused.headers().firstValue("retry-after").orElse("-1"));
    assertTrue(retry >= 1 && retry <= 12, "one request per 12 s: Retry-After " + retry);
    assertEquals(0, remaining(refused));
    assertEquals(5, upstreamCalls.get(), "a refused request never reaches the service");

    HttpResponse<String> pro = get(b.port(), "/api/posts/1", PRO);
    assertEquals(200, pro.statusCode());
    assertEquals(999, remaining(pro));
    String m = metrics(b);
    assertEquals(5, metric(m, "bff_ratelimit_decisions_total{bff=\"ios\",result=\"allowed\",tier=\"free\"}"));
    assertEquals(1, metric(m, "bff_ratelimit_decisions_total{bff=\"ios\",result=\"limited\",tier=\"free\"}"));
    assertEquals(1, metric(m, "bff_gateway_refusals_total{bff=\"ios\",code=\"rate_limited\",status=\"429\"}"), m);
    assertEquals(5, metric(m, "bff_usage_key_requests_total{bff=\"ios\",key=\"free-one\",tier=\"free\"}"));
  }

  @Test
  void anUnknownKeyIs401AndNeverReachesRedis() throws Exception {
    redis = RedisServer.start();
    Bff.RunningBff b = start("""
        rateLimits:
          redis: { url: "%s" }
          tiers:
            free: { limits: [ { name: minute, limit: 5, per: 1m } ] }
            pro:  { limits: [ { name: minute, limit: 1000, per: 1m } ] }
        """.formatted(redis.url()));
    for (String bad : List.of("nope", "x".repeat(600), FREE + "x", FREE.toUpperCase(), "' OR 1=1 --")) {
      assertEquals(401, get(b.port(), "/api/posts/1", bad).statusCode(), bad);
    }
    assertEquals(":0", redisReply("DBSIZE"), "no key was written for a refused credential");
    assertEquals(0, upstreamCalls.get());
    assertEquals(4, remaining(get(b.port(), "/api/posts/1", FREE)), "the failed keys spent nothing");
    assertEquals(":2", redisReply("DBSIZE"), "one TAT and one usage hash for the real key");
  }

  /** One inline command to the test's redis-server, its first reply line. */
  private String redisReply(String command) throws Exception {
    try (Socket s = new Socket("127.0.0.1", redis.port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
      return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }
  }

  @Test
  void rulesAddLimitsToNamedRoutesKeyedByAddressAndAnonymousCallersHaveTheirTier() throws Exception {
    Bff.RunningBff b = start("""
        rateLimits:
          tiers:
            anonymous: { limits: [ { name: second, limit: 3, per: 1m } ] }
            free: { limits: [ { name: minute, limit: 100, per: 1m } ] }
            pro:  { limits: [ { name: minute, limit: 100, per: 1m } ] }
          rules:
            - { name: posts-per-ip, routes: ["proxy:/api/posts"], key: [ip, route], limits: [ { limit: 4, per: 1m } ] }
        """);
    int ok = 0;
    for (int i = 0; i < 6; i++) if (get(b.port(), "/api/posts/1", i % 2 == 0 ? FREE : PRO).statusCode() == 200) ok++;
    assertEquals(4, ok, "two keys from one address share the per-address rule");
    HttpResponse<String> refused = get(b.port(), "/api/posts/1", PRO);
    assertEquals(429, refused.statusCode());
    assertTrue(refused.headers().firstValue("ratelimit").orElse("").startsWith("\"posts-per-ip."), refused.headers().map().toString());
    // Another route is not under the rule; anonymous callers (public path) are limited by address.
    int anonymous = 0;
    for (int i = 0; i < 5; i++) if (get(b.port(), "/api/open/1", null).statusCode() == 200) anonymous++;
    assertEquals(3, anonymous);
    String routes = get(b.adminPort(), "/routes?format=text", null).body();
    assertTrue(routes.contains("rule:posts-per-ip=[4-per-1m 4/60s by ip+route]"), routes);
  }

  @Test
  void twoInstancesShareOneLimitOnRedis() throws Exception {
    redis = RedisServer.start();
    String config = """
        rateLimits:
          redis: { url: "%s" }
          tiers:
            free: { limits: [ { name: minute, limit: 20, per: 1m } ] }
            pro:  { limits: [ { name: minute, limit: 1000, per: 1m } ] }
        """.formatted(redis.url());
    Bff.RunningBff a = start(config);
    Bff.RunningBff b = start(config);
    int allowed = 0;
    for (int i = 0; i < 40; i++) {
      HttpResponse<String> r = get((i % 2 == 0 ? a : b).port(), "/api/posts/1", FREE);
      if (r.statusCode() == 200) allowed++;
      else assertEquals(429, r.statusCode(), r.body());
    }
    assertEquals(20, allowed, "one limit for the fleet, not 20 per instance");
    assertEquals(20, upstreamCalls.get());
  }

  @Test
  void manyConcurrentClientsStayWithinRateTimesTimePlusBurst() throws Exception {
    redis = RedisServer.start();
    int rate = 50;
    int burst = 10;
    String config = """
        rateLimits:
          redis: { url: "%s" }
          tiers:
            free: { limits: [ { name: second, limit: %d, per: 1s, burst: %d } ] }
            pro:  { limits: [ { name: minute, limit: 1000, per: 1m } ] }
        """.formatted(redis.url(), rate, burst);
    Bff.RunningBff a = start(config);
    Bff.RunningBff b = start(config);
    AtomicInteger allowed = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger other = new AtomicInteger();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(3);
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < 8; c++) {
      int port = (c % 2 == 0 ? a : b).port();
      Thread t = new Thread(() -> {
        while (System.nanoTime() < end) {
          try {
            int s = get(port, "/api/posts/1", FREE).statusCode();
            (s == 200 ? allowed : s == 429 ? refused : other).incrementAndGet();
          } catch (Exception e) {
            other.incrementAndGet();
          }
        }
      });
      clients.add(t);
      t.start();
    }
    for (Thread t : clients) t.join(TimeUnit.SECONDS.toMillis(20));
    double seconds = (System.nanoTime() - start) / 1e9;
    long bound = (long) Math.ceil(rate * seconds) + burst;
    System.out.printf("accuracy: %d allowed, %d refused in %.2f s; bound R*t+burst = %d%n", allowed.get(),
        refused.get(), seconds, bound);
    assertEquals(0, other.get(), "every answer is 200 or 429");
    assertTrue(refused.get() > 0, "the clients asked for more than the limit");
    assertTrue(allowed.get() <= bound, allowed.get() + " allowed > " + bound);
    assertTrue(allowed.get() >= rate * 2, "the limit is not undershot either: " + allowed.get());
  }

  /** A billing receiver that fails the first {@code failures} calls with 503, then records each delivery. */
  private record Receiver(HttpServer server, List<JsonObject> delivered, AtomicInteger attempts,
      Map<String, Integer> attemptsByKey) {}

  private Receiver receiver(int failures) throws Exception {
    List<JsonObject> delivered = new CopyOnWriteArrayList<>();
    AtomicInteger attempts = new AtomicInteger();
    Map<String, Integer> byKey = new ConcurrentHashMap<>();
    HttpServer s = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      int n = attempts.incrementAndGet();
      String key = req.getHeader("idempotency-key");
      byKey.merge(String.valueOf(key), 1, Integer::sum);
      boolean signed = BillingSignature.verify(SECRET, req.getHeader("bff-signature"), body.getBytes(),
          System.currentTimeMillis() / 1000, 300);
      if (!signed) {
        req.response().setStatusCode(401).end();
        return;
      }
      if (n <= failures) {
        req.response().setStatusCode(503).end();
        return;
      }
      JsonObject event = body.toJsonObject();
      if (delivered.stream().noneMatch(e -> e.getString("idempotencyKey").equals(event.getString("idempotencyKey")))) {
        delivered.add(event);
      }
      req.response().setStatusCode(200).end();
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return new Receiver(s, delivered, attempts, byKey);
  }

  @Test
  void aMonthlyQuotaRejectsPastItAndTheWebhookGetsOneCallPerThresholdAcrossTheFleet() throws Exception {
    redis = RedisServer.start();
    Receiver hook = receiver(2);
    String config = """
        rateLimits:
          redis: { url: "%s" }
          tiers:
            free:
              limits: [ { name: minute, limit: 1000, per: 1m } ]
              quota: { limit: 10, per: month, over: reject, thresholds: [50%%, 100%%] }
            pro: { limits: [ { name: minute, limit: 1000, per: 1m } ] }
          billing: { url: "http://127.0.0.1:%d/usage", secret: "%s", initialBackoff: 50ms, maxBackoff: 200ms }
        """.formatted(redis.url(), hook.server().actualPort(), SECRET);
    Bff.RunningBff a = start(config);
    Bff.RunningBff b = start(config);
    int allowed = 0;
    HttpResponse<String> last = null;
    for (int i = 0; i < 14; i++) {
      last = get((i % 2 == 0 ? a : b).port(), "/api/posts/1", FREE);
      if (last.statusCode() == 200) allowed++;
    }
    assertEquals(10, allowed);
    assertEquals(429, last.statusCode());
    assertEquals("quota_exceeded", new JsonObject(last.body()).getJsonObject("error").getString("code"));
    long retry = Long.parseLong(last.headers().firstValue("retry-after").orElse("-1"));
    assertTrue(retry >= 1 && retry <= 31L * 86_400, "Retry-After is the time to the month's end: " + retry);
    assertTrue(last.headers().firstValue("ratelimit").orElse("").startsWith("\"free.quota\";r=0;"));

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (hook.delivered().size() < 2 && System.nanoTime() < deadline) Thread.sleep(50);
    Thread.sleep(500); // a duplicate would come now
    assertEquals(2, hook.delivered().size(), "one event per threshold: " + hook.delivered());
    assertEquals(List.of(50, 100), hook.delivered().stream().map(e -> e.getInteger("thresholdPercent")).sorted().toList());
    assertEquals(4, hook.attempts().get(), "two failed attempts, then one delivery per threshold");
    assertTrue(hook.attemptsByKey().values().stream().allMatch(n -> n >= 1) && hook.attemptsByKey().size() == 2,
        "retries reuse the event's idempotency key: " + hook.attemptsByKey());
    JsonObject e = hook.delivered().get(0);
    assertEquals("free", e.getString("tier"));
    assertEquals("free-one", e.getString("key"));
    assertEquals(10, e.getLong("quota"));
  }

  @Test
  void aTierThatBillsLetsCallersGoOnPastTheQuotaAndCountsThem() throws Exception {
    Bff.RunningBff b = start("""
        rateLimits:
          tiers:
            free: { limits: [ { name: minute, limit: 100, per: 1m } ] }
            pro:
              quota: { limit: 3, per: day, over: bill }
        """);
    for (int i = 0; i < 5; i++) assertEquals(200, get(b.port(), "/api/posts/1", PRO).statusCode());
    String m = metrics(b);
    assertEquals(3, metric(m, "bff_ratelimit_decisions_total{bff=\"ios\",result=\"allowed\",tier=\"pro\"}"), m);
    assertEquals(2, metric(m, "bff_ratelimit_decisions_total{bff=\"ios\",result=\"billed\",tier=\"pro\"}"), m);
    assertEquals(1, metric(m, "bff_quota_thresholds_total{bff=\"ios\",threshold=\"100\",tier=\"pro\"}"), m);
  }

  private static final String REDIS_TIERS = """
      rateLimits:
        redis: { url: "%s", timeout: 500ms, onFailure: %s }
        tiers:
          free: { limits: [ { name: minute, limit: 3, per: 1m } ] }
          pro:  { limits: [ { name: minute, limit: 1000, per: 1m } ] }
      """;

  @Test
  void redisDownFailOpenFallsBackToEachInstancesOwnLimitAndRecovers() throws Exception {
    redis = RedisServer.start();
    Bff.RunningBff b = start(REDIS_TIERS.formatted(redis.url(), "open"));
    // A pro call first: the Redis connection is up before the free tier's three are counted there (a first call
    // that timed out on a loaded machine was decided by the local floor, splitting the count).
    assertEquals(200, get(b.port(), "/api/posts/1", PRO).statusCode());
    for (int i = 0; i < 3; i++) assertEquals(200, get(b.port(), "/api/posts/1", FREE).statusCode());
    assertEquals(429, get(b.port(), "/api/posts/1", FREE).statusCode());
    redis.kill();
    // Each request answers quickly; the local floor allows the tier's limit again in this instance alone.
    int allowed = 0;
    for (int i = 0; i < 6; i++) {
      long t0 = System.nanoTime();
      int s = get(b.port(), "/api/posts/1", FREE).statusCode();
      assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "no request waits on a dead Redis");
      if (s == 200) allowed++;
      else assertEquals(429, s);
    }
    assertEquals(3, allowed, "the local floor enforces the same limit");
    awaitReadyz(b, r -> r.getJsonObject("checks") != null && r.getJsonObject("checks").getString("ratelimit", "").contains("fail-open"), 200);
    assertTrue(metrics(b).contains("bff_ratelimit_redis_up{bff=\"ios\"} 0.0"));

    redis.restart();
    awaitReadyz(b, r -> r.getJsonObject("checks") == null, 200);
    assertTrue(metrics(b).contains("bff_ratelimit_redis_up{bff=\"ios\"} 1.0"));
    // Redis is empty after the restart: the shared limit starts afresh (3 more), decided by Redis again.
    int after = 0;
    for (int i = 0; i < 5; i++) if (get(b.port(), "/api/posts/1", FREE).statusCode() == 200) after++;
    assertEquals(3, after);
    assertTrue(metric(metrics(b), "bff_ratelimit_decisions_total{bff=\"ios\",result=\"unavailable_open\",tier=\"free\"}") >= 3);
  }

  @Test
  void redisDownFailClosedAnswers503AtOnceAndIsNotReady() throws Exception {
    redis = RedisServer.start();
    Bff.RunningBff b = start(REDIS_TIERS.formatted(redis.url(), "closed"));
    assertEquals(200, get(b.port(), "/api/posts/1", FREE).statusCode());
    redis.pause(); // a hung Redis: connections stay open, nothing answers
    try {
      for (int i = 0; i < 4; i++) {
        long t0 = System.nanoTime();
        HttpResponse<String> r = get(b.port(), "/api/posts/1", FREE);
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "bounded by the 100 ms timeout");
        assertEquals(503, r.statusCode(), r.body());
        assertEquals("rate_limiter_unavailable", new JsonObject(r.body()).getJsonObject("error").getString("code"));
        assertNotNull(r.headers().firstValue("retry-after").orElse(null));
      }
      awaitReadyz(b, r -> "NOT_READY".equals(r.getString("status")), 503);
      assertEquals(1, upstreamCalls.get(), "nothing reached the service while the limiter could not decide");
    } finally {
      redis.resume();
    }
    awaitReadyz(b, r -> "UP".equals(r.getString("status")), 200);
    // (Decisions that timed out may still be counted when a paused Redis reads them: over-charging, never under.)
    assertEquals(200, get(b.port(), "/api/posts/1", PRO).statusCode());
  }

  private void awaitReadyz(Bff.RunningBff b, Predicate<JsonObject> want, int status) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    HttpResponse<String> r;
    do {
      r = get(b.adminPort(), "/readyz", null);
      if (r.statusCode() == status && want.test(new JsonObject(r.body()))) {
        HttpResponse<String> client = get(b.port(), "/readyz", null);
        assertEquals(status, client.statusCode(), "the client port's /readyz agrees: " + client.body());
        return;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("readyz never became as expected: " + r.statusCode() + " " + r.body());
  }
}
