package dev.bffkit.core.observe.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Playwright;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.observe.Observability;
import dev.bffkit.core.observe.Outcome;
import dev.bffkit.core.observe.RequestLog;
import dev.bffkit.core.observe.UpstreamCall;
import dev.bffkit.core.pipeline.Deadline;
import dev.bffkit.core.route.RouteTable;
import dev.bffkit.core.upstream.HttpUpstreams;
import dev.bffkit.core.upstream.UpstreamException;
import dev.bffkit.core.upstream.UpstreamRegistry;
import dev.bffkit.core.upstream.UpstreamRequest;
import dev.bffkit.core.upstream.UpstreamResponse;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The status page in a real browser: Debian's headless Chromium driven by playwright-core (from
 * npm, pinned in src/test/js/package-lock.json; never a downloaded browser). A small BFF-like
 * server (route table, real upstream calls through {@link HttpUpstreams}, breakers included)
 * takes steady traffic; its {@link Observability} feeds the {@link LiveStats} that
 * {@link StatusPage#install} made, on an admin router with a token. The script checks the charts,
 * breakers and SLO bars and leaves a screenshot in {@code target/status-page.png}.
 */
class StatusPageBrowserTest {
  private static final String TOKEN = "browser-token-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
  private static final Path JS_WORK = Path.of("target/status-page-js");
  private static final Path SCREENSHOT = Path.of("target/status-page.png");

  private Vertx vertx;
  private UpstreamRegistry registry;
  private HttpUpstreams upstreams;
  private HttpClient load;
  private long loadTimer = -1;

  @AfterEach
  void stop() throws Exception {
    if (loadTimer >= 0) {
      vertx.cancelTimer(loadTimer);
      Thread.sleep(600); // the last requests finish (the slowest service answers within 360 ms)
    }
    if (load != null) load.close().await(10, TimeUnit.SECONDS);
    if (upstreams != null) upstreams.close();
    if (registry != null) registry.close();
    if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void thePageShowsRoutesServicesBreakersAndBudgets() throws Exception {
    Playwright.Tools tools = Playwright.prepare(JS_WORK, "status-page.mjs");

    vertx = Vertx.vertx();
    // Services: posts and users answer (posts slower, now and then a 500), feed fails often, ads is
    // down (nothing listens): its breaker opens.
    HttpServer posts = service(3, 40, 0.01);
    HttpServer users = service(1, 8, 0.0);
    HttpServer feed = service(20, 120, 0.25);
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    Map<String, ServiceConfig> services = new LinkedHashMap<>();
    services.put("posts", TestBundles.service("posts", posts.actualPort()));
    services.put("users", TestBundles.service("users", users.actualPort()));
    services.put("feed", TestBundles.service("feed", feed.actualPort()));
    services.put("ads", TestBundles.service("ads", deadPort)
        .withBreaker(new ServiceConfig.Breaker(true, 5, Duration.ofSeconds(10), Duration.ofMinutes(5))));
    BffConfig config = StatusPageTest.config(services, true);
    RouteTable routes = LiveStatsTest.ROUTES;
    Observability o = Observability.create(config, routes, InMemorySpanExporter.create());
    registry = new UpstreamRegistry(vertx, config.services());
    registry.start().await(10, TimeUnit.SECONDS);
    upstreams = new HttpUpstreams(vertx, registry);

    // The admin listener as AdminServer builds it: a test switch for /slo, the token check, then the paths.
    AtomicBoolean slosOn = new AtomicBoolean();
    Router admin = Router.router(vertx);
    admin.get("/test/slo-on").handler(ctx -> {
      slosOn.set(true);
      ctx.response().end();
    });
    StatusPageTest.tokenCheck(admin, TOKEN);
    // A stand-in for /slo (built elsewhere): 404 until switched on, then a plausible answer.
    admin.get("/slo").handler(ctx -> {
      if (!slosOn.get()) ctx.response().setStatusCode(404).end();
      else ctx.response().putHeader("content-type", "application/json").end(slos().toBuffer());
    });
    LiveStats stats = StatusPage.install(o, config, routes, registry, admin);
    assertNotNull(stats);
    HttpServer adminServer = vertx.createHttpServer().requestHandler(admin).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);

    HttpServer bff = vertx.createHttpServer().requestHandler(req -> handle(req, o, routes))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    AtomicLong sent = new AtomicLong();
    load = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(bff.actualPort()));
    String[] paths = {"/v1/screens/home", "/v1/screens/home", "/v1/screens/profile", "/api/feed/latest", "/nowhere"};
    loadTimer = vertx.setPeriodic(20, id -> {
      String path = paths[(int) (sent.getAndIncrement() % paths.length)];
      load.request(HttpMethod.GET, path).compose(r -> r.send().compose(resp -> resp.body())).onComplete(ar -> { });
    });
    Thread.sleep(3000); // a few seconds of history before the page opens

    Path profile = Files.createTempDirectory("status-chromium-");
    Files.deleteIfExists(SCREENSHOT);
    String origin = "http://127.0.0.1:" + adminServer.actualPort();
    ProcessBuilder pb = new ProcessBuilder(tools.node(), "status-page.mjs").directory(JS_WORK.toFile()).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("STATUS_URL", origin);
    env.put("STATUS_TOKEN", TOKEN);
    env.put("EXPECT_ROUTES", "screen:home,screen:profile,proxy:/api/feed,none");
    env.put("EXPECT_SERVICES", "posts,users,feed,ads");
    env.put("EXPECT_BREAKERS", "ads=open,posts=closed,users=closed");
    env.put("SLO_ON_URL", origin + "/test/slo-on");
    env.put("SCREENSHOT", SCREENSHOT.toAbsolutePath().toString());
    env.put("USER_DATA_DIR", profile.toString());
    env.put("CHROMIUM", tools.chromium());
    Process p = pb.start();
    boolean done = p.waitFor(150, TimeUnit.SECONDS);
    if (!done) p.destroyForcibly();
    String out = new String(p.getInputStream().readAllBytes());
    System.out.println("status-page.mjs: " + out.trim());
    System.out.println("status page screenshot: " + SCREENSHOT.toAbsolutePath() + " (" + sent.get() + " requests sent)");
    assertTrue(done, "the browser script did not finish in 150 s: " + out);
    assertEquals(0, p.exitValue(), out);
    JsonObject result = new JsonObject(out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
    assertTrue(result.getBoolean("ok"), out);
    assertTrue(result.getInteger("routeCards") >= 4, out);
    assertEquals(4, result.getInteger("serviceCards"), out);
    assertEquals(2, result.getInteger("slos"), out);
    assertTrue(Files.size(SCREENSHOT) > 20_000, "a screenshot with charts, not a blank page");
    // The page's numbers come from the same LiveStats the requests fed.
    assertTrue(stats.routeLastMinute("screen:home").requests() > 50);
    assertTrue(stats.serviceLastMinute("ads").errors() > 0);
  }

  /** The BFF part that matters here: route, call the route's services, answer, complete the log. */
  private void handle(HttpServerRequest req, Observability o, RouteTable routes) {
    long start = System.nanoTime();
    RequestLog log = o.begin(req, "req-" + start, start);
    RouteTable.Resolution res = routes.resolve(req.method(), req.path());
    if (res == null || res.route() == null) {
      req.response().setStatusCode(404).end().onComplete(v -> o.completed(log, req));
      return;
    }
    log.route(res.route());
    List<String> called = switch (res.route().name()) {
      case "screen:home" -> List.of("posts", "users", "feed", "ads");
      case "screen:profile" -> List.of("users", "posts");
      default -> List.of("feed");
    };
    List<Future<UpstreamResponse>> calls = new ArrayList<>();
    for (String service : called) {
      UpstreamCall call = o.service(service).start(log, "rest");
      calls.add(upstreams.call(service, UpstreamRequest.get("/item", Deadline.inMillis(1000), log.requestId()))
          .andThen(ar -> call.end(outcome(ar), ar.succeeded() ? ar.result().status() : -1)));
    }
    Future.join(calls).onComplete(all -> {
      boolean proxy = called.size() == 1;
      boolean failed = calls.stream().anyMatch(f -> f.failed() || f.result().status() >= 500);
      log.partial(!proxy && failed);
      req.response().setStatusCode(proxy && failed ? 502 : 200).end("{}").onComplete(v -> o.completed(log, req));
    });
  }

  private static Outcome outcome(AsyncResult<UpstreamResponse> ar) {
    if (ar.succeeded()) return ar.result().status() >= 500 ? Outcome.SERVER_ERROR : Outcome.OK;
    if (ar.cause() instanceof UpstreamException u) {
      for (Outcome o : Outcome.values()) if (o.name().equals(u.kind().name())) return o;
    }
    return Outcome.OTHER;
  }

  /** A service answering after a random delay in [minMs, maxMs], failing with 503 at {@code errorShare}. */
  private HttpServer service(int minMs, int maxMs, double errorShare) throws Exception {
    return vertx.createHttpServer().requestHandler(req -> {
      ThreadLocalRandom r = ThreadLocalRandom.current();
      // Mostly fast, with a tail: what makes p99 differ from p50.
      long delay = r.nextDouble() < 0.05 ? maxMs * 3L : minMs + r.nextLong(maxMs - minMs + 1);
      vertx.setTimer(delay, t -> req.response().setStatusCode(r.nextDouble() < errorShare ? 503 : 200).end("{}"));
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  /** /slo's shape as SloTracker answers it: an SLO per route, an entry per objective (two cards). */
  private static JsonObject slos() {
    JsonObject availability = new JsonObject().put("objective", "availability").put("target", 0.999).put("events", 52_000)
        .put("badEvents", 9).put("errorBudgetRemaining", 0.82)
        .put("burnRates", new JsonObject().put("5m", 0.4).put("30m", 0.6).put("1h", 0.7).put("6h", 0.5))
        .put("firing", new JsonArray()).put("alerts", new JsonArray());
    JsonObject latency = new JsonObject().put("objective", "latency").put("target", 0.99).put("thresholdMs", 300)
        .put("events", 52_000).put("badEvents", 460).put("errorBudgetRemaining", 0.12)
        .put("burnRates", new JsonObject().put("5m", 14.6).put("30m", 8.0).put("1h", 6.1).put("6h", 2.2))
        .put("firing", new JsonArray().add("page_slow")).put("alerts", new JsonArray());
    return new JsonObject().put("bff", "ios").put("slos", new JsonArray()
        .add(new JsonObject().put("name", "screen:home").put("route", "screen:home").put("window", "30d")
            .put("declaredAt", "bff.yaml:40").put("objectives", new JsonArray().add(availability).add(latency))));
  }
}
