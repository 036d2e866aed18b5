package dev.bffkit.core.upstream;

import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.observe.ServiceMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * What one BFF knows of a {@code coldStart:} service (a serverless function), shared by its event loops: when the
 * service last answered (asleep, as far as we know, after {@code idleAfter} of silence) and when real traffic last
 * called it. A call that finds it asleep gets {@code expected} more time. {@link #keepWarm} keeps it awake while it has
 * traffic. A warm-up sent by {@link #wakeAhead}, while a request's token is checked, is a wake-up, and the first real call that comes while it runs waits for it (at most {@code expected}) and takes the instance it woke: a
 * function platform gives a call that finds every instance busy, booting ones included, a new instance with its own
 * cold start, so without the hand-off a request warmed ahead would still pay a cold start of its own. Later calls go
 * at once, as they would without us. Lock-free: volatile time stamps and two compare-and-sets.
 */
final class ColdStartGate {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.upstream");

  /** A warm-up waking the service; the first real call to {@link #claim} it waits for it. */
  private static final class Wake {
    final Promise<Void> done = Promise.promise();
    final AtomicBoolean claimed = new AtomicBoolean();
  }

  private final String service;
  private final long idleNanos;
  private final long expectedNanos;
  private final long expectedMillis;
  private final long keepWarmForNanos;
  private final Counter coldStartsOnCalls;
  private final Counter coldStartsOnWarmUps;
  private final Timer wakeTime;
  private final Counter warmUpsAhead;
  private final Counter warmUpsKept;
  private final AtomicReference<Wake> waking = new AtomicReference<>();
  /** Last answer of any kind (a 5xx too: the function is up); at start "long ago", so the first call counts as cold. */
  private volatile long lastAnswer;
  /** Last real call; warm-ups go on for {@code keepWarmFor} after it. Long ago at start: no traffic, no warm-ups. */
  private volatile long lastCall;

  ColdStartGate(ServiceConfig.ColdStart cfg, String service, ServiceMeters meters) {
    this.service = service;
    this.idleNanos = cfg.idleAfter().toNanos();
    this.expectedNanos = cfg.expected().toNanos();
    this.expectedMillis = cfg.expected().toMillis();
    this.keepWarmForNanos = cfg.keepWarmFor().toNanos();
    long now = System.nanoTime();
    this.lastAnswer = now - idleNanos - 1;
    this.lastCall = now - keepWarmForNanos - 1;
    String starts = "Cold starts observed: a call or warm-up to a sleeping service that took at least half its expected time";
    this.coldStartsOnCalls = meters.counter("bff.upstream.cold.starts", starts, "via", "call");
    this.coldStartsOnWarmUps = meters.counter("bff.upstream.cold.starts", starts, "via", "warmup");
    this.wakeTime = Timer.builder("bff.upstream.cold.start.duration").description("How long observed cold starts took")
        .tag("service", service).register(meters.registry());
    this.warmUpsAhead = meters.counter("bff.upstream.warmups", "Warm-up calls sent, by reason", "reason", "ahead");
    this.warmUpsKept = meters.counter("bff.upstream.warmups", "Warm-up calls sent, by reason", "reason", "keep_warm");
  }

  /**
   * A warm-up of {@code cfg}'s service, allowed its cold start and its timeout: {@code GET path} (else its health
   * check's path) on {@code client}, passing on a 2xx; for a gRPC service its {@code grpc.health.v1} check (close it
   * with {@link #close}). Null when an HTTP service has no path to warm.
   */
  static HealthChecker.Probe probe(Vertx vertx, HttpClient client, ServiceConfig cfg) {
    ServiceConfig.ColdStart cs = cfg.coldStart();
    ServiceConfig.HealthCheck hc = cfg.healthCheck();
    Duration timeout = cs.expected().plus(cfg.timeout());
    if (cs.grpc()) {
      ServiceConfig.HealthCheck check = new ServiceConfig.HealthCheck(null, hc.interval(), timeout,
          hc.healthyThreshold(), hc.unhealthyThreshold()).grpc(hc.service());
      return new GrpcHealthProbe(vertx, cfg.withHealthCheck(check));
    }
    String path = cs.path() != null ? cs.path() : hc.path();
    if (path == null) return null;
    return HealthChecker.http(client, new ServiceConfig.HealthCheck(path, hc.interval(), timeout,
        hc.healthyThreshold(), hc.unhealthyThreshold()));
  }

  /** Releases a probe made by {@link #probe} (a gRPC one owns its clients). */
  static void close(HealthChecker.Probe probe) {
    if (probe instanceof GrpcHealthProbe g) g.close();
  }

  /** Asleep as far as we know: nothing has answered for {@code idleAfter}. */
  boolean cold(long now) {
    return now - lastAnswer > idleNanos;
  }

  /** The time a call made now may take beyond the service's timeout: its cold start when asleep. */
  long extraMillis(long now) {
    return cold(now) ? expectedMillis : 0;
  }

  /** One real call made at {@code now}: after the wake-up in flight when it is the first to claim it, else at once. */
  <T> Future<T> call(Vertx vertx, long now, Supplier<Future<T>> call) {
    lastCall = now;
    Wake w = waking.get();
    if (w != null && w.claimed.compareAndSet(false, true)) return after(vertx, w.done.future(), call);
    boolean wasCold = cold(now);
    Future<T> f = call.get();
    f.onComplete(ar -> ended(now, wasCold, coldStartsOnCalls, ar.succeeded()));
    return f;
  }

  /**
   * A request is waiting for its token check and will call this service: if it sleeps and nobody is waking it, wake
   * it now with {@code probe} on every live endpoint, so the cold start runs beside the check instead of after it.
   */
  void wakeAhead(EndpointState[] endpoints, HealthChecker.Probe probe) {
    long now = System.nanoTime();
    if (!cold(now) || waking.get() != null) return;
    Wake w = new Wake();
    if (!waking.compareAndSet(null, w)) return;
    warmUpsAhead.increment();
    probeAll(endpoints, probe).onComplete(ar -> woke(w, now, ar.succeeded() && ar.result()));
  }

  /**
   * The service's timer: while real calls came within {@code keepWarmFor}, a warm-up of every endpoint of a service
   * that is awake. One that sleeps is left to the next call or {@link #wakeAhead}: a warm-up beside a call that is
   * waking it would only start a second instance.
   */
  void keepWarm(EndpointState[] endpoints, HealthChecker.Probe probe) {
    long now = System.nanoTime();
    if (now - lastCall > keepWarmForNanos || cold(now) || waking.get() != null) return;
    warmUpsKept.increment();
    probeAll(endpoints, probe).onComplete(ar -> ended(now, false, coldStartsOnWarmUps, ar.succeeded() && ar.result()));
  }

  /** True when one endpoint answered the warm-up. */
  private static Future<Boolean> probeAll(EndpointState[] endpoints, HealthChecker.Probe probe) {
    List<Future<Boolean>> all = new ArrayList<>(endpoints.length);
    for (EndpointState e : endpoints) {
      Future<Boolean> f;
      try {
        f = probe.check(e.endpoint);
      } catch (RuntimeException err) {
        f = Future.failedFuture(err);
      }
      all.add(f);
    }
    return Future.join(all).transform(ar -> {
      for (Future<Boolean> f : all) if (f.succeeded() && f.result()) return Future.succeededFuture(true);
      return Future.succeededFuture(false);
    });
  }

  private void woke(Wake w, long started, boolean answered) {
    ended(started, true, coldStartsOnWarmUps, answered);
    waking.compareAndSet(w, null);
    w.done.complete();
  }

  /** A call or warm-up started at {@code started} ended; {@code answered}: the service answered it. */
  private void ended(long started, boolean wasCold, Counter coldStarts, boolean answered) {
    if (!answered) return;
    long now = System.nanoTime();
    lastAnswer = now;
    long took = now - started;
    if (wasCold && took * 2 >= expectedNanos) {
      coldStarts.increment();
      wakeTime.record(took, TimeUnit.NANOSECONDS);
      LOG.info("event=cold_start service=" + service + " took_ms=" + took / 1_000_000);
    }
  }

  /**
   * {@code call} once {@code inFlight} ends or {@code expected} has passed (a wake-up slower than that is not worth
   * more waiting), on the caller's own context.
   */
  private <T> Future<T> after(Vertx vertx, Future<Void> inFlight, Supplier<Future<T>> call) {
    Context here = vertx.getOrCreateContext();
    Promise<T> result = Promise.promise();
    boolean[] started = {false};
    Runnable go = () -> {
      if (started[0]) return;
      started[0] = true;
      call.get().onComplete(result);
    };
    long timer = vertx.setTimer(Math.max(1, expectedMillis), id -> go.run());
    inFlight.onComplete(ar -> here.runOnContext(v -> {
      vertx.cancelTimer(timer);
      go.run();
    }));
    return result.future();
  }
}
