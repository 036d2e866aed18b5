package dev.bffkit.core.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.OnLoop;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.CompositionConfig;
import dev.bffkit.core.config.ServerConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.observe.Observability;
import dev.bffkit.core.pipeline.Deadline;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The resilience behaviours against real servers on loopback. Assertions are on counts and
 * outcomes, never on elapsed time.
 */
class ResilienceTest {
  private Vertx vertx;
  private OnLoop loop;
  private HttpUpstreams upstreams;
  private Observability observe;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    loop = new OnLoop(vertx.getOrCreateContext());
  }

  @AfterEach
  void stop() throws Exception {
    if (upstreams != null) loop.run(() -> {
      upstreams.close();
      return Future.succeededFuture();
    }).await(5, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static ServiceConfig service(Replica... replicas) {
    List<URI> eps = Arrays.stream(replicas).map(r -> URI.create("http://127.0.0.1:" + r.port())).toList();
    return new ServiceConfig("posts", eps, Duration.ofSeconds(1), 16, Duration.ofSeconds(30), Duration.ofSeconds(5));
  }

  private HttpUpstreams upstreams(ServiceConfig cfg) {
    BffConfig bff = new BffConfig("t", ServerConfig.defaults(), CompositionConfig.defaults(), Map.of(cfg.name(), cfg), List.of());
    observe = Observability.create(bff, null, null);
    upstreams = new HttpUpstreams(vertx, new UpstreamRegistry(vertx, bff.services(), observe));
    return upstreams;
  }

  /** A counter of the service's meters (issue 11: what the resilience machinery did is visible). */
  private double count(String name, String tag, String value) {
    return observe.metrics().registry().get(name).tag("service", "posts").tag(tag, value).counter().count();
  }

  private Future<UpstreamResponse> get(String path) {
    return upstreams.call("posts", UpstreamRequest.get(path, Deadline.in(Duration.ofSeconds(5)), "t"));
  }

  /** {@code workers} loops of sequential calls on the event loop, {@code total} calls in all; outcomes in order of completion. */
  private List<Object> load(int workers, int total) throws Exception {
    List<Object> outcomes = new ArrayList<>();
    AtomicInteger issued = new AtomicInteger();
    Promise<Void> all = Promise.promise();
    AtomicInteger running = new AtomicInteger(workers);
    loop.run(() -> {
      for (int w = 0; w < workers; w++) worker(issued, total, outcomes, running, all);
      return all.future();
    }).await(60, TimeUnit.SECONDS);
    return outcomes;
  }

  private void worker(AtomicInteger issued, int total, List<Object> outcomes, AtomicInteger running, Promise<Void> all) {
    if (issued.incrementAndGet() > total) {
      if (running.decrementAndGet() == 0) all.complete();
      return;
    }
    get("/x").onComplete(ar -> {
      outcomes.add(ar.succeeded() ? ar.result() : ar.cause());
      worker(issued, total, outcomes, running, all);
    });
  }

  private static long errors(List<Object> outcomes) {
    return outcomes.stream().filter(o -> !(o instanceof UpstreamResponse r) || r.status() != 200).count();
  }

  @Test
  void killedEndpointTrafficMovesToOthersWithoutErrors() throws Exception {
    Replica a = new Replica(vertx, "a");
    Replica b = new Replica(vertx, "b");
    Replica c = new Replica(vertx, "c");
    upstreams(service(a, b, c));
    assertEquals(0, errors(load(4, 60)));
    c.kill();
    int before = a.requests.get() + b.requests.get();
    List<Object> outcomes = load(4, 300);
    assertEquals(0, errors(outcomes), "idempotent GETs see no errors: " + outcomes.stream().filter(o -> !(o instanceof UpstreamResponse)).findFirst());
    assertEquals(300, a.requests.get() + b.requests.get() - before, "every call was answered by a live replica");
    EndpointState dead = Arrays.stream(upstreams.registry().get("posts").endpoints().all())
        .filter(e -> e.endpoint().port() == c.port()).findFirst().orElseThrow();
    assertTrue(dead.ejected(), "the dead endpoint is ejected");
    assertTrue(observe.metrics().registry().get("bff.upstream.ejections").counter().count() >= 1, "and the ejection counted");
    assertTrue(observe.metrics().registry().get("bff.upstream.retries").counter().count() >= 1, "the retries too");
    assertEquals(360, count("bff.upstream.calls", "outcome", "ok"), "every logical call once, retries inside it");
  }

  @Test
  void p2cSendsTheSlowEndpointASmallMinority() throws Exception {
    Replica fast = new Replica(vertx, "fast");
    Replica slow = new Replica(vertx, "slow");
    slow.delayMs = 40;
    upstreams(service(fast, slow));
    assertEquals(0, errors(load(8, 800)));
    double share = slow.requests.get() / 800.0;
    assertTrue(share < 0.15, "slow endpoint got " + slow.requests.get() + " of 800");
    assertTrue(fast.requests.get() > 600);
  }

  @Test
  void breakerOpensStopsTrafficHalfOpensAndRecovers() throws Exception {
    Replica r = new Replica(vertx, "r");
    r.status = 500;
    ServiceConfig cfg = service(r)
        .withBreaker(new ServiceConfig.Breaker(true, 5, Duration.ofSeconds(10), Duration.ofMillis(300)))
        .withRetry(ServiceConfig.Retry.defaults().withMaxRetries(0))
        .withOutlier(new ServiceConfig.Outlier(0, Duration.ofSeconds(1), Duration.ofSeconds(1), 50));
    upstreams(cfg);
    ServiceState state = upstreams.registry().get("posts");
    List<Object> first = load(1, 5);
    assertTrue(first.stream().allMatch(o -> o instanceof UpstreamResponse resp && resp.status() == 500),
        "5xx answers pass through to the caller");
    assertEquals("open", state.breakerState());
    List<Object> shed = load(2, 20);
    assertEquals(5, r.requests.get(), "no traffic reaches the service while open");
    for (Object o : shed) {
      UpstreamException e = assertInstanceOf(UpstreamException.class, o);
      assertEquals(UpstreamException.Kind.BREAKER_OPEN, e.kind());
      assertEquals("posts unavailable, breaker open", e.getMessage());
    }
    r.status = 200;
    awaitState(state, "half_open");
    List<Object> probe = load(1, 1);
    assertEquals(200, ((UpstreamResponse) probe.get(0)).status());
    assertEquals("closed", state.breakerState());
    assertEquals(0, errors(load(2, 20)));
    assertEquals(5 + 1 + 20, r.requests.get());
    assertEquals(1, count("bff.upstream.breaker.transitions", "to", "open"));
    assertEquals(1, count("bff.upstream.breaker.transitions", "to", "half_open"));
    assertEquals(1, count("bff.upstream.breaker.transitions", "to", "closed"));
    assertEquals(20, count("bff.upstream.calls", "outcome", "breaker_open"));
    assertEquals(5, count("bff.upstream.calls", "outcome", "server_error"));
    assertEquals(1, observe.metrics().registry().get("bff.upstream.breaker.state").tag("state", "closed").gauge().value());
  }

  private void awaitState(ServiceState state, String want) throws Exception {
    for (int i = 0; i < 200 && !state.breakerState().equals(want); i++) Thread.sleep(25);
    assertEquals(want, state.breakerState());
  }

  @Test
  void retryBudgetBoundsTrafficToADeadService() throws Exception {
    Replica r = new Replica(vertx, "r");
    r.status = 503;
    ServiceConfig cfg = service(r)
        .withBreaker(new ServiceConfig.Breaker(false, 5, Duration.ofSeconds(10), Duration.ofSeconds(1)))
        .withRetry(new ServiceConfig.Retry(3, ServiceConfig.Retry.defaults().methods(), java.util.Set.of(503),
            Duration.ofMillis(1), Duration.ofMillis(2), null, 0.2, 0));
    upstreams(cfg);
    int calls = 200;
    List<Object> outcomes = load(4, calls);
    assertEquals(calls, outcomes.size());
    int seen = r.requests.get();
    assertTrue(seen <= (int) (calls * 1.2), "service saw " + seen + " requests for " + calls + " calls");
    assertTrue(seen > calls, "some retries did go");
  }

  @Test
  void postIsNeverRetried() throws Exception {
    Replica r = new Replica(vertx, "r");
    r.status = 503;
    upstreams(service(r));
    UpstreamResponse resp = loop.run(() -> upstreams.call("posts", new UpstreamRequest(io.vertx.core.http.HttpMethod.POST,
        "/x", null, io.vertx.core.buffer.Buffer.buffer("{}"), Deadline.in(Duration.ofSeconds(5)), "t")))
        .await(5, TimeUnit.SECONDS);
    assertEquals(503, resp.status());
    assertEquals(1, r.requests.get());
  }

  @Test
  void hedgedCallsAnswerFromTheLiveReplica() throws Exception {
    Replica live = new Replica(vertx, "live");
    Replica stalled = new Replica(vertx, "stalled");
    stalled.stall = Promise.promise();
    ServiceConfig cfg = service(live, stalled)
        .withHedge(new ServiceConfig.Hedge(true, Duration.ofMillis(20), Duration.ofMillis(5), 2))
        .withOutlier(new ServiceConfig.Outlier(0, Duration.ofSeconds(1), Duration.ofSeconds(1), 50));
    upstreams(cfg);
    List<Object> outcomes = load(2, 40);
    assertEquals(0, errors(outcomes));
    for (Object o : outcomes) {
      assertEquals("live", new JsonObject(((UpstreamResponse) o).body()).getString("replica"));
    }
    assertTrue(stalled.requests.get() > 0, "some first tries went to the stalled replica and were hedged");
    EndpointState s = Arrays.stream(upstreams.registry().get("posts").endpoints().all())
        .filter(e -> e.endpoint().port() == stalled.port()).findFirst().orElseThrow();
    // The losers run on (a reset would close their connections): still in flight, so least
    // request keeps new first tries away from the stalled replica.
    assertTrue(s.active() > 0, "the losing tries are still in flight");
    assertTrue(stalled.requests.get() <= 5, "least request avoided the stalled replica: " + stalled.requests.get());
    double launched = count("bff.upstream.hedges", "result", "launched");
    double won = count("bff.upstream.hedges", "result", "won");
    assertTrue(won >= 1 && won <= launched, "hedges launched " + launched + ", won " + won);
    stalled.stall.complete();
    long until = System.currentTimeMillis() + 5_000;
    while (s.active() > 0 && System.currentTimeMillis() < until) Thread.sleep(10);
    assertEquals(0, s.active(), "the losers finished once the replica answered");
  }

  @Test
  void bulkheadFailsFastBeyondTheLimitAndTheLimitHolds() throws Exception {
    Replica r = new Replica(vertx, "r");
    r.stall = Promise.promise();
    upstreams(service(r).withBulkhead(new ServiceConfig.Bulkhead(2, 0)));
    List<Future<UpstreamResponse>> calls = new ArrayList<>();
    loop.run(() -> {
      for (int i = 0; i < 10; i++) calls.add(get("/x"));
      return Future.succeededFuture();
    }).await(5, TimeUnit.SECONDS);
    // The 8 over the limit fail while the 2 admitted are still held by the upstream.
    Future.join(new ArrayList<>(calls.subList(2, 10))).otherwiseEmpty().await(5, TimeUnit.SECONDS);
    for (Future<UpstreamResponse> f : calls.subList(2, 10)) {
      UpstreamException e = assertInstanceOf(UpstreamException.class, f.cause());
      assertEquals(UpstreamException.Kind.OVERLOADED, e.kind());
      assertTrue(e.getMessage().contains("posts"), e.getMessage());
    }
    assertFalse(calls.get(0).isComplete());
    assertFalse(calls.get(1).isComplete());
    for (int i = 0; i < 200 && r.requests.get() < 2; i++) Thread.sleep(10); // both admitted calls arrive
    r.stall.complete();
    assertEquals(200, calls.get(0).await(5, TimeUnit.SECONDS).status());
    assertEquals(200, calls.get(1).await(5, TimeUnit.SECONDS).status());
    assertEquals(2, r.maxInFlight.get());
    assertEquals(2, r.requests.get());
    assertEquals(0, upstreams.registry().get("posts").bulkhead().active());
  }

  @Test
  void fileDiscoverySwapsEndpointsLive(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    Replica a = new Replica(vertx, "a");
    Replica b = new Replica(vertx, "b");
    java.nio.file.Path file = dir.resolve("posts.endpoints");
    java.nio.file.Files.writeString(file, "http://127.0.0.1:" + a.port() + "\n");
    ServiceConfig cfg = new ServiceConfig("posts", List.of(), Duration.ofSeconds(1), 16, Duration.ofSeconds(30), Duration.ofSeconds(5))
        .withDiscovery(new ServiceConfig.Discovery(ServiceConfig.Discovery.Type.FILE, null, 0, Duration.ofMillis(50), file.toString()));
    UpstreamRegistry registry = new UpstreamRegistry(vertx, Map.of("posts", cfg));
    registry.start().await(5, TimeUnit.SECONDS);
    upstreams = new HttpUpstreams(vertx, registry);
    assertEquals(0, errors(load(2, 10)));
    assertEquals(10, a.requests.get());
    java.nio.file.Path tmp = dir.resolve("next");
    java.nio.file.Files.writeString(tmp, "# moved\nhttp://127.0.0.1:" + b.port() + " weight=2\n");
    java.nio.file.Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    for (int i = 0; i < 200 && registry.get("posts").endpoints().all()[0].endpoint().port() != b.port(); i++) Thread.sleep(25);
    assertEquals(0, errors(load(2, 10)));
    assertEquals(10, b.requests.get());
    assertEquals(10, a.requests.get());
    registry.close();
  }

  @Test
  void deadlineTravelsUpstream() throws Exception {
    Replica r = new Replica(vertx, "r");
    upstreams(service(r));
    loop.run(() -> upstreams.call("posts", UpstreamRequest.get("/x", Deadline.in(Duration.ofMillis(800)), "t")))
        .await(5, TimeUnit.SECONDS);
    long ms = Long.parseLong(r.lastDeadlineHeader);
    assertTrue(ms > 0 && ms <= 800, "x-request-timeout-ms: " + ms);
  }
}
