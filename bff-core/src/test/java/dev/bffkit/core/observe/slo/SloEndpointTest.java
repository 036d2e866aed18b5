package dev.bffkit.core.observe.slo;

import static dev.bffkit.core.observe.slo.SloFixtures.ROUTES;
import static dev.bffkit.core.observe.slo.SloFixtures.log;
import static dev.bffkit.core.observe.slo.SloFixtures.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.ObserveConfig;
import dev.bffkit.core.observe.Observability;
import dev.bffkit.core.observe.slo.SloFixtures.FakeClock;
import dev.bffkit.core.route.Route;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code SloTracker.install}: the observer, the {@code bff.slo.*} gauges and {@code /slo} on a real listener. */
class SloEndpointTest {
  private final Vertx vertx = Vertx.vertx();
  private final FakeClock clock = new FakeClock();
  private final Route home = route("screen:home");

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private final BffConfig config = SloFixtures.config(List.of(
      SloFixtures.both("home", "screen:home", 0.999, 0.99, Duration.ofMillis(300)),
      SloFixtures.availability("api", "proxy:/api/posts", 0.99)));

  /** Ten minutes at 10 answers a second: a healthy one, then every answer of the home screen fails. */
  private void burst(SloTracker t) {
    for (int s = 0; s < 600; s++) {
      clock.advanceMillis(1000);
      for (int i = 0; i < 10; i++) t.completed(log(home, s < 60 ? 200 : 502, 0, false));
    }
  }

  private static String line(String scrape, String name, String... labels) {
    for (String l : scrape.split("\n")) {
      if (!l.startsWith(name + "{")) continue;
      boolean all = true;
      for (String label : labels) all &= l.contains(label);
      if (all) return l;
    }
    throw new AssertionError("no " + name + " with " + List.of(labels) + " in\n" + scrape);
  }

  private static double value(String line) {
    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
  }

  @Test
  void gaugesAreScrapedFromTheBffRegistry() {
    Observability o = Observability.create(config, ROUTES, null);
    SloTracker t = SloTracker.install(o, config, ROUTES, Router.router(vertx), clock);
    burst(t);
    String scrape = o.metrics().scrape();
    String fast = line(scrape, "bff_slo_alert", "bff=\"test\"", "slo=\"home\"", "objective=\"availability\"", "severity=\"page_fast\"");
    assertEquals(1.0, value(fast), fast);
    assertEquals(0.0, value(line(scrape, "bff_slo_alert", "slo=\"api\"", "severity=\"page_fast\"")));
    assertEquals(1000.0, value(line(scrape, "bff_slo_burn_rate", "slo=\"home\"", "objective=\"availability\"", "window=\"5m\"")), 1e-6);
    assertEquals(0.0, value(line(scrape, "bff_slo_burn_rate", "slo=\"home\"", "objective=\"latency\"", "window=\"1h\"")));
    assertTrue(value(line(scrape, "bff_slo_error_budget_remaining", "slo=\"home\"", "objective=\"availability\"")) < 0);
    assertEquals(0.99, value(line(scrape, "bff_slo_objective", "slo=\"home\"", "objective=\"latency\"")), 1e-9);
    for (String w : List.of("5m", "30m", "1h", "6h")) line(scrape, "bff_slo_burn_rate", "slo=\"api\"", "window=\"" + w + "\"");

    // The latency histogram has a bucket at the threshold, written as SloRules writes le.
    String le = "le=\"" + SloRules.le(Duration.ofMillis(300)) + "\"";
    line(scrape, "bff_request_duration_seconds_bucket", "route=\"screen:home\"", le);
  }

  @Test
  void sloServesEveryObjectiveBurnRatesBudgetsAndFiringAlerts() throws Exception {
    Router router = Router.router(vertx);
    SloTracker t = SloTracker.install(Observability.off("test"), config, ROUTES, router, clock);
    burst(t);
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    HttpClient client = vertx.createHttpClient();
    HttpClientResponse[] head = new HttpClientResponse[1];
    // The call runs on an event loop, never the JUnit thread (Vert.x 5.0.7 #6038: such a send once hung here).
    Promise<Buffer> got = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/slo")
        .compose(req -> req.send())
        .compose(resp -> {
          head[0] = resp;
          return resp.body();
        }).onComplete(got));
    Buffer body = got.future().await(10, TimeUnit.SECONDS);
    assertEquals(200, head[0].statusCode(), body.toString());
    assertTrue(head[0].getHeader("content-type").startsWith("application/json"));
    JsonObject json = new JsonObject(body);
    assertEquals("test", json.getString("bff"));
    JsonArray slos = json.getJsonArray("slos");
    assertEquals(2, slos.size(), json.encodePrettily());

    JsonObject homeSlo = slos.getJsonObject(0);
    assertEquals("home", homeSlo.getString("name"));
    assertEquals("screen:home", homeSlo.getString("route"));
    assertEquals("30d", homeSlo.getString("window"));
    assertEquals("bff.yaml:40", homeSlo.getString("declaredAt"));
    JsonObject avail = homeSlo.getJsonArray("objectives").getJsonObject(0);
    assertEquals(0.999, avail.getDouble("target"));
    assertEquals(6000, avail.getLong("events"));
    assertEquals(5400, avail.getLong("badEvents"));
    assertEquals(1000.0, avail.getJsonObject("burnRates").getDouble("5m"), 1e-6);
    assertEquals(900.0, avail.getJsonObject("burnRates").getDouble("1h"), 1e-6);
    assertEquals(List.of("page_fast"), avail.getJsonArray("firing").getList(), avail.encodePrettily());
    JsonObject fast = avail.getJsonArray("alerts").getJsonObject(0);
    assertEquals("page_fast", fast.getString("severity"));
    assertEquals("firing", fast.getString("state"));
    assertTrue(fast.containsKey("since"));
    JsonObject slow = avail.getJsonArray("alerts").getJsonObject(1);
    assertEquals("pending", slow.getString("state"), "the slow page holds for 15m");
    JsonObject lat = homeSlo.getJsonArray("objectives").getJsonObject(1);
    assertEquals("latency", lat.getString("objective"));
    assertEquals(1.0, lat.getDouble("errorBudgetRemaining"));

    JsonObject api = slos.getJsonObject(1);
    assertEquals(1, api.getJsonArray("objectives").size(), "availability only");
    assertEquals(0, api.getJsonArray("objectives").getJsonObject(0).getLong("events"));
  }

  @Test
  void installRefusesAnSloOnAMissingRoute() {
    BffConfig bad = SloFixtures.config(List.of(new ObserveConfig.Slo(
        "home", "screen:hme", 0.999, 0, null, Duration.ofDays(30), "bff.yaml:12")));
    Router router = Router.router(vertx);
    ConfigException e = assertThrows(ConfigException.class,
        () -> SloTracker.install(Observability.off("test"), bad, ROUTES, router));
    assertEquals(12, e.line());
    assertTrue(e.getMessage().contains("bff.yaml:12: observe.slos[0].route: 'screen:hme' is not a route; routes: graphql, proxy:/api/posts, screen:home"),
        e.getMessage());
  }
}
