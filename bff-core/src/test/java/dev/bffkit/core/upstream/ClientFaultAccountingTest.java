package dev.bffkit.core.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bffkit.core.OnLoop;
import dev.bffkit.core.RecordingUpstream;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.pipeline.Cancellation;
import dev.bffkit.core.pipeline.Deadline;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a call's end is charged to, at the upstream layer against a real recording service:
 * a client's cancellation or its own deadline counts against nothing and is never retried or
 * hedged; a deadline the gateway chose still opens the breaker. And the breaker's lock-free
 * state mirror follows the breaker through open, half-open and closed.
 */
class ClientFaultAccountingTest {
  private Vertx vertx;
  private OnLoop loop;
  private RecordingUpstream service;
  private HttpUpstreams upstreams;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    loop = new OnLoop(vertx.getOrCreateContext());
    service = new RecordingUpstream(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    if (upstreams != null) loop.run(() -> {
      upstreams.close();
      return Future.succeededFuture();
    }).await(5, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Breaker opens at 5 failures, outlier ejection at 3; retries and hedging (after 200 ms) on, so any would show. */
  private ServiceState state(Duration timeout) {
    ServiceConfig cfg = new ServiceConfig("svc", List.of(URI.create("http://127.0.0.1:" + service.port())),
        Duration.ofSeconds(1), 64, Duration.ofSeconds(30), timeout)
        .withBreaker(new ServiceConfig.Breaker(true, 5, Duration.ofSeconds(10), Duration.ofMillis(300)))
        .withOutlier(new ServiceConfig.Outlier(3, Duration.ofSeconds(30), Duration.ofMinutes(1), 100))
        .withRetry(new ServiceConfig.Retry(2, Set.of("GET"), Set.of(502, 503, 504), Duration.ofMillis(1),
            Duration.ofMillis(5), null, 1.0, 100))
        .withHedge(new ServiceConfig.Hedge(true, Duration.ofMillis(200), Duration.ofMillis(1), 2));
    upstreams = new HttpUpstreams(vertx, Map.of("svc", cfg));
    return upstreams.registry().get("svc");
  }

  enum Fault { CLIENT_RESET, CLIENT_DEADLINE, GATEWAY_DEADLINE }

  @Test
  void onlyTheGatewaysDeadlineCountsAgainstTheService() throws Exception {
    for (Fault fault : Fault.values()) {
      ServiceState st = state(fault == Fault.GATEWAY_DEADLINE ? Duration.ofMillis(50) : Duration.ofSeconds(10));
      int received0 = service.received.get();
      List<Future<UpstreamResponse>> calls = new ArrayList<>();
      List<Cancellation> clients = new ArrayList<>();
      loop.run(() -> {
        for (int i = 0; i < 10; i++) {
          Cancellation c = new Cancellation();
          clients.add(c);
          Deadline d = Deadline.in(Duration.ofSeconds(10)).withCancellation(c);
          if (fault == Fault.CLIENT_DEADLINE) d = d.tightenByClient(50);
          calls.add(upstreams.call("svc", UpstreamRequest.get("/hang", d, "r" + i)));
        }
        return Future.succeededFuture();
      }).await(5, TimeUnit.SECONDS);
      int[] atCancel = {10};
      if (fault == Fault.CLIENT_RESET) {
        await(() -> service.received.get() - received0 >= 10, "calls reached the service");
        atCancel[0] = service.received.get() - received0; // hedges may have started if the machine is slow
        loop.run(() -> {
          clients.forEach(Cancellation::cancel);
          return Future.succeededFuture();
        }).await(5, TimeUnit.SECONDS);
      }
      List<String> kinds = new ArrayList<>();
      for (Future<UpstreamResponse> f : calls) {
        try {
          f.await(5, TimeUnit.SECONDS);
          kinds.add("answered");
        } catch (UpstreamException e) {
          kinds.add(e.kind().name());
        }
      }
      await(() -> service.open.get() == 0, fault + ": upstream calls left open");
      String expected = switch (fault) {
        case CLIENT_RESET -> "CLIENT_CANCELLED";
        case CLIENT_DEADLINE -> "CLIENT_DEADLINE";
        case GATEWAY_DEADLINE -> "TIMEOUT";
      };
      for (String k : kinds) assertEquals(expected, k, fault.name());
      boolean counted = fault == Fault.GATEWAY_DEADLINE;
      assertEquals(counted ? "open" : "closed", st.breakerState(), fault + ": breaker");
      assertEquals(counted, st.endpoints().all()[0].ejected(), fault + ": outlier ejection");
      if (!counted) {
        Thread.sleep(400); // past the hedge delay: nothing more may arrive
        assertEquals(atCancel[0], service.received.get() - received0, fault + ": retried or hedged after the client's fault");
      }
      loop.run(() -> {
        upstreams.close();
        return Future.succeededFuture();
      }).await(5, TimeUnit.SECONDS);
      upstreams = null;
    }
  }

  @Test
  void breakerMirrorFollowsOpenHalfOpenClosed() throws Exception {
    ServiceState st = state(Duration.ofSeconds(9));
    BreakerGate gate = st.gate;
    // a first call opens the connection (a cold JVM on a loaded machine may take seconds)
    assertEquals(200, loop.run(() -> upstreams.call("svc", UpstreamRequest.get("/ok", Deadline.in(Duration.ofSeconds(9)), "w")))
        .await(10, TimeUnit.SECONDS).status());
    List<String> seen = new ArrayList<>();
    seen.add(gate.state() + "/" + st.breaker.state());
    loop.run(() -> {
      Future<Object> f = Future.succeededFuture();
      for (int i = 0; i < 5; i++) {
        f = f.compose(v -> gate.failure(Calls.timeout("svc")).otherwise((Object) null));
      }
      return f;
    }).await(5, TimeUnit.SECONDS);
    seen.add(gate.state() + "/" + st.breaker.state());
    await(() -> gate.state() == CircuitBreakerState.HALF_OPEN, "half-open after the reset timeout");
    seen.add(gate.state() + "/" + st.breaker.state());
    // the half-open probe succeeds: closed again
    UpstreamResponse ok = loop.run(() -> upstreams.call("svc", UpstreamRequest.get("/ok", Deadline.in(Duration.ofSeconds(9)), "p")))
        .await(10, TimeUnit.SECONDS);
    assertEquals(200, ok.status());
    seen.add(gate.state() + "/" + st.breaker.state());
    assertEquals(List.of("CLOSED/CLOSED", "OPEN/OPEN", "HALF_OPEN/HALF_OPEN", "CLOSED/CLOSED"), seen);
  }

  @Test
  void aClientAbandonedHalfOpenProbeReopensRatherThanClosesBlind() throws Exception {
    ServiceState st = state(Duration.ofSeconds(5));
    loop.run(() -> {
      st.breaker.open();
      return Future.succeededFuture();
    }).await(5, TimeUnit.SECONDS);
    await(() -> st.gate.state() == CircuitBreakerState.HALF_OPEN, "half-open");
    Cancellation client = new Cancellation();
    Future<UpstreamResponse> probe = loop.run(() -> Future.succeededFuture(upstreams.call("svc",
        UpstreamRequest.get("/hang", Deadline.in(Duration.ofSeconds(5)).withCancellation(client), "p"))))
        .await(5, TimeUnit.SECONDS);
    await(() -> service.open.get() == 1, "probe reached the service");
    loop.run(() -> {
      client.cancel();
      return Future.succeededFuture();
    }).await(5, TimeUnit.SECONDS);
    try {
      probe.await(5, TimeUnit.SECONDS);
    } catch (UpstreamException e) {
      assertEquals(UpstreamException.Kind.CLIENT_CANCELLED, e.kind());
    }
    assertFalse(probe.succeeded());
    await(() -> service.open.get() == 0, "probe cancelled upstream");
    assertEquals("open", st.breakerState());
    assertEquals(0, st.breaker.failureCount(), "nothing counted");
  }

  private static void await(BooleanSupplier done, String what) throws InterruptedException {
    long end = System.nanoTime() + 5_000_000_000L;
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > end) throw new AssertionError("not within 5 s: " + what);
      Thread.sleep(5);
    }
  }
}
