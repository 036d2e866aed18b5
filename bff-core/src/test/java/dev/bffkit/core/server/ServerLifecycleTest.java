package dev.bffkit.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.Bff;
import dev.bffkit.core.OnLoop;
import dev.bffkit.core.TestBundles;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.config.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Listener behaviour: health, request ids, h2c, graceful drain. */
class ServerLifecycleTest {
  private Vertx vertx;
  private HttpServer upstream;
  private Bff.RunningBff bff;
  private OnLoop loop;
  private final Promise<HttpServerRequest> held = Promise.promise();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer().requestHandler(req -> {
      if (req.path().equals("/slow")) held.tryComplete(req); // answered by the test, later
      else req.response().end("fast");
    }).listen(0, "127.0.0.1").await();
    ServerConfig h2c = new ServerConfig("127.0.0.1", 0, 1, Duration.ofSeconds(10), Duration.ofSeconds(30), 64 * 1024, 8192, true);
    var bundle = TestBundles.bundle(h2c, Duration.ofSeconds(10),
        Map.of("up", TestBundles.service("up", upstream.actualPort())),
        List.of(new ProxyRouteConfig("/up", "up", "/up", Set.of())), "type Query { ping: String }", Map.of());
    bff = Bff.start(vertx, bundle).await();
    loop = new OnLoop(vertx.getOrCreateContext());
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private record Answer(HttpClientResponse resp, Buffer body) {}

  private Future<Answer> get(HttpClient client, String uri, String requestId) {
    RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(bff.port()).setURI(uri).setMethod(HttpMethod.GET);
    if (requestId != null) o.putHeader("x-request-id", requestId);
    return loop.run(() -> client.request(o).compose(r -> r.send()).compose(resp -> resp.body().map(b -> new Answer(resp, b))));
  }

  @Test
  void healthAndReadiness() throws Exception {
    HttpClient client = vertx.createHttpClient();
    Answer health = get(client, "/healthz", null).await(5, TimeUnit.SECONDS);
    assertEquals(200, health.resp().statusCode());
    assertEquals("{\"status\":\"UP\"}", health.body().toString());
    assertEquals(200, get(client, "/readyz", null).await(5, TimeUnit.SECONDS).resp().statusCode());
  }

  @Test
  void requestIdIsEchoedWhenSaneAndGeneratedOtherwise() throws Exception {
    HttpClient client = vertx.createHttpClient();
    assertEquals("abc-123", get(client, "/healthz", "abc-123").await(5, TimeUnit.SECONDS).resp().getHeader("x-request-id"));
    String generated = get(client, "/healthz", null).await(5, TimeUnit.SECONDS).resp().getHeader("x-request-id");
    assertTrue(generated.matches("[0-9a-f]{16}"), generated);
    String replaced = get(client, "/healthz", "bad id <script>").await(5, TimeUnit.SECONDS).resp().getHeader("x-request-id");
    assertTrue(replaced.matches("[0-9a-f]{16}"), "an unsafe incoming id is replaced: " + replaced);
  }

  @Test
  void servesHttp2WithPriorKnowledge() throws Exception {
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    Answer a = get(h2, "/up/x", null).await(5, TimeUnit.SECONDS);
    assertEquals(HttpVersion.HTTP_2, a.resp().version());
    assertEquals("fast", a.body().toString());
  }

  @Test
  void unknownPathIsJson404() throws Exception {
    Answer a = get(vertx.createHttpClient(), "/nope", "r1").await(5, TimeUnit.SECONDS);
    assertEquals(404, a.resp().statusCode());
    assertEquals("application/json", a.resp().getHeader("content-type"));
    assertEquals("r1", a.body().toJsonObject().getJsonObject("error").getString("requestId"));
  }

  @Test
  void gracefulCloseFinishesInFlightRequestsAndRefusesNewOnes() throws Exception {
    HttpClient client = vertx.createHttpClient();
    Future<Answer> inFlight = get(client, "/up/slow", null);
    HttpServerRequest upstreamSide = held.future().await(5, TimeUnit.SECONDS);

    Future<Void> closing = bff.close();
    // New connections are refused while draining; the in-flight request is not cut.
    HttpClient fresh = vertx.createHttpClient();
    boolean refused = false;
    for (int i = 0; i < 50 && !refused; i++) {
      refused = get(fresh, "/healthz", null).transform(ar -> Future.succeededFuture(ar.failed())).await(5, TimeUnit.SECONDS);
      if (!refused) Thread.sleep(20); // test thread, not an event loop: wait for the listener to close
    }
    assertTrue(refused, "a new connection must be refused once draining started");
    assertFalse(inFlight.isComplete());
    assertFalse(closing.isComplete(), "close waits for the in-flight request");

    upstreamSide.response().end("finally");
    Answer a = inFlight.await(5, TimeUnit.SECONDS);
    assertEquals(200, a.resp().statusCode());
    assertEquals("finally", a.body().toString());
    closing.await(5, TimeUnit.SECONDS);
  }

  @Test
  void aDrainDelayServesOnNotReadyClosingEachConnectionThenRefuses() throws Exception {
    ServerConfig delayed = new ServerConfig("127.0.0.1", 0, 1, Duration.ofSeconds(10), Duration.ofSeconds(30), 64 * 1024,
        8192, false, null, Duration.ofMillis(800));
    bff.close().await(10, TimeUnit.SECONDS);
    bff = Bff.start(vertx, TestBundles.bundle(delayed, Duration.ofSeconds(10),
        Map.of("up", TestBundles.service("up", upstream.actualPort())),
        List.of(new ProxyRouteConfig("/up", "up", "/up", Set.of())), "type Query { ping: String }", Map.of())).await();
    HttpClient client = vertx.createHttpClient();
    Answer before = get(client, "/up/x", null).await(5, TimeUnit.SECONDS);
    assertEquals(200, before.resp().statusCode());
    assertEquals(null, before.resp().getHeader("connection"), "keep-alive while serving");

    long t0 = System.nanoTime();
    Future<Void> closing = bff.close();
    Answer ready = get(vertx.createHttpClient(), "/readyz", null).await(5, TimeUnit.SECONDS);
    assertEquals(503, ready.resp().statusCode(), "not ready at once: " + ready.body());
    assertTrue(ready.body().toString().contains("DRAINING"), ready.body().toString());
    Answer served = get(vertx.createHttpClient(), "/up/x", null).await(5, TimeUnit.SECONDS);
    assertEquals(200, served.resp().statusCode(), "still serving during the delay");
    assertEquals("close", served.resp().getHeader("connection"), "each answer closes its connection (RFC 9112 9.6)");
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 800, "both answered inside the delay");
    assertFalse(closing.isComplete());

    closing.await(5, TimeUnit.SECONDS);
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) >= 750, "the port stayed open for the delay");
    boolean refused = get(vertx.createHttpClient(), "/healthz", null)
        .transform(ar -> Future.succeededFuture(ar.failed())).await(5, TimeUnit.SECONDS);
    assertTrue(refused, "after the delay and the drain, new connections are refused");
  }
}
