package dev.bffkit.core.upstream;

import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.observe.Observability;
import dev.bffkit.core.observe.ServiceMeters;
import dev.bffkit.core.observe.UpstreamCall;
import dev.bffkit.core.pipeline.Caller;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.Map;

/**
 * A named upstream service as seen by one event loop: its keep-alive connection pool (HTTP/1.1,
 * or h2 / h2c with prior knowledge when {@code http2.enabled}) and its balancer, over the
 * BFF-wide {@link ServiceState} (endpoints, breaker, bulkhead, budget) shared with the other
 * loops. Connections stay on the loop that uses them.
 */
public final class Service {
  private final Vertx vertx;
  private final ServiceState state;
  private final ServiceConfig config;
  private final HttpClient client;
  private final Balancer balancer;
  /** The canary subset's own balancer (a policy's state, e.g. a hash ring, is per endpoint set); null without a canary. */
  private final Balancer canaryBalancer;
  /** An idle pooled connection lives this long: a loop that has not called for longer likely has none open. */
  private final long keepAliveNanos;
  /** When this loop last called the service or warmed it (its own clock: loop-local, no lock). */
  long lastUse = Long.MIN_VALUE / 2;
  /** This loop's warm-up (its connection lands in this loop's pool); made on first use, null when there is none. */
  private HealthChecker.Probe warmUp;
  private boolean warmUpMade;

  /** A standalone service with its own state (tests, tools). */
  public Service(Vertx vertx, ServiceConfig config) {
    this(vertx, new ServiceState(vertx, config, Observability.off("none").service(config.name())));
  }

  public Service(Vertx vertx, ServiceState state) {
    this.vertx = vertx;
    this.state = state;
    this.config = state.config;
    this.balancer = Balancer.of(config.balancer());
    this.canaryBalancer = state.canary == null ? null : Balancer.of(config.balancer());
    ServiceConfig.Http2 h2 = config.http2();
    HttpClientOptions options = new HttpClientOptions()
        .setProtocolVersion(h2.enabled() ? HttpVersion.HTTP_2 : HttpVersion.HTTP_1_1)
        .setKeepAlive(true)
        .setKeepAliveTimeout((int) Math.max(1, config.keepAlive().toSeconds()))
        .setConnectTimeout((int) config.connectTimeout().toMillis())
        .setTcpNoDelay(true)
        .setDecompressionSupported(false)
        .setName("bff-" + config.name());
    if (h2.enabled()) {
      options.setUseAlpn(true)
          .setHttp2ClearTextUpgrade(false) // h2c with prior knowledge for plain endpoints
          .setHttp2KeepAliveTimeout((int) Math.max(1, config.keepAlive().toSeconds()))
          .setHttp2MultiplexingLimit(h2.maxStreams());
    }
    UpstreamTls.apply(options, config.tls());
    PoolOptions pool = new PoolOptions().setHttp1MaxSize(config.poolSize())
        .setHttp2MaxSize(h2.connections()).setMaxWaitQueueSize(-1);
    this.client = vertx.createHttpClient(options, pool);
    this.keepAliveNanos = config.keepAlive().toNanos();
  }

  /**
   * A request on this loop will call the service soon (it waits for its token check): a sleeping service is woken
   * now (see {@link ColdStartGate}); else, when this loop has not used it for longer than its keep-alive, a
   * connection is opened ({@code grpc}: an h2 connection through {@code transport}; HTTP: a warm-up, when the
   * service has a warm-up or health-check path). Nothing waits for it.
   */
  void warmAhead(long now, boolean grpc, GrpcTransport transport) {
    ColdStartGate gate = state.coldStart;
    if (gate != null && gate.cold(now)) {
      HealthChecker.Probe probe = warmUp();
      if (probe != null) {
        lastUse = now;
        gate.wakeAhead(state.group.candidates(), probe);
        return;
      }
    }
    if (now - lastUse < keepAliveNanos) return;
    lastUse = now;
    if (grpc) {
      transport.preconnect(this);
    } else if (config.healthCheck().path() != null || config.coldStart().path() != null) {
      HealthChecker.Probe probe = warmUp();
      EndpointState e = pick(null, null);
      if (probe != null && e != null) probe.check(e.endpoint);
    }
  }

  private HealthChecker.Probe warmUp() {
    if (!warmUpMade) {
      warmUpMade = true;
      warmUp = config.coldStart().enabled()
          ? ColdStartGate.probe(vertx, client, config)
          : HealthChecker.http(client, config.healthCheck());
    }
    return warmUp;
  }

  public String name() {
    return config.name();
  }

  public ServiceConfig config() {
    return config;
  }

  public ServiceState state() {
    return state;
  }

  public HttpClient client() {
    return client;
  }

  /** The balancer's pick among the live endpoints, or null when the service has none. */
  public EndpointState pick(MultiMap headers, EndpointState avoid) {
    EndpointState[] c = state.group.candidates();
    if (c.length == 0) return null;
    if (avoid != null && c.length == 1 && c[0] == avoid) {
      // A retry or hedge must go elsewhere: rather an ejected or unhealthy endpoint than the one
      // that just failed.
      EndpointState[] all = state.group.all();
      if (all.length > 1) return balancer.pick(all, headers, avoid);
    }
    return balancer.pick(c, headers, avoid);
  }

  /**
   * The canary or stable subset for one call made for {@code caller} (null: for no request);
   * null when the service has no canary. Decided once per call: its retries and hedges stay on
   * that side.
   */
  Canary.Subset route(Caller caller) {
    return state.canary == null ? null : state.canary.route(caller);
  }

  /** As {@link #pick(MultiMap, EndpointState)}, within {@code subset} (null: among all endpoints). */
  EndpointState pick(Canary.Subset subset, MultiMap headers, EndpointState avoid) {
    if (subset == null) return pick(headers, avoid);
    EndpointState[] c = subset.candidates();
    if (c.length == 0) return null;
    Balancer b = subset.isCanary() ? canaryBalancer : balancer;
    if (avoid != null && c.length == 1 && c[0] == avoid) {
      EndpointState[] all = subset.all();
      if (all.length > 1) return b.pick(all, headers, avoid);
    }
    return b.pick(c, headers, avoid);
  }

  /** This loop's view of the endpoints labelled {@code labels}: a content rule's pinned version. */
  public Pin pin(Map<String, String> labels) {
    return new Pin(state.subset(labels), Balancer.of(config.balancer()));
  }

  /** A pinned version of this service on one event loop: its endpoints and its own balancer (a ring is per endpoint set). */
  public static final class Pin {
    private final LabelSubset subset;
    private final Balancer balancer;

    private Pin(LabelSubset subset, Balancer balancer) {
      this.subset = subset;
      this.balancer = balancer;
    }

    EndpointState pick(MultiMap headers) {
      EndpointState[] c = subset.candidates();
      return c.length == 0 ? null : balancer.pick(c, headers, null);
    }
  }

  /** The next endpoint for one call (no accounting); prefer {@link #lease} for real traffic. */
  public Endpoint pick() {
    EndpointState e = pick(null, null);
    if (e == null) throw noEndpoints();
    return e.endpoint;
  }

  /** Request options for one call on the balancer's pick; {@code timeoutMs} bounds connecting. */
  public RequestOptions requestOptions(HttpMethod method, String uri, long timeoutMs) {
    return requestOptions(pick(null, null), method, uri, timeoutMs);
  }

  RequestOptions requestOptions(EndpointState e, HttpMethod method, String uri, long timeoutMs) {
    if (e == null) throw noEndpoints();
    return new RequestOptions()
        .setMethod(method)
        .setHost(e.endpoint.host())
        .setPort(e.endpoint.port())
        .setSsl(e.endpoint.tls())
        .setURI(uri)
        .setConnectTimeout(Math.max(1, Math.min(timeoutMs, config.connectTimeout().toMillis())));
  }

  UpstreamException noEndpoints() {
    return new UpstreamException(name(), UpstreamException.Kind.UNAVAILABLE, name() + " has no endpoints");
  }

  /**
   * Admission for a streamed call that the caller sends itself (proxy routes): takes a bulkhead
   * slot, passes the breaker and picks an endpoint; the caller must end the lease with
   * {@link Lease#done(int)} or {@link Lease#failed(Throwable)}. Such calls are never retried.
   */
  public Future<Lease> lease(HttpMethod method, String uri, MultiMap headers, long timeoutMs) {
    return lease(method, uri, headers, timeoutMs, state.meters.start(null, "proxy"));
  }

  /** As above; {@code observed} (from {@link ServiceMeters#start}) ends with the lease, or with its refusal. */
  public Future<Lease> lease(HttpMethod method, String uri, MultiMap headers, long timeoutMs, UpstreamCall observed) {
    return lease(method, uri, headers, timeoutMs, observed, null);
  }

  /** As above, for the request made by {@code caller} (its canary matches and sticky key); null for none. */
  public Future<Lease> lease(HttpMethod method, String uri, MultiMap headers, long timeoutMs, UpstreamCall observed,
      Caller caller) {
    return lease(method, uri, headers, timeoutMs, observed, caller, null);
  }

  /** As above, on the version {@code pin} names (no canary split then); null: the whole service. */
  public Future<Lease> lease(HttpMethod method, String uri, MultiMap headers, long timeoutMs, UpstreamCall observed,
      Caller caller, Pin pin) {
    Bulkhead bulkhead = state.bulkhead;
    if (!bulkhead.tryAcquire()) return refused(observed, bulkhead.overloaded());
    Canary.Subset subset = pin == null ? route(caller) : null;
    EndpointState e = pin == null ? pick(subset, headers, null) : pin.pick(headers);
    if (e == null) {
      bulkhead.release();
      return refused(observed, noEndpoints());
    }
    Promise<Void> outcome = null;
    if (state.breaker != null && !state.gate.closed()) {
      Promise<Void> op = Promise.promise();
      boolean[] admitted = {false};
      state.breaker.<Void>execute(() -> {
        admitted[0] = true;
        return op.future();
      });
      if (!admitted[0]) {
        bulkhead.release();
        return refused(observed, Calls.breakerOpen(name()));
      }
      outcome = op;
    }
    e.active.incrementAndGet();
    e.requests.increment();
    return Future.succeededFuture(new Lease(this, e, requestOptions(e, method, uri, timeoutMs), outcome, observed, subset));
  }

  private static Future<Lease> refused(UpstreamCall observed, UpstreamException why) {
    observed.end(Calls.outcome(why), -1);
    return Future.failedFuture(why);
  }

  /** One admitted streamed call; ends exactly once. */
  public static final class Lease {
    private final Service service;
    private final EndpointState endpoint;
    private final RequestOptions options;
    private final Promise<Void> outcome;
    private final UpstreamCall observed;
    /** The canary side it went to; null without a canary. */
    private final Canary.Subset subset;
    private boolean ended;

    Lease(Service service, EndpointState endpoint, RequestOptions options, Promise<Void> outcome, UpstreamCall observed,
        Canary.Subset subset) {
      this.subset = subset;
      this.service = service;
      this.endpoint = endpoint;
      this.options = options;
      this.outcome = outcome;
      this.observed = observed;
    }

    /** This call as metrics, the request's log and its span see it (its trace headers, too). */
    public UpstreamCall observed() {
      return observed;
    }

    public RequestOptions options() {
      return options;
    }

    public Endpoint endpoint() {
      return endpoint.endpoint;
    }

    /** The upstream answered with this status (5xx counts against the endpoint and breaker). */
    public void done(int status) {
      if (ended) return;
      ended = true;
      end();
      Calls.answered(observed, status);
      // The call's own clock, read once when it ended above: no second clock read for the canary.
      if (subset != null) subset.record(status >= 500, observed.durationNanos());
      if (status >= 500) {
        service.state.outlier.failure(endpoint);
        breakerFailure(new UpstreamException(service.name(), UpstreamException.Kind.UNAVAILABLE, "status " + status));
      } else {
        service.state.outlier.success(endpoint);
        if (outcome != null) outcome.tryComplete();
        else if (service.state.gate != null) service.state.gate.success();
      }
    }

    public void failed(Throwable err) {
      if (ended) return;
      UpstreamException u = Calls.translate(service.name(), err);
      if (u.clientFault()) {
        cancelled(u);
        return;
      }
      ended = true;
      end();
      observed.end(Calls.outcome(u), -1);
      if (subset != null) subset.record(true, observed.durationNanos());
      service.state.outlier.failure(endpoint);
      breakerFailure(u);
    }

    /**
     * The call ended by the client's doing (it left, or its own deadline ran out): the slot is
     * freed and nothing is counted against the endpoint or the breaker (a half-open probe,
     * abandoned, lets the breaker re-open: see {@link BreakerGate}).
     */
    public void cancelled(UpstreamException clientFault) {
      if (ended) return;
      ended = true;
      end();
      observed.end(Calls.outcome(clientFault), -1);
      if (outcome != null) BreakerGate.abandon(outcome, clientFault);
    }

    /** The service's name, for the caller's messages. */
    public String service() {
      return service.name();
    }

    /**
     * The client broke the call off (its body too large or too slow, or it went away): nothing is
     * learnt about the endpoint, so nothing counts against it or the breaker.
     */
    public void cancelled() {
      cancelled(UpstreamException.clientCancelled(service.name()));
    }

    /** A half-open probe reports through its promise; a call admitted while closed reports to the gate. */
    private void breakerFailure(UpstreamException u) {
      if (outcome != null) outcome.tryFail(u);
      else if (service.state.gate != null) service.state.gate.failure(u);
    }

    private void end() {
      endpoint.active.decrementAndGet();
      service.state.bulkhead.release();
    }
  }

  public void close() {
    if (warmUp != null) ColdStartGate.close(warmUp);
    client.close();
  }
}
