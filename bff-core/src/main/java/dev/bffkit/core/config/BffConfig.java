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
    LimitsConfig limits) {

  public BffConfig {
    services = Map.copyOf(services);
    routes = List.copyOf(routes);
  }

  /** Without an {@code auth:} section: auth off. */
  public BffConfig(String name, ServerConfig server, CompositionConfig composition,
      Map<String, ServiceConfig> services, List<ProxyRouteConfig> routes) {
    this(name, server, composition, services, routes, AuthConfig.off(), LimitsConfig.defaults());
  }

  public BffConfig withPort(int port) {
    return new BffConfig(name, server.withPort(port), composition, services, routes, auth, limits);
  }

  public BffConfig withAuth(AuthConfig newAuth) {
    return new BffConfig(name, server, composition, services, routes, newAuth, limits);
  }

  public BffConfig withLimits(LimitsConfig newLimits) {
    return new BffConfig(name, server, composition, services, routes, auth, newLimits);
  }
}
