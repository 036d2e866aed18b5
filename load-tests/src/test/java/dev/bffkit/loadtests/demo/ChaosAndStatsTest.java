package dev.bffkit.loadtests.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ChaosAndStatsTest {
  static DemoServices services;
  static Http http;

  @BeforeAll
  static void start(Vertx vertx) {
    services = Http.await(DemoServices.start(vertx, 0));
    http = new Http(vertx);
  }

  @AfterAll
  static void stop() {
    Http.await(services.close());
  }

  @AfterEach
  void reset() {
    for (String s : DemoServices.NAMES) {
      http.call(HttpMethod.DELETE, services.port(s), "/_chaos", null);
    }
  }

  /** The chaos settings as GET /_chaos shows them, not played as a function. */
  static JsonObject chaos(int latencyMs, double errorRate) {
    return new JsonObject().put("latencyMs", latencyMs).put("errorRate", errorRate).put("coldStartMs", 0)
        .put("sleepAfterMs", DemoService.Chaos.SLEEP_AFTER_MS);
  }

  @Test
  void coldStartPlaysTheServiceAsAFunction() {
    int p = services.port("ads");
    Http.Resp set = http.call(HttpMethod.PUT, p, "/_chaos", "{\"coldStartMs\": 400, \"sleepAfterMs\": 500}");
    assertEquals(200, set.status(), set.body().toString());
    long cold = timed(() -> assertEquals(200, http.get(p, "/ads?user=u1").status()));
    long warm = timed(() -> assertEquals(200, http.get(p, "/ads?user=u1").status()));
    assertTrue(cold >= 390, "a new instance waits its cold start: " + cold + " ms");
    assertTrue(warm < 300, "the idle instance answers at once: " + warm + " ms");
    sleep(700); // the instance idle past sleepAfterMs: gone
    assertTrue(timed(() -> http.get(p, "/ads?user=u1")) >= 390, "asleep again");
    assertEquals(2, services.service("ads").coldStarts());
  }

  static long timed(Runnable r) {
    long t0 = System.nanoTime();
    r.run();
    return (System.nanoTime() - t0) / 1_000_000;
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void chaosStartsOffAndEveryServiceHasIt() {
    for (String s : DemoServices.NAMES) {
      assertEquals(chaos(0, 0.0),
          http.get(services.port(s), "/_chaos").json(), s);
    }
  }

  @Test
  void errorRateOneFailsEveryRequestAndDeleteResets() {
    int p = services.port("users");
    Http.Resp put = http.call(HttpMethod.PUT, p, "/_chaos", "{\"errorRate\": 1}");
    assertEquals(200, put.status());
    assertEquals(1.0, put.json().getDouble("errorRate"));
    for (int i = 0; i < 20; i++) {
      Http.Resp r = http.get(p, "/users/u" + (i % 50 + 1));
      assertEquals(500, r.status());
      assertEquals(new JsonObject().put("error", "chaos"), r.json());
    }
    // control endpoints are never failed
    assertEquals(200, http.get(p, "/health").status());
    assertEquals(200, http.get(p, "/_stats").status());
    // other services are unaffected
    assertEquals(200, http.get(services.port("posts"), "/posts/p1").status());

    Http.Resp del = http.call(HttpMethod.DELETE, p, "/_chaos", null);
    assertEquals(chaos(0, 0.0), del.json());
    for (int i = 0; i < 20; i++) {
      assertEquals(200, http.get(p, "/users/u1").status());
    }
  }

  @Test
  void errorRateHalfFailsSomeButNotAll() {
    int p = services.port("ads");
    http.call(HttpMethod.PUT, p, "/_chaos", "{\"errorRate\": 0.5}");
    int failed = 0;
    int n = 200;
    for (int i = 0; i < n; i++) {
      int status = http.get(p, "/ads?user=u1").status();
      assertTrue(status == 200 || status == 500);
      if (status == 500) {
        failed++;
      }
    }
    // binomial(200, 0.5): outside 40..160 has probability ~1e-18
    assertTrue(failed > 40 && failed < 160, "failed " + failed);
  }

  @Test
  void latencyDelaysAnswersWithoutBlockingOthers() {
    int p = services.port("analytics");
    JsonObject set = http.call(HttpMethod.PUT, p, "/_chaos", "{\"latencyMs\": 300}").json();
    assertEquals(300, set.getInteger("latencyMs"));
    assertEquals(0.0, set.getDouble("errorRate"));
    // ten concurrent slow calls on a single event loop: timers, not sleeps, so they overlap
    long t0 = System.nanoTime();
    List<Future<Http.Resp>> calls = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      calls.add(http.send(HttpMethod.GET, p, "/users/u" + (i + 1) + "/summary", null));
    }
    Http.await(Future.all(calls));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    for (Future<Http.Resp> f : calls) {
      assertEquals(200, f.result().status());
    }
    assertTrue(ms >= 290, "latency was injected: " + ms);
    assertTrue(ms < 2_900, "the ten delays overlapped: " + ms);
    // the health check is not delayed; a partial PUT keeps the other field
    http.call(HttpMethod.PUT, p, "/_chaos", "{\"errorRate\": 0.25}");
    assertEquals(chaos(300, 0.25), http.get(p, "/_chaos").json());
  }

  @Test
  void badChaosIs400AndLeavesSettingsAlone() {
    int p = services.port("notifications");
    http.call(HttpMethod.PUT, p, "/_chaos", "{\"latencyMs\": 5}");
    for (String bad : List.of("not json", "[1,2]", "{\"latencyMs\": -1}", "{\"latencyMs\": 60001}",
        "{\"latencyMs\": 1.5}", "{\"latencyMs\": \"20\"}", "{\"errorRate\": 1.01}", "{\"errorRate\": -0.1}",
        "{\"errorRate\": null}", "{\"latency\": 20}", "{\"coldStartMs\": -1}", "{\"sleepAfterMs\": 0}",
        "{\"coldStartMs\": 600001}", "")) {
      Http.Resp r = http.call(HttpMethod.PUT, p, "/_chaos", bad);
      assertEquals(400, r.status(), bad);
      assertEquals("bad-request", r.json().getString("error"), bad);
    }
    assertEquals(chaos(5, 0.0), http.get(p, "/_chaos").json());
    assertEquals(200, http.call(HttpMethod.PUT, p, "/_chaos", "{}").status());
    assertEquals(200, http.call(HttpMethod.PUT, p, "/_chaos", "{\"latencyMs\": 0, \"errorRate\": 0}").status());
  }

  @Test
  void statsCountServedRequestsByRoute() {
    int p = services.port("recommendations");
    Http.Resp before = http.call(HttpMethod.DELETE, p, "/_stats", null);
    assertEquals(0, before.json().getLong("requests"));
    for (int i = 0; i < 5; i++) {
      http.get(p, "/recommendations?user=u1");
    }
    http.get(p, "/recommendations/rows?user=u2");
    http.get(p, "/health");
    http.get(p, "/_chaos");
    JsonObject stats = http.get(p, "/_stats").json();
    assertEquals(6, stats.getLong("requests"));
    assertEquals("recommendations", stats.getString("service"));
    assertEquals(5, stats.getJsonObject("routes").getLong("GET /recommendations"));
    assertEquals(1, stats.getJsonObject("routes").getLong("GET /recommendations/rows"));
    assertEquals(6, services.service("recommendations").requests());

    // chaos failures are counted too
    http.call(HttpMethod.PUT, p, "/_chaos", "{\"errorRate\": 1}");
    http.get(p, "/recommendations?user=u1");
    JsonObject after = http.get(p, "/_stats").json();
    assertEquals(7, after.getLong("requests"));
    assertEquals(1, after.getLong("chaosErrors"));
  }

  @Test
  void batchingShowsInUsersStats() {
    int p = services.port("users");
    http.call(HttpMethod.DELETE, p, "/_stats", null);
    http.get(p, "/users?ids=u1,u2,u3");
    http.get(p, "/users/u4");
    JsonObject routes = http.get(p, "/_stats").json().getJsonObject("routes");
    assertEquals(1, routes.getLong("GET /users?ids"));
    assertEquals(1, routes.getLong("GET /users/{id}"));
  }
}
