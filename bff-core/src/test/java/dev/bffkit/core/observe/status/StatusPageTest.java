package dev.bffkit.core.observe.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.CompositionConfig;
import dev.bffkit.core.config.ObserveConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.observe.Observability;
import dev.bffkit.core.observe.RequestLog;
import dev.bffkit.core.upstream.UpstreamRegistry;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code /status} and {@code /status/data} on a real Vert.x server, behind a token check like the admin listener's. */
class StatusPageTest {
  static final String TOKEN = "status-token-0123456789";

  private Vertx vertx;
  private HttpServer server;
  private UpstreamRegistry upstreams;
  private final AtomicLong clock = new AtomicLong(LiveStatsTest.T0);
  // HTTP/1.1: the JDK client's h2c upgrade against a plain Vert.x server once hung a send past its own timeouts.
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  static BffConfig config(Map<String, ServiceConfig> services, boolean statusPage) {
    ObserveConfig d = ObserveConfig.defaults();
    ObserveConfig observe = new ObserveConfig(d.metrics(), ObserveConfig.Tracing.off(), ObserveConfig.AccessLog.off(),
        d.audit(), List.of(), statusPage);
    return new BffConfig("ios", TestBundles.server(Duration.ofSeconds(1)),
        new CompositionConfig(Duration.ofSeconds(2), true, "/graphql", "/v1/screens", 100), services, List.of())
        .withObserve(observe);
  }

  /** What AdminServer does before its paths: every path but the probes needs the token. */
  static void tokenCheck(Router router, String token) {
    router.route().handler(ctx -> {
      if (("Bearer " + token).equals(ctx.request().getHeader("Authorization"))) ctx.next();
      else ctx.response().setStatusCode(401).end();
    });
  }

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstreams = new UpstreamRegistry(vertx, Map.of("posts", TestBundles.service("posts", 1), "users", TestBundles.service("users", 2)));
  }

  @AfterEach
  void stop() throws Exception {
    upstreams.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private LiveStats serve() throws Exception {
    LiveStats stats = new LiveStats(LiveStatsTest.ROUTES, upstreams.services().keySet(), clock::get);
    Router router = Router.router(vertx);
    tokenCheck(router, TOKEN);
    StatusPage.mount(router, stats, "ios", upstreams::snapshot);
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return stats;
  }

  private HttpResponse<String> get(String path, boolean withToken) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path))
        .timeout(Duration.ofSeconds(5));
    if (withToken) b.header("Authorization", "Bearer " + TOKEN);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void thePageIsStaticPublicAndLockedDownByItsPolicy() throws Exception {
    serve();
    HttpResponse<String> page = get("/status", false);
    assertEquals(200, page.statusCode(), "the static page needs no token: it carries no data");
    assertEquals("text/html; charset=utf-8", page.headers().firstValue("content-type").orElse(""));
    assertEquals("no-store", page.headers().firstValue("cache-control").orElse(""));
    assertEquals("nosniff", page.headers().firstValue("x-content-type-options").orElse(""));
    String csp = page.headers().firstValue("content-security-policy").orElse("");
    assertTrue(csp.startsWith("default-src 'none';"), csp);
    assertTrue(csp.contains("connect-src 'self'"), csp);
    assertTrue(csp.contains("frame-ancestors 'none'"), csp);
    assertFalse(csp.contains("unsafe-inline"), csp);
    // The hashes in the policy are those of the served script and style (a browser would refuse otherwise).
    assertEquals(hash(between(page.body(), "<script>", "</script>")), find(csp, "script-src '(sha256-[^']+)'"));
    assertEquals(hash(between(page.body(), "<style>", "</style>")), find(csp, "style-src '(sha256-[^']+)'"));
    // Offline: nothing loaded from elsewhere.
    assertFalse(page.body().contains("http://") && !page.body().contains("http://www.w3.org/2000/svg"), "no external URL");
    assertFalse(page.body().contains("https://"), "no external URL");
    assertFalse(page.body().contains(TOKEN));
    assertEquals(page.body(), get("/status", true).body());
  }

  @Test
  void dataIsBehindTheToken() throws Exception {
    serve();
    assertEquals(401, get("/status/data", false).statusCode());
    assertEquals(200, get("/status/data", true).statusCode());
  }

  @Test
  void dataHasSeriesBreakersAndEndpoints() throws Exception {
    LiveStats stats = serve();
    for (int s = 0; s < 30; s++) {
      for (int i = 0; i < 10; i++) {
        RequestLog log = LiveStatsTest.request(LiveStatsTest.route("screen:home"), i == 0 ? 503 : 200, (i + 1) * 1_000_000L);
        stats.completed(log);
      }
      clock.addAndGet(1000);
    }
    HttpResponse<String> r = get("/status/data?seconds=60&step=1", true);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("no-store", r.headers().firstValue("cache-control").orElse(""));
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
    JsonObject data = new JsonObject(r.body());
    assertEquals("ios", data.getString("bff"));
    assertEquals(60, data.getInteger("points"));
    JsonObject home = LiveStatsTest.row(data.getJsonArray("routes"), "screen:home");
    assertNotNull(home, r.body());
    JsonObject series = home.getJsonObject("series");
    assertEquals(60, series.getJsonArray("rps").size());
    assertEquals(10.0, series.getJsonArray("rps").getDouble(59), 1e-9);
    assertEquals(0.1, series.getJsonArray("errorRate").getDouble(59), 1e-9);
    double p99 = series.getJsonArray("p99Ms").getDouble(59);
    assertTrue(p99 > 8 && p99 < 17, "p99 of 1..10 ms: " + p99);
    assertNull(series.getJsonArray("p99Ms").getValue(0));
    assertEquals(300, home.getJsonObject("lastMinute").getLong("requests"));
    JsonObject posts = data.getJsonObject("upstreams").getJsonObject("posts");
    assertEquals("closed", posts.getString("breaker"));
    assertEquals(1, posts.getJsonArray("endpoints").size());
    assertTrue(posts.containsKey("retryBudget"));
    assertTrue(LiveStatsTest.row(data.getJsonArray("services"), "users").getBoolean("idle"));

    JsonObject defaults = new JsonObject(get("/status/data", true).body());
    assertEquals(StatusPage.DEFAULT_SECONDS / StatusPage.DEFAULT_STEP, defaults.getInteger("points"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"seconds=0", "seconds=901", "seconds=abc", "seconds=", "seconds=-5", "seconds=99999999999",
      "step=0", "step=61", "step=1.5", "seconds=60&step=%00"})
  void badParametersAreAQuick400(String query) throws Exception {
    serve();
    HttpResponse<String> r = get("/status/data?" + query, true);
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("bad_parameter", new JsonObject(r.body()).getJsonObject("error").getString("code"));
  }

  @Test
  void installMountsAndObservesOnlyWhenTheStatusPageIsOn() throws Exception {
    Map<String, ServiceConfig> services = Map.of("posts", TestBundles.service("posts", 1));
    Router off = Router.router(vertx);
    BffConfig offConfig = config(services, false);
    assertNull(StatusPage.install(Observability.create(offConfig, LiveStatsTest.ROUTES, InMemorySpanExporter.create()),
        offConfig, LiveStatsTest.ROUTES, upstreams, off));
    assertTrue(off.getRoutes().isEmpty());

    Router on = Router.router(vertx);
    BffConfig onConfig = config(services, true);
    LiveStats stats = StatusPage.install(Observability.create(onConfig, LiveStatsTest.ROUTES, InMemorySpanExporter.create()),
        onConfig, LiveStatsTest.ROUTES, upstreams, on);
    assertNotNull(stats);
    assertEquals(2, on.getRoutes().size());
  }

  private static String between(String s, String open, String close) {
    int from = s.indexOf(open) + open.length();
    return s.substring(from, s.indexOf(close, from));
  }

  private static String find(String s, String regex) {
    Matcher m = Pattern.compile(regex).matcher(s);
    assertTrue(m.find(), s);
    return m.group(1);
  }

  private static String hash(String text) throws Exception {
    return "sha256-" + Base64.getEncoder().encodeToString(
        MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
