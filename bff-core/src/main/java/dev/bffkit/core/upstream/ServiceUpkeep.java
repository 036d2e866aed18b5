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

  ServiceUpkeep(ServiceState state) {
    this.state = state;
  }

  /**
   * Starts discovery and health checks; completes when discovery's first answer is in (at once for static endpoints).
   * {@code plainChecks} and {@code dnsClient} are the registry's shared clients, made on first use.
   */
  Future<Void> start(Vertx vertx, Supplier<HttpClient> plainChecks, Supplier<DnsClient> dnsClient) {
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
      HttpClient client;
      if (cfg.tls().configured()) {
        // Probes must present the same certificate and trust the same CA as the calls.
        tlsCheckClient = vertx.createHttpClient(UpstreamTls.apply(new HttpClientOptions().setKeepAlive(true)
            .setName("bff-health-" + cfg.name()), cfg.tls()));
        client = tlsCheckClient;
      } else {
        client = plainChecks.get();
      }
      checker = new HealthChecker(vertx, cfg.name(), cfg.healthCheck(), state.group, HealthChecker.http(client, cfg.healthCheck()));
      checker.start();
    }
    return first;
  }

  /** Stops the discovery, the checks and the state's own timers. */
  void close() {
    if (checker != null) checker.close();
    if (grpcProbe != null) grpcProbe.close();
    if (file != null) file.close();
    if (dns != null) dns.close();
    if (tlsCheckClient != null) tlsCheckClient.close();
    state.close();
  }
}
