package dev.bffkit.core.upstream;

import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.observe.Observability;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.dns.DnsClient;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The per-BFF upstream state: one {@link ServiceState} per configured service plus the
 * background work that keeps it current (discovery, active health checks). Created once by
 * {@code Bff.start} and handed to every event loop's {@link HttpUpstreams}; closed after them.
 *
 * <p>A reload that changes {@code services:} is applied as a diff ({@link #prepare}, then {@link #commit}): an
 * unchanged service keeps its state (breaker, ejections, in-flight counts, meters); one whose only change is its
 * static endpoints (or their weights or labels) gets them replaced in place, as discovery does; any other change
 * builds a fresh state, which the new generation's callers use while requests already running keep the old one; the
 * old state's background work stops after the drain grace, as does a removed service's.
 */
public final class UpstreamRegistry {
  private static final Logger LOG = Logger.getLogger("dev.bffkit.upstream");
  /** How long a reload waits for a new service's discovery to answer before it is refused. */
  static final long FIRST_ANSWER_MS = 10_000;

  private final Vertx vertx;
  private final Observability observe;
  /** The live services; replaced whole by {@link #commit}, never changed in place. */
  private volatile Map<String, ServiceState> states;
  /** Each state's background work, including retired states still draining. Guarded by this. */
  private final Map<ServiceState, ServiceUpkeep> upkeep = new IdentityHashMap<>();
  private HttpClient checkClient;
  private DnsClient dnsClient;
  private boolean closed;

  /** Without meters (tests, tools). */
  public UpstreamRegistry(Vertx vertx, Map<String, ServiceConfig> configs) {
    this(vertx, configs, Observability.off("none"));
  }

  /** {@code observe}: the BFF's meters and tracing, which every service's calls report to. */
  public UpstreamRegistry(Vertx vertx, Map<String, ServiceConfig> configs, Observability observe) {
    this.vertx = vertx;
    this.observe = observe;
    Map<String, ServiceState> built = new LinkedHashMap<>();
    configs.forEach((name, cfg) -> built.put(name, new ServiceState(vertx, cfg, observe.service(name))));
    this.states = Collections.unmodifiableMap(built);
  }

  /**
   * Reads the services' TLS files (a broken one fails the start with its bff.yaml line), then
   * starts discovery (first answers awaited, so the BFF starts with endpoints) and health checks.
   */
  public Future<Void> start() {
    List<ServiceState> all = List.copyOf(states.values());
    return checkTls(all).compose(v -> startUpkeep(all));
  }

  private Future<Void> checkTls(List<ServiceState> list) {
    if (list.stream().noneMatch(s -> s.config.tls().configured())) return Future.succeededFuture();
    return vertx.executeBlocking(() -> {
      for (ServiceState s : list) UpstreamTls.check(vertx, s.config);
      return null;
    });
  }

  private Future<Void> startUpkeep(List<ServiceState> list) {
    List<Future<Void>> first = new ArrayList<>();
    for (ServiceState s : list) {
      ServiceUpkeep u = new ServiceUpkeep(s);
      synchronized (this) {
        upkeep.put(s, u);
      }
      first.add(u.start(vertx, this::checkClient, this::dnsClient));
    }
    return Future.all(first).mapEmpty();
  }

  private synchronized HttpClient checkClient() {
    if (checkClient == null) {
      checkClient = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setName("bff-health"));
    }
    return checkClient;
  }

  private synchronized DnsClient dnsClient() {
    if (dnsClient == null) dnsClient = vertx.createDnsClient();
    return dnsClient;
  }

  /**
   * A change of the services, built and started but not yet serving: the new map, the states made for it, and the
   * kept states whose static endpoints it replaces. {@link #commit} or {@link #abort} it.
   */
  public static final class Change {
    final Map<String, ServiceState> before;
    final Map<String, ServiceState> next;
    final List<ServiceState> fresh;
    final Map<ServiceState, ServiceConfig> moved;

    Change(Map<String, ServiceState> before, Map<String, ServiceState> next, List<ServiceState> fresh,
        Map<ServiceState, ServiceConfig> moved) {
      this.before = before;
      this.next = next;
      this.fresh = fresh;
      this.moved = moved;
    }

    /** For the reload's log line: {@code added=.. replaced=.. endpoints=.. removed=..}. */
    public String summary() {
      List<String> added = new ArrayList<>();
      List<String> replaced = new ArrayList<>();
      for (ServiceState s : fresh) (before.containsKey(s.name()) ? replaced : added).add(s.name());
      List<String> removed = before.keySet().stream().filter(n -> !next.containsKey(n)).toList();
      List<String> endpoints = moved.keySet().stream().map(ServiceState::name).toList();
      return "added=" + String.join(",", added) + " replaced=" + String.join(",", replaced) + " endpoints="
          + String.join(",", endpoints) + " removed=" + String.join(",", removed);
    }
  }

  /**
   * Builds and starts what {@code configs} needs beyond the live services: new and changed services get a fresh state
   * (TLS files read, health checks and discovery started, discovery's first answer awaited up to
   * {@value #FIRST_ANSWER_MS} ms). Nothing serves differently until {@link #commit}; on failure nothing changed.
   */
  public Future<Change> prepare(Map<String, ServiceConfig> configs) {
    Map<String, ServiceState> before = states;
    List<ServiceConfig> toBuild = new ArrayList<>();
    Map<ServiceState, ServiceConfig> moved = new IdentityHashMap<>();
    for (ServiceConfig cfg : configs.values()) {
      ServiceState old = before.get(cfg.name());
      if (old == null || old.config.equals(cfg)) {
        if (old == null) toBuild.add(cfg);
      } else if (onlyEndpointsDiffer(old.config, cfg)) {
        moved.put(old, cfg);
      } else {
        toBuild.add(cfg);
      }
    }
    return vertx.executeBlocking(() -> {
      for (ServiceConfig cfg : toBuild) if (cfg.tls().configured()) UpstreamTls.check(vertx, cfg);
      return null;
    }, false).compose(v -> {
      Map<String, ServiceState> next = new LinkedHashMap<>();
      List<ServiceState> fresh = new ArrayList<>();
      for (ServiceConfig cfg : configs.values()) {
        ServiceState old = before.get(cfg.name());
        if (toBuild.contains(cfg)) {
          // Its gauges now read the new state (re-pointed back by abort).
          ServiceState s = new ServiceState(vertx, cfg, observe.service(cfg.name()));
          fresh.add(s);
          next.put(cfg.name(), s);
        } else {
          next.put(cfg.name(), old);
        }
      }
      Change change = new Change(before, Collections.unmodifiableMap(next), fresh, moved);
      return startUpkeep(fresh).timeout(FIRST_ANSWER_MS, TimeUnit.MILLISECONDS)
          .transform(ar -> {
            if (ar.succeeded()) return Future.succeededFuture(change);
            abort(change);
            return Future.failedFuture(new IllegalStateException("services: discovery of a new or changed service gave"
                + " no first answer: " + ar.cause().getMessage(), ar.cause()));
          });
    });
  }

  /**
   * Serves {@code change} from now on: the new map is live (new callers, /upstreamz), moved endpoints are replaced in
   * place, and the states it retired stop their background work after {@code graceMs}, when the requests that started
   * on them have ended. A removed service's meters go then too.
   */
  public void commit(Change change, long graceMs) {
    List<ServiceState> retired = new ArrayList<>();
    synchronized (this) {
      states = change.next;
      change.moved.forEach(ServiceState::replaceEndpoints);
      for (ServiceState s : change.before.values()) if (change.next.get(s.name()) != s) retired.add(s);
    }
    if (!change.fresh.isEmpty() || !change.moved.isEmpty() || !retired.isEmpty()) {
      LOG.info("event=services_reloaded " + change.summary() + " grace_ms=" + graceMs);
    }
    if (retired.isEmpty()) return;
    vertx.setTimer(Math.max(1, graceMs), t -> {
      for (ServiceState s : retired) {
        ServiceUpkeep u;
        synchronized (this) {
          u = upkeep.remove(s);
        }
        if (u != null) u.close();
        if (!states.containsKey(s.name())) observe.dropService(s.name());
      }
    });
  }

  /** Undoes {@link #prepare}: the fresh states stop, the live ones take their gauges back. */
  public void abort(Change change) {
    for (ServiceState s : change.fresh) {
      ServiceUpkeep u;
      synchronized (this) {
        u = upkeep.remove(s);
      }
      if (u != null) u.close();
      else s.close();
      ServiceState live = states.get(s.name());
      if (live != null) live.registerGauges();
      else observe.dropService(s.name());
    }
  }

  /** {@link #prepare} then {@link #commit}. */
  public Future<Void> apply(Map<String, ServiceConfig> configs, long graceMs) {
    return prepare(configs).map(change -> {
      commit(change, graceMs);
      return null;
    });
  }

  /**
   * Whether {@code b} differs from {@code a} only in its static endpoints, their weights or labels: then the
   * endpoints are replaced in place. Not with discovery (which owns the set) nor a canary (its subset is fixed when
   * it is built), nor when the endpoints switch between http and https (the gRPC health probe's transport).
   */
  static boolean onlyEndpointsDiffer(ServiceConfig a, ServiceConfig b) {
    if (a.discovery().type() != ServiceConfig.Discovery.Type.STATIC || a.canary() != null || b.canary() != null) {
      return false;
    }
    if (anyHttps(a) != anyHttps(b)) return false;
    ServiceConfig.Balancer ab = a.balancer();
    ServiceConfig withNewEndpoints = new ServiceConfig(a.name(), b.endpoints(), a.connectTimeout(), a.poolSize(),
        a.keepAlive(), a.timeout(), a.discovery(), new ServiceConfig.Balancer(ab.policy(), ab.hashOn(), ab.slowStart(),
        b.balancer().weights()), a.healthCheck(), a.outlier(), a.breaker(), a.retry(), a.hedge(), a.bulkhead(),
        a.http2(), a.tls(), b.labels(), a.canary(), a.coldStart());
    return withNewEndpoints.equals(b);
  }

  private static boolean anyHttps(ServiceConfig c) {
    return c.endpoints().stream().anyMatch(u -> "https".equalsIgnoreCase(u.getScheme()));
  }

  public ServiceState get(String service) {
    return states.get(service);
  }

  /** The live services (a reload replaces the map; this one never changes). */
  public Map<String, ServiceState> services() {
    return states;
  }

  /** Breakers, endpoints (in flight, health, ejection), bulkheads and budgets, for admin and metrics. */
  public JsonObject snapshot() {
    JsonObject out = new JsonObject();
    states.forEach((name, s) -> out.put(name, s.snapshot()));
    return out;
  }

  public void close() {
    List<ServiceUpkeep> all;
    Set<ServiceState> closedStates = Collections.newSetFromMap(new IdentityHashMap<>());
    synchronized (this) {
      if (closed) return;
      closed = true;
      all = new ArrayList<>(upkeep.values());
      closedStates.addAll(upkeep.keySet());
      upkeep.clear();
    }
    all.forEach(ServiceUpkeep::close);
    // States never started (a start that failed early) still have their own timers.
    for (ServiceState s : states.values()) if (!closedStates.contains(s)) s.close();
    synchronized (this) {
      if (checkClient != null) checkClient.close();
      if (dnsClient != null) dnsClient.close();
    }
  }
}
