package dev.bffkit.core.config;

import java.util.List;
import java.util.Map;

/** The whole of one client's bff.yaml, validated. Immutable. */
public record BffConfig(
    String name,
    ServerConfig server,
    CompositionConfig composition,
    Map<String, ServiceConfig> services,
    List<ProxyRouteConfig> routes) {

  public BffConfig {
    services = Map.copyOf(services);
    routes = List.copyOf(routes);
  }

  public BffConfig withPort(int port) {
    return new BffConfig(name, server.withPort(port), composition, services, routes);
  }
}
