package dev.bffkit.core.upstream;

import dev.bffkit.core.config.GrpcConfig;
import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.observe.UpstreamCall;
import dev.bffkit.core.pipeline.Deadline;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@link UpstreamCaller} of one event loop, over pooled Vert.x HTTP clients and the BFF-wide
 * {@link UpstreamRegistry}. A call passes, in this fixed order:
 *
 * <ol>
 *   <li><b>bulkhead</b>: a slot among {@code bulkhead.maxConcurrent}, or a wait among
 *       {@code maxPending}, else a fast {@link UpstreamException.Kind#OVERLOADED};
 *   <li><b>circuit breaker</b>: open = a fast {@link UpstreamException.Kind#BREAKER_OPEN}
 *       ("posts unavailable, breaker open"); the breaker counts transport failures and final 5xx;
 *   <li><b>retry</b>: idempotent methods only, on connect failure / reset / per-try timeout /
 *       {@code retry.onStatus}, with full-jitter backoff, under the {@link RetryBudget}, each retry
 *       steered away from the endpoint that failed;
 *   <li><b>hedging</b> (opt-in): after the hedge delay a second try to another endpoint, the
 *       first answer wins, the other is reset;
 *   <li><b>balancer pick</b> among the live (healthy, not ejected) endpoints;
 *   <li><b>per-try timeout</b> (and the call's end: the earlier of the request deadline and
 *       {@code timeout}), sent upstream as {@code x-request-timeout-ms} / {@code grpc-timeout};
 *   <li><b>HTTP</b> on this loop's pool; the outcome feeds outlier detection and the p95.
 * </ol>
 */
public final class HttpUpstreams implements UpstreamCaller {
  private final Vertx vertx;
  private final UpstreamRegistry registry;
  private final boolean ownsRegistry;
  private final Map<String, Service> services = new HashMap<>();
  private final GrpcTransport grpc;
  /** The services spoken to in gRPC, as {@link #preconnect} was told. */
  private Set<String> grpcServices = Set.of();

  /** A caller with its own registry (one event loop, tests). */
  public HttpUpstreams(Vertx vertx, Map<String, ServiceConfig> configs) {
    this(vertx, new UpstreamRegistry(vertx, configs), true);
  }

  /** One event loop's caller over a BFF's shared registry. */
  public HttpUpstreams(Vertx vertx, UpstreamRegistry registry) {
    this(vertx, registry, false);
  }

  /** One event loop's caller; gRPC messages up to {@code grpcMaxMessageBytes}. */
  public HttpUpstreams(Vertx vertx, UpstreamRegistry registry, int grpcMaxMessageBytes) {
    this(vertx, registry, false, grpcMaxMessageBytes);
    grpc.prepare();
  }

  private HttpUpstreams(Vertx vertx, UpstreamRegistry registry, boolean owns) {
    this(vertx, registry, owns, GrpcConfig.DEFAULT_MAX_MESSAGE_BYTES);
  }

  private HttpUpstreams(Vertx vertx, UpstreamRegistry registry, boolean owns, int grpcMaxMessageBytes) {
    this(vertx, registry, owns, grpcMaxMessageBytes, Map.of());
  }

  /** {@code kept}: a previous caller's services, reused where their state is still the registry's. */
  private HttpUpstreams(Vertx vertx, UpstreamRegistry registry, boolean owns, int grpcMaxMessageBytes,
      Map<String, Service> kept) {
    this.grpc = new GrpcTransport(vertx, grpcMaxMessageBytes);
    this.vertx = vertx;
    this.registry = registry;
    this.ownsRegistry = owns;
    registry.services().forEach((name, state) -> {
      Service old = kept.get(name);
      services.put(name, old != null && old.state() == state ? old : new Service(vertx, state));
    });
  }

  /**
   * This loop's caller over the registry's services as they are now, after a reload changed them: a service whose
   * state is unchanged keeps this caller's {@link Service} (its pool and balancer); a new or replaced one gets its
   * own. This caller stays with the requests running on it until {@link #retire}.
   */
  public HttpUpstreams next(int grpcMaxMessageBytes) {
    HttpUpstreams next = new HttpUpstreams(vertx, registry, ownsRegistry, grpcMaxMessageBytes, services);
    next.grpc.prepare();
    return next;
  }

  /** After the drain grace: closes what of this caller {@code next} did not take over (pools of retired services, gRPC). */
  public void retire(HttpUpstreams next) {
    for (Service s : services.values()) if (next.services.get(s.name()) != s) s.close();
    grpc.close();
  }

  public Service service(String name) {
    return services.get(name);
  }

  public UpstreamRegistry registry() {
    return registry;
  }

  @Override
  public Future<UpstreamResponse> call(String serviceName, UpstreamRequest req) {
    Service service = services.get(serviceName);
    Deadline deadline = req.deadline();
    long now = System.nanoTime();
    long budget = budget(service, deadline, now);
    if (budget <= 0 || deadline.cancelled()) return Future.failedFuture(refusal(serviceName, service, deadline));
    service.lastUse = now;
    ColdStartGate cold = service.state().coldStart;
    if (cold != null) return cold.call(vertx, now, () -> rest(service, req, now, budget));
    return rest(service, req, now, budget);
  }

  private Future<UpstreamResponse> rest(Service service, UpstreamRequest req, long now, long budget) {
    Deadline deadline = req.deadline();
    long endNanos = now + budget * 1_000_000L;
    boolean clientEnd = clientEnds(service, deadline, now);
    UpstreamCall observed = service.state().meters.start(deadline.log(), "rest");
    Bulkhead bulkhead = service.state().bulkhead;
    Future<UpstreamResponse> f;
    if (bulkhead.tryAcquire()) {
      f = guarded(service, req, endNanos, clientEnd, observed).andThen(ar -> bulkhead.release());
    } else {
      f = bulkhead.await(vertx, budget)
          .compose(v -> guarded(service, req, endNanos, clientEnd, observed).andThen(ar -> bulkhead.release()));
    }
    return f.andThen(ar -> {
      if (ar.succeeded()) Calls.answered(observed, ar.result().status());
      else observed.end(Calls.outcome(ar.cause()), -1);
    });
  }

  @Override
  public Future<GrpcResponse> grpc(String serviceName, GrpcRequest req) {
    Service service = services.get(serviceName);
    Deadline deadline = req.deadline();
    long now = System.nanoTime();
    long budget = budget(service, deadline, now);
    if (budget <= 0 || deadline.cancelled()) return Future.failedFuture(refusal(serviceName, service, deadline));
    service.lastUse = now;
    ColdStartGate cold = service.state().coldStart;
    if (cold != null) {
      // After a wait for a wake-up the budget is what is left of it.
      return cold.call(vertx, now, () -> {
        long at = System.nanoTime();
        long left = budget(service, deadline, at);
        if (left <= 0 || deadline.cancelled()) return Future.failedFuture(refusal(serviceName, service, deadline));
        return grpc.call(service, req, left, clientEnds(service, deadline, at), service.state().meters.start(deadline.log(), "grpc"));
      });
    }
    return grpc.call(service, req, budget, clientEnds(service, deadline, now), service.state().meters.start(deadline.log(), "grpc"));
  }

  /**
   * Requests on this loop will call these services soon (they wait for their token checks): wakes the sleeping ones
   * and opens connections where this loop has none (see {@link Service#warmAhead}). Nothing waits for it.
   */
  public void warmAhead(List<String> names) {
    long now = System.nanoTime();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      Service service = services.get(name);
      if (service != null) service.warmAhead(now, grpcServices.contains(name), grpc);
    }
  }

  /**
   * Whether the call's end is the client's: its deadline is one the client chose and comes before
   * the service's timeout. Then running out of time is the client's fault, not the service's.
   */
  private static boolean clientEnds(Service service, Deadline deadline, long now) {
    return deadline.clientChosen() && deadline.remainingMillis() <= timeoutMillis(service, now);
  }

  /**
   * A call's budget: the earlier of the request's deadline and the service's timeout (plus its cold start when it
   * sleeps); 0 when none is left (or no such service).
   */
  private static long budget(Service service, Deadline deadline, long now) {
    if (service == null || deadline.expired()) return 0;
    return Math.max(0, Math.min(deadline.remainingMillis(), timeoutMillis(service, now)));
  }

  private static long timeoutMillis(Service service, long now) {
    long t = service.config().timeout().toMillis();
    ColdStartGate cold = service.state().coldStart;
    return cold == null ? t : t + cold.extraMillis(now);
  }

  /** Why a call is not made: an unknown service, a client that has gone, or a deadline already spent. */
  private static UpstreamException refusal(String serviceName, Service service, Deadline deadline) {
    if (service == null) {
      return new UpstreamException(serviceName, UpstreamException.Kind.UNKNOWN_SERVICE, "unknown service '" + serviceName + "'");
    }
    if (deadline.cancelled()) return Calls.clientCancelled(serviceName);
    return Calls.timeout(serviceName, deadline.clientChosen());
  }

  /**
   * Opens this loop's connections to the gRPC services named, ahead of the first request (see
   * {@link GrpcTransport#preconnect}). HTTP/1.1 pools are left to fill on demand: a loopback or
   * LAN TCP connect costs well under a millisecond and their classes are warm from the health
   * checks and the listener. Nothing waits for it.
   */
  public void preconnect(Collection<String> grpcServices) {
    this.grpcServices = Set.copyOf(grpcServices);
    for (String name : grpcServices) {
      Service service = services.get(name);
      if (service != null) grpc.preconnect(service);
    }
  }

  private Future<UpstreamResponse> guarded(Service service, UpstreamRequest req, long endNanos, boolean clientEnd,
      UpstreamCall observed) {
    CircuitBreaker breaker = service.state().breaker;
    if (breaker == null) {
      return new Call(vertx, service, req, endNanos, clientEnd, observed).run();
    }
    String name = service.name();
    return service.state().gate.<UpstreamResponse>guard(() -> new Call(vertx, service, req, endNanos, clientEnd, observed).run())
        .recover(err -> err instanceof Calls.ServerError se
            ? Future.succeededFuture(se.response)
            : Future.failedFuture(Calls.translate(name, err)));
  }

  public void close() {
    services.values().forEach(Service::close);
    grpc.close();
    if (ownsRegistry) registry.close();
  }
}
