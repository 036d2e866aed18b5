package dev.bffkit.core.server;

import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.compose.Screen;
import dev.bffkit.core.config.AuthConfig;
import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.ClientBundle;
import dev.bffkit.core.config.ConfigException;
import dev.bffkit.core.config.GrpcConfig;
import dev.bffkit.core.config.PortalConfig;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.config.SourceFile;
import dev.bffkit.core.grpc.TranscodeStage;
import dev.bffkit.core.ratelimit.RouteLimits;
import dev.bffkit.core.ratelimit.Tiers;
import dev.bffkit.core.route.ContentRules;
import dev.bffkit.core.route.Route;
import dev.bffkit.core.route.RouteKind;
import dev.bffkit.core.route.RouteMatch;
import dev.bffkit.core.route.RoutePolicy;
import dev.bffkit.core.route.RouteTable;
import dev.bffkit.core.traffic.RouteMirror;
import dev.bffkit.core.wasm.FilterModule;
import dev.bffkit.core.wasm.WasmFilters;
import io.vertx.core.http.HttpMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Compiles one client bundle's route table: every route kind, each with its policy and where it
 * was declared. Runs once per BFF at start-up; an overlap stops the start with file and line.
 */
public final class Routes {
  static final Set<HttpMethod> GET_HEAD = Set.of(HttpMethod.GET, HttpMethod.HEAD);
  static final Set<HttpMethod> PORTAL_METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST, HttpMethod.DELETE);

  private final BffConfig config;
  private final AuthConfig auth;
  private final Tiers tiers;
  private final WasmFilters wasm;

  private Routes(BffConfig config) {
    this.config = config;
    this.auth = config.auth();
    this.tiers = new Tiers(config.rateLimits());
    this.wasm = WasmFilters.compile(config.filters().wasm());
  }

  public static RouteTable compile(ClientBundle bundle, CompositionEngine engine) {
    return compile(bundle, engine, null);
  }

  /** The table of a reloaded bundle: routes keep their ids in {@code previous} (see {@link RouteTable#after}). */
  public static RouteTable compile(ClientBundle bundle, CompositionEngine engine, RouteTable previous) {
    return new Routes(bundle.config()).build(bundle, engine, previous);
  }

  private RouteTable build(ClientBundle bundle, CompositionEngine engine, RouteTable previous) {
    RouteTable.Builder b = previous == null ? RouteTable.builder() : RouteTable.after(previous);
    for (String path : List.of("/healthz", "/readyz")) {
      add(b, new Route(0, "health:" + path, RouteKind.HEALTH, new RouteMatch.Exact(path), GET_HEAD,
          policy(false, Set.of(), null), "built-in", null));
    }
    String screens = config.composition().screensPath();
    List<Screen> sorted = new ArrayList<>(engine.screens());
    sorted.sort(Comparator.comparing(Screen::name));
    for (Screen s : sorted) {
      String path = screens + "/" + s.name();
      add(b, new Route(0, "screen:" + s.name(), RouteKind.SCREEN, new RouteMatch.Exact(path), GET_HEAD,
          policy(required(path), auth.screens().getOrDefault(s.name(), Set.of()), null),
          screenFile(bundle, s.name()), s.name()));
    }
    // Unknown screens: one route answers 404 with the known ones.
    add(b, new Route(0, "screen:*", RouteKind.SCREEN, new RouteMatch.Prefix(screens + "/"), GET_HEAD,
        policy(required(screens + "/"), Set.of(), null), "composition.screensPath", null));
    String graphql = config.composition().graphqlPath();
    add(b, new Route(0, "graphql", RouteKind.GRAPHQL, new RouteMatch.Exact(graphql), Set.of(HttpMethod.GET, HttpMethod.POST),
        policy(required(graphql), Set.of(), null), "composition.graphqlPath", null));
    for (ProxyRouteConfig r : config.routes()) {
      RoutePolicy p = policy(required(r.prefix()), r.scopes(), r.service(), r.maxBodyBytes())
          .withRules(ContentRules.compile(r.rules()));
      add(b, new Route(0, "proxy:" + r.prefix(), RouteKind.PROXY, new RouteMatch.Prefix(r.prefix()),
          RouteTable.methods(r.methods()), p, r.declaredAt(), r));
    }
    if (!config.grpc().transcode().isEmpty()) {
      int n = 0;
      for (TranscodeStage.Route t : TranscodeStage.routes(config.grpc(), engine.grpc())) {
        RouteMatch.Template m = t.routeMatch();
        add(b, new Route(0, "transcode:" + t.grpc().fullName() + "#" + (++n), RouteKind.TRANSCODE, m, Set.of(t.method()),
            policy(required(m.text()), Set.of(), t.service()), transcodeDecl(t), t));
      }
    }
    for (GrpcConfig.Expose e : config.grpc().web()) {
      String prefix = "/" + e.grpcService() + "/";
      add(b, new Route(0, "grpc-web:" + e.grpcService(), RouteKind.GRPC_WEB, new RouteMatch.Prefix(prefix),
          Set.of(HttpMethod.POST), policy(required(prefix), Set.of(), e.service()),
          e.pos().file() + ":" + e.pos().line(), e));
    }
    PortalConfig.Public portal = config.portal().publicPortal();
    if (portal != null) {
      // Not behind auth.required: its page is open; its data checks the developer token itself (portal.PublicPortal).
      add(b, new Route(0, "portal", RouteKind.PORTAL, new RouteMatch.Prefix(portal.path()), PORTAL_METHODS,
          policy(false, Set.of(), null), portal.declaredAt(), portal));
    }
    RouteTable table = b.build();
    checkPublicPaths(table);
    RouteLimits.checkRuleRoutes(config.rateLimits(), table.names());
    RouteMirror.checkRoutes(config.traffic(), table.names());
    wasm.checkRoutes(table.names());
    return table;
  }

  /** Adds a route with its rate limits (health routes take none), its mirror and its filters compiled into its policy. */
  private void add(RouteTable.Builder b, Route r) {
    RouteMirror mirror = RouteMirror.compile(config.traffic(), r.name());
    if (mirror != null) r = r.withPolicy(r.policy().withMirror(mirror));
    List<FilterModule> filters = r.kind() == RouteKind.HEALTH ? List.of() : wasm.forRoute(r.name());
    if (!filters.isEmpty()) r = r.withPolicy(r.policy().withWasm(filters));
    RouteLimits limits = RouteLimits.compile(config.rateLimits(), tiers, r.name(), r.kind() != RouteKind.HEALTH);
    b.add(limits.isEmpty() ? r : r.withPolicy(r.policy().withRateLimits(limits)));
  }

  /** A public path names a route (else it would silently protect nothing, or open nothing). */
  private void checkPublicPaths(RouteTable table) {
    for (String p : auth.publicPaths()) {
      boolean names = false;
      for (Route r : table.routes()) {
        if (r.match() instanceof RouteMatch.Exact e && e.path().equals(p)) names = true;
        if (r.match() instanceof RouteMatch.Prefix x && (x.prefix().equals(p) || p.equals(x.prefix() + "/"))) names = true;
        if (r.match() instanceof RouteMatch.Template t && t.text().equals(p)) names = true;
      }
      if (!names) {
        throw new ConfigException("bff.yaml", 0, "auth.publicPaths: '" + p + "' is not the path of a route; list a"
            + " screen path (" + config.composition().screensPath() + "/NAME), the GraphQL path or a proxy prefix as"
            + " written under routes: (print the table with --routes)");
      }
    }
  }

  private String transcodeDecl(TranscodeStage.Route t) {
    for (GrpcConfig.Expose e : config.grpc().transcode()) {
      if (t.grpc().fullName().startsWith(e.grpcService() + "/")) return e.pos().file() + ":" + e.pos().line();
    }
    return "grpc.transcode";
  }

  /** Health answers load balancers, which send no credentials; everything else follows auth.required. */
  private boolean required(String path) {
    return auth.enabled() && auth.required() && !auth.publicPaths().contains(path);
  }

  private RoutePolicy policy(boolean authRequired, Set<String> scopes, String service) {
    return policy(authRequired, scopes, service, 0);
  }

  /** {@code maxBodyBytes} 0: the server's. */
  private RoutePolicy policy(boolean authRequired, Set<String> scopes, String service, long maxBodyBytes) {
    Duration deadline = config.composition().deadline();
    long body = maxBodyBytes > 0 ? maxBodyBytes : config.server().maxBodyBytes();
    return new RoutePolicy(authRequired, scopes, body, config.limits().bodyTimeout(),
        config.limits().minBodyRate(), deadline, service);
  }

  private static String screenFile(ClientBundle bundle, String name) {
    for (SourceFile f : bundle.screens()) {
      String n = f.name();
      if (n.endsWith("/" + name + ".graphql") || n.equals(name + ".graphql")) return n;
    }
    return "screens/" + name + ".graphql";
  }
}
