package dev.bffkit.core.upstream;

import dev.bffkit.core.config.ServiceConfig;
import dev.bffkit.core.observe.Observability;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.dns.DnsClient;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-BFF upstream state: one {@link ServiceState} per configured service plus the
 * background work that keeps it current (discovery, active health checks). Created once by
 * {@code Bff.start} and handed to every event loop's {@link HttpUpstreams}; closed after them.
 */
public final class UpstreamRegistry {
  private final Vertx vertx;
  private final Map<String, ServiceState> states = new LinkedHashMap<>();
  private final List<HealthChecker> checkers = new ArrayList<>();
  private final List<GrpcHealthProbe> grpcProbes = new ArrayList<>();
  private final List<FileDiscovery> files = new ArrayList<>();
  private final List<DnsDiscovery> dnses = new ArrayList<>();
  private HttpClient checkClient;
  private final List<HttpClient> tlsCheckClients = new ArrayList<>();
  private DnsClient dnsClient;

  /** Without meters (tests, tools). */
  public UpstreamRegistry(Vertx vertx, Map<String, ServiceConfig> configs) {
    this(vertx, configs, Observability.off("none"));
  }

  /** {@code observe}: the BFF's meters and tracing, which every service's calls report to. */
  public UpstreamRegistry(Vertx vertx, Map<String, ServiceConfig> configs, Observability observe) {
    this.vertx = vertx;
    configs.forEach((name, cfg) -> states.put(name, new ServiceState(vertx, cfg, observe.service(name))));
  }

  /**
   * Reads the services' TLS files (a broken one fails the start with its bff.yaml line), then
   * starts discovery (first answers awaited, so the BFF starts with endpoints) and health checks.
   */
  public Future<Void> start() {
    if (states.values().stream().noneMatch(s -> s.config.tls().configured())) return startDiscovery();
    return vertx.<Void>executeBlocking(() -> {
      for (ServiceState s : states.values()) UpstreamTls.check(vertx, s.config);
      return null;
    }).compose(v -> startDiscovery());
  }

  private Future<Void> startDiscovery() {
    List<Future<Void>> first = new ArrayList<>();
    for (ServiceState s : states.values()) {
      ServiceConfig cfg = s.config;
      switch (cfg.discovery().type()) {
        case FILE -> {
          FileDiscovery f = new FileDiscovery(vertx, cfg.name(), Path.of(cfg.discovery().file()),
              cfg.discovery().refresh().toMillis(), s.group);
          files.add(f);
          first.add(vertx.executeBlocking(() -> {
            f.start();
            return null;
          }));
        }
        case DNS, SRV -> {
          if (dnsClient == null) dnsClient = vertx.createDnsClient();
          DnsDiscovery d = new DnsDiscovery(vertx, cfg.name(), cfg.discovery(), s.group, dnsClient);
          dnses.add(d);
          first.add(d.start());
        }
        case STATIC -> { }
      }
      if (cfg.healthCheck().grpc()) {
        GrpcHealthProbe probe = new GrpcHealthProbe(vertx, cfg);
        grpcProbes.add(probe);
        HealthChecker h = new HealthChecker(vertx, cfg.name(), cfg.healthCheck(), s.group, probe);
        checkers.add(h);
        h.start();
      } else if (cfg.healthCheck().enabled()) {
        HttpClient client;
        if (cfg.tls().configured()) {
          // Probes must present the same certificate and trust the same CA as the calls.
          client = vertx.createHttpClient(UpstreamTls.apply(new HttpClientOptions().setKeepAlive(true)
              .setName("bff-health-" + cfg.name()), cfg.tls()));
          tlsCheckClients.add(client);
        } else {
          if (checkClient == null) {
            checkClient = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setName("bff-health"));
          }
          client = checkClient;
        }
        HealthChecker h = new HealthChecker(vertx, cfg.name(), cfg.healthCheck(), s.group,
            HealthChecker.http(client, cfg.healthCheck()));
        checkers.add(h);
        h.start();
      }
    }
    return Future.all(first).mapEmpty();
  }

  public ServiceState get(String service) {
    return states.get(service);
  }

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
    checkers.forEach(HealthChecker::close);
    grpcProbes.forEach(GrpcHealthProbe::close);
    files.forEach(FileDiscovery::close);
    dnses.forEach(DnsDiscovery::close);
    states.values().forEach(s -> {
      s.outlier.close();
      if (s.canary != null) s.canary.close();
      if (s.breaker != null) s.breaker.close();
    });
    if (checkClient != null) checkClient.close();
    tlsCheckClients.forEach(HttpClient::close);
    if (dnsClient != null) dnsClient.close();
  }
}
