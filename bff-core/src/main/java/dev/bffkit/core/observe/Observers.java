package dev.bffkit.core.observe;

import dev.bffkit.core.config.BffConfig;
import dev.bffkit.core.observe.audit.AuditTrail;
import dev.bffkit.core.observe.slo.SloTracker;
import dev.bffkit.core.observe.status.StatusPage;
import dev.bffkit.core.route.RouteTable;
import dev.bffkit.core.upstream.UpstreamRegistry;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.EnumSet;

/**
 * Where the BFF's observers are put together at start-up: each part (access log, SLOs, audit
 * trail, status page) installs itself on the {@link Observability} and, when it has pages, on the
 * admin router. Also the Vert.x metrics the launcher enables on its Vert.x instance.
 */
public final class Observers {
  private Observers() {}

  /** Installs every configured observer; a bad reference in {@code observe:} fails the start (file:line). */
  public static void install(Observability o, BffConfig config, RouteTable routes, UpstreamRegistry upstreams,
      Router adminRouter) {
    // The parts install here, in this order: access log, SLOs, audit trail, status page.
    AccessLog.install(o, config);
    SloTracker.install(o, config, routes, adminRouter);
    AuditTrail.install(o, config, routes);
    StatusPage.install(o, config, routes, upstreams, adminRouter);
  }

  /**
   * The routes the observers name (SLOs, audited routes) are in {@code routes}: a reload that drops one is refused
   * with the same error the start gives.
   */
  public static void checkRoutes(BffConfig config, RouteTable routes) {
    SloTracker.validate(config.observe().slos(), routes);
    if (config.observe().audit().enabled()) AuditTrail.audited(config.observe().audit().routes(), routes);
  }

  /**
   * Vert.x's own meters, into the process registry: its worker pools ({@code vertx_pool_*}). Its
   * HTTP client and server meters stay off: per request they cost about 1.8 % of a proxied
   * request's CPU in the profile (load-tests/reports/issue-11), and the BFF's own meters say the
   * same per route and per service (in flight, bulkhead, calls by outcome).
   */
  public static MicrometerMetricsOptions vertxMetricsOptions() {
    MicrometerMetricsOptions o = new MicrometerMetricsOptions().setEnabled(true)
        .setLabels(EnumSet.of(Label.POOL_TYPE, Label.POOL_NAME));
    for (MetricsDomain d : EnumSet.complementOf(EnumSet.of(MetricsDomain.NAMED_POOLS))) {
      o.addDisabledMetricsCategory(d);
    }
    return o;
  }

  public static VertxMetricsFactory vertxMetricsFactory() {
    return new MicrometerMetricsFactory(Metrics.processRegistry());
  }
}
