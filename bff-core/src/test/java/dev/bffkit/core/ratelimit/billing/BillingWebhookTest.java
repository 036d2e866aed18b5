package dev.bffkit.core.ratelimit.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The billing webhook against real receivers on 127.0.0.1: failing, refusing, dead, hanging, throttling. */
class BillingWebhookTest {

  private static final String SECRET = "whsec_test_secret";
  private static Vertx vertx;

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger mostOpen = new AtomicInteger();
  private final MeterRegistry registry = new SimpleMeterRegistry();
  private HttpServer server;
  private BillingWebhook webhook;

  /** One request as the receiver saw it. */
  record Received(long atNanos, String idempotencyKey, String signature, String contentType, byte[] body) {
    JsonObject json() {
      return new JsonObject(new String(body, StandardCharsets.UTF_8));
    }
  }

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
  }

  @AfterAll
  static void stopVertx() throws Exception {
    await(vertx.close());
  }

  @AfterEach
  void stop() throws Exception {
    if (webhook != null) await(webhook.close());
    if (server != null) await(server.close());
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** A receiver that records each request, then lets {@code answer} (given the request's index) respond or not. */
  private URI receiver(BiConsumer<Integer, HttpServerRequest> answer) throws Exception {
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(req -> {
      int n = open.incrementAndGet();
      mostOpen.accumulateAndGet(n, Math::max);
      AtomicBoolean counted = new AtomicBoolean(true);
      Runnable gone = () -> {
        if (counted.getAndSet(false)) open.decrementAndGet();
      };
      req.response().closeHandler(v -> gone.run());
      req.response().endHandler(v -> gone.run());
      req.body().onSuccess(body -> {
        received.add(new Received(System.nanoTime(), req.getHeader("Idempotency-Key"), req.getHeader("BFF-Signature"),
            req.getHeader("Content-Type"), body.getBytes()));
        answer.accept(received.size() - 1, req);
      });
    });
    await(server.listen());
    return URI.create("http://127.0.0.1:" + server.actualPort() + "/billing/events");
  }

  private static BillingWebhookOptions options(URI url, Duration timeout, int maxAttempts, Duration initial,
      Duration max, int capacity) {
    return new BillingWebhookOptions(url, SECRET, timeout, maxAttempts, initial, max, capacity);
  }

  private double events(String outcome) {
    return registry.get("bff.billing.webhook.events").tag("bff", "web").tag("outcome", outcome).counter().count();
  }

  private double attempts(String result) {
    return registry.get("bff.billing.webhook.attempts").tag("bff", "web").tag("result", result).counter().count();
  }

  private static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("not within 10 s: " + what);
      Thread.sleep(10);
    }
  }

  private static UsageEvent event(String key, int threshold) {
    return UsageEventTest.event(key, threshold);
  }

  @Test
  void twoFailuresThenOkIsOneDeliveryOfThreeAttemptsWithOneKeyAndValidSignatures() throws Exception {
    URI url = receiver((i, req) -> req.response().setStatusCode(i < 2 ? 503 : 200).end());
    webhook = BillingWebhook.start(vertx, options(url, Duration.ofSeconds(2), 6, Duration.ofMillis(50),
        Duration.ofMillis(200), 100), registry, "web");
    UsageEvent e = event("apikey:demo-free-key", 80);
    assertTrue(webhook.offer(e));

    eventually(() -> events("delivered") == 1, "delivered");
    Thread.sleep(300); // no further attempt after the 200
    assertEquals(3, received.size());
    long nowSeconds = System.currentTimeMillis() / 1000;
    for (Received r : received) {
      assertEquals(e.idempotencyKey(), r.idempotencyKey());
      assertEquals("application/json", r.contentType());
      assertTrue(BillingSignature.verify(SECRET, r.signature(), r.body(), nowSeconds, 60), r.signature());
      assertFalse(BillingSignature.verify("another secret", r.signature(), r.body(), nowSeconds, 60));
      assertEquals(e.toJson(), r.json());
    }
    assertEquals(1, events("delivered"));
    assertEquals(0, events("gave_up") + events("rejected") + events("dropped"));
    assertEquals(1, attempts("ok"));
    assertEquals(2, attempts("retry"));
    assertEquals(0, webhook.queued());
    assertEquals(0, registry.get("bff.billing.webhook.queue").tag("bff", "web").gauge().value());
  }

  @Test
  void aRefusalIsGivenUpAfterOneAttempt() throws Exception {
    URI url = receiver((i, req) -> req.response().setStatusCode(400).end("{\"error\":\"unknown customer\"}"));
    webhook = BillingWebhook.start(vertx, options(url, Duration.ofSeconds(2), 6, Duration.ofMillis(20),
        Duration.ofMillis(50), 100), registry, "web");
    assertTrue(webhook.offer(event("apikey:x", 100)));
    eventually(() -> events("rejected") == 1, "rejected");
    Thread.sleep(300);
    assertEquals(1, received.size());
    assertEquals(0, events("delivered") + events("gave_up"));
    assertEquals(1, attempts("failed"));
    assertEquals(0, webhook.queued());
  }

  @Test
  void aReceiverThatKeepsFailingIsGivenUpAfterMaxAttempts() throws Exception {
    URI url = receiver((i, req) -> req.response().setStatusCode(i % 2 == 0 ? 500 : 408).end());
    webhook = BillingWebhook.start(vertx, options(url, Duration.ofSeconds(2), 3, Duration.ofMillis(20),
        Duration.ofMillis(50), 100), registry, "web");
    assertTrue(webhook.offer(event("apikey:x", 80)));
    eventually(() -> events("gave_up") == 1, "gave up");
    Thread.sleep(300);
    assertEquals(3, received.size());
    assertEquals(2, attempts("retry"));
    assertEquals(1, attempts("failed"));
  }

  @Test
  void retryAfterIsHonoured() throws Exception {
    URI url = receiver((i, req) -> {
      if (i == 0) {
        req.response().setStatusCode(429).putHeader("Retry-After", "1").end();
      } else {
        req.response().setStatusCode(204).end();
      }
    });
    // The backoff alone would be ≤ 10 ms; the receiver asks for 1 s (and the cap, 5 s, allows it).
    webhook = BillingWebhook.start(vertx, options(url, Duration.ofSeconds(2), 6, Duration.ofMillis(10),
        Duration.ofSeconds(5), 100), registry, "web");
    assertTrue(webhook.offer(event("apikey:x", 80)));
    eventually(() -> events("delivered") == 1, "delivered");
    assertEquals(2, received.size());
    long gapMillis = TimeUnit.NANOSECONDS.toMillis(received.get(1).atNanos() - received.get(0).atNanos());
    assertTrue(gapMillis >= 900 && gapMillis < 4000, "waited " + gapMillis + " ms");
  }

  @Test
  void aDeadWebhookNeverSlowsOffersAndTheQueueStaysBounded() throws Exception {
    HttpServer probe = vertx.createHttpServer().requestHandler(req -> req.response().end());
    await(probe.listen(0, "127.0.0.1"));
    int deadPort = probe.actualPort();
    await(probe.close()); // nobody listens there now: connections are refused
    URI url = URI.create("http://127.0.0.1:" + deadPort + "/billing");
    offersStayFastAndBounded(url, Duration.ofSeconds(1));
    closeDropsEverythingHeld();
  }

  @Test
  void aHangingWebhookNeverSlowsOffersAndHoldsFewConnections() throws Exception {
    URI url = receiver((i, req) -> { }); // reads the request, never answers
    offersStayFastAndBounded(url, Duration.ofSeconds(2));
    eventually(() -> received.size() >= BillingWebhook.MAX_IN_FLIGHT, "attempts reached the hanging receiver");
    Thread.sleep(200);
    // Well before the 2 s attempt timeout: only MAX_IN_FLIGHT requests, the other events wait in the queue.
    assertEquals(BillingWebhook.MAX_IN_FLIGHT, received.size());
    assertEquals(BillingWebhook.MAX_IN_FLIGHT, mostOpen.get());
    // The attempt timeout ends each hung attempt (closing its connection) and a retry follows.
    eventually(() -> attempts("retry") >= BillingWebhook.MAX_IN_FLIGHT, "hung attempts timed out and were retried");
    closeDropsEverythingHeld();
  }

  private void offersStayFastAndBounded(URI url, Duration timeout) throws Exception {
    int capacity = 100;
    webhook = BillingWebhook.start(vertx, options(url, timeout, 6, Duration.ofSeconds(1), Duration.ofSeconds(2),
        capacity), registry, "web");
    int offers = 2000;
    List<UsageEvent> events = new ArrayList<>(offers);
    for (int i = 0; i < offers; i++) events.add(event("apikey:k" + i, 80));
    int accepted = 0;
    int mostHeld = 0;
    long start = System.nanoTime();
    for (UsageEvent e : events) {
      if (webhook.offer(e)) accepted++;
      mostHeld = Math.max(mostHeld, webhook.queued());
    }
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(tookMillis < 1000, offers + " offers took " + tookMillis + " ms");
    // No event can finish within the loop (the first retry waits, and 6 attempts take seconds): exactly the capacity.
    assertEquals(capacity, accepted);
    assertTrue(mostHeld <= capacity, "held " + mostHeld);
    assertEquals(offers - capacity, events("dropped"));
  }

  private void closeDropsEverythingHeld() throws Exception {
    int offers = 2000;
    long closing = System.nanoTime();
    await(webhook.close());
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing) < 5000, "close took too long");
    assertEquals(0, webhook.queued());
    assertEquals(offers, events("dropped"), "every held event is dropped (and logged) at close");
    assertEquals(0, events("delivered"));
    assertFalse(webhook.offer(event("apikey:late", 80)), "closed");
    webhook = null;
  }

  @Test
  void oneCallersEventsArriveInOrderWhileOthersGoAhead() throws Exception {
    // Every first attempt of an event fails: a caller's 100 % must still wait for its 80 %.
    List<String> firstSeen = new CopyOnWriteArrayList<>();
    List<String> deliveredOrder = new CopyOnWriteArrayList<>();
    URI url = receiver((i, req) -> {
      String id = req.getHeader("Idempotency-Key");
      if (!firstSeen.contains(id)) {
        firstSeen.add(id);
        req.response().setStatusCode(503).end();
      } else {
        deliveredOrder.add(id);
        req.response().setStatusCode(200).end();
      }
    });
    webhook = BillingWebhook.start(vertx, options(url, Duration.ofSeconds(2), 6, Duration.ofMillis(30),
        Duration.ofMillis(100), 100), registry, "web");
    UsageEvent a80 = event("apikey:a", 80);
    UsageEvent a100 = event("apikey:a", 100);
    UsageEvent b80 = event("apikey:b", 80);
    assertTrue(webhook.offer(a80));
    assertTrue(webhook.offer(a100));
    assertTrue(webhook.offer(b80));
    eventually(() -> events("delivered") == 3, "all delivered");
    List<String> order = new ArrayList<>(deliveredOrder);
    assertTrue(order.indexOf(a80.idempotencyKey()) < order.indexOf(a100.idempotencyKey()), order.toString());
    // a100 was not even tried before a80 was delivered.
    List<String> keysInArrival = received.stream().map(Received::idempotencyKey).toList();
    int a80Delivered = keysInArrival.lastIndexOf(a80.idempotencyKey());
    assertTrue(keysInArrival.indexOf(a100.idempotencyKey()) > a80Delivered, keysInArrival.toString());
    // b is another caller: its first attempt did not wait for a's delivery.
    assertTrue(keysInArrival.indexOf(b80.idempotencyKey()) < a80Delivered, keysInArrival.toString());
  }

  @Test
  void closeDropsWhatIsStillHeld() throws Exception {
    URI url = receiver((i, req) -> { });
    webhook = BillingWebhook.start(vertx, options(url, Duration.ofSeconds(5), 6, Duration.ofMillis(50),
        Duration.ofMillis(50), 100), registry, "web");
    for (int i = 0; i < 10; i++) assertTrue(webhook.offer(event("apikey:c" + i, 80)));
    eventually(() -> received.size() == BillingWebhook.MAX_IN_FLIGHT, "attempts in flight");
    await(webhook.close());
    assertEquals(10, events("dropped"));
    assertEquals(0, webhook.queued());
    webhook = null;
  }

  @Test
  void backoffHasFullJitterUnderAGrowingCappedCeilingAndRetryAfterIsAFloor() throws Exception {
    URI url = receiver((i, req) -> req.response().end());
    webhook = BillingWebhook.start(vertx, options(url, Duration.ofSeconds(1), 6, Duration.ofMillis(100),
        Duration.ofMillis(1000), 10), registry, "web");
    long[] ceilings = {100, 200, 400, 800, 1000, 1000, 1000};
    for (int attempt = 1; attempt <= ceilings.length; attempt++) {
      long least = Long.MAX_VALUE;
      long most = 0;
      for (int n = 0; n < 2000; n++) {
        long d = webhook.backoffMillis(attempt, -1);
        least = Math.min(least, d);
        most = Math.max(most, d);
      }
      assertTrue(least >= 1 && least < ceilings[attempt - 1] / 4, "attempt " + attempt + " least " + least);
      assertTrue(most <= ceilings[attempt - 1] && most > ceilings[attempt - 1] * 3 / 4, "attempt " + attempt + " most " + most);
    }
    assertTrue(webhook.backoffMillis(1, 700) >= 700);
    assertEquals(1000, webhook.backoffMillis(1, 60_000), "Retry-After is capped at maxBackoff");
    for (int n = 0; n < 100; n++) {
      long d = webhook.backoffMillis(40, -1);
      assertTrue(d >= 1 && d <= 1000, "no overflow on many attempts: " + d);
    }
  }

  @Test
  void retryAfterIsReadAsSecondsOrAnHttpDate() {
    long now = 1_795_000_000_000L;
    assertEquals(1000, BillingWebhook.retryAfterMillis("1", now));
    assertEquals(0, BillingWebhook.retryAfterMillis("0", now));
    assertEquals(86_400_000L, BillingWebhook.retryAfterMillis("99999999999999999999", now));
    assertEquals(-1, BillingWebhook.retryAfterMillis(null, now));
    assertEquals(-1, BillingWebhook.retryAfterMillis("", now));
    assertEquals(-1, BillingWebhook.retryAfterMillis("-1", now));
    assertEquals(-1, BillingWebhook.retryAfterMillis("1.5", now));
    assertEquals(-1, BillingWebhook.retryAfterMillis(" 1", now));
    assertEquals(-1, BillingWebhook.retryAfterMillis("soon", now));
    String inTenSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.ofEpochMilli(now + 10_000).atZone(ZoneOffset.UTC));
    assertEquals(10_000, BillingWebhook.retryAfterMillis(inTenSeconds, now));
    assertEquals(0, BillingWebhook.retryAfterMillis("Sun, 06 Nov 1994 08:49:37 GMT", now), "a date passed");
  }
}
