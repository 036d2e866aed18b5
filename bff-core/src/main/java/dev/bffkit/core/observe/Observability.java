package dev.bffkit.core.observe;

import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ObserveConfig;
import dev.bffkit.core.route.Route;
import dev.bffkit.core.route.RouteTable;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Everything one BFF tells operators, built once at start-up from {@code observe:} and the route
 * table: the meters of every route and service, tracing, and the observers that read each
 * request's {@link RequestLog} when it completes (access log, SLOs, audit trail, status page).
 * The request path calls {@link #begin} and {@link #completed}; nothing else.
 */
public final class Observability {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.observe");

  private final String bffName;
  private final ObserveConfig config;
  private final Metrics metrics;
  private final Tracing tracing;
  private final RouteMeters[] routeMeters;
  private final RouteMeters unrouted;
  private final Map<String, RouteMeters> addedRoutes = new ConcurrentHashMap<>();
  private final Map<String, ServiceMeters> services = new ConcurrentHashMap<>();
  private final List<RequestObserver> observers = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final Timer eventLoopLag;
  /** Routes whose bodies are digested for the audit trail (set by it at start-up); null for none. */
  private volatile boolean[] digestRoutes;
  private final Map<String, Counter> admitted = new HashMap<>();
  /** By "status code": the gateway's own error answers, a set bounded by the codes in its source. */
  private final Map<String, Counter> refusals = new ConcurrentHashMap<>();

  private Observability(String bffName, ObserveConfig config, Metrics metrics, Tracing tracing, RouteTable routes) {
    this.bffName = bffName;
    this.config = config;
    this.metrics = metrics;
    this.tracing = tracing;
    this.routeMeters = new RouteMeters[routes == null ? 0 : routes.idLimit()];
    if (routes != null) for (Route r : routes.routes()) routeMeters[r.id()] = RouteMeters.of(metrics, r);
    this.unrouted = new RouteMeters(metrics, "none", "none");
    this.eventLoopLag = Timer.builder("bff.event.loop.lag").description("How late the event loops ran a 100 ms tick")
        .serviceLevelObjectives(Duration.ofNanos(100_000), Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1))
        .register(metrics.registry());
    for (String as : List.of("jwt", "introspected", "apikey", "anonymous")) {
      admitted.put(as, Counter.builder("bff.auth.admitted").description("Callers admitted by auth, by how")
          .tag("as", as).register(metrics.registry()));
    }
  }

  /** {@code spanExporter}: null = as configured; tests pass an in-memory exporter. */
  public static Observability create(BffConfig config, RouteTable routes, SpanExporter spanExporter) {
    ObserveConfig oc = config.observe();
    List<Duration> thresholds = new ArrayList<>();
    for (ObserveConfig.Slo s : oc.slos()) if (s.latencyThreshold() != null) thresholds.add(s.latencyThreshold());
    Metrics metrics = Metrics.create(config.name(), oc.metrics(), thresholds);
    Observability o = new Observability(config.name(), oc, metrics, Tracing.create(config.name(), oc.tracing(), spanExporter), routes);
    for (String service : config.services().keySet()) o.service(service); // registered now, not on a first call
    return o;
  }

  /** Nothing measured or traced (tools, tests that build parts by hand). */
  public static Observability off(String bffName) {
    ObserveConfig off = ObserveConfig.off();
    return new Observability(bffName, off, Metrics.create(bffName, off.metrics(), List.of()), Tracing.create(bffName, off.tracing(), null), null);
  }

  public String bffName() { return bffName; }

  public ObserveConfig config() { return config; }

  public Metrics metrics() { return metrics; }

  /** A service's meters, made once (for the configured services, at start-up). */
  public ServiceMeters service(String name) {
    return services.computeIfAbsent(name, n -> new ServiceMeters(n, tracing, metrics));
  }

  /** Forgets a service a reload removed, and removes its meters (a service of that name added later starts afresh). */
  public void dropService(String name) {
    ServiceMeters m = services.remove(name);
    if (m != null) m.remove();
  }

  /** Measures the calling event loop's lag (a server verticle's start), when metrics are on. */
  public void watchEventLoop(Vertx vertx) {
    if (metrics.enabled()) EventLoopLag.watch(vertx, eventLoopLag);
  }

  /** The audit trail signs these routes' bodies (route ids; null = every route). At start-up. */
  public void digestBodies(boolean[] routeIds) {
    digestRoutes = routeIds == null ? RequestLog.ALL_ROUTES : routeIds.clone();
  }

  /** Adds an observer of completed requests (at start-up). */
  public void observe(RequestObserver observer) {
    observers.add(observer);
  }

  /** Something to close with the BFF (writers, exporters). */
  public void closeWith(AutoCloseable c) {
    closeables.add(c);
  }

  /** A request has arrived: its trace context (parsed from {@code traceparent}) and its log. */
  public RequestLog begin(HttpServerRequest request, String requestId, long startNanos) {
    TraceContext trace = tracing.accept(request.getHeader(TraceContext.TRACEPARENT), request.getHeader(TraceContext.TRACESTATE));
    long epochMillis = System.currentTimeMillis();
    Span span = null;
    if (trace.sampled()) {
      span = tracing.startServer(trace, request.method().name(), request.path(), requestId);
      if (span != null) {
        SpanContext sc = span.getSpanContext();
        trace = TraceContext.ofSpan(sc.getTraceId(), sc.getSpanId(), trace.parentSpanId(), trace.traceState());
      }
    }
    RequestLog log = new RequestLog(requestId, request.method().name(), startNanos, epochMillis, trace, span);
    if (digestRoutes != null) log.digestRoutes(digestRoutes);
    return log;
  }

  /**
   * The answer has ended (or the client left): the route's meters now; the span and the observers
   * when the request's calls have ended as well, so the access log has every call's timing.
   */
  public void completed(RequestLog log, HttpServerRequest request) {
    HttpServerResponse resp = request.response();
    boolean gone = !resp.ended();
    log.end(resp.headWritten() || resp.ended() ? resp.getStatusCode() : 0, request.bytesRead(), resp.bytesWritten(), gone);
    Route r = log.route();
    (r == null ? unrouted : meters(r)).record(log);
    if (log.admittedAs() != null) {
      Counter c = admitted.get(log.admittedAs());
      if (c != null) c.increment();
    }
    if (log.errorCode() != null) refusal(log.status(), log.errorCode()).increment();
    if (!log.afterCalls(() -> publish(log))) publish(log);
  }

  /** The route's meters: made at start-up, or on first use for a route a reload added (ids stay stable across reloads). */
  private RouteMeters meters(Route r) {
    int id = r.id();
    RouteMeters m = id < routeMeters.length ? routeMeters[id] : null;
    return m != null ? m : addedRoutes.computeIfAbsent(r.name(), n -> RouteMeters.of(metrics, r));
  }

  /** The server span and the observers, once the request's calls have all ended too. */
  private void publish(RequestLog log) {
    if (log.span() != null) Tracing.endServer(log);
    for (RequestObserver o : observers) {
      try {
        o.completed(log);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "event=observer_failed request_id=" + log.requestId() + " observer="
            + o.getClass().getSimpleName() + " error=" + e, e);
      }
    }
  }

  /**
   * The counter of one kind of answer the gateway gave itself: WAF and filter blocks
   * ({@code request_blocked}, {@code forbidden_address}), auth refusals ({@code invalid_token},
   * {@code insufficient_scope}), limits ({@code body_too_large}), routing ({@code not_found}).
   * Registered on first use: the codes are literals in the source, so the set is bounded.
   */
  private Counter refusal(int status, String code) {
    String key = status + " " + code;
    Counter c = refusals.get(key);
    if (c == null) {
      c = refusals.computeIfAbsent(key, k -> Counter.builder("bff.gateway.refusals")
          .description("Answers the gateway gave itself (WAF, auth, limits, routing), by status and code")
          .tags("status", Integer.toString(status), "code", code).register(metrics.registry()));
    }
    return c;
  }

  /**
   * Flushes spans and closes writers. The waits are bounded (a few seconds) but they are waits:
   * done on a worker, never on an event loop.
   */
  public Future<Void> close(Vertx vertx) {
    return vertx.executeBlocking(() -> {
      close();
      return null;
    }, false);
  }

  /** The same, on the calling thread: it blocks for up to a few seconds, so never call it on an event loop. */
  public void close() {
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warning("event=observe_close_failed bff=" + bffName + " error=" + e);
      }
    }
    tracing.close();
  }
}
