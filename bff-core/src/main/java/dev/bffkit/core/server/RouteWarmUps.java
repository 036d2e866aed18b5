package dev.bffkit.core.server;

import dev.bffkit.core.compose.CompositionEngine;
import dev.bffkit.core.compose.Screen;
import dev.bffkit.core.compose.ScreenFacts;
import dev.bffkit.core.config.ProxyRouteConfig;
import dev.bffkit.core.config.RouteRuleConfig;
import dev.bffkit.core.pipeline.Exchange;
import dev.bffkit.core.pipeline.WarmAhead;
import dev.bffkit.core.route.Route;
import dev.bffkit.core.route.RouteTable;
import dev.bffkit.core.upstream.HttpUpstreams;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Speculative warming for one event loop: the services each route reaches, read from the route table once (a
 * screen's fields, a proxy route's service and its rules' services, a transcoded or gRPC-Web route's service; none
 * for ad-hoc GraphQL, which may reach any), warmed by {@link HttpUpstreams#warmAhead} while the request's caller is
 * being verified. Warming opens connections and wakes sleeping services; it sends nothing of the request.
 */
final class RouteWarmUps implements WarmAhead {
  private final HttpUpstreams upstreams;
  /** By route id; empty lists for routes that reach no known service. */
  private final List<String>[] reaches;

  @SuppressWarnings("unchecked")
  RouteWarmUps(RouteTable routes, CompositionEngine engine, HttpUpstreams upstreams) {
    this.upstreams = upstreams;
    this.reaches = new List[routes.idLimit()];
    for (Route r : routes.routes()) reaches[r.id()] = List.copyOf(services(r, engine));
  }

  private static Set<String> services(Route r, CompositionEngine engine) {
    Set<String> out = new LinkedHashSet<>();
    switch (r.kind()) {
      case SCREEN -> {
        Screen s = r.source() instanceof String name ? engine.screen(name) : null;
        if (s != null) for (ScreenFacts.ServiceCall c : ScreenFacts.calls(engine, s)) out.add(c.service());
      }
      case PROXY -> {
        ProxyRouteConfig pr = (ProxyRouteConfig) r.source();
        if (pr.service() != null) out.add(pr.service());
        for (RouteRuleConfig rule : pr.rules()) if (rule.service() != null) out.add(rule.service());
      }
      case TRANSCODE, GRPC_WEB -> {
        if (r.policy().service() != null) out.add(r.policy().service());
      }
      default -> { }
    }
    return out;
  }

  @Override
  public void warm(Exchange ex) {
    Route r = ex.route();
    if (r == null || r.id() >= reaches.length) return;
    List<String> services = reaches[r.id()];
    if (services != null && !services.isEmpty()) upstreams.warmAhead(services);
  }
}
