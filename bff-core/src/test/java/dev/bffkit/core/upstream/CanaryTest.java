package dev.bffkit.core.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.BundleLoader;
import dev.bffkit.core.security.ApiKeys;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Canary subsets through a started BFF: two stable Vert.x upstreams and one canary labelled
 * version=v2 behind a proxy route, callers identified by API keys (the subject is the key's name).
 */
@Timeout(180)
class CanaryTest {
  private static final int SUBJECTS = 4000;
  @TempDir Path tmp;
  private Vertx vertx;
  private final List<HttpServer> servers = new ArrayList<>();
  /** Per upstream ("s1", "s2", "c1"): calls seen, and which of them (1-based) answer 500. */
  private final Map<String, AtomicInteger> calls = new HashMap<>();
  private final Map<String, IntPredicate> fails = new HashMap<>();
  /** Per upstream: how long it takes to answer, in ms (0: at once). */
  private final Map<String, Integer> delays = new HashMap<>();
  /** The upstream log's lines while a test runs (the rollback event). */
  private final List<String> logged = new CopyOnWriteArrayList<>();
  private final Handler logHandler = new Handler() {
    @Override
    public void publish(LogRecord r) {
      logged.add(r.getMessage());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private Bff.RunningBff bff;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void upstreams() throws Exception {
    vertx = Vertx.vertx();
    for (String name : List.of("s1", "s2", "c1")) {
      calls.put(name, new AtomicInteger());
      fails.put(name, n -> false);
      delays.put(name, 0);
      servers.add(vertx.createHttpServer().requestHandler(req -> {
        int n = calls.get(name).incrementAndGet();
        int status = fails.get(name).test(n) ? 500 : 200;
        // The screen's REST field reads JSON; the proxy route relays the name as it is.
        String body = req.path().equals("/posts/json") ? "{\"from\":\"" + name + "\"}" : name;
        int delay = delays.get(name);
        if (delay == 0) req.response().setStatusCode(status).end(body);
        else vertx.setTimer(delay, id -> req.response().setStatusCode(status).end(body));
      }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS));
    }
    Logger.getLogger("dev.bffkit.upstream").addHandler(logHandler);
  }

  @AfterEach
  void stop() throws Exception {
    Logger.getLogger("dev.bffkit.upstream").removeHandler(logHandler);
    if (bff != null) bff.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static String key(int i) {
    return "user-key-" + i + "-0123456789";
  }

  private Bff.RunningBff start(String canary, String extra) throws Exception {
    StringBuilder keys = new StringBuilder();
    for (int i = 0; i < SUBJECTS; i++) {
      keys.append("      - { name: user-").append(i).append(", sha256: ").append(ApiKeys.sha256Hex(key(i))).append(" }\n");
    }
    String yaml = """
        name: ios
        server: { host: 127.0.0.1, port: 0, instances: 2 }
        services:
          posts:
            endpoints:
              - "http://127.0.0.1:%d"
              - "http://127.0.0.1:%d"
              - { url: "http://127.0.0.1:%d", labels: { version: v2 } }
            retry: { maxRetries: 0 }
            breaker: { enabled: false }
        %s
            canary:
        %s
        routes:
          - { prefix: /api/posts, service: posts }
        auth:
          required: true
          apiKeys:
            keys:
        """.formatted(servers.get(0).actualPort(), servers.get(1).actualPort(), servers.get(2).actualPort(),
        extra.indent(4).stripTrailing(), canary.indent(6).stripTrailing()) + keys;
    Path dir = Files.createDirectories(tmp.resolve("bff"));
    Files.writeString(dir.resolve("bff.yaml"), yaml);
    Files.writeString(dir.resolve("schema.graphqls"),
        "type Query { post: JSON @rest(service: \"posts\", path: \"/posts/json\") }\n");
    Files.createDirectories(dir.resolve("screens"));
    Files.writeString(dir.resolve("screens/post.graphql"), "query Post { post }\n");
    bff = Bff.start(vertx, BundleLoader.load(dir, name -> null)).await(30, TimeUnit.SECONDS);
    return bff;
  }

  private static final String CANARY = """
      subset: { version: v2 }
      share: 5%
      match: [ { header: x-beta, value: "1" }, { cookie: beta, value: "1" } ]
      sticky: sub
      """;

  private HttpRequest request(String apiKey, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.port() + "/api/posts/1"))
        .timeout(Duration.ofSeconds(10)).GET().header("X-API-Key", apiKey);
    if (headers.length > 0) b.headers(headers);
    return b.build();
  }

  /** Which upstream answered ("s1", "s2", "c1"), with its status. */
  private HttpResponse<String> get(String apiKey, String... headers) throws Exception {
    return http.send(request(apiKey, headers), HttpResponse.BodyHandlers.ofString());
  }

  /** Which upstream served the screen's REST field. */
  private String screen(String apiKey, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.port() + "/v1/screens/post"))
        .timeout(Duration.ofSeconds(10)).GET().header("X-API-Key", apiKey);
    if (headers.length > 0) b.headers(headers);
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getJsonObject("data").getJsonObject("post").getString("from");
  }

  private String metrics() throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.adminPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  /** The value of the series {@code name} whose labels include all of {@code labels} (e.g. {@code subset="canary"}). */
  private static double metric(String scrape, String name, String... labels) {
    for (String line : scrape.split("\n")) {
      if (!line.startsWith(name + "{")) continue;
      String series = line.substring(0, line.lastIndexOf(' '));
      boolean all = true;
      for (String l : labels) all &= series.contains(l);
      if (all) return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).trim());
    }
    return 0;
  }

  private double canaryRequests(String subset, String reason) throws Exception {
    return metric(metrics(), "bff_canary_requests_total", "service=\"posts\"", "subset=\"" + subset + "\"",
        "reason=\"" + reason + "\"");
  }

  private Canary canary() {
    return bff.upstreams().services().get("posts").canary();
  }

  @Test
  void fivePercentOfSubjectsWithinFiveSigmaAndEachStaysOnItsSide() throws Exception {
    start(CANARY, "");
    // One request per subject, 32 at a time.
    String[] side = new String[SUBJECTS];
    for (int from = 0; from < SUBJECTS; from += 32) {
      List<CompletableFuture<HttpResponse<String>>> batch = new ArrayList<>();
      for (int i = from; i < Math.min(SUBJECTS, from + 32); i++) {
        batch.add(http.sendAsync(request(key(i)), HttpResponse.BodyHandlers.ofString()));
      }
      for (int i = 0; i < batch.size(); i++) {
        HttpResponse<String> r = batch.get(i).get(10, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        side[from + i] = r.body();
      }
    }
    int canary = 0;
    for (String s : side) if (s.equals("c1")) canary++;
    double mean = SUBJECTS * 0.05;
    double sigma = Math.sqrt(SUBJECTS * 0.05 * 0.95); // binomial: 13.8
    assertTrue(Math.abs(canary - mean) <= 5 * sigma, "canary got " + canary + " of " + SUBJECTS + " subjects");
    assertTrue(calls.get("s1").get() > 1000 && calls.get("s2").get() > 1000, "stable is balanced over both: " + calls);

    // Sticky: a canary user and a stable user keep their side for 100 requests each.
    int canaryUser = -1;
    int stableUser = -1;
    for (int i = 0; i < SUBJECTS && (canaryUser < 0 || stableUser < 0); i++) {
      if (side[i].equals("c1") && canaryUser < 0) canaryUser = i;
      if (!side[i].equals("c1") && stableUser < 0) stableUser = i;
    }
    for (int n = 0; n < 100; n++) {
      assertEquals("c1", get(key(canaryUser)).body(), "request " + n + " of the canary user");
      assertTrue(get(key(stableUser)).body().startsWith("s"), "request " + n + " of the stable user");
    }
    // A screen's REST field is split the same way: each user stays on the side the proxy gave it.
    for (int n = 0; n < 20; n++) {
      assertEquals("c1", screen(key(canaryUser)), "screen " + n + " of the canary user");
      assertTrue(screen(key(stableUser)).startsWith("s"), "screen " + n + " of the stable user");
      assertEquals("c1", screen(key(stableUser), "X-Beta", "1"), "screen " + n + " of the stable user with x-beta");
    }
    assertEquals(canary + 120, canaryRequests("canary", "share"));
    assertEquals(SUBJECTS - canary + 120, canaryRequests("stable", "share"));
    assertEquals(20, canaryRequests("canary", "match"));
  }

  @Test
  void betaHeaderOrCookieAlwaysGoesToTheCanaryAndDownCanaryFallsBackToStable() throws Exception {
    start(CANARY, "outlier: { consecutiveErrors: 1, baseEjectionTime: 30s }");
    // Users the share keeps on stable, all sent to the canary by the header or the cookie.
    for (int i = 0; i < 100; i++) {
      assertEquals("c1", get(key(i), "X-Beta", "1").body(), "x-beta user " + i);
      assertEquals("c1", get(key(i), "Cookie", "a=b; beta=1").body(), "beta cookie user " + i);
    }
    assertEquals(200, canaryRequests("canary", "match"));

    // The canary goes down: its first call fails (and ejects it), then beta users are served by stable.
    servers.get(2).close().await(10, TimeUnit.SECONDS);
    HttpResponse<String> first = get(key(0), "X-Beta", "1");
    assertEquals(502, first.statusCode(), first.body());
    for (int i = 0; i < 50; i++) {
      HttpResponse<String> r = get(key(i), "X-Beta", "1");
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(r.body().startsWith("s"), r.body());
    }
    assertEquals(50, canaryRequests("stable", "fallback"));
  }

  @Test
  void theAdminApiShowsTheCanaryAndChangesItsShareLive() throws Exception {
    start(CANARY, "");
    String admin = "http://127.0.0.1:" + bff.adminPort();
    JsonObject all = new JsonObject(http.send(HttpRequest.newBuilder(URI.create(admin + "/canaries")).build(),
        HttpResponse.BodyHandlers.ofString()).body());
    assertEquals(0.05, all.getJsonObject("posts").getDouble("share"), 1e-9, all.encode());
    HttpResponse<String> set = http.send(HttpRequest.newBuilder(URI.create(admin + "/canaries/posts"))
        .PUT(HttpRequest.BodyPublishers.ofString("{\"share\": 1}")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, set.statusCode(), set.body());
    for (int i = 0; i < 20; i++) assertEquals("c1", get(key(i)).body(), "share 100 %: every user on the canary");
    for (String bad : List.of("", "{\"share\": 2}", "{\"share\": \"half\"}", "nope")) {
      assertEquals(400, http.send(HttpRequest.newBuilder(URI.create(admin + "/canaries/posts"))
          .PUT(HttpRequest.BodyPublishers.ofString(bad)).build(), HttpResponse.BodyHandlers.ofString()).statusCode(), bad);
    }
    assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(admin + "/canaries/users"))
        .PUT(HttpRequest.BodyPublishers.ofString("{\"share\": 0}")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
  }

  private static final String ROLLBACK = """
      subset: { version: v2 }
      share: 50%
      match: [ { header: x-beta, value: "1" } ]
      rollback: { availability: 99%, burnRatio: 2, minBurnRate: 5, minCalls: 100, window: 1200ms }
      """;

  /** Sends n requests from distinct subjects, 16 at a time; returns the statuses seen. */
  private void load(int n) throws Exception {
    for (int from = 0; from < n; from += 16) {
      List<CompletableFuture<HttpResponse<String>>> batch = new ArrayList<>();
      for (int i = from; i < Math.min(n, from + 16); i++) {
        batch.add(http.sendAsync(request(key(i % SUBJECTS)), HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> f : batch) f.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void rollbackFiresOnACanaryErrorBurstButNotOnNoiseBothSidesShare() throws Exception {
    // Every 10th call fails on every upstream: the same 10 % on both sides.
    for (String name : List.of("s1", "s2", "c1")) fails.put(name, n -> n % 10 == 0);
    // Ejection off: a canary failing every call would be ejected (its callers falling back to
    // stable) before its error rate could be judged; one failing some calls is not.
    start(ROLLBACK, "outlier: { consecutiveErrors: 0 }");
    load(1200);
    Thread.sleep(600); // a few judgements of the window
    assertFalse(canary().rolledBack(), () -> "rolled back on noise: " + canary().state());
    assertTrue(calls.get("c1").get() >= 400, "the canary took its share: " + calls);

    // Then the canary fails every call.
    fails.put("c1", n -> true);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!canary().rolledBack() && System.nanoTime() < deadline) load(200);
    Canary.State state = canary().state();
    assertTrue(canary().rolledBack(), () -> "no rollback: " + state);
    assertEquals(0, state.share());
    assertNotNull(state.rolledBack().at());
    Canary.RolledBack why = state.rolledBack();
    assertEquals("availability", why.sli());
    assertTrue(why.canaryBurnRate() > 2 * why.stableBurnRate() && why.canaryBurnRate() >= 5, state.toString());
    assertEquals(why.canaryBadRatio() / 0.01, why.canaryBurnRate(), 1e-6, "burn rate = bad ratio / (1 - 99 %)");
    assertTrue(why.canaryCalls() >= 100, state.toString());
    assertEquals(1, metric(metrics(), "bff_canary_rollbacks_total", "service=\"posts\"", "sli=\"availability\""));
    assertEquals(0, metric(metrics(), "bff_canary_rollbacks_total", "service=\"posts\"", "sli=\"latency\""));
    String event = logged.stream().filter(l -> l.startsWith("event=canary_rollback")).findFirst().orElseThrow();
    for (String part : List.of("service=posts", "sli=availability", "canary_burn_rate=", "stable_burn_rate=",
        "canary_bad_ratio=", "stable_bad_ratio=", "canary_calls=", "stable_calls=", "window_ms=1200")) {
      assertTrue(event.contains(part), () -> part + " in " + event);
    }
    JsonObject shown = canaries().getJsonObject("posts");
    assertEquals("availability", shown.getString("sli"), shown.encode());
    assertEquals(why.canaryBurnRate(), shown.getDouble("canaryBurnRate"), 1e-9);
    assertEquals(why.stableBadRatio(), shown.getDouble("stableBadRatio"), 1e-9);
    assertEquals(1200, shown.getLong("windowMs"));

    // Rolled back: every caller, beta users too, goes to stable.
    int before = calls.get("c1").get();
    load(200);
    assertEquals("s", get(key(1), "X-Beta", "1").body().substring(0, 1));
    assertEquals(before, calls.get("c1").get(), "no call reaches a rolled-back canary");
    assertEquals(0.5, state.configuredShare());
    assertTrue(bff.upstreams().services().get("posts").snapshot().getJsonObject("canary").getBoolean("rolledBack"));

    // The admin API's setShare re-arms it.
    canary().setShare(1.0);
    assertEquals("c1", get(key(1)).body());
  }

  private JsonObject canaries() throws Exception {
    return new JsonObject(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bff.adminPort() + "/canaries"))
        .build(), HttpResponse.BodyHandlers.ofString()).body());
  }

  /** Loads until the canary is rolled back or 30 s pass. */
  private void loadUntilRolledBack() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!canary().rolledBack() && System.nanoTime() < deadline) load(100);
  }

  private static final String LATENCY_ROLLBACK = """
      subset: { version: v2 }
      share: 50%
      # a floor of 10 % bad over at least 100 calls: one unlucky call cannot roll back
      rollback: { availability: 99%, latency: { threshold: 200ms, target: 99% }, minBurnRate: 10, minCalls: 100, window: 6s }
      """;

  @Test
  void rollbackFiresOnACanaryLatencyRegression() throws Exception {
    delays.put("s1", 5);
    delays.put("s2", 5);
    delays.put("c1", 400);
    start(LATENCY_ROLLBACK, "");
    loadUntilRolledBack();
    Canary.State state = canary().state();
    assertTrue(canary().rolledBack(), () -> "no rollback: " + state);
    Canary.RolledBack why = state.rolledBack();
    assertEquals("latency", why.sli(), state.toString());
    assertEquals(1.0, why.canaryBadRatio(), 1e-9, "every canary call took 400 ms");
    assertEquals(100, why.canaryBurnRate(), 1e-6);
    assertTrue(why.stableBadRatio() < 0.1, state.toString());
    assertEquals(1, metric(metrics(), "bff_canary_rollbacks_total", "service=\"posts\"", "sli=\"latency\""));
    assertEquals("latency", canaries().getJsonObject("posts").getString("sli"));
    assertTrue(logged.stream().anyMatch(l -> l.startsWith("event=canary_rollback") && l.contains("sli=latency")), logged::toString);
  }

  @Test
  void noRollbackWhenBothSidesAreEquallySlowAndEquallyNoisy() throws Exception {
    for (String name : List.of("s1", "s2", "c1")) {
      delays.put(name, 300);
      fails.put(name, n -> n % 20 == 0); // 5 % on every upstream
    }
    start(LATENCY_ROLLBACK, "outlier: { consecutiveErrors: 0 }");
    load(480);
    Thread.sleep(1200); // judged a few more times after the last calls
    assertFalse(canary().rolledBack(), () -> "rolled back on noise both sides share: " + canary().state());
    assertTrue(calls.get("c1").get() >= 120, "the canary took its share: " + calls);
    assertEquals(0, metric(metrics(), "bff_canary_rollbacks_total", "service=\"posts\"", "sli=\"latency\""));
    assertEquals(0, metric(metrics(), "bff_canary_rollbacks_total", "service=\"posts\"", "sli=\"availability\""));
  }

  @Test
  void aCanaryFailingEveryCallIsRolledBackAfterOutlierDetectionEjectsIt() throws Exception {
    fails.put("c1", n -> true);
    start(ROLLBACK, "outlier: { consecutiveErrors: 3, baseEjectionTime: 60s }");
    loadUntilRolledBack();
    Canary.State state = canary().state();
    assertTrue(canary().rolledBack(), () -> "no rollback: " + state + " calls " + calls);
    Canary.RolledBack why = state.rolledBack();
    assertEquals("availability", why.sli());
    // Ejected after a few calls: the window's 100 canary calls are mostly callers who wanted it and got stable.
    assertTrue(calls.get("c1").get() < 100, "the canary was ejected early: " + calls);
    assertTrue(why.canaryFallbacks() > 0 && why.canaryCalls() >= 100, state.toString());
    assertEquals(1.0, why.canaryBadRatio(), 1e-9, state.toString());
    assertTrue(canaryRequests("stable", "fallback") >= why.canaryFallbacks());
    assertEquals(why.canaryFallbacks(), canaries().getJsonObject("posts").getLong("canaryFallbacks"));
  }
}
