package dev.bffkit.core.config;

import java.util.List;
import java.util.Map;

/** The whole of one client's bff.yaml, validated. Immutable. */
public record BffConfig(
    String name,
    ServerConfig server,
    CompositionConfig composition,
    Map<String, ServiceConfig> services,
    List<ProxyRouteConfig> routes,
    AuthConfig auth,
    LimitsConfig limits,
    FiltersConfig filters,
    CorsConfig cors,
    TlsConfig tls) {

  public BffConfig {
    services = Map.copyOf(services);
    routes = List.copyOf(routes);
  }

  /** Without an {@code auth:} section: auth off. */
  public BffConfig(String name, ServerConfig server, CompositionConfig composition,
      Map<String, ServiceConfig> services, List<ProxyRouteConfig> routes) {
    this(name, server, composition, services, routes, AuthConfig.off(), LimitsConfig.defaults(), FiltersConfig.none(),
        CorsConfig.off(), TlsConfig.off());
  }

  public BffConfig withPort(int port) {
    return new BffConfig(name, server.withPort(port), composition, services, routes, auth, limits, filters, cors, tls);
  }

  public BffConfig withAuth(AuthConfig newAuth) {
    return new BffConfig(name, server, composition, services, routes, newAuth, limits, filters, cors, tls);
  }

  public BffConfig withEdge(FiltersConfig newFilters, CorsConfig newCors, TlsConfig newTls) {
    return new BffConfig(name, server, composition, services, routes, auth, limits, newFilters, newCors, newTls);
  }

  public BffConfig withLimits(LimitsConfig newLimits) {
    return new BffConfig(name, server, composition, services, routes, auth, newLimits, filters, cors, tls);
  }
}
