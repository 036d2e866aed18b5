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
    GrpcConfig grpc) {

  public BffConfig {
    services = Map.copyOf(services);
    routes = List.copyOf(routes);
    if (grpc == null) grpc = GrpcConfig.none();
  }

  /** A config without gRPC. */
  public BffConfig(String name, ServerConfig server, CompositionConfig composition,
      Map<String, ServiceConfig> services, List<ProxyRouteConfig> routes) {
    this(name, server, composition, services, routes, GrpcConfig.none());
  }

  public BffConfig withPort(int port) {
    return new BffConfig(name, server.withPort(port), composition, services, routes, grpc);
  }
}
