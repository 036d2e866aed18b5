package dev.bffkit.core.upstream;

import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.internal.LoopTimer;
import dev.bffkit.core.observe.UpstreamCall;
import dev.bffkit.core.pipeline.Cancellation;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;

/**
 * One logical call inside the breaker: retries (with jittered backoff, under the retry budget)
 * of rounds, where a round is one try, or with hedging several tries to different endpoints of
 * which the first answer wins. The others run to their end, their answers dropped: resetting
 * an HTTP/1.1 request closes its connection (a new connect per hedge: ×4.5 CPU per screen in the
 * load test), and a try cut short no longer counts as in flight, so least-request balancing stops
 * seeing the slow endpoint and sends it half the traffic (p50 ×3). Every try is bounded by the per-try
 * timeout and by the call's end (the earlier of the request deadline and the service timeout),
 * and tells the upstream its budget in {@code x-request-timeout-ms} (or {@code grpc-timeout}).
 *
 * <p>A client's own faults end the call without blaming the service: when the request's
 * {@link Cancellation} fires (the client left) every try in flight is reset (RST_STREAM CANCEL on
 * h2, a closed connection on HTTP/1.1), pending hedge and backoff timers are cancelled, and the
 * call fails with {@link UpstreamException.Kind#CLIENT_CANCELLED}; a try cut by a deadline the
 * client chose fails with {@link UpstreamException.Kind#CLIENT_DEADLINE}. Neither feeds outlier
 * detection, the latency estimate or the breaker, and neither is retried or hedged.
 * Lives on the caller's event loop: no field needs a lock.
 */
final class Call {
  /** RST_STREAM error code CANCEL (RFC 9113 §7); on HTTP/1.1 a reset closes the connection. */
  private static final long CANCEL = 0x8;
  private final Vertx vertx;
  private final Service service;
  private final ServiceState state;
  private final ServiceConfig.Retry retry;
  private final ServiceConfig.Hedge hedge;
  private final UpstreamRequest req;
  private final long endNanos;
  private final boolean idempotent;
  /** The call's end is a deadline the client chose (see {@code HttpUpstreams#clientEnds}). */
  private final boolean clientEnd;
  private final Cancellation cancellation;
  /** This call as the request's log, the service's meters and its client span see it. */
  private final UpstreamCall observed;
  private final Runnable onClientGone = this::clientGone;
  /** The canary side every try of this call goes to; null without a canary. */
  private final Canary.Subset subset;
  private final Promise<UpstreamResponse> result = Promise.promise();
  private int retries;
  private EndpointState last;
  private Round round;
  private long backoffTimer = -1;
  /** When the first try started (its own clock read), for the canary's latency; MIN_VALUE before. */
  private long firstTryAt = Long.MIN_VALUE;

  Call(Vertx vertx, Service service, UpstreamRequest req, long endNanos, boolean clientEnd, UpstreamCall observed) {
    this.vertx = vertx;
    this.observed = observed;
    this.service = service;
    this.state = service.state();
    this.retry = state.config.retry();
    this.hedge = req.hedge() != null ? req.hedge() : state.config.hedge();
    this.req = req;
    this.endNanos = endNanos;
    this.idempotent = retry.methods().contains(req.method().name());
    this.clientEnd = clientEnd;
    this.cancellation = req.deadline() == null ? null : req.deadline().cancellation();
    this.subset = service.route(req.deadline() == null ? null : req.deadline().caller());
  }

  Future<UpstreamResponse> run() {
    if (cancellation != null) {
      if (cancellation.cancelled()) return Future.failedFuture(Calls.clientCancelled(service.name()));
      cancellation.onCancel(onClientGone);
    }
    state.budget.deposit();
    startRound();
    Future<UpstreamResponse> f = result.future();
    if (cancellation != null) f.onComplete(ar -> cancellation.remove(onClientGone));
    if (subset != null && subset.watched()) f.onComplete(this::recordForCanary);
    return f;
  }

  /** The call's outcome for the canary's rollback watch; a client's own fault says nothing about the side. */
  private void recordForCanary(AsyncResult<UpstreamResponse> ar) {
    long nanos = firstTryAt == Long.MIN_VALUE ? 0 : System.nanoTime() - firstTryAt; // no try: nothing was timed
    if (ar.succeeded()) subset.record(ar.result().status() >= 500, nanos);
    else if (!Calls.clientFault(ar.cause())) subset.record(true, nanos);
  }

  private void startRound() {
    round = new Round();
    round.start();
  }

  /** The client left: stop everything in flight, blame no one. */
  private void clientGone() {
    if (result.future().isComplete()) return;
    if (backoffTimer >= 0) vertx.cancelTimer(backoffTimer);
    if (round != null) round.cancel();
    result.tryFail(Calls.clientCancelled(service.name()));
  }

  private long remainingMs() {
    return (endNanos - System.nanoTime()) / 1_000_000L;
  }

  private void roundDone(AsyncResult<UpstreamResponse> ar, EndpointState endpoint) {
    last = endpoint;
    if (retryable(ar) && retries < retry.maxRetries() && idempotent) {
      long cap = Math.min(retry.maxBackoff().toMillis(), retry.backoff().toMillis() << Math.min(retries, 16));
      long delay = ThreadLocalRandom.current().nextLong(cap + 1);
      if (remainingMs() > delay + 1 && state.budget.tryWithdraw()) {
        retries++;
        state.meters.retried();
        if (delay == 0) {
          startRound();
        } else {
          backoffTimer = vertx.setTimer(delay, id -> {
            backoffTimer = -1;
            startRound();
          });
        }
        return;
      }
    }
    if (result.future().isComplete()) return; // the client left meanwhile
    if (ar.succeeded()) {
      UpstreamResponse resp = ar.result();
      // A final 5xx goes through the breaker as a failure; HttpUpstreams unwraps it.
      if (resp.status() >= 500 && state.breaker != null) {
        result.fail(new Calls.ServerError(resp));
      } else {
        result.complete(resp);
      }
    } else {
      result.fail(ar.cause());
    }
  }

  private boolean retryable(AsyncResult<UpstreamResponse> ar) {
    if (ar.succeeded()) return retry.onStatus().contains(ar.result().status());
    return ar.cause() instanceof UpstreamException u && switch (u.kind()) {
      case CONNECT, RESET, TIMEOUT -> true;
      default -> false;
    };
  }

  private long hedgeDelayMs() {
    if (hedge.delay() != null) return Math.max(1, hedge.delay().toMillis());
    long p95 = state.latency.p95Nanos();
    long min = hedge.minDelay().toMillis();
    return p95 < 0 ? Math.max(min, 50) : Math.max(min, p95 / 1_000_000L);
  }

  /** One try, or several hedged ones; finishes with the first good answer or the last failure. */
  private final class Round {
    private final Try[] tries = new Try[hedge.enabled() && idempotent ? hedge.maxAttempts() : 1];
    private int started;
    private int failed;
    private boolean done;
    private long hedgeTimer = -1;
    private AsyncResult<UpstreamResponse> lastFailure;
    private EndpointState lastEndpoint;

    void start() {
      launch(last);
      scheduleHedge();
    }

    private void scheduleHedge() {
      if (started < tries.length && !done) {
        long delay = hedgeDelayMs();
        if (remainingMs() > delay) {
          hedgeTimer = vertx.setTimer(delay, id -> {
            hedgeTimer = -1;
            if (!done && remainingMs() > 0) {
              state.meters.hedgeLaunched();
              launch(tries[started - 1].endpoint);
              scheduleHedge();
            }
          });
        }
      }
    }

    private void launch(EndpointState avoid) {
      EndpointState e = service.pick(subset, req.headers(), avoid);
      if (e == null) {
        finish(Future.failedFuture(service.noEndpoints()), null);
        return;
      }
      Try t = new Try(e);
      tries[started++] = t;
      t.start(this);
    }

    void tryDone(Try t, AsyncResult<UpstreamResponse> ar) {
      if (done) return;
      boolean good = ar.succeeded() && !retry.onStatus().contains(ar.result().status());
      if (good) {
        if (t != tries[0]) state.meters.hedgeWon();
        finish(ar, t.endpoint);
        return;
      }
      failed++;
      lastFailure = ar;
      lastEndpoint = t.endpoint;
      if (failed == started) finish(ar, t.endpoint); // nothing else in flight: let retry decide
    }

    private void finish(AsyncResult<UpstreamResponse> ar, EndpointState e) {
      if (done) return;
      done = true;
      if (hedgeTimer >= 0) vertx.cancelTimer(hedgeTimer);
      // Tries still in flight run on (bounded by their timers); their outcomes feed health and
      // latency, and tryDone ignores them.
      roundDone(ar, e != null ? e : lastEndpoint);
    }

    /** The client left: reset every try still in flight and start no hedge. */
    void cancel() {
      if (done) return;
      done = true;
      if (hedgeTimer >= 0) vertx.cancelTimer(hedgeTimer);
      for (int i = 0; i < started; i++) tries[i].cancel();
    }
  }

  /** One HTTP exchange with one endpoint. */
  private final class Try {
    final EndpointState endpoint;
    private HttpClientRequest httpReq;
    private ScheduledFuture<?> timer;
    private boolean finished;
    /** This try's timer is the client's deadline (not the per-try timeout nor the service's). */
    private boolean clientTimer;
    private Round round;
    private long startedAt;
    /** When this try's budget (the deadline the service was told) runs out. */
    private long endsAt;

    Try(EndpointState endpoint) {
      this.endpoint = endpoint;
    }

    void start(Round round) {
      this.round = round;
      long left = remainingMs();
      long budget = left;
      if (retry.perTryTimeout() != null) budget = Math.min(budget, retry.perTryTimeout().toMillis());
      if (budget <= 0) {
        finished = true; // never started: nothing to count or cancel
        round.tryDone(this, Future.failedFuture(Calls.timeout(service.name(), clientEnd && budget == left)));
        return;
      }
      endpoint.active.incrementAndGet();
      endpoint.requests.increment();
      startedAt = System.nanoTime();
      if (firstTryAt == Long.MIN_VALUE) firstTryAt = startedAt;
      long tryBudget = budget;
      endsAt = startedAt + budget * 1_000_000L;
      clientTimer = clientEnd && budget == left;
      timer = LoopTimer.start(vertx, budget, () -> {
        timer = null;
        if (httpReq != null) httpReq.reset(CANCEL, new TimeoutException());
        finish(Future.failedFuture(Calls.timeout(service.name(), clientTimer)));
      });
      RequestOptions options = service.requestOptions(endpoint, req.method(), req.pathAndQuery(), budget);
      service.client().request(options)
          .compose(r -> {
            // Its failures reach us through the response future; without a handler, Vert.x logs
            // a request we reset (the client left, a timeout) as SEVERE.
            r.exceptionHandler(Calls.IGNORE);
            if (finished) {
              r.reset(CANCEL, new TimeoutException());
              return Future.failedFuture(Calls.cancelled(service.name()));
            }
            httpReq = r;
            if (req.headers() != null) r.headers().addAll(req.headers());
            if (req.requestId() != null) r.putHeader(Calls.X_REQUEST_ID, req.requestId());
            observed.putTraceHeaders(r.headers());
            String ct = r.headers().get(HttpHeaders.CONTENT_TYPE);
            if (ct != null && ct.startsWith("application/grpc")) {
              r.putHeader(Calls.GRPC_TIMEOUT, Calls.grpcTimeout(tryBudget));
            } else {
              r.putHeader(Calls.DEADLINE_HEADER, Long.toString(tryBudget));
            }
            return (req.body() == null ? r.send() : r.send(req.body()))
                .compose(resp -> resp.body().map(body -> new UpstreamResponse(resp.statusCode(), resp.headers(), body)));
          })
          .onComplete(ar -> finish(ar.failed() ? Future.failedFuture(Calls.translate(service.name(), ar.cause())) : ar));
    }

    private void finish(AsyncResult<UpstreamResponse> ar) {
      if (finished) return;
      finished = true;
      if (ar.failed() && !Calls.clientFault(ar.cause()) && Calls.late(endsAt)) {
        // The service enforces the budget we sent (x-request-timeout-ms, grpc-timeout) and may
        // reset the stream a moment before our own timer fires: that is the deadline, not a reset.
        ar = Future.failedFuture(Calls.timeout(service.name(), clientTimer));
      }
      LoopTimer.cancel(timer);
      endpoint.active.decrementAndGet();
      if (ar.succeeded() && ar.result().status() < 500) {
        state.outlier.success(endpoint);
        if (hedge.enabled()) state.latency.record(System.nanoTime() - startedAt);
      } else if (!Calls.clientFault(ar.cause())) {
        state.outlier.failure(endpoint);
      }
      round.tryDone(this, ar);
    }

    /** The client left: the upstream sees its request reset; nothing is counted. */
    void cancel() {
      if (finished) return;
      finished = true;
      LoopTimer.cancel(timer);
      endpoint.active.decrementAndGet();
      // Not yet sent: the request callback sees finished and resets it there.
      if (httpReq != null) httpReq.reset(CANCEL, Calls.clientCancelled(service.name()));
    }
  }
}
