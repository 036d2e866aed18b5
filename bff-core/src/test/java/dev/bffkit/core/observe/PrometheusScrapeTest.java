package dev.bffkit.core.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.config.BundleLoader;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scrape as Prometheus itself sees it: {@code promtool check metrics} finds no problem in
 * {@code /metrics}, and a real Prometheus server (Debian's package, on a loopback port) scraping a
 * BFF under load answers {@code histogram_quantile(0.99, ...)} per screen through its HTTP API.
 * Skipped where Prometheus is not installed; {@code .ci/run} installs it.
 */
class PrometheusScrapeTest {
  @TempDir static Path tmp;
  static Vertx vertx;
  static HttpServer rest;
  static Bff.RunningBff bff;
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    // users answers in about 20 ms, so the screen's p99 sits in a known bucket.
    rest = vertx.createHttpServer().requestHandler(req -> vertx.setTimer(20, id ->
        req.response().putHeader("content-type", "application/json").end("{\"name\":\"Ann\"}")))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    Path dir = Files.createDirectories(tmp.resolve("web"));
    Files.writeString(dir.resolve("bff.yaml"), """
        name: web
        server: { host: 127.0.0.1, port: 0, instances: 1 }
        services:
          users: { endpoints: http://127.0.0.1:%d }
        admin: { port: 0 }
        observe: { accessLog: { enabled: false }, tracing: { enabled: false } }
        """.formatted(rest.actualPort()));
    Files.writeString(dir.resolve("schema.graphqls"), """
        type Query { me: User @rest(service: "users", path: "/users/u1") }
        type User { name: String }
        """);
    Files.createDirectories(dir.resolve("screens"));
    Files.writeString(dir.resolve("screens/home.graphql"), "query Home { me { name } }\n");
    bff = Bff.start(vertx, BundleLoader.load(dir)).await(20, TimeUnit.SECONDS);
    bff.warmedUp().await(20, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (bff != null) bff.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static String get(String url) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), url + ": " + r.body());
    return r.body();
  }

  static boolean installed(String tool) {
    return new File("/usr/bin/" + tool).canExecute() || new File("/usr/local/bin/" + tool).canExecute();
  }

  @Test
  void promtoolFindsNoProblemInTheScrape() throws Exception {
    Assumptions.assumeTrue(installed("promtool"), "promtool not installed (Debian package prometheus)");
    for (int i = 0; i < 5; i++) get("http://127.0.0.1:" + bff.port() + "/v1/screens/home");
    String scrape = get("http://127.0.0.1:" + bff.adminPort() + "/metrics");
    Process p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
    p.getOutputStream().write(scrape.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    // promtool's lint lists problems one per line (and exits 3 when there are any).
    assertEquals(0, p.exitValue(), "promtool check metrics:\n" + out);
  }

  @Test
  void aRealPrometheusScrapingUnderLoadGivesTheScreensP99() throws Exception {
    Assumptions.assumeTrue(installed("prometheus"), "prometheus not installed (Debian package prometheus)");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path config = tmp.resolve("prometheus.yml");
    Files.writeString(config, """
        global: { scrape_interval: 1s, evaluation_interval: 1s }
        scrape_configs:
          - job_name: bff
            static_configs: [ { targets: ["127.0.0.1:%d"] } ]
        """.formatted(bff.adminPort()));
    Process prometheus = new ProcessBuilder("prometheus", "--config.file=" + config,
        "--storage.tsdb.path=" + tmp.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true).redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
    try {
      String api = "http://127.0.0.1:" + port + "/api/v1/";
      awaitUp(api);
      // Load: 8 clients for about 8 s (bounded), while Prometheus scrapes every second.
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
      Thread[] clients = new Thread[8];
      for (int c = 0; c < clients.length; c++) {
        clients[c] = new Thread(() -> {
          while (System.nanoTime() < until) {
            try {
              get("http://127.0.0.1:" + bff.port() + "/v1/screens/home");
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
        });
        clients[c].start();
      }
      for (Thread t : clients) t.join(20_000);
      String q = "histogram_quantile(0.99, sum by (le, route) (rate(bff_request_duration_seconds_bucket{route=\"screen:home\"}[5s])))";
      double p99 = Double.NaN;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (System.nanoTime() < deadline) {
        JsonObject r = new JsonObject(get(api + "query?query=" + URLEncoder.encode(q, StandardCharsets.UTF_8)));
        JsonArray result = r.getJsonObject("data").getJsonArray("result");
        if (!result.isEmpty()) {
          JsonObject series = result.getJsonObject(0);
          assertEquals("screen:home", series.getJsonObject("metric").getString("route"));
          p99 = Double.parseDouble(series.getJsonArray("value").getString(1));
          if (!Double.isNaN(p99)) break;
        }
        Thread.sleep(500);
      }
      // users answers in ~20 ms: the screen's p99 falls in (0.01, 0.25] s, the buckets around it.
      assertTrue(p99 > 0.01 && p99 <= 0.25, "p99 of screen:home from Prometheus: " + p99);
      JsonObject up = new JsonObject(get(api + "query?query=up"));
      assertEquals("1", up.getJsonObject("data").getJsonArray("result").getJsonObject(0).getJsonArray("value").getString(1),
          "the target is up (its scrape parsed)");
    } finally {
      prometheus.destroy();
      if (!prometheus.waitFor(10, TimeUnit.SECONDS)) prometheus.destroyForcibly();
    }
  }

  private static void awaitUp(String api) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        get(api + "status/buildinfo");
        return;
      } catch (Exception | AssertionError e) {
        if (System.nanoTime() > deadline) throw new AssertionError("prometheus did not start", e);
        Thread.sleep(200);
      }
    }
  }
}
