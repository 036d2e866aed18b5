package dev.bffkit.core.traffic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.BundleLoader;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Traffic mirroring through real started BFFs: a Vert.x primary upstream, and a Vert.x shadow that is fast, slow
 * (2 s), failing (500) or down (a closed port). The client's answers and latencies must not change whatever the
 * shadow does; the shadow gets the copies the config asks for and no more.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MirrorTest {
  enum Shadow { FAST, SLOW, FAILING, DOWN }

  /** A copy as the shadow received it. */
  record Seen(String method, String uri, MultiMap headers) {}

  @TempDir Path tmp;
  private Vertx vertx;
  private HttpServer primary;
  private HttpServer shadow;
  private int downPort;
  private volatile Shadow mode = Shadow.FAST;
  private final ConcurrentLinkedQueue<Seen> copies = new ConcurrentLinkedQueue<>();
  /** "METHOD BODY" of each copy that had a body, as the shadow read it. */
  private final ConcurrentLinkedQueue<String> bodies = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<MultiMap> primaryHeaders = new ConcurrentLinkedQueue<>();
  private final AtomicInteger shadowActive = new AtomicInteger();
  private final AtomicInteger shadowMaxActive = new AtomicInteger();
  private final List<Bff.RunningBff> bffs = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void servers() throws Exception {
    vertx = Vertx.vertx();
    primary = vertx.createHttpServer().requestHandler(req -> {
      primaryHeaders.add(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
      req.body().onComplete(b -> {
        if (req.path().startsWith("/posts/")) {
          req.response().putHeader("content-type", "application/json").end("{\"id\":\"p1\",\"text\":\"hello\"}");
        } else {
          req.response().end("up");
        }
      });
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    shadow = vertx.createHttpServer().requestHandler(req -> {
      copies.add(new Seen(req.method().name(), req.uri(), MultiMap.caseInsensitiveMultiMap().addAll(req.headers())));
      int now = shadowActive.incrementAndGet();
      shadowMaxActive.accumulateAndGet(now, Math::max);
      Runnable answer = () -> {
        shadowActive.decrementAndGet();
        req.response().setStatusCode(mode == Shadow.FAILING ? 500 : 200).end("shadow says something else");
      };
      req.body().onComplete(body -> {
        if (body.succeeded() && body.result().length() > 0) bodies.add(req.method() + " " + body.result());
        if (mode == Shadow.SLOW) vertx.setTimer(2000, t -> answer.run());
        else answer.run();
      });
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    HttpServer closed = vertx.createHttpServer().requestHandler(r -> { }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    downPort = closed.actualPort();
    closed.close().await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    for (Bff.RunningBff b : bffs) b.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A BFF with a proxy route and a screen on the primary, and {@code traffic} as given (may be empty). */
  private Bff.RunningBff start(String traffic, boolean shadowDown) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("b" + bffs.size()));
    Files.writeString(dir.resolve("bff.yaml"), """
        name: ios
        server: { host: 127.0.0.1, port: 0, instances: 2 }
        services:
          posts: { endpoints: "http://127.0.0.1:%d" }
          shadow: { endpoints: "http://127.0.0.1:%d", timeout: 3s }
        routes:
          - { prefix: /api/posts, service: posts }
        """.formatted(primary.actualPort(), shadowDown ? downPort : shadow.actualPort()) + traffic);
    Files.writeString(dir.resolve("schema.graphqls"), "type Query {\n  post(id: ID = \"p1\"): Post"
        + " @rest(service: \"posts\", path: \"/posts/{args.id}\")\n}\ntype Post { id: ID text: String }\n");
    Files.createDirectories(dir.resolve("screens"));
    Files.writeString(dir.resolve("screens/home.graphql"), "query Home { post { id text } }\n");
    Bff.RunningBff b = Bff.start(vertx, BundleLoader.load(dir, name -> null)).await(10, TimeUnit.SECONDS);
    bffs.add(b);
    return b;
  }

  private static String mirrors(String route, String share, int maxConcurrent) {
    return """
        traffic:
          mirrors:
            - { route: "%s", service: shadow, share: %s, maxConcurrent: %d }
        """.formatted(route, share, maxConcurrent);
  }

  private static final String BOTH = """
      traffic:
        mirrors:
          - { route: "proxy:/api/posts", service: shadow }
          - { route: "screen:home", service: shadow }
      """;

  private HttpResponse<String> send(Bff.RunningBff b, String method, String path, String body, String... headers)
      throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.port() + path))
        .timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) r.headers(headers);
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static double count(Bff.RunningBff b, String route, String outcome) {
    Counter c = b.observability().metrics().registry().find("bff_mirror_total")
        .tags("route", route, "outcome", outcome).counter();
    return c == null ? 0 : c.count();
  }

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(10);
    }
  }

  @Test
  void theShadowGetsCopiesOfAProxiedRouteAndOfAScreenWithTheSamePathAndQuery() throws Exception {
    Bff.RunningBff b = start(BOTH, false);
    HttpResponse<String> proxied = send(b, "GET", "/api/posts/7?x=1&y=a%20b", null, "X-Custom", "kept");
    assertEquals(200, proxied.statusCode());
    assertEquals("up", proxied.body(), "the client's answer is the primary's");
    HttpResponse<String> screen = send(b, "GET", "/v1/screens/home?lang=fr", null);
    assertEquals(200, screen.statusCode(), screen.body());
    assertTrue(screen.body().contains("hello"), screen.body());
    HttpResponse<String> deleted = send(b, "DELETE", "/api/posts/9", null);
    assertEquals(200, deleted.statusCode());
    await("three copies", () -> copies.size() == 3);

    Seen p = copies.stream().filter(s -> s.uri().startsWith("/api/posts/7")).findFirst().orElseThrow();
    assertEquals("GET", p.method());
    assertEquals("/api/posts/7?x=1&y=a%20b", p.uri());
    assertEquals("1", p.headers().get("x-bff-mirror"));
    assertEquals("kept", p.headers().get("x-custom"), "the client's end-to-end headers, as the proxy forwards them");
    assertEquals(proxied.headers().firstValue("x-request-id").orElseThrow(), p.headers().get("x-request-id"));
    assertNotNull(p.headers().get("x-forwarded-for"));
    assertEquals("3000", p.headers().get("x-request-timeout-ms"), "the shadow's own timeout");
    Seen s = copies.stream().filter(c -> c.uri().startsWith("/v1/screens")).findFirst().orElseThrow();
    assertEquals("GET", s.method());
    assertEquals("/v1/screens/home?lang=fr", s.uri());
    Seen d = copies.stream().filter(c -> c.uri().equals("/api/posts/9")).findFirst().orElseThrow();
    assertEquals("DELETE", d.method());

    for (MultiMap h : primaryHeaders) assertNull(h.get("x-bff-mirror"), "the primary never sees the mark");
    await("the sent counters", () -> count(b, "proxy:/api/posts", "sent") == 2 && count(b, "screen:home", "sent") == 1);
    assertEquals(0, count(b, "proxy:/api/posts", "failed"));
    assertTrue(b.routes().lines().stream().anyMatch(l -> l.contains("route=screen:home") && l.contains("mirror=shadow/100%/64")),
        () -> String.join("\n", b.routes().lines()));
  }

  @Test
  void aClientsOwnMirrorMarkIsDroppedAtTheEdge() throws Exception {
    Bff.RunningBff b = start("", false);
    assertEquals(200, send(b, "GET", "/api/posts/1", null, "X-Bff-Mirror", "1", "x_bff_mirror", "1").statusCode());
    MultiMap h = primaryHeaders.poll();
    assertNotNull(h);
    assertNull(h.get("x-bff-mirror"), "a client cannot make the primary take its request for a copy");
    assertNull(h.get("x_bff_mirror"));
    assertTrue(copies.isEmpty(), "no mirror configured, no copy");
  }

  @ParameterizedTest
  @EnumSource(value = Shadow.class, names = {"SLOW", "DOWN", "FAILING"})
  void theClientsAnswersAndLatencyAreUnchangedWhateverTheShadowDoes(Shadow how) throws Exception {
    mode = how;
    Bff.RunningBff plain = start("", false);
    Bff.RunningBff mirrored = start(BOTH, how == Shadow.DOWN);
    int n = 60;
    // Interleaved, so both see the same machine load; warm-up first (connections, JIT).
    for (int i = 0; i < 10; i++) {
      send(plain, "GET", "/api/posts/1", null);
      send(mirrored, "GET", "/api/posts/1", null);
    }
    long[] without = new long[n];
    long[] with = new long[n];
    long worst = 0;
    for (int i = 0; i < n; i++) {
      String path = i % 2 == 0 ? "/api/posts/" + i : "/v1/screens/home"; // the same requests to both
      long t0 = System.nanoTime();
      HttpResponse<String> a = send(plain, "GET", path, null);
      without[i] = System.nanoTime() - t0;
      t0 = System.nanoTime();
      HttpResponse<String> r = send(mirrored, "GET", path, null);
      with[i] = System.nanoTime() - t0;
      worst = Math.max(worst, with[i]);
      assertEquals(200, a.statusCode());
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(a.body(), r.body(), "the same answer as without a mirror");
      assertTrue(i % 2 == 0 ? r.body().equals("up") : r.body().contains("hello"), r.body());
      assertNull(r.headers().firstValue("x-bff-mirror").orElse(null));
    }
    long p50Without = p50(without);
    long p50With = p50(with);
    // Wide margins (a loaded 2-core machine): a client waiting on a 2 s shadow would take 2 s.
    assertTrue(p50With < Math.max(3 * p50Without, p50Without + TimeUnit.MILLISECONDS.toNanos(100)),
        "p50 with mirror " + p50With / 1000 + " µs, without " + p50Without / 1000 + " µs");
    assertTrue(worst < TimeUnit.MILLISECONDS.toNanos(1500), "slowest mirrored answer " + worst / 1_000_000 + " ms");
    System.out.printf("event=mirror_latency shadow=%s p50_without_us=%d p50_with_us=%d worst_with_ms=%d%n", how,
        p50Without / 1000, p50With / 1000, worst / 1_000_000);

    String main = plain.upstreams().services().get("posts").breakerState();
    assertEquals("closed", mirrored.upstreams().services().get("posts").breakerState(),
        "the shadow's failures never count against the main service (was " + main + ")");
    if (how == Shadow.DOWN || how == Shadow.FAILING) {
      await("failures counted", () -> count(mirrored, "proxy:/api/posts", "failed") > 0
          || count(mirrored, "proxy:/api/posts", "sent") > 0);
      assertEquals("open", mirrored.upstreams().services().get("shadow").breakerState(), "the shadow's own breaker opened");
    }
    if (how == Shadow.FAILING) {
      Counter diff = mirrored.observability().metrics().registry().find("bff_mirror_status_diff_total")
          .tags("route", "proxy:/api/posts", "primary_class", "2xx", "mirror_class", "5xx").counter();
      assertNotNull(diff, "a 2xx answer whose copy got a 5xx is counted");
      assertTrue(diff.count() > 0);
    }
  }

  private static long p50(long[] v) {
    long[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  @Test
  void aShareOfHalfCopiesHalfWithinStatisticalBounds() throws Exception {
    Bff.RunningBff b = start(mirrors("proxy:/api/posts", "50%", 64), false);
    int n = 2000;
    for (int i = 0; i < n; i += 20) {
      List<CompletableFuture<HttpResponse<String>>> batch = new ArrayList<>();
      for (int j = 0; j < 20; j++) {
        batch.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.port() + "/api/posts/" + j))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> f : batch) assertEquals(200, f.get().statusCode());
    }
    // Binomial(2000, 0.5): sd = sqrt(2000 * 0.25) ≈ 22.4; ±5 sd = ±112 (a false failure about once in 3.5 million).
    RouteMirror mirror = b.routes().named("proxy:/api/posts").policy().mirror();
    await("copies settled", () -> mirror.inFlight() == 0 && count(b, "proxy:/api/posts", "sent") == copies.size());
    double chosen = count(b, "proxy:/api/posts", "sent") + count(b, "proxy:/api/posts", "failed")
        + count(b, "proxy:/api/posts", "skipped_busy");
    assertTrue(Math.abs(chosen - n / 2.0) <= 112, "chosen " + chosen + " of " + n);
    assertEquals(count(b, "proxy:/api/posts", "sent"), copies.size(), "each copy sent reached the shadow once");
    assertEquals(0, count(b, "proxy:/api/posts", "failed"));
  }

  @Test
  void maxConcurrentBoundsTheCopiesInFlightWithASlowShadow() throws Exception {
    mode = Shadow.SLOW;
    Bff.RunningBff b = start(mirrors("proxy:/api/posts", "100%", 5), false);
    RouteMirror mirror = b.routes().named("proxy:/api/posts").policy().mirror();
    int n = 40;
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      all.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.port() + "/api/posts/" + i))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> f : all) assertEquals("up", f.get().body());
    long took = System.nanoTime() - t0;
    assertTrue(took < TimeUnit.MILLISECONDS.toNanos(1500), "40 answers took " + took / 1_000_000 + " ms: not held by the 2 s shadow");
    assertTrue(mirror.inFlight() <= 5, "in flight " + mirror.inFlight());
    double busy = count(b, "proxy:/api/posts", "skipped_busy");
    assertTrue(busy >= n - 5 - 5, "skipped_busy " + busy + " (some copies may have ended if the 40 took > 2 s)");
    await("slow copies answered", () -> count(b, "proxy:/api/posts", "sent") + busy == n);
    assertTrue(shadowMaxActive.get() <= 5 && shadowMaxActive.get() >= 1, "shadow saw " + shadowMaxActive.get() + " at once");
    assertEquals(0, mirror.inFlight(), "every slot freed");
  }

  @Test
  void aRequestWithABodyIsCopiedWithItsBodyOnceTheTargetHasReadIt() throws Exception {
    Bff.RunningBff b = start(BOTH, false);
    String json = "{\"text\":\"new\"}";
    HttpResponse<String> r = send(b, "POST", "/api/posts", json, "Content-Type", "application/json");
    assertEquals(200, r.statusCode());
    assertEquals("up", r.body(), "the client's answer is the primary's");
    await("the POST's copy", () -> bodies.size() == 1);
    assertEquals("POST " + json, bodies.peek());
    assertEquals("POST", copies.peek().method());
    assertEquals("1", copies.peek().headers().get("x-bff-mirror"));
    // Chunked (no Content-Length): copied too, whole.
    String chunked = "x".repeat(20_000);
    HttpResponse<String> c = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.port() + "/api/posts"))
        .timeout(Duration.ofSeconds(10)).PUT(HttpRequest.BodyPublishers.ofInputStream(
            () -> new ByteArrayInputStream(chunked.getBytes()))).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, c.statusCode());
    await("the chunked PUT's copy", () -> bodies.size() == 2);
    assertTrue(bodies.contains("PUT " + chunked), "the chunked body arrived whole at the shadow");
    await("two sent", () -> count(b, "proxy:/api/posts", "sent") == 2);
    assertEquals(0, count(b, "proxy:/api/posts", "skipped_body"));
  }

  @Test
  void aGraphqlPostIsCopiedWithItsQuery() throws Exception {
    Bff.RunningBff b = start(mirrors("graphql", "100%", 8), false);
    String query = "{\"query\":\"{ post { id text } }\"}";
    HttpResponse<String> r = send(b, "POST", "/graphql", query, "Content-Type", "application/json");
    await("the copy", () -> bodies.size() == 1);
    assertEquals("POST " + query, bodies.peek());
    assertEquals("/graphql", copies.peek().uri());
    assertTrue(r.statusCode() == 200 || r.statusCode() == 400, "answered by the BFF: " + r.statusCode());
  }

  @Test
  void aBodyOverTheMirrorsLimitIsNotCopiedAndTheClientIsServedAsUsual() throws Exception {
    Bff.RunningBff b = start("""
        traffic:
          mirrors:
            - { route: "proxy:/api/posts", service: shadow, maxBodyBytes: 1kb }
        """, false);
    HttpResponse<String> declared = send(b, "POST", "/api/posts", "y".repeat(2000), "Content-Type", "text/plain");
    assertEquals(200, declared.statusCode());
    assertEquals("up", declared.body());
    HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.port() + "/api/posts"))
        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofInputStream(
            () -> new ByteArrayInputStream(new byte[5000]))).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, chunked.statusCode());
    await("both skipped", () -> count(b, "proxy:/api/posts", "skipped_body") == 2);
    HttpResponse<String> small = send(b, "POST", "/api/posts", "small", "Content-Type", "text/plain");
    assertEquals(200, small.statusCode());
    await("the small one copied", () -> bodies.size() == 1);
    assertEquals("POST small", bodies.peek());
    RouteMirror mirror = b.routes().named("proxy:/api/posts").policy().mirror();
    await("every slot freed (the copy ends when its answer is read)", () -> mirror.inFlight() == 0);
    MeterRegistry registry = b.observability().metrics().registry();
    assertNotNull(registry.find("bff_mirror_total").tags("route", "proxy:/api/posts", "outcome", "sent").counter());
  }
}
