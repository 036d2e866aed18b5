package dev.bffkit.core.upstream;

import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.observe.ServiceMeters;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one BFF knows about one service, shared by all its event loops: the live endpoints, the
 * circuit breaker, the outlier detector, the retry budget, the bulkhead and the latency estimate
 * for hedging. Connection pools are not here: they stay per event loop ({@link Service}).
 */
public final class ServiceState {

  /** Replaced only by {@link #replaceEndpoints}, a reload that changed nothing but the static endpoints. */
  volatile ServiceConfig config;
  final EndpointGroup group = new EndpointGroup();
  final OutlierDetector outlier;
  final CircuitBreaker breaker;
  /** The breaker's cheap healthy path; null without a breaker. */
  final BreakerGate gate;
  final RetryBudget budget;
  final Bulkhead bulkhead;
  final LatencyTracker latency = new LatencyTracker();
  /** The service's meters (no-op ones when metrics are off). */
  final ServiceMeters meters;
  /** The canary split; null without {@code canary:}. */
  final Canary canary;
  /** Sleep, wake-ups and warm-ups of a serverless service; null without {@code coldStart:}. */
  final ColdStartGate coldStart;
  /** Versions pinned by content rules, by their labels; made when a route's targets are built, read per call. */
  private final Map<Map<String, String>, LabelSubset> subsets = new ConcurrentHashMap<>();

  ServiceState(Vertx vertx, ServiceConfig config, ServiceMeters meters) {
    this.config = config;
    this.meters = meters;
    group.update(staticEndpoints(config));
    this.canary = config.canary() == null ? null : new Canary(config, group, meters.registry());
    if (canary != null && canary.watch != null) canary.watch.start(vertx);
    this.outlier = new OutlierDetector(vertx, config.name(), config.outlier(), group, meters::ejected);
    this.budget = new RetryBudget(config.retry().budget(), config.retry().minPerSecond());
    ServiceConfig.ColdStart cs = config.coldStart();
    this.coldStart = cs.enabled() ? new ColdStartGate(cs, config.name(), meters) : null;
    int maxConcurrent = config.bulkhead().maxConcurrent();
    if (cs.maxConcurrency() > 0) maxConcurrent = Math.min(maxConcurrent, cs.maxConcurrency()); // the function's own limit
    this.bulkhead = new Bulkhead(config.name(), maxConcurrent, config.bulkhead().maxPending());
    ServiceConfig.Breaker b = config.breaker();
    if (b.enabled()) {
      CircuitBreakerOptions options = new CircuitBreakerOptions()
          .setMaxFailures(b.failures())
          .setFailuresRollingWindow(Math.max(1000, b.window().toMillis()))
          .setResetTimeout(b.resetTimeout().toMillis())
          .setTimeout(-1) // calls are bounded by their own deadline
          .setMaxRetries(0) // retries are ours, inside the breaker, under a budget
          .setFallbackOnFailure(false)
          .setNotificationAddress(null); // no event-bus chatter per call
      this.breaker = CircuitBreaker.create("bff-" + config.name(), vertx, options)
          .failurePolicy(ar -> ar.failed() && Calls.countsForBreaker(ar.cause()));
      this.gate = new BreakerGate(this.breaker, config.name(), meters);
    } else {
      this.breaker = null;
      this.gate = null;
    }
    registerGauges();
  }

  private static List<EndpointGroup.Weighted> staticEndpoints(ServiceConfig config) {
    List<EndpointGroup.Weighted> out = new ArrayList<>();
    List<Integer> weights = config.balancer().weights();
    for (int i = 0; i < config.endpoints().size(); i++) {
      out.add(new EndpointGroup.Weighted(Endpoint.of(config.endpoints().get(i)), weights.isEmpty() ? 1 : weights.get(i)));
    }
    return out;
  }

  /**
   * A reload changed only the static endpoints (or their weights or labels): the set is replaced as discovery does
   * it. An endpoint that stays keeps its state (in flight, health, ejection); a removed one takes no new call and its
   * calls in flight finish.
   */
  void replaceEndpoints(ServiceConfig next) {
    config = next;
    // Pinned versions are rebuilt from the new labels by the targets the swap builds next.
    subsets.clear();
    group.update(staticEndpoints(next));
  }

  /** Stops the state's own timers (outlier sweeps, canary watch, breaker). */
  void close() {
    outlier.close();
    if (canary != null) canary.close();
    if (breaker != null) breaker.close();
  }

  /**
   * Points the service's gauges at this state (one gauge per name and tags: a reload's new state takes them over)
   * and removes those this state has no use for.
   */
  void registerGauges() {
    meters.regauge(this::gauges);
  }

  /** The endpoints labelled {@code labels} (a content rule's version), made once per label set. */
  LabelSubset subset(Map<String, String> labels) {
    return subsets.computeIfAbsent(Map.copyOf(labels), l -> new LabelSubset(config, group, l));
  }

  /** Read at scrape time from the live state; nothing on the call path. */
  private void gauges() {
    if (gate != null) {
      for (CircuitBreakerState s : CircuitBreakerState.values()) {
        meters.gauge("bff.upstream.breaker.state", "1 for the breaker's current state, else 0", "state",
            s.name().toLowerCase(Locale.ROOT), () -> gate.state() == s ? 1 : 0);
      }
    }
    meters.gauge("bff.upstream.bulkhead.active", "Calls holding a bulkhead slot", bulkhead::active);
    meters.gauge("bff.upstream.bulkhead.pending", "Calls waiting for a bulkhead slot", bulkhead::pending);
    meters.gauge("bff.upstream.retry.budget", "Whole retry tokens available", budget::balance);
    meters.gauge("bff.upstream.in.flight", "Requests in flight to the service's endpoints (all tries, all loops)", () -> {
      long n = 0;
      for (EndpointState e : group.all()) n += e.active();
      return n;
    });
    meters.gauge("bff.upstream.endpoints", "Endpoints by state", "state", "live", () -> group.candidates().length);
    meters.gauge("bff.upstream.endpoints", "Endpoints by state", "state", "ejected", () -> {
      int n = 0;
      for (EndpointState e : group.all()) if (e.ejected()) n++;
      return n;
    });
    meters.gauge("bff.upstream.endpoints", "Endpoints by state", "state", "unhealthy", () -> {
      int n = 0;
      for (EndpointState e : group.all()) if (!e.healthy()) n++;
      return n;
    });
  }

  public ServiceMeters meters() {
    return meters;
  }

  public String name() {
    return config.name();
  }

  public ServiceConfig config() {
    return config;
  }

  public EndpointGroup endpoints() {
    return group;
  }

  /** closed, open or half_open; "disabled" without a breaker. */
  public String breakerState() {
    if (breaker == null) return "disabled";
    CircuitBreakerState s = gate.state(); // the lock-free mirror
    return s.name().toLowerCase(Locale.ROOT);
  }

  /** The service's canary (share, rollback state; {@code setShare} for the admin API); null without one. */
  public Canary canary() {
    return canary;
  }

  public Bulkhead bulkhead() {
    return bulkhead;
  }

  public RetryBudget retryBudget() {
    return budget;
  }

  public JsonObject snapshot() {
    JsonArray eps = new JsonArray();
    for (EndpointState e : group.all()) {
      eps.add(new JsonObject().put("endpoint", e.toString()).put("weight", e.weight)
          .put("active", e.active()).put("requests", e.requests()).put("healthy", e.healthy)
          .put("ejected", e.ejected()));
    }
    long p95 = latency.p95Nanos();
    return new JsonObject().put("breaker", breakerState()).put("endpoints", eps)
        .put("inFlight", bulkhead.active()).put("pending", bulkhead.pending())
        .put("retryBudget", budget.balance())
        .put("canary", canary == null ? null : canary.state().toJson())
        .put("p95Ms", p95 < 0 ? null : p95 / 1_000_000.0);
  }
}
