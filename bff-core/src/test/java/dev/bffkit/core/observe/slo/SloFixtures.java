package dev.bffkit.core.observe.slo;

import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.config.CompositionConfig;
import dev.bffkit.core.config.ObserveConfig;
import dev.bffkit.core.config.ServerConfig;
import dev.bffkit.core.observe.RequestLog;
import dev.bffkit.core.observe.TraceContext;
import dev.bffkit.core.route.Route;
import dev.bffkit.core.route.RouteKind;
import dev.bffkit.core.route.RouteMatch;
import dev.bffkit.core.route.RoutePolicy;
import dev.bffkit.core.route.RouteTable;
import io.vertx.core.http.HttpMethod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Route tables, SLOs, request logs and a settable clock for the SLO tests. */
final class SloFixtures {
  private SloFixtures() {}

  private static final RoutePolicy POLICY =
      new RoutePolicy(false, Set.of(), 1024, Duration.ofSeconds(10), 0, Duration.ofSeconds(3), null);

  static final RouteTable ROUTES = RouteTable.builder()
      .add(new Route(0, "screen:home", RouteKind.SCREEN, new RouteMatch.Exact("/v1/screens/home"),
          Set.of(HttpMethod.GET), POLICY, "screens/home.graphql", "home"))
      .add(new Route(0, "graphql", RouteKind.GRAPHQL, new RouteMatch.Exact("/graphql"),
          Set.of(HttpMethod.GET, HttpMethod.POST), POLICY, "bff.yaml", null))
      .add(new Route(0, "proxy:/api/posts", RouteKind.PROXY, new RouteMatch.Prefix("/api/posts"),
          Set.of(), POLICY, "bff.yaml:9", null))
      .build();

  static Route route(String name) {
    return ROUTES.routes().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
  }

  static ObserveConfig.Slo availability(String name, String route, double target) {
    return new ObserveConfig.Slo(name, route, target, 0, null, Duration.ofDays(30), "bff.yaml:40");
  }

  static ObserveConfig.Slo both(String name, String route, double availability, double latencyTarget, Duration threshold) {
    return new ObserveConfig.Slo(name, route, availability, latencyTarget, threshold, Duration.ofDays(30), "bff.yaml:40");
  }

  static BffConfig config(List<ObserveConfig.Slo> slos) {
    ServerConfig server = new ServerConfig("127.0.0.1", 0, 1, Duration.ofSeconds(1), Duration.ofSeconds(30), 64 * 1024, 8192);
    CompositionConfig comp = new CompositionConfig(Duration.ofSeconds(1), true, "/graphql", "/v1/screens", 100);
    ObserveConfig d = ObserveConfig.defaults();
    ObserveConfig oc = new ObserveConfig(d.metrics(), ObserveConfig.Tracing.off(), ObserveConfig.AccessLog.off(),
        ObserveConfig.Audit.off(), slos, false);
    return new BffConfig("test", server, comp, Map.of(), List.of()).withObserve(oc);
  }

  /** A completed request of {@code route}: status (0 = none sent), how long it took, whether the client left. */
  static RequestLog log(Route route, int status, long durationMillis, boolean clientGone) {
    long start = System.nanoTime() - durationMillis * 1_000_000L;
    RequestLog log = new RequestLog("r", "GET", start, System.currentTimeMillis(), TraceContext.root(false), null);
    log.route(route);
    log.end(status, 0, 0, clientGone);
    return log;
  }

  /** A clock the test moves; starts mid-slot so slot boundaries are not the test's seconds. */
  static final class FakeClock implements LongSupplier {
    private final AtomicLong millis = new AtomicLong(1_700_000_003_456L);

    @Override
    public long getAsLong() { return millis.get(); }

    void advance(Duration d) { millis.addAndGet(d.toMillis()); }

    void advanceMillis(long ms) { millis.addAndGet(ms); }
  }
}
