package dev.bffkit.loadtests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The driver against a tiny Vert.x server on 127.0.0.1. */
class LoadDriverTest {
  static Vertx vertx;
  static HttpServer server;
  static LoadDriver driver;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer().requestHandler(req -> {
      switch (req.path()) {
        case "/ok" -> req.response().end("{\"ok\":true}");
        case "/fail" -> req.response().setStatusCode(500).end("{\"error\":\"boom\"}");
        case "/slow" -> vertx.setTimer(20, t -> req.response().end("slow"));
        case "/slower" -> vertx.setTimer(200, t -> req.response().end("slower"));
        default -> req.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1").await();
    driver = new LoadDriver(2);
  }

  @AfterAll
  static void stop() {
    driver.close();
    vertx.close().await();
  }

  @Test
  void openModelSendsAboutRateTimesDuration() {
    LoadResult r = driver.run(LoadSpec.open("ok", server.actualPort(), "/ok", 500, 8,
        Duration.ofMillis(300), Duration.ofSeconds(2)));
    assertTrue(r.requests() >= 800 && r.requests() <= 1200, "≈1000 requests, got " + r);
    assertEquals(0, r.errors(), r.toString());
    assertTrue(r.achievedRate() > 400 && r.achievedRate() < 600, r.toString());
    assertEquals(r.requests(), r.histogram().getTotalCount());
    assertTrue(r.p50() > 0 && r.p50() <= r.p99() && r.p99() <= r.max(), r.toString());
  }

  @Test
  void countsServerErrors() {
    LoadResult r = driver.run(LoadSpec.open("fail", server.actualPort(), "/fail", 200, 4,
        Duration.ZERO, Duration.ofSeconds(1)));
    assertTrue(r.requests() >= 150, r.toString());
    assertEquals(r.requests(), r.errors(), "every 500 is an error: " + r);
    assertEquals(0, r.histogram().getTotalCount());
  }

  @Test
  void latencyIncludesTheServerDelay() {
    LoadResult r = driver.run(LoadSpec.open("slow", server.actualPort(), "/slow", 100, 4,
        Duration.ofMillis(200), Duration.ofSeconds(1)));
    assertTrue(r.requests() >= 80, r.toString());
    assertTrue(r.p50() >= 20_000, "p50 ≥ 20 ms injected delay: " + r);
    assertTrue(r.p50() < 60_000, "no queueing with spare connections: " + r);
  }

  @Test
  void slowServerWithSpareConnectionsShowsItsDelayOnly() {
    LoadResult r = driver.run(LoadSpec.open("slower", server.actualPort(), "/slower", 100, 64,
        Duration.ofMillis(300), Duration.ofSeconds(1)));
    assertTrue(r.p50() >= 200_000 && r.p50() < 300_000, "p50 ≈ 200 ms: " + r);
  }

  @Test
  void openModelQueuesWhenConnectionsAreBusy() {
    // 1 connection, 20 ms per answer = at most 50/s; asking 100/s must show queueing, not hide it
    LoadResult r = driver.run(LoadSpec.open("slow", server.actualPort(), "/slow", 100, 1,
        Duration.ZERO, Duration.ofSeconds(1)).withTimeout(Duration.ofSeconds(5)));
    assertTrue(r.max() >= 300_000, "the backlog grows to ≥ 300 ms: " + r);
  }

  @Test
  void closedModelRunsFlatOut() {
    LoadResult r = driver.run(LoadSpec.closed("ok", server.actualPort(), "/ok", 4, Duration.ofMillis(200), Duration.ofSeconds(1)));
    assertTrue(r.requests() > 200, r.toString());
    assertEquals(0, r.errors(), r.toString());
  }
}
