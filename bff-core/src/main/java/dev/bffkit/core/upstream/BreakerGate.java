package dev.bffkit.core.upstream;

import dev.bffkit.core.observe.ServiceMeters;
import io.micrometer.core.instrument.Counter;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A service's vertx-circuit-breaker, used so that the healthy path costs a volatile read: while
 * the breaker is closed a call runs directly and only reports its outcome (a success clears
 * the failure count; a failure is fed through the breaker, which applies its failure policy
 * and opens at its threshold). Open and half-open calls go through {@code execute}, which
 * fails fast or lets the single probe through.
 *
 * <p>Why: {@code execute} allocates promises and hops back to the event loop on every call;
 * and vertx-circuit-breaker 5.0.7's {@code state()} and {@code failureCount()} are
 * {@code synchronized} on one breaker shared by every event loop. So the gate keeps a lock-free
 * mirror: {@link #state} is written by the breaker's open / half-open / close handlers, which
 * the breaker runs inside the same synchronized block that changes its state (all transitions,
 * {@code open()}, {@code attemptReset()}, {@code reset()}, go through them), and
 * {@link #failuresSeen} says whether a failure was counted since the last success, so that a
 * success touches the breaker only after failures.
 *
 * <p>A client's own fault ({@link UpstreamException#clientFault()}) is neither a success nor a
 * failure: it is not reported at all. A half-open probe that a client abandons cannot be
 * "released" (the breaker has no API for it, unlike resilience4j's {@code releasePermission});
 * closing the breaker on no evidence would let every user at a service that may still be down,
 * so the probe is reported as {@link ProbeAbandoned} and the breaker stays open until its next
 * probe.
 */
final class BreakerGate {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.upstream");

  private final CircuitBreaker breaker;
  private volatile CircuitBreakerState state = CircuitBreakerState.CLOSED;
  private volatile boolean failuresSeen;

  /** Takes over the breaker's state handlers (they log and keep the mirror). */
  BreakerGate(CircuitBreaker breaker, String service, ServiceMeters meters) {
    this.breaker = breaker;
    String help = "Breaker transitions by the state entered";
    Counter toOpen = meters.counter("bff.upstream.breaker.transitions", help, "to", "open");
    Counter toHalfOpen = meters.counter("bff.upstream.breaker.transitions", help, "to", "half_open");
    Counter toClosed = meters.counter("bff.upstream.breaker.transitions", help, "to", "closed");
    breaker.openHandler(v -> {
      state = CircuitBreakerState.OPEN;
      toOpen.increment();
      LOG.warning("event=breaker_open service=" + service);
    }).halfOpenHandler(v -> {
      state = CircuitBreakerState.HALF_OPEN;
      toHalfOpen.increment();
      LOG.info("event=breaker_half_open service=" + service);
    }).closeHandler(v -> {
      state = CircuitBreakerState.CLOSED;
      toClosed.increment();
      LOG.info("event=breaker_closed service=" + service);
    });
  }

  CircuitBreaker breaker() {
    return breaker;
  }

  /** The breaker's state as last reported by its handlers: one volatile read, no lock. */
  CircuitBreakerState state() {
    return state;
  }

  boolean closed() {
    return state == CircuitBreakerState.CLOSED;
  }

  /** Runs {@code call} under the breaker. */
  <T> Future<T> guard(Supplier<Future<T>> call) {
    if (!closed()) return probe(call);
    Future<T> f;
    try {
      f = call.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    Future<T> outcome = f;
    return f.transform(ar -> {
      if (ar.succeeded()) {
        success();
        return outcome;
      }
      if (Calls.clientFault(ar.cause())) return outcome;
      // Answer once the breaker has counted it (so a caller sees the state its failure caused),
      // always with the call's own failure.
      return failure(ar.cause()).transform(counted -> outcome);
    });
  }

  /** Open: fails fast; half-open: the single probe runs (a client's abandoned probe re-opens). */
  private <T> Future<T> probe(Supplier<Future<T>> call) {
    return breaker.<T>execute(() -> call.get().recover(err -> Future.failedFuture(
            Calls.clientFault(err) ? new ProbeAbandoned(err) : err)))
        .recover(err -> Future.failedFuture(err instanceof ProbeAbandoned p ? p.getCause() : err));
  }

  void success() {
    if (failuresSeen) {
      failuresSeen = false; // cleared before the reset: a failure counted meanwhile sets it again
      breaker.reset();
    }
  }

  /** Counted only when the breaker's failure policy says so; a client's fault is not reported. */
  Future<Object> failure(Throwable cause) {
    if (Calls.clientFault(cause)) return Future.succeededFuture();
    return breaker.execute(() -> Future.failedFuture(cause)).andThen(ar -> failuresSeen = true);
  }

  /** Ends a streamed call's half-open probe ({@link Service.Lease}) that the client abandoned. */
  static void abandon(Promise<Void> probe, Throwable clientFault) {
    probe.tryFail(new ProbeAbandoned(clientFault));
  }

  /** A half-open probe that ended by the client's doing: proves nothing, so the breaker re-opens. */
  static final class ProbeAbandoned extends RuntimeException {
    ProbeAbandoned(Throwable clientFault) {
      super("probe abandoned by the client", clientFault, false, false);
    }
  }
}
