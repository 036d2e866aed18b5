package dev.bffkit.core.upstream;

import dev.bffkit.core.config.ServiceConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.dns.DnsClient;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The background work that keeps one {@link ServiceState} current: its discovery (file, DNS) and its active health
 * checks. One per state, so a reload that replaces or removes a service stops exactly that service's work.
 */
final class ServiceUpkeep {
  private final ServiceState state;
  private FileDiscovery file;
  private DnsDiscovery dns;
  private HealthChecker checker;
  private GrpcHealthProbe grpcProbe;
  /** The probes' own client when the service has TLS settings; else null (the registry's shared one is used). */
  private HttpClient tlsCheckClient;
  /** {@code coldStart.keepWarm}'s warm-up and timer; null and -1 without. */
  private HealthChecker.Probe warmUp;
  private long keepWarmTimer = -1;
  private Vertx vertx;

  ServiceUpkeep(ServiceState state) {
    this.state = state;
  }

  /**
   * Starts discovery and health checks; completes when discovery's first answer is in (at once for static endpoints).
   * {@code plainChecks} and {@code dnsClient} are the registry's shared clients, made on first use.
   */
  Future<Void> start(Vertx vertx, Supplier<HttpClient> plainChecks, Supplier<DnsClient> dnsClient) {
    this.vertx = vertx;
    ServiceConfig cfg = state.config;
    Future<Void> first = Future.succeededFuture();
    switch (cfg.discovery().type()) {
      case FILE -> {
        file = new FileDiscovery(vertx, cfg.name(), Path.of(cfg.discovery().file()),
            cfg.discovery().refresh().toMillis(), state.group);
        FileDiscovery f = file;
        first = vertx.executeBlocking(() -> {
          f.start();
          return null;
        });
      }
      case DNS, SRV -> {
        dns = new DnsDiscovery(vertx, cfg.name(), cfg.discovery(), state.group, dnsClient.get());
        first = dns.start();
      }
      case STATIC -> { }
    }
    if (cfg.healthCheck().grpc()) {
      grpcProbe = new GrpcHealthProbe(vertx, cfg);
      checker = new HealthChecker(vertx, cfg.name(), cfg.healthCheck(), state.group, grpcProbe);
      checker.start();
    } else if (cfg.healthCheck().enabled()) {
      checker = new HealthChecker(vertx, cfg.name(), cfg.healthCheck(), state.group,
          HealthChecker.http(probeClient(vertx, plainChecks), cfg.healthCheck()));
      checker.start();
    }
    ColdStartGate gate = state.coldStart;
    if (gate != null && !cfg.coldStart().keepWarm().isZero()) {
      warmUp = ColdStartGate.probe(vertx, probeClient(vertx, plainChecks), cfg);
      if (warmUp != null) {
        HealthChecker.Probe probe = warmUp;
        keepWarmTimer = vertx.setPeriodic(cfg.coldStart().keepWarm().toMillis(),
            id -> gate.keepWarm(state.group.candidates(), probe));
      }
    }
    return first;
  }

  /** The client for probes and warm-ups: the registry's shared one, or the service's own when it has TLS settings. */
  private HttpClient probeClient(Vertx vertx, Supplier<HttpClient> plainChecks) {
    if (!state.config.tls().configured()) return plainChecks.get();
    if (tlsCheckClient == null) {
      // Probes must present the same certificate and trust the same CA as the calls.
      tlsCheckClient = vertx.createHttpClient(UpstreamTls.apply(new HttpClientOptions().setKeepAlive(true)
          .setName("bff-health-" + state.config.name()), state.config.tls()));
    }
    return tlsCheckClient;
  }

  /** Stops the discovery, the checks and the state's own timers. */
  void close() {
    if (checker != null) checker.close();
    if (keepWarmTimer >= 0) vertx.cancelTimer(keepWarmTimer);
    if (warmUp != null) ColdStartGate.close(warmUp);
    if (grpcProbe != null) grpcProbe.close();
    if (file != null) file.close();
    if (dns != null) dns.close();
    if (tlsCheckClient != null) tlsCheckClient.close();
    state.close();
  }
}
