package dev.bffkit.core.config;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The whole of one client's bff.yaml, validated. Immutable. */
public record BffConfig(
    String name,
    ServerConfig server,
    CompositionConfig composition,
    Map<String, ServiceConfig> services,
    List<ProxyRouteConfig> routes,
    GrpcConfig grpc,
    AuthConfig auth,
    LimitsConfig limits,
    FiltersConfig filters,
    CorsConfig cors,
    TlsConfig tls,
    AdminConfig admin,
    ObserveConfig observe,
    RateLimitConfig rateLimits,
    TrafficConfig traffic,
    PortalConfig portal,
    /** {@code services.<name>.openapi}: each service's OpenAPI document, read only by {@code --check}. */
    Map<String, GrpcConfig.Entry> contracts,
    /** {@code redis:}: the state every instance of this BFF shares. */
    FleetConfig fleet) {

  public BffConfig {
    contracts = contracts == null ? Map.of() : Map.copyOf(contracts);
    services = Map.copyOf(services);
    routes = List.copyOf(routes);
    if (grpc == null) grpc = GrpcConfig.none();
    if (auth == null) auth = AuthConfig.off();
    if (limits == null) limits = LimitsConfig.defaults();
    if (filters == null) filters = FiltersConfig.none();
    if (cors == null) cors = CorsConfig.off();
    if (tls == null) tls = TlsConfig.off();
    if (admin == null) admin = AdminConfig.defaults(server.port());
    if (observe == null) observe = ObserveConfig.defaults();
    if (rateLimits == null) rateLimits = RateLimitConfig.none();
    if (traffic == null) traffic = TrafficConfig.none();
    if (portal == null) portal = PortalConfig.defaults();
    if (fleet == null) fleet = FleetConfig.none();
  }

  /** Without shared state (each instance alone). */
  public BffConfig(String name, ServerConfig server, CompositionConfig composition, Map<String, ServiceConfig> services,
      List<ProxyRouteConfig> routes, GrpcConfig grpc, AuthConfig auth, LimitsConfig limits, FiltersConfig filters,
      CorsConfig cors, TlsConfig tls, AdminConfig admin, ObserveConfig observe, RateLimitConfig rateLimits,
      TrafficConfig traffic, PortalConfig portal, Map<String, GrpcConfig.Entry> contracts) {
    this(name, server, composition, services, routes, grpc, auth, limits, filters, cors, tls, admin, observe, rateLimits,
        traffic, portal, contracts, null);
  }

  /** Without service contracts. */
  public BffConfig(String name, ServerConfig server, CompositionConfig composition, Map<String, ServiceConfig> services,
      List<ProxyRouteConfig> routes, GrpcConfig grpc, AuthConfig auth, LimitsConfig limits, FiltersConfig filters,
      CorsConfig cors, TlsConfig tls, AdminConfig admin, ObserveConfig observe, RateLimitConfig rateLimits,
      TrafficConfig traffic, PortalConfig portal) {
    this(name, server, composition, services, routes, grpc, auth, limits, filters, cors, tls, admin, observe, rateLimits,
        traffic, portal, null);
  }

  /** Without {@code portal:}. */
  public BffConfig(String name, ServerConfig server, CompositionConfig composition, Map<String, ServiceConfig> services,
      List<ProxyRouteConfig> routes, GrpcConfig grpc, AuthConfig auth, LimitsConfig limits, FiltersConfig filters,
      CorsConfig cors, TlsConfig tls, AdminConfig admin, ObserveConfig observe, RateLimitConfig rateLimits,
      TrafficConfig traffic) {
    this(name, server, composition, services, routes, grpc, auth, limits, filters, cors, tls, admin, observe, rateLimits,
        traffic, null);
  }

  /** Without {@code traffic:}. */
  public BffConfig(String name, ServerConfig server, CompositionConfig composition, Map<String, ServiceConfig> services,
      List<ProxyRouteConfig> routes, GrpcConfig grpc, AuthConfig auth, LimitsConfig limits, FiltersConfig filters,
      CorsConfig cors, TlsConfig tls, AdminConfig admin, ObserveConfig observe, RateLimitConfig rateLimits) {
    this(name, server, composition, services, routes, grpc, auth, limits, filters, cors, tls, admin, observe, rateLimits,
        null);
  }

  public BffConfig(String name, ServerConfig server, CompositionConfig composition, Map<String, ServiceConfig> services,
      List<ProxyRouteConfig> routes, GrpcConfig grpc, AuthConfig auth, LimitsConfig limits, FiltersConfig filters,
      CorsConfig cors, TlsConfig tls, AdminConfig admin) {
    this(name, server, composition, services, routes, grpc, auth, limits, filters, cors, tls, admin, null, null, null);
  }

  /** With the default admin listener (loopback, client port + 1000). */
  public BffConfig(String name, ServerConfig server, CompositionConfig composition, Map<String, ServiceConfig> services,
      List<ProxyRouteConfig> routes, GrpcConfig grpc, AuthConfig auth, LimitsConfig limits, FiltersConfig filters,
      CorsConfig cors, TlsConfig tls) {
    this(name, server, composition, services, routes, grpc, auth, limits, filters, cors, tls, null);
  }

  /** A config without gRPC and without any edge section (auth off, default limits). */
  public BffConfig(String name, ServerConfig server, CompositionConfig composition,
      Map<String, ServiceConfig> services, List<ProxyRouteConfig> routes) {
    this(name, server, composition, services, routes, GrpcConfig.none());
  }

  /** Without edge sections: auth off, default limits, no filters, CORS or TLS. */
  public BffConfig(String name, ServerConfig server, CompositionConfig composition,
      Map<String, ServiceConfig> services, List<ProxyRouteConfig> routes, GrpcConfig grpc) {
    this(name, server, composition, services, routes, grpc, AuthConfig.off(), LimitsConfig.defaults(),
        FiltersConfig.none(), CorsConfig.off(), TlsConfig.off());
  }

  /** A new client port; an admin port that was derived from the old one follows it. */
  public BffConfig withPort(int port) {
    AdminConfig a = admin.equals(AdminConfig.defaults(server.port())) ? null : admin;
    return new BffConfig(name, server.withPort(port), composition, services, routes, grpc, auth, limits, filters, cors,
        tls, a, observe, rateLimits, traffic, portal, contracts, fleet);
  }

  /**
   * The copy a warm-up runs (server/WarmUp): every service's endpoints at {@code backend}, on a
   * loopback ephemeral port, and nothing that reaches outside the process or that a client would
   * notice: no admin listener, auth, rate limits, mirrors or canary rollback, TLS, traces, access
   * or audit log, no portal key store. Its meters live in its own registry and go when it closes.
   */
  public BffConfig forWarmUp(URI backend) {
    Map<String, ServiceConfig> at = new LinkedHashMap<>();
    services.forEach((n, s) -> at.put(n, s.at(backend)));
    ObserveConfig quiet = new ObserveConfig(observe.metrics(), ObserveConfig.Tracing.off(), ObserveConfig.AccessLog.off(),
        ObserveConfig.Audit.off(), List.of(), false);
    return new BffConfig(name, server.forWarmUp(), composition.withoutSharedCache(), at, routes, grpc, AuthConfig.off(), limits, filters, cors,
        TlsConfig.off(), new AdminConfig("127.0.0.1", -1, null), quiet, RateLimitConfig.none(), TrafficConfig.none(),
        PortalConfig.defaults());
  }

  public BffConfig withServer(ServerConfig newServer) {
    return new BffConfig(name, newServer, composition, services, routes, grpc, auth, limits, filters, cors, tls, admin, observe, rateLimits, traffic, portal, contracts, fleet);
  }

  public BffConfig withAdmin(AdminConfig newAdmin) {
    return new BffConfig(name, server, composition, services, routes, grpc, auth, limits, filters, cors, tls, newAdmin, observe, rateLimits, traffic, portal, contracts, fleet);
  }

  public BffConfig withAuth(AuthConfig newAuth) {
    return new BffConfig(name, server, composition, services, routes, grpc, newAuth, limits, filters, cors, tls, admin, observe, rateLimits, traffic, portal, contracts, fleet);
  }

  public BffConfig withEdge(FiltersConfig newFilters, CorsConfig newCors, TlsConfig newTls) {
    return new BffConfig(name, server, composition, services, routes, grpc, auth, limits, newFilters, newCors, newTls, admin, observe, rateLimits, traffic, portal, contracts, fleet);
  }

  public BffConfig withLimits(LimitsConfig newLimits) {
    return new BffConfig(name, server, composition, services, routes, grpc, auth, newLimits, filters, cors, tls, admin, observe, rateLimits, traffic, portal, contracts, fleet);
  }

  public BffConfig withRateLimits(RateLimitConfig newRateLimits) {
    return new BffConfig(name, server, composition, services, routes, grpc, auth, limits, filters, cors, tls, admin, observe,
        newRateLimits, traffic, portal, contracts, fleet);
  }

  public BffConfig withTraffic(TrafficConfig newTraffic) {
    return new BffConfig(name, server, composition, services, routes, grpc, auth, limits, filters, cors, tls, admin, observe,
        rateLimits, newTraffic, portal, contracts, fleet);
  }

  public BffConfig withObserve(ObserveConfig newObserve) {
    return new BffConfig(name, server, composition, services, routes, grpc, auth, limits, filters, cors, tls, admin, newObserve, rateLimits, traffic, portal, contracts, fleet);
  }

  public BffConfig withContracts(Map<String, GrpcConfig.Entry> newContracts) {
    return new BffConfig(name, server, composition, services, routes, grpc, auth, limits, filters, cors, tls, admin, observe,
        rateLimits, traffic, portal, newContracts, fleet);
  }

  public BffConfig withFleet(FleetConfig newFleet) {
    return new BffConfig(name, server, composition, services, routes, grpc, auth, limits, filters, cors, tls, admin, observe,
        rateLimits, traffic, portal, contracts, newFleet);
  }

  public BffConfig withPortal(PortalConfig newPortal) {
    return new BffConfig(name, server, composition, services, routes, grpc, auth, limits, filters, cors, tls, admin, observe,
        rateLimits, traffic, newPortal, contracts, fleet);
  }
}
